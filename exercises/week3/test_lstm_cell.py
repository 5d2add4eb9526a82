"""Week 3 autograder, part 2: an LSTM cell with Tensor ops (tasks 3.6-3.7).

Checked against tinygrad_lm.nn.LSTM (the fused Numba LSTM, itself checked against PyTorch in
tests/test_lstm_torch.py): outputs AND the gradients autograd finds through your ops. A wrong
result is compared with NumPy cells that make the usual mistakes (gate order, a missing bias, an
extra forget bias, no tanh on c) so the hint can name yours.

Typical mistakes (docs/course/mistakes.md, mutation-tested by tests/test_mutants.py) fail with a first
line that names them; where a mistake shows in only some inputs, every test of the task runs a shared
screen first, so the mistake costs the whole task.
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


def _sig(z):
    return 1.0 / (1.0 + np.exp(-z))


def _np_cell(x, h, c, w_ih, w_hh, b_ih, b_hh, order="ifgo", use_b_hh=True, f_shift=0.0, tanh_c=True):
    """NumPy LSTM step with optional, deliberate mistakes (to recognise them in a learner's result)."""
    H = w_hh.shape[1]
    a = x @ w_ih.T + b_ih + h @ w_hh.T + (b_hh if use_b_hh else 0.0)
    blocks = {name: a[:, k * H:(k + 1) * H] for k, name in enumerate(order)}
    i, f, o, g = _sig(blocks["i"]), _sig(blocks["f"] + f_shift), _sig(blocks["o"]), np.tanh(blocks["g"])
    c2 = f * c + i * g
    return (o * np.tanh(c2) if tanh_c else o * c2), c2


MISTAKES = [({"order": order}, f"you sliced the gates in the order {', '.join(order)}; PyTorch's order along "
                                f"the 4H axis is i, f, g, o")
            for order in ("ifog", "figo", "iofg", "gifo", "igfo", "fiog")] + [
    ({"use_b_hh": False}, "your result matches an LSTM WITHOUT b_hh: the pre-activation is "
                          "x @ w_ih.T + b_ih + h @ w_hh.T + b_hh (both biases)"),
    ({"f_shift": 1.0}, "your forget gate has an extra +1: that is an initialisation trick for the bias, "
                       "not part of the cell's formula"),
    ({"tanh_c": False}, "your h_next = o * c_next: the output is o * tanh(c_next)"),
]


def _diagnose(got_h, got_c, args, default, orders=True):
    """The hint for the first known mistake that reproduces (got_h, got_c), else `default`."""
    gh, gc = np.asarray(getattr(got_h, "data", got_h)), np.asarray(getattr(got_c, "data", got_c))
    for kwargs, hint in MISTAKES:
        if "order" in kwargs and not orders:          # all-zero weights: every gate order looks the same
            continue
        h2, c2 = _np_cell(*args, **kwargs)
        if gh.shape == h2.shape and np.allclose(gh, h2, atol=1e-8) and np.allclose(gc, c2, atol=1e-8):
            return hint
    return default


def _check_cell(h1, c1, want_h, want_c, args, what, hint_c, hint_h, orders=True):
    """Compare (h1, c1) with the expected step; a recognised mistake is named in the FIRST line."""
    gh, gc = np.asarray(getattr(h1, "data", h1)), np.asarray(getattr(c1, "data", c1))
    if not (gh.shape == want_h.shape and gc.shape == want_c.shape and np.allclose(gh, want_h, atol=1e-10)
            and np.allclose(gc, want_c, atol=1e-10)):
        known = _diagnose(h1, c1, args, None, orders=orders)
        if known is not None:
            raise AssertionError(f"lstm_cell ({what}): {known}")
    assert_close(c1, want_c, atol=1e-10, name=f"lstm_cell c_next ({what})", hint=hint_c)
    assert_close(h1, want_h, atol=1e-10, name=f"lstm_cell h_next ({what})", hint=hint_h)


# ---- 3.6 ----------------------------------------------------------------------------------------
@pytest.mark.task("3.6", points=2, title="LSTM cell forward with Tensor ops")
def test_cell_zero_weights_example():
    B, I, H = 2, 3, 4
    c = np.random.default_rng(0).standard_normal((B, H))
    z = lambda *s: _t(np.zeros(s))
    h1, c1 = mod.lstm_cell(z(B, I), z(B, H), _t(c), z(4 * H, I), z(4 * H, H), z(4 * H), z(4 * H))
    args = (np.zeros((B, I)), np.zeros((B, H)), c, np.zeros((4 * H, I)), np.zeros((4 * H, H)), np.zeros(4 * H),
            np.zeros(4 * H))
    _check_cell(h1, c1, 0.5 * np.tanh(0.5 * c), 0.5 * c, args, "all-zero weights",
                "i = f = o = sigmoid(0) = 0.5, g = tanh(0) = 0", "h_next = o * tanh(c_next)", orders=False)
    # zero weights, one bias value per gate block: the gate order shows
    b_ih = np.repeat([1.0, -2.0, 0.7, 3.0], H)
    b_hh = np.repeat([0.5, 0.5, -0.2, -1.0], H)
    h1, c1 = mod.lstm_cell(z(B, I), z(B, H), _t(c), z(4 * H, I), z(4 * H, H), _t(b_ih), _t(b_hh))
    args = args[:5] + (b_ih, b_hh)
    want_h, want_c = _np_cell(*args)
    _check_cell(h1, c1, want_h, want_c, args, "zero weights, one bias per gate block",
                "the blocks of the 4H axis are i, f, g, o; a = ... + b_ih + b_hh",
                "h_next = o * tanh(c_next)")


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
    args = (x, h0, c0, *[p.data for p in _weights(m)])
    _check_cell(h1, c1, want_h, want_c, args, "vs nn.LSTM",
                "c_next = f * c + i * g, gates i, f, g, o along the 4H axis",
                "h_next = o * tanh(c_next); o is the LAST block of a (B, 4H)")
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
    h1, c1 = mod.lstm_cell(_t(x[0]), _t(h0), _t(c0), *_weights(m))
    want_h1 = _np_cell(x[0], h0, c0, *[p.data for p in _weights(m)])[0]
    cell_ok = bool(np.allclose(np.asarray(getattr(h1, "data", h1)), want_h1, atol=1e-10))
    assert cell_ok, (
        "lstm_sequence is built on lstm_cell, whose first step is already wrong: make task 3.6 pass first")
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
