"""`tglm info`: what this installation runs on, and how fast it starts.

Prints versions (python, numpy, numba, llvmlite, tinygrad_lm), Numba's thread count and threading
layer, whether the JIT is disabled, where compiled kernels are cached (and how many files are
there), the thread-pool environment status (see _threads.py), NumPy's BLAS (numpy.show_runtime),
and the warm-start time: a fresh `python` process that imports tinygrad_lm and calls every kernel
once. With a warm cache that should be well under 2 s; the very first run compiles every kernel
(< 60 s) and says so.
Omissions: no hardware probing beyond what NumPy reports; no GPU.
"""
import contextlib
import io
import json
import os
import platform
import subprocess
import sys
import time

from .. import _threads
from . import command
from .args import Parser

# The body of the warm-start probe, run in a fresh interpreter (so imports are really timed).
_PROBE = r"""
import time, json
t0 = time.perf_counter()
import tinygrad_lm
from tinygrad_lm.kernels import api as K
import numpy as np
t_import = time.perf_counter() - t0
f = np.float32
x = np.ones((4, 8), f); w = np.ones(8, f); b = np.zeros(8, f); t = np.zeros(4, np.int64)
m = np.ones((128, 128), f)        # big enough for the Numba matmul (tiny ones go to numpy)
calls = {
    "matmul": lambda: K.matmul(m, m),
    "matmul (batched)": lambda: K.matmul(m[None], m.T[None]),
    "softmax": lambda: K.softmax(x),
    "log_softmax": lambda: K.log_softmax(x),
    "cross_entropy": lambda: K.cross_entropy(x, t),
    "layer_norm_forward": lambda: K.layer_norm_forward(x, w, b),
    "layer_norm_backward": lambda: K.layer_norm_backward(x, x, w, np.zeros(4, f), np.ones(4, f)),
}
times = {}
for name, call in calls.items():
    t1 = time.perf_counter(); call(); times[name] = time.perf_counter() - t1
print(json.dumps({"import": t_import, "calls": times, "total": time.perf_counter() - t0}))
"""


def warm_start_timing(timeout=300.0):
    """Run the probe in a fresh process; returns {"import": s, "calls": {name: s}, "total": s}."""
    out = subprocess.run([sys.executable, "-c", _PROBE], capture_output=True, text=True,
                         timeout=timeout, env=os.environ.copy())
    if out.returncode != 0:
        raise RuntimeError(f"warm-start probe failed:\n{out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def cache_location():
    """(directory, number of cached kernel files) for tinygrad_lm's Numba cache."""
    import numba
    if numba.config.CACHE_DIR:
        where = os.path.abspath(numba.config.CACHE_DIR)
    else:                             # default: __pycache__ next to the kernels' source
        where = os.path.join(os.path.dirname(os.path.abspath(__file__)), "kernels", "__pycache__")
    n = 0
    for root, _dirs, files in os.walk(where):
        n += sum(f.endswith((".nbi", ".nbc")) for f in files)
    return where, n


def blas_info() -> str:
    import numpy as np
    buf = io.StringIO()
    try:
        with contextlib.redirect_stdout(buf):
            np.show_runtime()
    except Exception as e:            # older numpy
        return f"(numpy.show_runtime failed: {e})"
    lines = buf.getvalue().rstrip().splitlines()
    # without threadpoolctl numpy prints a WARNING line instead of the BLAS thread pools: say it in one note
    kept = [ln for ln in lines if "threadpoolctl" not in ln]
    note = ["(BLAS thread pools: `pip install threadpoolctl` for details)"] if len(kept) < len(lines) else []
    return "\n".join(kept + note)


def collect(probe=True) -> dict:
    import llvmlite
    import numba
    import numpy as np

    from .. import __version__
    from ..kernels import api as K
    info = {
        "python": platform.python_version(), "numpy": np.__version__, "numba": numba.__version__,
        "llvmlite": llvmlite.__version__, "tinygrad_lm": __version__,
        "jit_disabled": bool(numba.config.DISABLE_JIT), "kernels_backend": K.backend(),
        "numba_threads": numba.get_num_threads(), "cpu_count": os.cpu_count(),
    }
    K.softmax(np.ones((2, 3), np.float32))           # a parallel kernel must run before ...
    try:
        info["threading_layer"] = numba.threading_layer()   # ... this can answer
    except ValueError:
        info["threading_layer"] = "(none: JIT disabled)"
    info["cache_dir"], info["cache_files"] = cache_location()
    how = _threads.explain()
    info["thread_env"] = {k: {"value": v, "took_effect": ok, "how": how[k]} for k, (v, ok) in _threads.status().items()}
    if probe:
        t0 = time.perf_counter()
        info["warm_start"] = warm_start_timing()
        info["warm_start"]["wall"] = time.perf_counter() - t0
    return info


@command("tglm info")
def main(argv=None) -> int:
    ap = Parser(prog="tglm info", description=__doc__.splitlines()[0])
    ap.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    ap.add_argument("--no-probe", action="store_true", help="skip the warm-start subprocess")
    args = ap.parse_args(argv)
    info = collect(probe=not args.no_probe)
    if args.json:
        print(json.dumps(info, indent=2))
        return 0
    p = print
    p(f"tinygrad_lm {info['tinygrad_lm']}   python {info['python']}   numpy {info['numpy']}   "
      f"numba {info['numba']}   llvmlite {info['llvmlite']}")
    p(f"kernels:        backend={info['kernels_backend']} (TGLM_KERNELS=numpy or "
      f"kernels.use('numpy') selects the NumPy twins)")
    p(f"numba:          {info['numba_threads']} threads (cpu_count {info['cpu_count']}), "
      f"threading layer {info['threading_layer']}, JIT disabled: {info['jit_disabled']}")
    p(f"kernel cache:   {info['cache_dir']}  ({info['cache_files']} files)")
    for k, v in info["thread_env"].items():
        note = v["how"] if v["took_effect"] else "NOT applied: " + v["how"]
        p(f"thread env:     {k}={v['value']}  ({note})")
    if "warm_start" in info:
        w = info["warm_start"]
        cold = " (includes compiling: the cache was cold)" if w["total"] > 5 else ""
        p(f"warm start:     import {w['import']:.2f} s + first call of every kernel "
          f"{sum(w['calls'].values()):.2f} s = {w['total']:.2f} s{cold}")
        p("                " + ", ".join(f"{k} {v * 1e3:.0f} ms" for k, v in w["calls"].items()))
    p("numpy runtime (BLAS):")
    p("  " + blas_info().replace("\n", "\n  "))
    return 0


if __name__ == "__main__":
    sys.exit(main())
