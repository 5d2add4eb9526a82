"""Week 2 autograder, part 1: backprop by hand (tasks 2.1-2.7).

Each backward is checked against a float64 central-difference gradient from the course harness
(`tinygrad_lm.course.numerical_vjp`, so a bug in your own numerical_gradient, task 2.1, does not
fail the other tasks), with a random upstream gradient dout, and the two-layer MLP is checked
against tinygrad_lm's autograd.

Typical mistakes (docs/course/mistakes.md, mutation-tested by tests/test_mutants.py) fail with a first
line that names them; where a mistake shows in only some inputs, every test of the task runs a shared
screen first, so the mistake costs the whole task.
"""
import warnings

import numpy as np
import pytest

from tinygrad_lm.course import assert_close, load, numerical_vjp

mod = load("week2.backprop")


def rand(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)      # float64


def _mistake(first_line, hint):
    """Fail with a first line that names a recognised mistake (the grading table shows only that line)."""
    raise AssertionError(f"{first_line}\n  hint: {hint}")


# ---- 2.1 ----------------------------------------------------------------------------------------
@pytest.mark.task("2.1", points=2, title="numerical gradient (central differences)")
def test_numerical_gradient_square():
    x = np.array([3.0, -1.0, 0.5])
    got = mod.numerical_gradient(lambda v: v ** 2, x, np.ones(3))
    assert_close(got, 2 * x, atol=1e-6, name="numerical_gradient(x**2, x=[3,-1,0.5], dout=1)",
                 hint="grad[i] = sum(dout * (f(x+h e_i) - f(x-h e_i))) / (2h)")
    assert_close(x, [3.0, -1.0, 0.5], atol=0, name="x after numerical_gradient",
                 hint="restore x[i] to its old value after perturbing it")


@pytest.mark.task("2.1", points=2)
def test_numerical_gradient_matrix_vjp():
    A, x, dout = rand(4, 3, seed=1), rand(3, 2, seed=2), rand(4, 2, seed=3)
    got = mod.numerical_gradient(lambda v: A @ v, x, dout)
    assert_close(got, A.T @ dout, atol=1e-7, name="numerical_gradient(A @ x) with random dout",
                 hint="the upstream gradient dout weights each output: sum(dout * (f+ - f-)) / 2h. "
                      "Is grad shaped like x (not like f(x))?")


@pytest.mark.task("2.1", points=2)
def test_numerical_gradient_view_safe():
    x = rand(5, seed=4)
    got = mod.numerical_gradient(lambda v: v, x, np.ones(5))     # f returns x itself: a view
    assert_close(got, np.ones(5), atol=1e-7, name="numerical_gradient(identity)",
                 hint="copy f(x) before perturbing x again: np.array(f(x), copy=True)")


# ---- 2.2 / 2.3 ----------------------------------------------------------------------------------
@pytest.mark.task("2.2", points=1, title="Linear forward")
def test_linear_forward():
    x = np.array([[1.0, 2.0]])
    W = np.array([[1.0, 0.0, 1.0], [0.0, 1.0, 1.0]])
    b = np.array([0.0, 0.0, 10.0])
    out, _ = mod.linear_forward(x, W, b)
    assert_close(out, [[1.0, 2.0, 13.0]], name="linear_forward(x, W, b)", hint="out = x @ W + b")
    x, W, b = rand(5, 4, seed=1), rand(4, 3, seed=2), rand(3, seed=3)
    out, _ = mod.linear_forward(x, W, b)
    assert_close(out, x @ W + b, name="linear_forward on random (5,4)@(4,3)")


@pytest.mark.task("2.3", points=2, title="Linear backward")
def test_linear_backward():
    x, W, b, dout = rand(5, 4, seed=1), rand(4, 3, seed=2), rand(3, seed=3), rand(5, 3, seed=4)
    _, cache = mod.linear_forward(x, W, b)          # your cache; the gradients are checked against x @ W + b
    dx, dW, db = mod.linear_backward(dout, cache)
    if np.shape(dW) == W.T.shape:
        _mistake("linear_backward: dW is transposed: it has W.T's shape (C_out, C_in) = (3, 4), W is (4, 3)",
                 "dW = x.T @ dout ((C_in, B) @ (B, C_out)); dout.T @ x is its transpose")
    assert_close(dx, numerical_vjp(lambda v: v @ W + b, x, dout), atol=1e-6,
                 name="linear_backward: dx", hint="dx = dout @ W.T")
    assert_close(dW, numerical_vjp(lambda v: x @ v + b, W, dout), atol=1e-6,
                 name="linear_backward: dW", hint="dW = x.T @ dout — did you transpose dout instead of x?")
    assert_close(db, numerical_vjp(lambda v: x @ W + v, b, dout), atol=1e-6,
                 name="linear_backward: db", hint="b is broadcast over the batch: db = dout.sum(axis=0)")


# ---- 2.4 / 2.5 ----------------------------------------------------------------------------------
def _check_elementwise(fwd, bwd, expected_fwd, name, hint, x=None):
    x = rand(4, 5, seed=7) * 2 if x is None else x
    out, cache = fwd(x)
    assert_close(out, expected_fwd(x), name=f"{name}_forward", hint=hint)
    dout = rand(*x.shape, seed=8)
    dx = bwd(dout, cache)
    num = numerical_vjp(lambda v: fwd(v)[0], x, dout)
    assert_close(dx, num, atol=1e-6, name=f"{name}_backward vs numerical gradient", hint=hint)


@pytest.mark.task("2.4", points=1, title="ReLU forward/backward")
def test_relu():
    x = rand(4, 5, seed=7)
    x[np.abs(x) < 1e-3] = 0.5                       # keep away from the kink at 0
    _check_elementwise(mod.relu_forward, mod.relu_backward, lambda v: np.maximum(v, 0), "relu",
                       "dx = dout * (x > 0): the gradient passes where the input was positive", x=x)
    out, cache = mod.relu_forward(np.array([-1.0, 0.0, 2.0]))
    assert_close(mod.relu_backward(np.ones(3), cache), [0.0, 0.0, 1.0], name="relu_backward at [-1, 0, 2]",
                 hint="use 0 as the derivative at exactly x = 0")


@pytest.mark.task("2.5", points=2, title="tanh and sigmoid forward/backward")
def test_tanh():
    _check_elementwise(mod.tanh_forward, mod.tanh_backward, np.tanh, "tanh",
                       "d tanh/dx = 1 - tanh(x)**2; cache the output of the forward")


def _sigmoid_does_not_overflow():
    """Run by every sigmoid test: 1 / (1 + exp(-x)) is right for moderate x, so only large |x| exposes it."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")               # an overflow RuntimeWarning fails the test
        try:
            out, _ = mod.sigmoid_forward(np.array([-1000.0, 0.0, 1000.0]))
        except RuntimeWarning as w:
            _mistake(f"sigmoid_forward([-1000, 0, 1000]) raised RuntimeWarning: {w} (exp(-x) overflows for x = -1000)",
                     "only ever take exp of a non-positive number: z = exp(-|x|), then 1/(1+z) or z/(1+z)")
    return out


@pytest.mark.task("2.5", points=2)
def test_sigmoid():
    _sigmoid_does_not_overflow()
    _check_elementwise(mod.sigmoid_forward, mod.sigmoid_backward, lambda v: 1 / (1 + np.exp(-v)), "sigmoid",
                       "d sigmoid/dx = s * (1 - s) with s = sigmoid(x)")


@pytest.mark.task("2.5", points=2)
def test_sigmoid_stable():
    out = _sigmoid_does_not_overflow()
    assert_close(out, [0.0, 0.5, 1.0], name="sigmoid_forward([-1000, 0, 1000])")


# ---- 2.6 ----------------------------------------------------------------------------------------
def _softmax_cross_entropy_screen():
    """Run first by every 2.6 test: the typical mistakes (docs/course/mistakes.md) fail the WHOLE task.

    One small batch with distinct targets (so logp[:, y] differs from one entry per row), the gradient
    against a central difference of your own loss, and logits of size 1000.
    """
    B = 3
    logits, y = rand(B, 4, seed=5) * 2, np.array([2, 0, 3])
    loss, d = mod.softmax_cross_entropy(logits.copy(), y)
    z = logits - logits.max(1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(1, keepdims=True))                  # (B, V)
    want = -logp[np.arange(B), y].mean()
    if np.ndim(loss) == 0 and not np.isclose(float(loss), want, atol=1e-9):
        if np.isclose(float(loss), -logp[:, y].mean(), atol=1e-9):
            _mistake("softmax_cross_entropy: the loss averages logp[:, y], a (B, B) block, instead of one entry "
                     "per row", "pick logp[n, y[n]] for every row n: logp[np.arange(B), y]")
        if np.isclose(float(loss), B * want, atol=1e-9):
            _mistake("softmax_cross_entropy: the loss is the SUM over the batch; expected the mean", "divide by B")
    assert_close(loss, want, atol=1e-9, name="softmax_cross_entropy loss (B=3, V=4, y=[2, 0, 3])",
                 hint="loss = mean over rows n of -log softmax(logits)[n, y[n]]")
    num = numerical_vjp(lambda v: np.array(mod.softmax_cross_entropy(v, y)[0]), logits.copy(), np.array(1.0))
    if np.shape(d) == num.shape and not np.allclose(d, num, atol=1e-7):
        cols = np.exp(logp)
        cols[:, y] -= 1
        if np.allclose(d, cols / B, atol=1e-7):
            _mistake("softmax_cross_entropy: dlogits subtracts 1 in the columns [:, y] of EVERY row",
                     "subtract 1 only at (n, y[n]): dlogits[np.arange(B), y] -= 1")
        if np.allclose(d, B * num, atol=1e-6):
            _mistake("softmax_cross_entropy: dlogits is B = 3 times too large: the gradient of the MEAN loss "
                     "needs the / B", "dlogits = (softmax(logits) - onehot(y)) / B")
    assert_close(d, num, atol=1e-7, name="dlogits vs numerical gradient (B=3, V=4)",
                 hint="(softmax(logits) - onehot(y)) / B")
    big = np.array([[1000.0, 0.0, -1000.0], [0.0, 1000.0, 0.0]])
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        try:
            loss, d = mod.softmax_cross_entropy(big, np.array([0, 0]))
        except FloatingPointError as e:
            _mistake(f"softmax_cross_entropy failed on logits of size 1000 ({e}): subtract the row max before exp "
                     f"and never take log(softmax)",
                     "z = logits - logits.max(axis=1, keepdims=True); logp = z - log(sum(exp(z))) (log-sum-exp)")
    if not (np.all(np.isfinite(loss)) and np.all(np.isfinite(d))):
        _mistake("softmax_cross_entropy gave inf/nan on logits of size 1000: subtract the row max before exp",
                 "never compute log(softmax(x)) directly: use log-sum-exp on max-shifted logits")


@pytest.mark.task("2.6", points=2, title="softmax cross-entropy loss and gradient")
def test_softmax_cross_entropy_small():
    _softmax_cross_entropy_screen()
    loss, d = mod.softmax_cross_entropy(np.array([[0.0, 0.0]]), np.array([1]))
    assert_close(loss, np.log(2), name="loss for logits [[0, 0]], y [1]", hint="loss = -log softmax(logits)[y]")
    assert_close(d, [[0.5, -0.5]], name="dlogits for logits [[0, 0]], y [1]", hint="dlogits = (p - onehot(y)) / B")


@pytest.mark.task("2.6", points=2)
def test_softmax_cross_entropy_gradient():
    _softmax_cross_entropy_screen()
    logits, y = rand(6, 4, seed=11) * 3, np.array([0, 3, 1, 1, 2, 0])
    loss, d = mod.softmax_cross_entropy(logits, y)
    z = logits - logits.max(1, keepdims=True)
    ref = -(z - np.log(np.exp(z).sum(1, keepdims=True)))[np.arange(6), y].mean()
    assert_close(loss, ref, name="softmax_cross_entropy loss (mean over the batch)",
                 hint="take the MEAN over rows, not the sum")
    num = numerical_vjp(lambda v: np.array(mod.softmax_cross_entropy(v, y)[0]), logits.copy(),
                                 np.array(1.0))
    assert_close(d, num, atol=1e-7, name="dlogits vs numerical gradient",
                 hint="(softmax(logits) - onehot(y)) / B; did you forget the / B of the mean?")


@pytest.mark.task("2.6", points=2)
def test_softmax_cross_entropy_stable():
    _softmax_cross_entropy_screen()
    logits = np.array([[1000.0, 0.0, -1000.0], [0.0, 1000.0, 0.0]])
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        try:
            loss, d = mod.softmax_cross_entropy(logits, np.array([0, 0]))
        except FloatingPointError as e:
            raise AssertionError(f"softmax_cross_entropy overflowed on logits of size 1000 ({e})\n"
                                 "  hint: subtract the row max before exp, and use log-sum-exp") from None
    assert_close(loss, 500.0, name="loss for logits +-1000", hint="use log-softmax, never log(softmax)")
    assert_close(d, [[0.0, 0.0, 0.0], [-0.5, 0.5, 0.0]], atol=1e-7, name="dlogits for logits +-1000",
                 hint="dlogits = (softmax(logits) - onehot(y)) / B, with the softmax computed from max-shifted "
                      "logits (exp(z - max))")


# ---- 2.7 ----------------------------------------------------------------------------------------
def _autograd_mlp(params, x, y):
    """The same network with tinygrad_lm Tensors: autograd gives the reference gradients."""
    import tinygrad_lm.functional as F
    from tinygrad_lm import Tensor
    P = {k: Tensor(v, requires_grad=True, dtype=np.float64) for k, v in params.items()}
    h = F.relu(Tensor(x, dtype=np.float64) @ P["W1"] + P["b1"])
    loss = F.cross_entropy(h @ P["W2"] + P["b2"], Tensor(y))
    loss.backward()
    return float(loss.item()), {k: t.grad for k, t in P.items()}


@pytest.mark.task("2.7", points=2, title="two-layer MLP: backprop through the whole net")
@pytest.mark.parametrize("seed", [0, 1])
def test_mlp_matches_autograd(seed):
    rng = np.random.default_rng(seed)
    B, C_in, H, V = 8, 5, 7, 3
    params = mod.init_mlp(C_in, H, V, seed=seed)
    x, y = rng.standard_normal((B, C_in)), rng.integers(0, V, B)
    loss, grads = mod.mlp_loss_and_grads(params, x, y)
    ref_loss, ref_grads = _autograd_mlp(params, x, y)
    assert_close(loss, ref_loss, atol=1e-8, name="MLP loss vs tinygrad_lm autograd",
                 hint="forward: x -> linear (W1, b1) -> relu -> linear (W2, b2) -> softmax_cross_entropy with y")
    assert isinstance(grads, dict) and set(grads) == set(params), \
        f"grads must be a dict with keys {sorted(params)}, got {sorted(grads) if isinstance(grads, dict) else grads!r}"
    for k in ("W2", "b2", "W1", "b1"):
        assert_close(grads[k], ref_grads[k], atol=1e-8, name=f"MLP gradient {k} vs tinygrad_lm autograd",
                     hint="call the backward functions in reverse order of the forwards; "
                          "W1/b1 wrong only? check the ReLU backward between the layers")
