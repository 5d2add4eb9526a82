"""Week 3 autograder, part 1: a vanilla RNN by hand (tasks 3.1-3.5).

Backward passes are checked against float64 central differences with a random upstream gradient
(tinygrad_lm.course.numerical_vjp, not your own week-2 numerical_gradient), and the sequence
versions against tinygrad_lm.nn.RNN (the library's fused RNN: same math, weights stored
transposed). Failures name the usual mistake when they recognise it (a missing tanh', a missing
dprev, overwritten weight gradients).

Typical mistakes (docs/course/mistakes.md, mutation-tested by tests/test_mutants.py) fail with a first
line that names them; where a mistake shows in only some inputs, every test of the task runs a shared
screen first, so the mistake costs the whole task.
"""
import numpy as np
import pytest

import tinygrad_lm as tg
from tinygrad_lm import nn
from tinygrad_lm.course import assert_close, load, numerical_vjp

mod = load("week3.rnn_numpy")


def rand(*shape, seed=0, scale=1.0):
    return np.random.default_rng(seed).standard_normal(shape) * scale          # float64


def _mistake(first_line, hint):
    """Fail with a first line that names a recognised mistake (the grading table shows only that line)."""
    raise AssertionError(f"{first_line}\n  hint: {hint}")


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
            _mistake(f"rnn_step_backward {name} equals the gradient WITHOUT tanh's derivative",
                     "first da = dnext_h * (1 - next_h ** 2), then use da (not dnext_h) in every product")
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
def _library_grads(x, h0, Wx, Wh, b, dh):
    """dx, dh0, dWx, dWh, db from tinygrad_lm autograd through nn.RNN, for the upstream gradient dh (B, T, H)."""
    m = _library_rnn(x, h0, Wx, Wh, b)
    xt = tg.Tensor(x, requires_grad=True, dtype=np.float64)
    ht = tg.Tensor(h0[None], requires_grad=True, dtype=np.float64)
    out, _ = m(xt, ht)
    out.backward(dh)
    return {"dx": xt.grad, "dh0": ht.grad[0], "dWx": m.weight_ih_l0.grad.T, "dWh": m.weight_hh_l0.grad.T,
            "db": m.bias_ih_l0.grad}


def _first_step_weight_grads(x, h0, Wx, Wh, b, dh):
    """The weight gradients of step t = 0 ALONE: what BPTT leaves when each step overwrites dW instead of adding."""
    m = _library_rnn(x, h0, Wx, Wh, b)
    h1, _ = m(tg.Tensor(x[:, :1], dtype=np.float64), tg.Tensor(h0[None], dtype=np.float64))     # (B, 1, H)
    hs = tg.Tensor(h1.data[:, 0][None], requires_grad=True, dtype=np.float64)
    rest, _ = m(tg.Tensor(x[:, 1:], dtype=np.float64), hs)
    rest.backward(dh[:, 1:])
    g = dh[:, 0] + hs.grad[0]                              # everything dL/dh_0 receives
    first = _library_grads(x[:, :1], h0, Wx, Wh, b, g[:, None])
    return {k: first[k] for k in ("dWx", "dWh", "db")}


def _close(a, b):
    return np.shape(a) == np.shape(b) and bool(np.allclose(a, b, atol=1e-9))


def _check_bptt(x, h0, Wx, Wh, b, dh, what):
    """rnn_backward against the library's autograd, naming the usual BPTT mistakes in the first line."""
    h, cache = mod.rnn_forward(x, h0, Wx, Wh, b)
    got = mod.rnn_backward(dh, cache)
    assert isinstance(got, tuple) and len(got) == 5, "rnn_backward must return (dx, dh0, dWx, dWh, db)"
    names = ["dx", "dh0", "dWx", "dWh", "db"]
    got = dict(zip(names, got))
    want = _library_grads(x, h0, Wx, Wh, b, dh)
    ok = {n: _close(got[n], want[n]) for n in names}
    if all(ok.values()):
        return
    dx = np.asarray(got["dx"])
    if not ok["dx"] and dx.shape == x.shape:
        if not np.allclose(dx[:, -1], want["dx"][:, -1], atol=1e-9):
            assert_close(dx[:, -1], want["dx"][:, -1], atol=1e-9,
                         name=f"rnn_backward dx[:, T-1] (the LAST step), {what}",
                         hint="the last step only receives dh[:, T-1]: walk t = T-1 down to 0 and call "
                              "rnn_step_backward with cache[t]; if task 3.2 fails, fix rnn_step_backward first")
        _mistake(f"rnn_backward: dx is right at the last step but wrong before it ({what}): the gradient into step t "
                 f"must be dh[:, t] + dprev",
                 "dprev is the dprev_h returned by step t+1 (h_t feeds the loss AND step t+1); start with dprev = 0")
    weights = ["dWx", "dWh", "db"]
    if ok["dx"] and ok["dh0"] and not all(ok[n] for n in weights):
        first = _first_step_weight_grads(x, h0, Wx, Wh, b, dh)
        if all(_close(got[n], first[n]) for n in weights):
            _mistake(f"rnn_backward: dWx, dWh, db hold only step 0's gradient ({what}): they are overwritten at every "
                     f"step instead of added up",
                     "the same weights are used at every step: dWx += dWx_t (and dWh, db), starting from zeros")
        bad = next(n for n in weights if not ok[n])
        assert_close(got[bad], want[bad], atol=1e-9, name=f"rnn_backward {bad} ({what}; dx and dh0 are right)",
                     hint="the same weights are used at every step: ADD each step's gradient (+=), do not overwrite it")
    hints = {"dh0": "dh0 is the dprev_h returned by the step at t = 0, after the loop"}
    for n in names:
        assert_close(got[n], want[n], atol=1e-9, name=f"rnn_backward {n} ({what})", hint=hints.get(n))


@pytest.mark.task("3.4", points=5, title="backpropagation through time")
def test_bptt_matches_library_autograd():
    B, T, D, H = 2, 5, 3, 4
    x, h0 = rand(B, T, D, seed=11), rand(B, H, seed=12)
    Wx, Wh, b = rand(D, H, seed=13, scale=0.5), rand(H, H, seed=14, scale=0.5), rand(H, seed=15)
    _check_bptt(x, h0, Wx, Wh, b, rand(B, T, H, seed=16), "random dh, T=5")


@pytest.mark.task("3.4", points=5)
def test_bptt_gradient_reaches_the_first_step():
    B, T, D, H = 1, 8, 2, 3
    x, h0 = rand(B, T, D, seed=21), rand(B, H, seed=22)
    Wx, Wh, b = rand(D, H, seed=23), rand(H, H, seed=24, scale=0.6), rand(H, seed=25)
    dh = np.zeros((B, T, H))
    dh[:, -1] = 1.0                                  # loss only at the LAST step
    _check_bptt(x, h0, Wx, Wh, b, dh, "loss on the last step only, T=8")


# ---- 3.5 ----------------------------------------------------------------------------------------
def _check_clipped(grads, clipped, max_norm, what):
    """clip_grad_norm's result: ONE global scale for every array (per-array clipping is named)."""
    assert isinstance(clipped, (list, tuple)) and len(clipped) == len(grads), \
        f"clip_grad_norm must return a list with one array per input array ({what})"
    norms = [float(np.linalg.norm(g)) for g in grads]
    result_norm = float(np.sqrt(sum(np.sum(np.square(c)) for c in clipped)))
    total = float(np.sqrt(sum(n * n for n in norms)))
    scale = min(1.0, max_norm / (total + 1e-6))
    own = [min(1.0, max_norm / (n + 1e-6)) for n in norms]
    per_array = all(np.shape(c) == np.shape(g) and np.allclose(c, g * s, rtol=1e-6, atol=1e-9)
                    for g, c, s in zip(grads, clipped, own))
    if per_array and not np.isclose(min(own), scale, rtol=1e-6, atol=0):
        _mistake(f"clip_grad_norm scaled each array by its own norm ({what}): the global norm of the result is "
                 f"{result_norm:.4g}, expected {min(total, max_norm):.4g}",
                 "compute ONE norm over all arrays (global_grad_norm) and scale every array by the same "
                 "max_norm / norm: per-array clipping changes the direction of the update")
    for k, (g, c) in enumerate(zip(grads, clipped)):
        assert_close(c, g * scale, atol=1e-6, name=f"clip_grad_norm array {k} ({what})",
                     hint="every array times the same scale = min(1, max_norm / (global norm + 1e-6))")


@pytest.mark.task("3.5", points=3, title="exploding gradients and clipping")
def test_clip_example():
    grads = [np.array([3.0, 4.0]), np.array([[0.0], [12.0]])]             # global norm 13
    clipped, norm = mod.clip_grad_norm(grads, 1.0)
    _check_clipped(grads, clipped, 1.0, "[3, 4] and [[0], [12]], max_norm=1")
    assert_close(norm, 13.0, name="clip_grad_norm norm (before clipping) of [3, 4] and [[0], [12]]",
                 hint="the norm of ALL entries of all arrays, as one vector, before clipping")
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
    x, h0 = rand(B, 4, D, seed=41), rand(B, H, seed=42)
    Wx, Wh, b = rand(D, H, seed=43), rand(H, H, seed=44, scale=0.5), rand(H, seed=45)
    try:
        _check_bptt(x, h0, Wx, Wh, b, rand(B, 4, H, seed=46), "T=4")
    except AssertionError as e:
        raise AssertionError(f"this experiment measures gradients with YOUR rnn_backward, which is still wrong: make "
                             f"task 3.4 pass first ({str(e).splitlines()[0]})") from None
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
    _check_clipped(grads, clipped, 5.0, "the exploding gradients of T=20, max_norm=5")
    assert_close(mod.global_grad_norm(clipped), 5.0, atol=1e-4, name="global norm after clip_grad_norm(..., 5)")
