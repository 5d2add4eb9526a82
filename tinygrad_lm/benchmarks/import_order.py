"""Does speed depend on whether NumPy was imported before tinygrad_lm? (`tglm bench --only import_order`)

Each order runs in its own fresh subprocess (default environment), the two orders alternating
round by round so machine load hits both alike. Per order it prints
  * `Tensor @ Tensor` and `numpy.matmul` GFLOP/s (median of the rounds; inside a round the two
    calls alternate, the pattern where OpenBLAS's and Numba's pools used to spin against each
    other), at three shapes;
  * CPU ms burnt during a 300 ms sleep right after a numpy.matmul: OpenBLAS's idle threads
    spin-waiting (~30-50 ms here with OpenBLAS's default timeout, 0 with the one `_threads.py` sets).
Row "numpy only" is a process that never imports tinygrad_lm (OpenBLAS untouched), for scale.
Does not handle: PyTorch imported first (its bundled libgomp fixes the OpenMP wait policy).
"""
import json
import os
import statistics
import subprocess
import sys

SHAPES = [(4096, 512, 128), (2048, 768, 3072), (1024, 1024, 1024)]
QUICK_SHAPES = [(512, 512, 512)]
ORDERS = ["numpy first", "tinygrad_lm first"]


def child(order, shapes, inner):
    """Measure in this (fresh) process; print one JSON line."""
    import time
    if order == "numpy first":
        import numpy as np
        import tinygrad_lm as tg
    elif order == "tinygrad_lm first":
        import tinygrad_lm as tg
        import numpy as np
    else:                                              # "numpy only": spin measurement only
        import numpy as np
        tg = None
    rng = np.random.default_rng(0)
    out = {}
    for M, K, N in shapes if tg is not None else []:
        a = rng.standard_normal((M, K)).astype(np.float32)
        b = rng.standard_normal((K, N)).astype(np.float32)
        ta, tb = tg.Tensor(a), tg.Tensor(b)
        t_np = t_tg = 0.0
        for _ in range(inner + 1):                      # the first pair is a warm-up
            t0 = time.perf_counter()
            np.matmul(a, b)
            t1 = time.perf_counter()
            ta @ tb
            t2 = time.perf_counter()
            if _:
                t_np, t_tg = t_np + t1 - t0, t_tg + t2 - t1
        gf = 2.0 * M * K * N / 1e9
        out[f"{M}x{K}x{N}"] = (gf * inner / t_np, gf * inner / t_tg)
    a = np.ones((1024, 1024), np.float32)
    for _ in range(3):
        a @ a
    c0 = time.process_time()
    time.sleep(0.3)
    out["spin_ms"] = (time.process_time() - c0) * 1e3
    print(json.dumps(out))


def run(args=None):
    quick = bool(getattr(args, "quick", args))
    rounds = 2 if quick else max(3, (getattr(args, "repeats", None) or 5))
    shapes = QUICK_SHAPES if quick else SHAPES
    inner = 2 if quick else 5
    from .. import _threads
    env = {k: v for k, v in os.environ.items() if k not in _threads.set_by_us}   # the user's environment
    res = {o: [] for o in ORDERS + ["numpy only"]}
    for _ in range(rounds):
        for order in res:
            # exec this file's text, not `from tinygrad_lm.benchmarks... import child`, which would
            # import tinygrad_lm (the package) before numpy in every child
            cmd = [sys.executable, "-c", f"g = {{'__name__': 'child'}}; exec(open({__file__!r}).read(), g); "
                   f"g['child']({order!r}, {shapes!r}, {inner})"]
            p = subprocess.run(cmd, env=env, capture_output=True, text=True)
            if p.returncode:
                raise RuntimeError(f"import_order child ({order}) failed:\n{p.stderr[-2000:]}")
            res[order].append(json.loads(p.stdout.strip().splitlines()[-1]))
    print(f"{rounds} alternating rounds of fresh processes per import order; GFLOP/s median (min-max)")
    print(f"{'order':<20} {'shape (M,K,N)':<16} {'numpy.matmul':>18} {'Tensor @ Tensor':>18}")

    def fmt(xs):
        return f"{statistics.median(xs):6.0f} ({min(xs):.0f}-{max(xs):.0f})"
    for order in ORDERS:
        for M, K, N in shapes:
            key = f"{M}x{K}x{N}"
            nps = [r[key][0] for r in res[order]]
            ours = [r[key][1] for r in res[order]]
            print(f"{order:<20} {key:<16} {fmt(nps):>18} {fmt(ours):>18}")
    print("CPU ms spent by idle OpenBLAS threads in a 300 ms sleep after numpy.matmul (median):")
    for order in res:
        print(f"  {order:<20} {statistics.median(r['spin_ms'] for r in res[order]):6.0f} ms")


if __name__ == "__main__":
    run("--quick" in sys.argv[1:])
