"""Thread-pool settings so NumPy's OpenBLAS pool and Numba's pool do not spin against each other.

Measured on a 2-core machine: a 2-thread OpenBLAS call alternating with a 2-thread Numba kernel
ran 4.9x slower than either alone, because both pools spin-wait for work after finishing.
OPENBLAS_THREAD_TIMEOUT=4 makes OpenBLAS threads sleep soon after a call (2**4 cycles instead
of its default 2**28, ~0.1 s); OMP_WAIT_POLICY=PASSIVE does the same for OpenMP pools (Numba's
`omp` threading layer). Each alone fixed it only partly.

We only *default* them (a user's own setting wins). Each variable is read once, when its library
starts, so importing order matters; this module makes them take effect in either order:
  * OMP_WAIT_POLICY: libgomp reads it when it is loaded, i.e. when Numba's first parallel kernel
    starts its `omp` pool, long after `import numpy`. Setting it works unless some library
    (PyTorch bundles a `libgomp.so.1`) has already loaded libgomp into the process.
  * OPENBLAS_THREAD_TIMEOUT: OpenBLAS reads it when it is loaded (`import numpy`) and uses it
    when it starts its thread pool. If NumPy came first (`import numpy as np` above
    `import tinygrad_lm`, as most scripts do), we set the variable anyway and then, through
    OpenBLAS's own exported C functions (ctypes): `openblas_read_env()` re-reads the environment
    and `blas_thread_shutdown_()` stops the pool (the same call OpenBLAS makes around fork());
    its next multi-threaded call restarts the pool with the new timeout. `openblas_thread_timeout()`
    returns the value in effect (tests/test_threads.py checks it in a numpy-first subprocess).
    Measured (benchmarks/import_order.py): numpy first, `Tensor @ Tensor` at 1024^3 alternating
    with numpy.matmul ran at ~90 GFLOP/s against ~180 with tinygrad_lm first; with the restart,
    the same in both orders.
`status()` tells what happened; `tglm info` prints it.
Does not handle: OpenBLAS builds without these symbols (e.g. an OpenMP-threaded OpenBLAS, or
Accelerate / MKL as numpy's BLAS): there `status()` reports that the setting could not be applied.
"""
import os
import sys

THREAD_ENV = {"OPENBLAS_THREAD_TIMEOUT": "4", "OMP_WAIT_POLICY": "PASSIVE"}

numpy_was_imported_first = "numpy" in sys.modules
_applied = {}          # variable -> (took effect: bool, how: str)
set_by_us = set()      # variables this module put into os.environ (the user had not set them)


def _loaded_libraries():
    """Paths of the shared libraries mapped into this process (Linux /proc/self/maps; else [])."""
    try:
        with open("/proc/self/maps") as f:
            return sorted({line.split()[-1] for line in f if ".so" in line and "/" in line})
    except OSError:
        return []


def openblas_library():
    """ctypes handle of the OpenBLAS that NumPy loaded, or None (not loaded / not found)."""
    import ctypes
    for path in _loaded_libraries():
        if "openblas" in os.path.basename(path).lower():
            try:
                lib = ctypes.CDLL(path)          # already mapped: the same handle, no second copy
            except OSError:
                continue
            if hasattr(lib, "openblas_read_env"):
                return lib
    return None


def openblas_thread_timeout():
    """OPENBLAS_THREAD_TIMEOUT as NumPy's OpenBLAS sees it now (0: its default), or None."""
    lib = openblas_library()
    if lib is None or not hasattr(lib, "openblas_thread_timeout"):
        return None
    return int(lib.openblas_thread_timeout())


def _restart_openblas_pool():
    """Make OpenBLAS re-read its environment and restart its pool. -> (ok, how)."""
    lib = openblas_library()
    if lib is None:
        return False, "NumPy's OpenBLAS not found among the loaded libraries"
    if not hasattr(lib, "blas_thread_shutdown_"):
        return False, "this OpenBLAS has no blas_thread_shutdown_ (an OpenMP build?)"
    lib.openblas_read_env()              # re-reads OPENBLAS_THREAD_TIMEOUT & co. from the environment
    lib.blas_thread_shutdown_()          # threads exit; the next threaded call restarts them
    return True, "NumPy was imported first: OpenBLAS's pool restarted (ctypes)"


def _libgomp_loaded():
    return any(os.path.basename(p).startswith("libgomp") for p in _loaded_libraries())


def apply():
    """Default THREAD_ENV and make it take effect now (see the module docstring). Idempotent."""
    for key, value in THREAD_ENV.items():
        if key not in os.environ:
            os.environ[key] = value
            set_by_us.add(key)
    if "OMP_WAIT_POLICY" not in _applied:
        if _libgomp_loaded():
            _applied["OMP_WAIT_POLICY"] = (False, "libgomp was already loaded (e.g. by torch): "
                                                  "its wait policy is fixed")
        else:
            _applied["OMP_WAIT_POLICY"] = (True, "set before libgomp loads")
    if "OPENBLAS_THREAD_TIMEOUT" not in _applied:
        if "numpy" not in sys.modules:
            _applied["OPENBLAS_THREAD_TIMEOUT"] = (True, "set before NumPy's OpenBLAS loads")
        else:
            try:
                _applied["OPENBLAS_THREAD_TIMEOUT"] = _restart_openblas_pool()
            except Exception as e:          # never let a tuning step break `import tinygrad_lm`
                _applied["OPENBLAS_THREAD_TIMEOUT"] = (False, f"restart failed: {e!r}")


def status():
    """Return {variable: (value in the environment or None, whether it took effect)}."""
    return {k: (os.environ.get(k), _applied.get(k, (False, ""))[0]) for k in THREAD_ENV}


def explain():
    """Return {variable: one line on how (or why not) the setting took effect}."""
    return {k: _applied.get(k, (False, "not applied"))[1] for k in THREAD_ENV}


apply()
