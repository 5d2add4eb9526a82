"""The LSTM / RNN sequence kernels equal their NumPy twins (float32, odd shapes, all chunkings)."""
import numpy as np
import pytest

import tinygrad_lm  # noqa: F401  (thread settings)
from tinygrad_lm.kernels import lstm as K
from tinygrad_lm.kernels import rnn as R

SHAPES = [(1, 1, 1), (3, 1, 5), (5, 3, 7), (4, 9, 5), (2, 17, 33), (7, 8, 16)]


def _rand(rng, *shape, scale=1.0):
    return (rng.standard_normal(shape) * scale).astype(np.float32)


@pytest.mark.parametrize("T,B,H", SHAPES)
def test_lstm_kernel_equals_twin(T, B, H):
    rng = np.random.default_rng(T * 100 + B * 10 + H)
    xp, w = _rand(rng, T, B, 4 * H, scale=2.0), _rand(rng, 4 * H, H, scale=1 / np.sqrt(H))
    h0, c0 = _rand(rng, B, H), _rand(rng, B, H)
    hs, cs, g = K.lstm_forward(xp, w, h0, c0)
    hs2, cs2, g2 = K.lstm_forward_numpy(xp, w, h0, c0)
    for name, a, b in (("hs", hs, hs2), ("cs", cs, cs2), ("gates", g, g2)):
        assert a.dtype == np.float32
        np.testing.assert_allclose(a, b, atol=2e-6, rtol=1e-5, err_msg=f"lstm forward {name} T,B,H={T, B, H}")
    dys, dcn = _rand(rng, T, B, H), _rand(rng, B, H)
    out = K.lstm_backward(dys, dcn, w, hs, cs, g)
    ref = K.lstm_backward_numpy(dys, dcn, w, hs2, cs2, g2)
    for name, a, b in zip(("da", "dh0", "dc0"), out, ref):
        assert a.dtype == np.float32
        np.testing.assert_allclose(a, b, atol=5e-6, rtol=1e-5, err_msg=f"lstm backward {name} T,B,H={T, B, H}")


@pytest.mark.parametrize("relu", [False, True])
@pytest.mark.parametrize("T,B,H", SHAPES)
def test_rnn_kernel_equals_twin(T, B, H, relu):
    rng = np.random.default_rng(T * 100 + B * 10 + H + 7)
    xp, w, h0 = _rand(rng, T, B, H), _rand(rng, H, H, scale=0.5 / np.sqrt(H)), _rand(rng, B, H)
    hs, hs2 = R.rnn_forward(xp, w, h0, relu), R.rnn_forward_numpy(xp, w, h0, relu)
    np.testing.assert_allclose(hs, hs2, atol=2e-6, rtol=1e-5, err_msg=f"rnn forward relu={relu}")
    dys = _rand(rng, T, B, H)
    for name, a, b in zip(("da", "dh0"), R.rnn_backward(dys, w, hs, relu), R.rnn_backward_numpy(dys, w, hs2, relu)):
        np.testing.assert_allclose(a, b, atol=5e-6, rtol=1e-5, err_msg=f"rnn backward {name} relu={relu}")


@pytest.mark.parametrize("M,K,N", [(1, 1, 1), (3, 5, 7), (4, 8, 2), (9, 33, 17), (32, 64, 256)])
def test_matmul_nt_acc(M, K, N):
    rng = np.random.default_rng(M + K + N)
    a, w, out = _rand(rng, M, K), _rand(rng, N, K), _rand(rng, M, N)
    want = out + a @ w.T
    R.matmul_nt_acc(a, w, out)
    np.testing.assert_allclose(out, want, atol=1e-5, rtol=1e-5)


def test_chunking_does_not_change_results():
    rng = np.random.default_rng(0)
    T, B, H = 4, 13, 6
    xp, w = _rand(rng, T, B, 4 * H), _rand(rng, 4 * H, H)
    h0, c0 = _rand(rng, B, H), _rand(rng, B, H)
    results = []
    for n in (1, 2, 3):
        hs = np.empty((T + 1, B, H), np.float32)
        cs = np.empty((T + 1, B, H), np.float32)
        g = np.empty((T, B, 4 * H), np.float32)
        hs[0], cs[0] = h0, c0
        K.lstm_forward_kernel(xp, K.pack_weight(w.T), hs, cs, g, n)
        results.append(hs)
    # rows in a 4-row block and leftover rows sum in a different order: equal up to rounding
    np.testing.assert_allclose(results[0], results[1], atol=1e-6)
    np.testing.assert_allclose(results[0], results[2], atol=1e-6)


def test_extreme_preactivations_saturate_cleanly():
    T, B, H = 2, 2, 3
    xp = np.full((T, B, 4 * H), 1e4, np.float32)
    xp[1] = -1e4
    w = np.zeros((4 * H, H), np.float32)
    z = np.zeros((B, H), np.float32)
    hs, cs, g = K.lstm_forward(xp, w, z, z)
    assert np.isfinite(hs).all() and np.isfinite(cs).all() and np.isfinite(g).all()
    np.testing.assert_allclose(g[0], 1.0)             # sigmoid(+big) = 1, tanh(+big) = 1
    np.testing.assert_allclose(g[1][:, 2 * 3:3 * 3], -1.0)


def test_errors_name_the_shapes():
    z = np.zeros((2, 3), np.float32)
    with pytest.raises(ValueError, match=r"\(4H, H\)"):
        K.lstm_forward(np.zeros((5, 2, 12), np.float32), np.zeros((12, 4), np.float32), z, z)
    with pytest.raises(ValueError, match="T, B, 4H"):
        K.lstm_forward(np.zeros((5, 2, 13), np.float32), np.zeros((12, 3), np.float32), z, z)
    with pytest.raises(TypeError, match="dtypes differ"):
        K.lstm_forward(np.zeros((5, 2, 12), np.float64), np.zeros((12, 3), np.float32), z, z)
    with pytest.raises(ValueError, match="h0"):
        R.rnn_forward(np.zeros((5, 2, 3), np.float32), np.zeros((3, 3), np.float32), np.zeros((3, 3), np.float32))
