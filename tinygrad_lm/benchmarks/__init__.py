"""`tglm bench` (same as `python -m tinygrad_lm.benchmarks`): how fast the kernels (and models) run.

Each section is one function `run(args) -> None` that prints its own table; sections are listed
in SECTIONS by name and imported only when run, so a later issue adds a model benchmark with one
line here (and a module next to this file). Timings are the median of several repeats, and the
contenders are interleaved repeat by repeat, so a noisy neighbour slows both sides alike: read the
RATIO columns, the absolute numbers move with machine load.

Options: --quick (smaller shapes, fewer repeats, for CI), --only matmul,softmax (comma list),
--repeats N, --threads N (e.g. 1: per-core comparison, steadier on a busy machine).
To compare with numpy's best OpenBLAS kernel, run without the variables that pin it to a generic
one:   env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE tglm bench
(the `runtime` section prints which OpenBLAS kernel numpy is using).
Section `versus` runs each framework in its own process (see versus.py; --torch-python PATH).
Omissions: no timing asserts anywhere (tests never time things).
"""
import argparse
import contextlib
import importlib
import statistics
import sys
import time

from .. import _threads  # noqa: F401  (thread settings before numpy)

# name -> ("module:function", one-line description). Add a line to add a section.
SECTIONS = {
    "runtime":       ("tinygrad_lm.benchmarks.kernels:run_runtime", "numpy/OpenBLAS and Numba setup"),
    "matmul":        ("tinygrad_lm.benchmarks.kernels:run_matmul", "GFLOP/s vs numpy.matmul"),
    "import_order":  ("tinygrad_lm.benchmarks.import_order:run", "speed with numpy imported before / after tinygrad_lm"),
    "softmax":       ("tinygrad_lm.benchmarks.kernels:run_softmax", "softmax, log_softmax vs NumPy twins"),
    "cross_entropy": ("tinygrad_lm.benchmarks.kernels:run_cross_entropy", "fused CE fwd+bwd vs twin"),
    "layer_norm":    ("tinygrad_lm.benchmarks.kernels:run_layer_norm", "layer_norm fwd+bwd vs twin"),
    "autograd":      ("tinygrad_lm.benchmarks.autograd:run", "Python overhead per op, small MLP step, GELU / embedding kernels"),
    "bpe":           ("tinygrad_lm.benchmarks.bpe:run", "byte-level BPE: training time, encode MB/s, tokens per char"),
    "lstm":          ("tinygrad_lm.benchmarks.lstm:run", "char-LSTM training step ms vs PyTorch (hidden 256, 512)"),
    "local_attention": ("tinygrad_lm.benchmarks.local_attention:run", "dense vs banded (GPT-3 local) attention fwd+bwd, T 256-1024, w 64/128"),
    "gpt2":          ("tinygrad_lm.benchmarks.gpt2:run", "GPT-2 124M: generation tokens/s (KV cache), fine-tuning step ms"),
    "gpt":           ("tinygrad_lm.benchmarks.gpt:run", "GPT training step (fwd+bwd+AdamW) ms and tokens/s vs PyTorch"),
    "versus":        ("tinygrad_lm.benchmarks.versus:run", "GPT (a), (b), char-LSTM steps vs PyTorch, each in its own process"),
}


def timeit(fns, repeats=5, warmup=1, min_time=0.0):
    """Median seconds per call of each function in `fns` (a list), interleaved repeat by repeat.

    Each repeat times a batch of calls lasting at least `min_time` (for very fast calls).
    """
    for _ in range(warmup):
        for f in fns:
            f()
    inner = []
    for f in fns:                       # how many calls per timed batch
        t0 = time.perf_counter()
        f()
        dt = max(time.perf_counter() - t0, 1e-7)
        inner.append(max(1, int(min_time / dt)))
    samples = [[] for _ in fns]
    for _ in range(repeats):
        for i, f in enumerate(fns):
            t0 = time.perf_counter()
            for _ in range(inner[i]):
                f()
            samples[i].append((time.perf_counter() - t0) / inner[i])
    return [statistics.median(s) for s in samples]


def parse_args(argv):
    ap = argparse.ArgumentParser(prog="tglm bench", description=__doc__.splitlines()[0],
                                 epilog="sections: " + ", ".join(SECTIONS) + ".  Against numpy's "
                                 "best OpenBLAS kernel: env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "
                                 "tglm bench")
    ap.add_argument("--quick", action="store_true", help="small shapes, 3 repeats (a CI smoke run)")
    ap.add_argument("--only", default="", help="comma-separated sections to run (default: all)")
    ap.add_argument("--repeats", type=int, default=None, help="timed repeats per case (median)")
    ap.add_argument("--threads", type=int, default=0,
                    help="limit Numba AND numpy's BLAS to N threads (default: all). --threads 1 "
                         "compares per-core speed, which a busy machine disturbs less")
    ap.add_argument("--torch-python", default=None, metavar="PATH",
                    help="section versus: a Python where `import torch` works (default: this one, if so)")
    args = ap.parse_args(argv)
    if args.repeats is None:
        args.repeats = 3 if args.quick else 7
    return args


def main(argv=None) -> int:
    args = parse_args(list(sys.argv[1:] if argv is None else argv))
    names = [s.strip() for s in args.only.split(",") if s.strip()] or list(SECTIONS)
    unknown = [n for n in names if n not in SECTIONS]
    if unknown:
        print(f"tglm bench: unknown section(s) {unknown}; choose from {list(SECTIONS)}", file=sys.stderr)
        return 2
    with _thread_limit(args.threads):
        for name in names:
            module_name, func_name = SECTIONS[name][0].split(":")
            print(f"\n== {name}: {SECTIONS[name][1]} ==")
            sys.stdout.flush()
            getattr(importlib.import_module(module_name), func_name)(args)
            sys.stdout.flush()
    return 0


@contextlib.contextmanager
def _thread_limit(n):
    """Numba and BLAS limited to n threads (n <= 0: unchanged). BLAS needs threadpoolctl."""
    if n <= 0:
        yield
        return
    import numba
    old = numba.get_num_threads()
    numba.set_num_threads(min(n, numba.config.NUMBA_NUM_THREADS))
    try:
        from threadpoolctl import threadpool_limits
        blas = threadpool_limits(limits=n, user_api="blas")
    except ImportError:
        print("(threadpoolctl not installed: numpy's BLAS keeps its own thread count)")
        blas = contextlib.nullcontext()
    try:
        with blas:
            print(f"(limited to {n} thread(s))")
            yield
    finally:
        numba.set_num_threads(old)
