"""nn.RNN / nn.LSTM / cells: float64 gradchecks of the fused layer nodes, state carry, options."""
import numpy as np
import pytest

import tinygrad_lm as tg
from tinygrad_lm import nn
from tinygrad_lm.ops.rnn import lstm_layer, rnn_layer


def _r(rng, *shape):
    return rng.standard_normal(shape)


def test_gradcheck_lstm_layer():
    rng = np.random.default_rng(0)
    T, B, I, H = 3, 2, 3, 4
    args = [_r(rng, T, B, I), _r(rng, 4 * H, I) * 0.5, _r(rng, 4 * H, H) * 0.5, _r(rng, 4 * H), _r(rng, 4 * H),
            _r(rng, B, H), _r(rng, B, H)]
    assert tg.gradcheck(lambda *a: lstm_layer(*a), *args)


def test_gradcheck_lstm_layer_no_bias():
    rng = np.random.default_rng(1)
    T, B, I, H = 2, 3, 2, 3
    args = [_r(rng, T, B, I), _r(rng, 4 * H, I), _r(rng, 4 * H, H), _r(rng, B, H), _r(rng, B, H)]
    assert tg.gradcheck(lambda x, wi, wh, h, c: lstm_layer(x, wi, wh, None, None, h, c), *args)


@pytest.mark.parametrize("relu", [False, True])
def test_gradcheck_rnn_layer(relu):
    rng = np.random.default_rng(2)
    T, B, I, H = 3, 2, 3, 4
    args = [_r(rng, T, B, I), _r(rng, H, I) * 0.5, _r(rng, H, H) * 0.5, _r(rng, H), _r(rng, H), _r(rng, B, H)]
    assert tg.gradcheck(lambda *a: rnn_layer(*a, relu=relu), *args)


def test_gradcheck_two_layer_lstm_module_with_states():
    tg.manual_seed(0)
    m = nn.LSTM(3, 4, num_layers=2, batch_first=True).to(np.float64)
    rng = np.random.default_rng(3)
    x, h0, c0 = _r(rng, 2, 3, 3), _r(rng, 2, 2, 4), _r(rng, 2, 2, 4)

    def f(x, h0, c0):
        y, (h, c) = m(x, (h0, c0))
        return (y * 1.0).sum(axis=1) + h[1] * 2.0 + c[0] * 3.0        # (B, H) uses every output
    assert tg.gradcheck(f, x, h0, c0)


def test_carried_state_equals_one_long_sequence():
    """Running T=6 at once == running 3 + 3 with (h, c) carried over: what truncated BPTT relies on."""
    tg.manual_seed(0)
    m = nn.LSTM(5, 8, num_layers=2)
    x = tg.randn(6, 4, 5)
    y_all, (h_all, c_all) = m(x)
    y1, s1 = m(x[:3])
    y2, (h2, c2) = m(x[3:], s1)
    np.testing.assert_allclose(np.concatenate([y1.data, y2.data]), y_all.data, atol=1e-6)
    np.testing.assert_allclose(h2.data, h_all.data, atol=1e-6)
    np.testing.assert_allclose(c2.data, c_all.data, atol=1e-6)


def test_cells_equal_the_sequence_modules():
    tg.manual_seed(0)
    lstm, cell = nn.LSTM(3, 5), nn.LSTMCell(3, 5)
    for k in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
        getattr(cell, k).data[...] = getattr(lstm, k + "_l0").data
    x = tg.randn(4, 2, 3)
    y, (hn, cn) = lstm(x)
    h = c = None
    for t in range(4):
        h, c = cell(x[t], None if h is None else (h, c))
        np.testing.assert_allclose(h.data, y.data[t], atol=1e-6)
    np.testing.assert_allclose(c.data, cn.data[0], atol=1e-6)

    rnn, rcell = nn.RNN(3, 5), nn.RNNCell(3, 5)
    for k in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
        getattr(rcell, k).data[...] = getattr(rnn, k + "_l0").data
    y, hn = rnn(x)
    h = None
    for t in range(4):
        h = rcell(x[t], h)
    np.testing.assert_allclose(h.data, hn.data[0], atol=1e-6)


def test_cell_gradients_flow():
    tg.manual_seed(0)
    cell = nn.LSTMCell(3, 4)
    h, c = cell(tg.randn(2, 3), (tg.randn(2, 4), tg.randn(2, 4)))     # nonzero h: weight_hh gets a grad too
    (h.sum() + c.sum()).backward()
    assert all(p.grad is not None and np.abs(p.grad).sum() > 0 for p in cell.parameters())


def test_parameter_names_shapes_and_init():
    tg.manual_seed(0)
    m = nn.LSTM(10, 20, num_layers=2, forget_bias=1.0)
    shapes = {n: p.shape for n, p in m.named_parameters()}
    assert shapes == {"weight_ih_l0": (80, 10), "weight_hh_l0": (80, 20), "bias_ih_l0": (80,), "bias_hh_l0": (80,),
                      "weight_ih_l1": (80, 20), "weight_hh_l1": (80, 20), "bias_ih_l1": (80,), "bias_hh_l1": (80,)}
    k = 1 / np.sqrt(20)
    assert np.abs(m.weight_hh_l1.data).max() <= k
    total_forget = m.bias_ih_l0.data[20:40] + m.bias_hh_l0.data[20:40]
    np.testing.assert_allclose(total_forget, 1.0)
    assert all(p.dtype == np.float32 for p in m.parameters())
    assert "bias_ih_l0" not in dict(nn.RNN(3, 4, bias=False).named_parameters())


def test_unbatched_and_batch_first_shapes():
    tg.manual_seed(0)
    m = nn.LSTM(3, 4, batch_first=True)
    y, (h, c) = m(tg.randn(2, 5, 3))
    assert y.shape == (2, 5, 4) and h.shape == (1, 2, 4) and c.shape == (1, 2, 4)
    y, (h, c) = nn.LSTM(3, 4)(tg.randn(5, 3))                 # unbatched (T, I)
    assert y.shape == (5, 4) and h.shape == (1, 4)
    y, h = nn.RNN(3, 4, num_layers=3)(tg.randn(5, 2, 3))
    assert y.shape == (5, 2, 4) and h.shape == (3, 2, 4)


def test_dropout_between_layers_only_in_training():
    tg.manual_seed(0)
    m = nn.LSTM(3, 4, num_layers=2, dropout=0.5)
    x = tg.randn(5, 2, 3)
    m.eval()
    a, b = m(x)[0].data, m(x)[0].data
    np.testing.assert_array_equal(a, b)
    m.train()
    tg.manual_seed(1)
    c = m(x)[0].data
    assert np.abs(c - a).max() > 1e-4, "dropout between layers had no effect in training mode"


def test_bad_inputs_raise_clear_errors():
    m = nn.LSTM(3, 4)
    with pytest.raises(ValueError, match="input must be"):
        m(tg.randn(5, 2, 7))
    with pytest.raises(ValueError, match="initial state"):
        m(tg.randn(5, 2, 3), (tg.zeros(1, 3, 4), tg.zeros(1, 3, 4)))
    with pytest.raises(ValueError, match="nonlinearity"):
        nn.RNN(3, 4, nonlinearity="sigmoid")
    with pytest.raises(ValueError, match="batch_first=True"):           # (B, T, I) fed to a time-major LSTM
        m(tg.randn(2, 5, 3), (tg.zeros(1, 2, 4), tg.zeros(1, 2, 4)))
    with pytest.raises(ValueError, match="batch_first=False"):
        nn.LSTM(3, 4, batch_first=True)(tg.randn(5, 2, 3), (tg.zeros(1, 2, 4), tg.zeros(1, 2, 4)))
    with pytest.raises(ValueError, match=r"h0\[None\]"):
        m(tg.randn(5, 2, 3), (tg.zeros(2, 4), tg.zeros(2, 4)))
    with pytest.raises(ValueError, match="embed them first"):
        m(tg.Tensor(np.zeros((5, 2), dtype=np.int64)))
    with pytest.raises(ValueError, match="empty input"):
        m(tg.randn(0, 2, 3))
    with pytest.raises(ValueError, match=r"pair \(h, c\)"):
        nn.LSTMCell(3, 4)(tg.randn(2, 3), tg.zeros(2, 4))
