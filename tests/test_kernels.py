"""Every Numba kernel agrees with its NumPy twin (tinygrad_lm/kernels/).

Shapes include odd sizes (1, 3, 127), sizes that cross the matmul block edges, non-contiguous
views, broadcast batch dims, size-0 dims and extreme logits. No timing asserts (shared machine):
speed lives in `tglm bench`. Run once with NUMBA_DISABLE_JIT=1 too (big shapes are skipped there,
pure-Python loops would take minutes).
"""
import os
import subprocess
import sys

import numba
import numpy as np
import pytest

from tinygrad_lm.kernels import _jit
from tinygrad_lm.kernels import api as K
from tinygrad_lm.kernels import matmul as MM
from tinygrad_lm.kernels._jit import fast_exp

NOJIT = bool(numba.config.DISABLE_JIT)
big = pytest.mark.skipif(NOJIT, reason="too slow as pure Python (NUMBA_DISABLE_JIT=1)")


def rng(seed=0):
    return np.random.default_rng(seed)


def randn(shape, seed=0, scale=1.0):
    return (rng(seed).standard_normal(shape) * scale).astype(np.float32)


def close(got, want, rtol=1e-4, atol=1e-5, what=""):
    got, want = np.asarray(got), np.asarray(want)
    assert got.shape == want.shape, f"{what}: shape {got.shape} != twin's {want.shape}"
    assert got.dtype == want.dtype, f"{what}: dtype {got.dtype} != twin's {want.dtype}"
    np.testing.assert_allclose(got, want, rtol=rtol, atol=atol, err_msg=what)


@pytest.fixture(autouse=True, params=["parallel", "serial"])
def numba_backend(request, monkeypatch):
    """Every test runs the Numba kernels twice: always on all threads, and always on one thread
    (small inputs take that path in normal use). Tiny and skinny matmuls are NOT handed to numpy
    here, so the Numba matmul sees 1-row and 1-column products too."""
    monkeypatch.setattr(MM, "SMALL_MATMUL_FLOPS", 0)
    monkeypatch.setattr(MM, "SKINNY_ROWS", 0)
    big_ = 0 if request.param == "parallel" else 1 << 62
    monkeypatch.setattr(_jit, "PARALLEL_MIN_FLOPS", big_)
    monkeypatch.setattr(_jit, "PARALLEL_MIN_ELEMENTS", big_)
    old = K.use("numba")
    yield
    K.use(old)


def test_tiny_matmul_goes_to_numpy_by_default(monkeypatch):
    monkeypatch.undo()
    a = randn((4, 4))
    assert 2 * 4 ** 3 < MM.SMALL_MATMUL_FLOPS
    np.testing.assert_array_equal(K.matmul(a, a), a @ a)


# ---- matmul ------------------------------------------------------------------------------------------
MM_SHAPES = [(1, 1, 1), (1, 3, 1), (3, 1, 3), (3, 5, 7), (2, 127, 3), (127, 129, 65), (13, 64, 40)]
MM_BIG = [(300, 600, 700), (97, 1000, 33), (1, 700, 1000), (256, 64, 1100), (40, 1100, 1030)]


def check_mm(a, b, what):
    want = np.matmul(a.astype(np.float64), b.astype(np.float64)).astype(np.float32)
    scale = np.sqrt(a.shape[-1]) + 1
    close(K.matmul(a, b), want, rtol=1e-4, atol=1e-5 * scale, what=what)


@pytest.mark.parametrize("M,K_,N", MM_SHAPES + [pytest.param(*s, marks=big) for s in MM_BIG])
def test_matmul_2d(M, K_, N):
    a, b = randn((M, K_), 1), randn((K_, N), 2)
    check_mm(a, b, f"matmul {a.shape} @ {b.shape}")


@pytest.mark.parametrize("M,K_,N", [(3, 5, 7), (127, 65, 33), pytest.param(200, 300, 500, marks=big)])
def test_matmul_non_contiguous(M, K_, N):
    at = randn((K_, M), 3).T                            # transposed view (F-order)
    bt = randn((N, K_), 4).T
    check_mm(at, bt, "a.T @ b.T")
    a_step = randn((M, 2 * K_), 5)[:, ::2]              # strided columns
    b_step = randn((2 * K_, N), 6)[::2]                 # strided rows
    check_mm(a_step, b_step, "a[:, ::2] @ b[::2]")


@pytest.mark.parametrize("ashape,bshape", [
    ((4, 5, 3), (3, 6)),                # (B, T, C) @ (C, N): flattened to one 2-D product
    ((5, 3), (4, 3, 6)),                # 2-D a broadcast over b's batch
    ((2, 1, 5, 3), (3, 3, 6)),          # (2, 1) x (3,) -> (2, 3) batch
    ((2, 3, 7, 16), (2, 3, 16, 7)),     # attention-like (B, H, T, D) @ (B, H, D, T)
    ((1, 1, 1), (1, 1, 1)),
])
def test_matmul_batched_broadcast(ashape, bshape):
    a, b = randn(ashape, 7), randn(bshape, 8)
    check_mm(a, b, f"matmul {ashape} @ {bshape}")


def test_matmul_batched_transposed_views():
    q = randn((2, 3, 9, 8), 9)
    k = randn((2, 3, 9, 8), 10)
    check_mm(q, k.transpose(0, 1, 3, 2), "q @ k.T over (B, H)")
    check_mm(randn((3, 8, 5), 11).transpose(0, 2, 1), randn((8, 4), 12), "batched transposed a @ 2-D b")


def test_matmul_size_zero_and_vectors():
    for a_shape, b_shape in [((0, 3), (3, 4)), ((2, 0), (0, 4)), ((2, 3), (3, 0)), ((0, 2, 3), (3, 4))]:
        a, b = randn(a_shape), randn(b_shape)
        close(K.matmul(a, b), np.matmul(a, b), what=f"size-0 {a_shape} @ {b_shape}")
    a, v = randn((4, 3)), randn((3,), 1)
    close(K.matmul(a, v), a @ v, what="matrix @ vector")
    close(K.matmul(v, randn((3, 2))), v @ randn((3, 2)), what="vector @ matrix")


def test_matmul_float64_runs_twin_exactly():
    a, b = rng(1).standard_normal((5, 7)), rng(2).standard_normal((7, 3))
    out = K.matmul(a, b)
    assert out.dtype == np.float64
    np.testing.assert_array_equal(out, a @ b)


def test_matmul_errors_are_readable():
    with pytest.raises(ValueError, match="inner dims"):
        K.matmul(randn((3, 4)), randn((5, 2)))
    with pytest.raises(ValueError, match="batch dims"):
        K.matmul(randn((2, 3, 4)), randn((3, 4, 2)))
    with pytest.raises(TypeError, match="floating"):
        K.matmul(np.ones((2, 2), dtype=np.int64), randn((2, 2)))


# ---- softmax / log_softmax -----------------------------------------------------------------------
SM_SHAPES = [(1, 1), (1, 3), (3, 1), (127, 3), (5, 127), (4, 65), (2, 3, 33)]


@pytest.mark.parametrize("shape", SM_SHAPES + [pytest.param((3, 50257), marks=big)])
def test_softmax_matches_twin(shape):
    x = randn(shape, 1, scale=5.0)
    close(K.softmax(x), K.softmax_numpy(x), rtol=1e-5, atol=1e-7, what=f"softmax {shape}")
    close(K.log_softmax(x), K.log_softmax_numpy(x), rtol=1e-5, atol=1e-5, what=f"log_softmax {shape}")


def test_softmax_extreme_and_masked_logits():
    x = randn((6, 40), 2, scale=3.0)
    x[0, 5] = 1e4                                  # one huge logit: a one-hot softmax
    x[1, :] = -1e4                                 # all equal and hugely negative: uniform
    x[2, ::2] = -1e4
    x[3, 3] = -1e4
    x[4, 10:] = -np.inf                            # causal-mask style -inf
    x[5, 0] = 1e4
    x[5, 1] = -1e4
    for fn, twin in [(K.softmax, K.softmax_numpy), (K.log_softmax, K.log_softmax_numpy)]:
        got, want = fn(x), twin(x)
        assert np.isfinite(got[:4]).all() or fn is K.log_softmax, f"{fn.__name__}: non-finite output"
        close(got, want, rtol=1e-5, atol=1e-6, what=f"{fn.__name__} extreme")
    p = K.softmax(x)
    assert p[0, 5] == 1.0 and p[4, 10:].max() == 0.0
    np.testing.assert_allclose(p.sum(axis=-1), 1.0, rtol=1e-5)


def test_softmax_non_contiguous_and_empty():
    x = randn((40, 9), 3).T                         # (9, 40) transposed view
    close(K.softmax(x), K.softmax_numpy(x), rtol=1e-5, atol=1e-7, what="softmax of x.T")
    close(K.log_softmax(x[:, ::3]), K.log_softmax_numpy(x[:, ::3]), rtol=1e-5, atol=1e-5,
          what="log_softmax of strided view")
    assert K.softmax(np.zeros((0, 5), np.float32)).shape == (0, 5)
    x64 = rng(4).standard_normal((3, 4))
    np.testing.assert_array_equal(K.softmax(x64), K.softmax_numpy(x64))


def test_fast_exp_accuracy():
    xs = np.concatenate([np.linspace(-87, 88, 20001), [0.0, -1e-8, 1e-8, -0.5, 0.5]]).astype(np.float32)
    got = np.array([fast_exp(x) for x in xs], dtype=np.float32)
    want = np.exp(xs.astype(np.float64))
    rel = np.abs(got - want) / want
    assert rel.max() < 3e-7, f"fast_exp max rel err {rel.max():.2e} at x={xs[np.argmax(rel)]}"
    assert fast_exp(np.float32(-1e4)) == 0.0 and fast_exp(np.float32(-np.inf)) == 0.0
    assert fast_exp(np.float32(1e4)) == np.inf and np.isnan(fast_exp(np.float32(np.nan)))


# ---- cross-entropy ------------------------------------------------------------------------------------
def check_ce(logits, targets, ignore_index=-100, what=""):
    for need_grad in (True, False):
        loss, d = K.cross_entropy(logits, targets, ignore_index, need_grad)
        loss2, d2 = K.cross_entropy_numpy(np.ascontiguousarray(logits), targets, ignore_index, need_grad)
        assert isinstance(loss, np.float32), f"{what}: loss should be np.float32, got {type(loss)}"
        close(loss, loss2, rtol=1e-5, atol=1e-6, what=f"{what} loss")
        if need_grad:
            close(d, d2, rtol=1e-4, atol=1e-8, what=f"{what} dlogits")
        else:
            assert d is None


@pytest.mark.parametrize("N,V", [(1, 1), (1, 3), (3, 1), (127, 3), (5, 127), (64, 65)]
                         + [pytest.param(4, 50257, marks=big)])
def test_cross_entropy_matches_twin(N, V):
    logits = randn((N, V), 5, scale=4.0)
    targets = rng(6).integers(0, V, N)
    check_ce(logits, targets, what=f"CE ({N}, {V})")


def test_cross_entropy_ignore_index_extremes_and_views():
    logits = randn((8, 30), 7, scale=3.0)
    logits[0, 4] = 1e4
    logits[1, :] = -1e4
    logits[2, 7] = -1e4
    targets = rng(8).integers(0, 30, 8)
    targets[0], targets[2] = 4, 7                  # confident right / confident wrong
    targets[3] = targets[6] = -100
    check_ce(logits, targets, what="CE extreme + ignored")
    check_ce(logits, np.where(targets == -100, 3, targets), ignore_index=3, what="CE ignore_index=3")
    check_ce(randn((30, 8), 9).T, rng(10).integers(0, 30, 8), what="CE of transposed logits")
    loss, d = K.cross_entropy(logits, np.full(8, -100))
    assert loss == 0.0 and not d.any(), "all rows ignored: loss 0 and zero gradient"


def test_cross_entropy_errors():
    with pytest.raises(IndexError, match=r"targets\[1\] = 30"):
        K.cross_entropy(randn((3, 30)), np.array([1, 30, 2]))
    with pytest.raises(ValueError, match="shape"):
        K.cross_entropy(randn((3, 30)), np.array([1, 2]))
    with pytest.raises(TypeError, match="integers"):
        K.cross_entropy(randn((3, 30)), np.array([1.0, 2.0, 0.0]))


# ---- layer norm ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("shape", [(1, 1), (1, 3), (3, 1), (127, 3), (5, 127), (64, 768), (2, 3, 33)])
def test_layer_norm_matches_twin(shape):
    C = shape[-1]
    x = randn(shape, 11, scale=2.0) + 3.0
    w, b = randn((C,), 12), randn((C,), 13)
    y, mean, rstd = K.layer_norm_forward(x, w, b, 1e-5)
    x2 = x.reshape(-1, C)
    y2, mean2, rstd2 = K.layer_norm_forward_numpy(x2, w, b, 1e-5)
    close(y, y2.reshape(shape), rtol=1e-4, atol=2e-5, what=f"layer_norm y {shape}")
    close(mean, mean2.reshape(shape[:-1]), rtol=1e-5, atol=1e-6, what="layer_norm mean")
    close(rstd, rstd2.reshape(shape[:-1]), rtol=1e-4, atol=1e-6, what="layer_norm rstd")
    dy = randn(shape, 14)
    dx, dw, db = K.layer_norm_backward(dy, x, w, mean, rstd)
    dx2, dw2, db2 = K.layer_norm_backward_numpy(dy.reshape(-1, C), x2, w, mean2, rstd2)
    close(dx, dx2.reshape(shape), rtol=1e-3, atol=5e-5, what=f"layer_norm dx {shape}")
    close(dw, dw2, rtol=1e-3, atol=5e-5, what="layer_norm dweight")
    close(db, db2, rtol=1e-4, atol=5e-5, what="layer_norm dbias")


def test_layer_norm_views_float64_and_errors():
    x = randn((48, 20), 15).T                       # (20, 48) non-contiguous
    w, b = randn((48,), 16), randn((48,), 17)
    y, m, r = K.layer_norm_forward(x, w, b)
    close(y, K.layer_norm_forward_numpy(x, w, b)[0], rtol=1e-4, atol=2e-5, what="layer_norm of x.T")
    dy = randn((48, 20), 18).T
    got = K.layer_norm_backward(dy, x, w, m, r)
    want = K.layer_norm_backward_numpy(dy, x, w, m, r)
    for g, wnt, name in zip(got, want, ("dx", "dweight", "dbias")):
        close(g, wnt, rtol=1e-3, atol=5e-5, what=f"layer_norm {name} of views")
    x64 = rng(1).standard_normal((4, 6))
    y64, _, _ = K.layer_norm_forward(x64, np.ones(6), np.zeros(6))
    assert y64.dtype == np.float64
    with pytest.raises(ValueError, match=r"weight must have shape \(C,\)"):
        K.layer_norm_forward(randn((4, 6)), randn((5,)), randn((6,)))
    with pytest.raises(ValueError, match="mean and rstd"):
        K.layer_norm_backward(randn((4, 6)), randn((4, 6)), randn((6,)), randn((3,)), randn((4,)))


# ---- the package layout -----------------------------------------------------------------------------
def test_submodules_are_not_shadowed_by_functions():
    """kernels/__init__ once defined functions named like its submodules; the modules must win."""
    import importlib
    import types
    for name in ("matmul", "gemv", "softmax", "cross_entropy", "layer_norm", "gelu", "embedding",
                 "sparse", "attention", "lstm", "rnn"):
        mod = importlib.import_module(f"tinygrad_lm.kernels.{name}")
        pkg_attr = getattr(importlib.import_module("tinygrad_lm.kernels"), name)
        assert isinstance(pkg_attr, types.ModuleType) and pkg_attr is mod, (
            f"tinygrad_lm.kernels.{name} is {pkg_attr!r}, not the submodule")
    import tinygrad_lm.kernels.softmax as m
    assert isinstance(m, types.ModuleType) and callable(m.softmax) and K.softmax is m.softmax


def test_read_only_and_broadcast_inputs():
    x = randn((6, 20), 20)
    x.flags.writeable = False
    close(K.softmax(x), K.softmax_numpy(x), rtol=1e-5, atol=1e-7, what="softmax of read-only x")
    t = np.broadcast_to(np.array([3]), (6,))              # read-only, zero-stride targets
    check_ce(x, t, what="CE with broadcast targets")
    w = np.broadcast_to(np.float32(1.5), (20,))
    close(K.layer_norm_forward(x, w, w)[0], K.layer_norm_forward_numpy(x, w, w)[0], rtol=1e-4,
          atol=2e-5, what="layer_norm with broadcast weight")
    check_mm(x, np.broadcast_to(randn((20, 1), 21), (20, 7)), "matmul with a broadcast (read-only) b")
    check_mm(np.broadcast_to(x, (3, 6, 20)), randn((3, 20, 5), 22), "matmul with broadcast batch a")


def test_matmul_from_two_python_threads():
    import threading
    a, b = randn((200, 300), 23), randn((300, 150), 24)
    want = a @ b
    errors = []

    def work():
        for _ in range(5):
            got = K.matmul(a, b)
            if not np.allclose(got, want, rtol=1e-4, atol=1e-3):
                errors.append(float(np.abs(got - want).max()))
    threads = [threading.Thread(target=work) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, f"concurrent matmul calls corrupted each other: max abs diffs {errors}"


@pytest.mark.skipif(not os.environ.get("TGLM_TEST_AVX2"), reason="compiles a second matmul (~30 s); "
                    "run with TGLM_TEST_AVX2=1 to test the AVX2 (non-AVX-512) micro-kernel")
def test_matmul_avx2_microkernel_in_subprocess(tmp_path):
    code = ("import numpy as np; import importlib\n"
            "mm = importlib.import_module('tinygrad_lm.kernels.matmul'); assert mm.VEC == 8\n"
            "mm.SMALL_MATMUL_FLOPS = mm.SKINNY_ROWS = 0; K = mm\n"
            "r = np.random.default_rng(0)\n"
            "for s in [(1, 1, 1), (7, 13, 29), (300, 600, 700), (97, 1100, 33)]:\n"
            "    a = r.standard_normal(s[:2]).astype(np.float32)\n"
            "    b = r.standard_normal(s[1:]).astype(np.float32)\n"
            "    want = (a.astype(np.float64) @ b).astype(np.float32)\n"
            "    np.testing.assert_allclose(K.matmul(a, b), want, rtol=1e-4, atol=1e-3)\n"
            "    np.testing.assert_allclose(K.matmul(a.T.copy().T, b.T.copy().T), want, rtol=1e-4, atol=1e-3)\n"
            "print('ok')\n")
    env = dict(os.environ, TGLM_MATMUL_VEC="8", NUMBA_CACHE_DIR=str(tmp_path))
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.stdout.strip() == "ok", out.stderr[-3000:]
