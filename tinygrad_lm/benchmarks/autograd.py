"""Benchmark of the autograd layer (tinygrad_lm/ops + the engine in tensor.py).

Sections (all in `run(args)`, args as parsed by tinygrad_lm.benchmarks.parse_args):
  * Python overhead per op: a 301-op chain on a (4, 4) tensor, forward and backward, microseconds
    per op (what a training step of a few hundred ops pays on top of the arithmetic);
  * a small MLP training step (matmul, bias, relu, gelu, layer_norm, dropout, cross-entropy, SGD),
    ms per step, with the Numba kernels and with the NumPy twins (kernels.use("numpy"));
  * GELU forward+backward on a (B, T, 4C) activation: Numba kernel vs NumPy twin;
  * embedding backward (scatter-add of (B*T, C) rows into (V, C)): Numba loop vs np.add.at.
Run: python -m tinygrad_lm.benchmarks.autograd [--quick]
(to add it to `tglm bench`, one SECTIONS line: "autograd": ("tinygrad_lm.benchmarks.autograd:run", ...)).
Omissions: no timing asserts; absolute numbers move with machine load, read the ratios.
"""
import sys
import time

import numpy as np

from .. import _threads  # noqa: F401  (thread settings before numpy)


def _median_time(fn, repeats, min_time=0.05):
    fn()
    t0 = time.perf_counter()
    fn()
    inner = max(1, int(min_time / max(time.perf_counter() - t0, 1e-7)))
    samples = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(inner):
            fn()
        samples.append((time.perf_counter() - t0) / inner)
    return float(np.median(samples))


def _per_op(repeats):
    import tinygrad_lm as tg
    x = tg.randn(4, 4, requires_grad=True)

    def fwd():
        y = x
        for _ in range(100):
            y = (y * 1.0001 + 0.0001).tanh()
        return y.sum()
    tf = _median_time(fwd, repeats)
    tb = _median_time(lambda: fwd().backward(), repeats) - tf
    print(f"  per-op Python overhead, 301-op chain on (4, 4): forward {tf / 301 * 1e6:.2f} us/op, "
          f"backward {tb / 301 * 1e6:.2f} us/op")


def _mlp(repeats, B, D, H, K):
    import tinygrad_lm as tg
    import tinygrad_lm.functional as F
    from tinygrad_lm import kernels
    tg.manual_seed(0)
    ps = [tg.randn(D, H, requires_grad=True), tg.zeros(H, requires_grad=True),
          tg.randn(H, H, requires_grad=True), tg.zeros(H, requires_grad=True),
          tg.randn(H, K, requires_grad=True), tg.zeros(K, requires_grad=True)]
    for p in ps:
        p.data *= 0.05
    W1, b1, W2, b2, W3, b3 = ps
    x = tg.randn(B, D)
    y = np.random.default_rng(0).integers(0, K, B)

    def step():
        h = F.relu(x @ W1 + b1)                                        # (B, H)
        h = F.dropout(F.layer_norm(F.gelu(h @ W2 + b2)), 0.1)         # (B, H)
        loss = F.cross_entropy(h @ W3 + b3, y)
        for p in ps:
            p.grad = None
        loss.backward()
        for p in ps:
            p.data -= 0.01 * p.grad
    res = {}
    for be in ("numba", "numpy"):
        old = kernels.use(be)
        try:
            res[be] = _median_time(step, repeats)
        finally:
            kernels.use(old)
    print(f"  MLP step B={B} D={D} H={H} K={K} (13 ops + SGD): numba kernels {res['numba'] * 1e3:.3f} ms, "
          f"NumPy twins {res['numpy'] * 1e3:.3f} ms")


def _gelu(repeats, shape):
    from tinygrad_lm.kernels import gelu as G
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape).astype(np.float32)
    g = rng.standard_normal(shape).astype(np.float32)
    tk = _median_time(lambda: (G.gelu_forward(x), G.gelu_backward(x, g)), repeats)
    tn = _median_time(lambda: (G.gelu_numpy(x), G.gelu_backward_numpy(x, g)), repeats)
    print(f"  GELU fwd+bwd {shape}: kernel {tk * 1e3:.1f} ms, NumPy twin {tn * 1e3:.1f} ms, "
          f"speedup {tn / tk:.1f}x")


def _embedding(repeats, V, C, N):
    from tinygrad_lm.kernels.embedding import scatter_add_rows_kernel as _scatter_add_rows_numba, scatter_add_rows_numpy
    rng = np.random.default_rng(0)
    ids = rng.integers(0, V, N)
    rows = rng.standard_normal((N, C)).astype(np.float32)
    dW = np.zeros((V, C), np.float32)
    tk = _median_time(lambda: _scatter_add_rows_numba(dW, ids, rows), repeats)
    tn = _median_time(lambda: scatter_add_rows_numpy(dW, ids, rows), repeats)
    print(f"  embedding backward scatter-add N={N} rows into ({V}, {C}): Numba {tk * 1e3:.2f} ms, "
          f"np.add.at {tn * 1e3:.2f} ms, speedup {tn / tk:.1f}x  (buffer reused: excludes page faults)")


def run(args):
    q = getattr(args, "quick", False)
    r = getattr(args, "repeats", 3 if q else 7)
    _per_op(r)
    _mlp(r, 8, 16, 32, 10)
    if not q:
        _mlp(r, 64, 128, 256, 10)
    _gelu(r, (4, 64, 512) if q else (16, 256, 1536))
    _embedding(r, 5000 if q else 50257, 64 if q else 384, 1024 if q else 4096)


if __name__ == "__main__":
    from . import parse_args
    run(parse_args(sys.argv[1:]))
