"""Week 3 autograder, part 1: a vanilla RNN by hand (tasks 3.1-3.5).

Backward passes are checked against float64 central differences with a random upstream gradient
(tinygrad_lm.course.numerical_vjp, not your own week-2 numerical_gradient), and the sequence
versions against tinygrad_lm.nn.RNN (the library's fused RNN: same math, weights stored
transposed). Failures name the usual mistake when they recognise it (a missing tanh', a missing
dprev, overwritten weight gradients).
"""
import numpy as np
import pytest

import tinygrad_lm as tg
from tinygrad_lm import nn
from tinygrad_lm.course import assert_close, load, numerical_vjp

mod = load("week3.rnn_numpy")


def rand(*shape, seed=0, scale=1.0):
    return np.random.default_rng(seed).standard_normal(shape) * scale          # float64


def step_inputs(seed=0, B=3, D=4, H=5):
    return (rand(B, D, seed=seed), rand(B, H, seed=seed + 1), rand(D, H, seed=seed + 2, scale=0.5),
            rand(H, H, seed=seed + 3, scale=0.5), rand(H, seed=seed + 4))


# ---- 3.1 ----------------------------------------------------------------------------------------
@pytest.mark.task("3.1", points=2, title="RNN step forward")
def test_step_forward_example():
    out, _ = mod.rnn_step_forward(np.array([[1.0]]), np.array([[0.0]]), np.array([[0.5]]), np.array([[2.0]]),
                                  np.array([0.0]))
    assert_close(out, [[np.tanh(0.5)]], name="rnn_step_forward docstring example",
                 hint="next_h = tanh(x @ Wx + prev_h @ Wh + b)")


@pytest.mark.task("3.1", points=2)
def test_step_forward_random():
    x, h, Wx, Wh, b = step_inputs()
    out, _ = mod.rnn_step_forward(x, h, Wx, Wh, b)
    assert_close(out, np.tanh(x @ Wx + h @ Wh + b), name="rnn_step_forward (B=3, D=4, H=5)",
                 hint="x @ Wx is (B, H); prev_h @ Wh is (B, H); b broadcasts over the batch")


# ---- 3.2 ----------------------------------------------------------------------------------------
@pytest.mark.task("3.2", points=4, title="RNN step backward")
def test_step_backward_matches_numerical():
    x, h, Wx, Wh, b = step_inputs(seed=10)
    out, cache = mod.rnn_step_forward(x, h, Wx, Wh, b)
    dnext = rand(*out.shape, seed=20)
    got = mod.rnn_step_backward(dnext, cache)
    assert isinstance(got, tuple) and len(got) == 5, "rnn_step_backward must return (dx, dprev_h, dWx, dWh, db)"
    names = ["dx", "dprev_h", "dWx", "dWh", "db"]
    args = [x, h, Wx, Wh, b]
    hints = {"dx": "dx = da @ Wx.T with da = dnext_h * (1 - next_h**2)",
             "dprev_h": "dprev_h = da @ Wh.T",
             "dWx": "dWx = x.T @ da", "dWh": "dWh = prev_h.T @ da", "db": "db = da.sum(axis=0)"}
    for k, (name, arr) in enumerate(zip(names, args)):
        def f(v, k=k):
            a = list(args)
            a[k] = v
            return mod.rnn_step_forward(*a)[0]
        want = numerical_vjp(f, arr.copy(), dnext)
        hint = hints[name]
        no_tanh = {"dx": dnext @ Wx.T, "dprev_h": dnext @ Wh.T, "dWx": x.T @ dnext, "dWh": h.T @ dnext,
                   "db": dnext.sum(axis=0)}[name]
        if np.shape(got[k]) == no_tanh.shape and np.allclose(got[k], no_tanh):
            hint = ("your result equals the gradient WITHOUT tanh's derivative: first da = dnext_h * "
                    "(1 - next_h ** 2), then use da (not dnext_h) in every product")
        assert_close(got[k], want, atol=1e-6, name=f"rnn_step_backward {name}", hint=hint)


# ---- 3.3 ----------------------------------------------------------------------------------------
def _library_rnn(x, h0, Wx, Wh, b):
    """The same RNN with tinygrad_lm.nn.RNN (weights transposed, bias_hh = 0), float64."""
    D, H = Wx.shape
    m = nn.RNN(D, H, batch_first=True).to(np.float64)
    m.load_state_dict({"weight_ih_l0": Wx.T, "weight_hh_l0": Wh.T, "bias_ih_l0": b, "bias_hh_l0": np.zeros(H)})
    return m


@pytest.mark.task("3.3", points=3, title="RNN forward over a sequence")
def test_sequence_forward_matches_library():
    B, T, D, H = 2, 6, 3, 4
    x, h0 = rand(B, T, D, seed=1), rand(B, H, seed=2)
    Wx, Wh, b = rand(D, H, seed=3, scale=0.5), rand(H, H, seed=4, scale=0.5), rand(H, seed=5)
    h, _ = mod.rnn_forward(x, h0, Wx, Wh, b)
    want, _ = _library_rnn(x, h0, Wx, Wh, b)(tg.Tensor(x, dtype=np.float64), tg.Tensor(h0[None], dtype=np.float64))
    assert_close(h, want.data, atol=1e-10, name="rnn_forward h (B=2, T=6, H=4)",
                 hint="h[:, t] is the state AFTER step t; step t reads prev_h = h[:, t-1] (h0 for t = 0)")


# ---- 3.4 ----------------------------------------------------------------------------------------
@pytest.mark.task("3.4", points=5, title="backpropagation through time")
def test_bptt_matches_library_autograd():
    B, T, D, H = 2, 5, 3, 4
    x, h0 = rand(B, T, D, seed=11), rand(B, H, seed=12)
    Wx, Wh, b = rand(D, H, seed=13, scale=0.5), rand(H, H, seed=14, scale=0.5), rand(H, seed=15)
    dh = rand(B, T, H, seed=16)
    h, cache = mod.rnn_forward(x, h0, Wx, Wh, b)
    got = mod.rnn_backward(dh, cache)
    assert isinstance(got, tuple) and len(got) == 5, "rnn_backward must return (dx, dh0, dWx, dWh, db)"
    m = _library_rnn(x, h0, Wx, Wh, b)
    xt = tg.Tensor(x, requires_grad=True, dtype=np.float64)
    ht = tg.Tensor(h0[None], requires_grad=True, dtype=np.float64)
    out, _ = m(xt, ht)
    out.backward(dh)
    want = {"dx": xt.grad, "dh0": ht.grad[0], "dWx": m.weight_ih_l0.grad.T, "dWh": m.weight_hh_l0.grad.T,
            "db": m.bias_ih_l0.grad}
    dx = np.asarray(got[0])
    if dx.shape == x.shape and not np.allclose(dx[:, -1], want["dx"][:, -1], atol=1e-9):
        assert_close(dx[:, -1], want["dx"][:, -1], atol=1e-9, name="rnn_backward dx[:, T-1] (the LAST step)",
                     hint="the last step only receives dh[:, T-1]: walk t = T-1 down to 0 and call "
                          "rnn_step_backward with cache[t]; if task 3.2 fails, fix rnn_step_backward first")
    hints = {"dx": "the last step is right but earlier ones are not: the gradient into step t is "
                   "dh[:, t] + dprev, where dprev is dprev_h returned by step t+1",
             "dh0": "dh0 is the dprev_h returned by the step at t = 0, after the loop"}
    sums = "the same weights are used at every step: ADD each step's gradient (+=), do not overwrite it"
    for k, name in enumerate(["dx", "dh0", "dWx", "dWh", "db"]):
        assert_close(got[k], want[name], atol=1e-9, name=f"rnn_backward {name}", hint=hints.get(name, sums))


@pytest.mark.task("3.4", points=5)
def test_bptt_gradient_reaches_the_first_step():
    B, T, D, H = 1, 8, 2, 3
    x, h0 = rand(B, T, D, seed=21), rand(B, H, seed=22)
    Wx, Wh, b = rand(D, H, seed=23), rand(H, H, seed=24, scale=0.6), rand(H, seed=25)
    dh = np.zeros((B, T, H))
    dh[:, -1] = 1.0                                  # loss only at the LAST step
    _, cache = mod.rnn_forward(x, h0, Wx, Wh, b)
    dx = mod.rnn_backward(dh, cache)[0]
    want = numerical_vjp(lambda v: mod.rnn_forward(v, h0, Wx, Wh, b)[0], x.copy(), dh)
    assert_close(dx, want, atol=1e-6, name="rnn_backward dx with a loss on the last step only",
                 hint="dx[:, 0] must be nonzero: the gradient travels back through dprev at every step")


# ---- 3.5 ----------------------------------------------------------------------------------------
@pytest.mark.task("3.5", points=3, title="exploding gradients and clipping")
def test_clip_example():
    clipped, norm = mod.clip_grad_norm([np.array([3.0, 4.0])], 1.0)
    assert_close(norm, 5.0, name="clip_grad_norm norm (before clipping)")
    assert_close(clipped[0], [0.6, 0.8], atol=1e-6, name="clip_grad_norm([3, 4], max_norm=1)")
    small, norm = mod.clip_grad_norm([np.array([0.3]), np.array([0.4])], 1.0)
    assert_close(np.concatenate(small), [0.3, 0.4], atol=1e-9, name="clip_grad_norm below max_norm",
                 hint="gradients with norm <= max_norm are returned unchanged")


@pytest.mark.task("3.5", points=3)
def test_exploding_gradients_are_tamed_by_clipping():
    """With all singular values of Wh = r and a tiny state (tanh stays linear), |dh0| ~ r**T."""
    B, D, H = 1, 2, 4
    Q = np.linalg.qr(rand(H, H, seed=31))[0]
    norms = {}
    for r in (0.5, 3.0):
        Wh = r * Q                                   # all singular values = r
        for T in (5, 20):
            x = np.zeros((B, T, D))
            _, cache = mod.rnn_forward(x, np.full((B, H), 1e-12), rand(D, H, seed=32), Wh, np.zeros(H))
            dh = np.zeros((B, T, H))
            dh[:, -1] = 1.0
            grads = mod.rnn_backward(dh, cache)
            norms[r, T] = mod.global_grad_norm([grads[1]])          # |dL/dh0|
            assert norms[r, T] > 0, (f"rnn_backward gave dh0 = 0 with a loss on the last step only (T={T}): the "
                                     f"gradient must reach h0 through dprev at every step (task 3.4)")
    assert norms[3.0, 20] > 1e3 * norms[3.0, 5], (
        f"with |Wh| = 3 the gradient to h0 should explode with T: |dh0| = {norms[3.0, 5]:.3g} at T=5, "
        f"{norms[3.0, 20]:.3g} at T=20")
    assert norms[0.5, 20] < 1e-3 * norms[0.5, 5], (
        f"with |Wh| = 0.5 the gradient to h0 should vanish with T: {norms[0.5, 5]:.3g} -> {norms[0.5, 20]:.3g}")
    _, cache = mod.rnn_forward(np.zeros((B, 20, D)), np.full((B, H), 1e-12), rand(D, H, seed=32), 3.0 * Q, np.zeros(H))
    dh = np.zeros((B, 20, H))
    dh[:, -1] = 1.0
    grads = list(mod.rnn_backward(dh, cache))
    clipped, norm = mod.clip_grad_norm(grads, 5.0)
    assert norm > 5.0, "the exploding case should have a global norm above 5"
    assert_close(mod.global_grad_norm(clipped), 5.0, atol=1e-4, name="global norm after clip_grad_norm(..., 5)")
    for g, c in zip(grads, clipped):
        if np.abs(g).sum() > 0:
            cos = float((g * c).sum() / (np.linalg.norm(g) * np.linalg.norm(c)))
            assert cos > 1 - 1e-9, "clipping must only shorten the gradients, not change their direction"
