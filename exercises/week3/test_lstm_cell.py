"""Week 3 autograder, part 2: an LSTM cell with Tensor ops (tasks 3.6-3.7).

Checked against tinygrad_lm.nn.LSTM (the fused Numba LSTM, itself checked against PyTorch in
tests/test_lstm_torch.py): outputs AND the gradients autograd finds through your ops.
"""
import numpy as np
import pytest

import tinygrad_lm as tg
from tinygrad_lm import nn
from tinygrad_lm.course import assert_close, load

mod = load("week3.lstm_cell")


def _lstm(I, H, seed):
    tg.manual_seed(seed)
    return nn.LSTM(I, H).to(np.float64)


def _t(a, grad=False):
    return tg.Tensor(a, requires_grad=grad, dtype=np.float64)


def _weights(m):
    return [m.weight_ih_l0, m.weight_hh_l0, m.bias_ih_l0, m.bias_hh_l0]


# ---- 3.6 ----------------------------------------------------------------------------------------
@pytest.mark.task("3.6", points=2, title="LSTM cell forward with Tensor ops")
def test_cell_zero_weights_example():
    B, I, H = 2, 3, 4
    c = np.random.default_rng(0).standard_normal((B, H))
    z = lambda *s: _t(np.zeros(s))
    h1, c1 = mod.lstm_cell(z(B, I), z(B, H), _t(c), z(4 * H, I), z(4 * H, H), z(4 * H), z(4 * H))
    assert_close(c1, 0.5 * c, name="c_next with all-zero weights", hint="i = f = o = sigmoid(0) = 0.5, g = tanh(0) = 0")
    assert_close(h1, 0.5 * np.tanh(0.5 * c), name="h_next with all-zero weights", hint="h_next = o * tanh(c_next)")


@pytest.mark.task("3.6", points=2)
def test_cell_matches_fused_lstm_forward_and_backward():
    B, I, H = 3, 4, 5
    m = _lstm(I, H, seed=1)
    rng = np.random.default_rng(1)
    x, h0, c0 = rng.standard_normal((B, I)), rng.standard_normal((B, H)), rng.standard_normal((B, H))
    dh, dc = rng.standard_normal((B, H)), rng.standard_normal((B, H))
    # the library: one step of the fused LSTM
    xt, ht, ct = _t(x[None], True), _t(h0[None], True), _t(c0[None], True)
    y, (hn, cn) = m(xt, (ht, ct))
    ((hn[0] * dh).sum() + (cn[0] * dc).sum()).backward()
    want = {"x": xt.grad[0], "h": ht.grad[0], "c": ct.grad[0]}
    want.update({n: p.grad for n, p in m.named_parameters()})
    want_h, want_c = hn.data[0], cn.data[0]
    m.zero_grad()
    # yours
    xs, hs, cs = _t(x, True), _t(h0, True), _t(c0, True)
    h1, c1 = mod.lstm_cell(xs, hs, cs, *_weights(m))
    assert_close(h1, want_h, atol=1e-10, name="lstm_cell h_next vs nn.LSTM",
                 hint="gate order is i, f, g, o along the last axis of a (B, 4H)")
    assert_close(c1, want_c, atol=1e-10, name="lstm_cell c_next vs nn.LSTM", hint="c_next = f * c + i * g")
    ((h1 * dh).sum() + (c1 * dc).sum()).backward()
    for name, t in [("x", xs), ("h", hs), ("c", cs)] + list(m.named_parameters()):
        assert t.grad is not None, (f"lstm_cell: no gradient reached {name}; build the result from the input "
                                    f"Tensors with Tensor ops (no .data / NumPy in between)")
        assert_close(t.grad, want[name], atol=1e-9, name=f"gradient of {name} through lstm_cell")


# ---- 3.7 ----------------------------------------------------------------------------------------
@pytest.mark.task("3.7", points=3, title="LSTM over a sequence")
def test_sequence_matches_fused_lstm():
    T, B, I, H = 6, 2, 3, 4
    m = _lstm(I, H, seed=2)
    rng = np.random.default_rng(2)
    x, h0, c0 = rng.standard_normal((T, B, I)), rng.standard_normal((B, H)), rng.standard_normal((B, H))
    dout = rng.standard_normal((T, B, H))
    xt = _t(x, True)
    y, (hn, cn) = m(xt, (_t(h0[None]), _t(c0[None])))
    (y * dout).sum().backward()
    want_grads = {"x": xt.grad, **{n: p.grad for n, p in m.named_parameters()}}
    m.zero_grad()
    xs = _t(x, True)
    out, hT, cT = mod.lstm_sequence(xs, _t(h0), _t(c0), *_weights(m))
    assert_close(out, y.data, atol=1e-10, name="lstm_sequence outputs (T=6, B=2, H=4)",
                 hint="out[t] is h after step t; carry BOTH h and c from step to step")
    assert_close(hT, hn.data[0], atol=1e-10, name="lstm_sequence final h")
    assert_close(cT, cn.data[0], atol=1e-10, name="lstm_sequence final c")
    (out * dout).sum().backward()
    for name, t in [("x", xs)] + list(m.named_parameters()):
        assert t.grad is not None, f"lstm_sequence: no gradient reached {name} (use tinygrad_lm.stack, not np.stack)"
        assert_close(t.grad, want_grads[name], atol=1e-9, name=f"gradient of {name} through lstm_sequence")
