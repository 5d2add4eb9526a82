"""Thread-pool settings that must be in the environment before NumPy (OpenBLAS) starts.

Measured on a 2-core machine: a 2-thread OpenBLAS call alternating with a 2-thread Numba kernel
ran 4.9x slower than either alone, because both pools spin-wait for work after finishing.
OPENBLAS_THREAD_TIMEOUT=4 makes OpenBLAS threads sleep soon after a call; OMP_WAIT_POLICY=PASSIVE
does the same for OpenMP pools (Numba's `omp` threading layer). Each alone fixed it only partly.

We only *default* them (a user's own setting wins), and only if NumPy is not imported yet —
once OpenBLAS has started its pool the variables are ignored. `status()` tells which happened.
"""
import os
import sys

THREAD_ENV = {"OPENBLAS_THREAD_TIMEOUT": "4", "OMP_WAIT_POLICY": "PASSIVE"}

numpy_was_imported_first = "numpy" in sys.modules
if not numpy_was_imported_first:
    for _key, _value in THREAD_ENV.items():
        os.environ.setdefault(_key, _value)


def status():
    """Return {variable: (value in the environment or None, whether it could take effect)}."""
    return {k: (os.environ.get(k), not numpy_was_imported_first) for k in THREAD_ENV}
