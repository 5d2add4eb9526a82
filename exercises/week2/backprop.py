# Generated from solutions/week2/backprop.py by `tglm course build`: fill in the parts that raise NotImplementedError.
# Your edits are safe: the build refuses to overwrite this file unless --force; the reference is solutions/week2/backprop.py.
"""Week 2, part 1: backpropagation by hand in NumPy (in the style of Stanford's CS231n).

Every layer is a pair of functions written side by side:
    out, cache = layer_forward(inputs...)        # compute, and remember what backward needs
    d_inputs   = layer_backward(dout, cache)     # dout = dLoss/dout  ->  dLoss/dinputs (chain rule)
and every backward is checked against `numerical_gradient`, which you write first.

Scope: a numerical gradient checker (central differences with a random upstream gradient),
Linear, ReLU, tanh, sigmoid, softmax + cross-entropy, and a two-layer MLP put together by hand.
Does not: build a graph (that is `micrograd.py`, and `tinygrad_lm.Tensor` in the library), batch
norm, convolutions, or any optimizer.

Shapes: B batch size, C_in / C_out / H feature sizes, V number of classes.
dtype: the functions keep the dtype they are given; the tests use float64 so numerical gradients
with h = 1e-5 are accurate to ~1e-9.
"""
import numpy as np


# ---- the gradient checker ---------------------------------------------------------------------
def numerical_gradient(f, x, dout, h=1e-5):
    """Task 2.1: numerical gradient of sum(dout * f(x)) with respect to x, by central differences.

    TODO: return an array `grad` with the shape of x where
        grad[i] = sum(dout * (f(x + h e_i) - f(x - h e_i))) / (2 h)
    and e_i is 1 at index i and 0 elsewhere. This is d/dx of the scalar sum(dout * f(x)), i.e. the
    vector-Jacobian product that a backward pass computes: dout plays the upstream gradient.

    APPROACH: stuck? `tglm hint 2.1` shows the approach one step at a time.

    EXAMPLE: f = lambda x: x ** 2, x = [3.0], dout = [1.0]  ->  [6.0] (up to ~1e-9).

    HINT: copy the outputs of f (`np.array(f(x), copy=True)`): a function might return a view of x,
    which the next perturbation would silently change. Restore x[i] exactly, or later entries drift.
    """
    raise NotImplementedError("Week 2, task 2.1: numerical gradient of sum(dout * f(x)) with respect to x, by central differences.")


# ---- Linear -------------------------------------------------------------------------------------
def linear_forward(x, W, b):
    """Task 2.2: forward pass of a fully connected (affine) layer: out = x @ W + b.

    TODO: x (B, C_in), W (C_in, C_out), b (C_out,)  ->  out (B, C_out), and a `cache` tuple with
    whatever linear_backward needs (x and W).

    APPROACH: stuck? `tglm hint 2.2` shows the approach one step at a time.

    EXAMPLE: x = [[1, 2]], W = [[1, 0, 1], [0, 1, 1]], b = [0, 0, 10]  ->  out = [[1, 2, 13]].
    """
    raise NotImplementedError("Week 2, task 2.2: forward pass of a fully connected (affine) layer: out = x @ W + b.")


def linear_backward(dout, cache):
    """Task 2.3: backward pass of the Linear layer.

    TODO: given dout = dL/dout (B, C_out) and the cache of linear_forward, return (dx, dW, db) with
    the shapes of x (B, C_in), W (C_in, C_out) and b (C_out,).

    APPROACH: stuck? `tglm hint 2.3` shows the approach one step at a time.

    HINT: let shapes guide you: the only product of dout (B, C_out) and x (B, C_in) that has the
    shape of W (C_in, C_out) is x.T @ dout.
    """
    raise NotImplementedError("Week 2, task 2.3: backward pass of the Linear layer.")


# ---- elementwise nonlinearities ---------------------------------------------------------------
def relu_forward(x):
    """Task 2.4: ReLU forward: out = max(0, x), elementwise; return (out, cache).

    TODO: compute out and keep in `cache` what relu_backward needs.
    EXAMPLE: [-1.0, 0.0, 2.0] -> [0.0, 0.0, 2.0].
    """
    raise NotImplementedError("Week 2, task 2.4: ReLU forward: out = max(0, x), elementwise; return (out, cache).")


def relu_backward(dout, cache):
    """Task 2.4: ReLU backward: dx = dout where x > 0, else 0.

    TODO: return dx with the shape of x.
    HINT: the derivative at exactly 0 is a convention; use 0 there (like PyTorch).
    """
    raise NotImplementedError("Week 2, task 2.4: ReLU backward: dx = dout where x > 0, else 0.")


def tanh_forward(x):
    """Task 2.5: tanh forward; return (out, cache).

    TODO: out = tanh(x). Cache the OUTPUT: the derivative is easiest to write with it.
    """
    raise NotImplementedError("Week 2, task 2.5: tanh forward; return (out, cache).")


def tanh_backward(dout, cache):
    """Task 2.5: tanh backward: d tanh(x)/dx = 1 - tanh(x)^2.

    TODO: return dx from dout and the cached output.
    """
    raise NotImplementedError("Week 2, task 2.5: tanh backward: d tanh(x)/dx = 1 - tanh(x)^2.")


def sigmoid_forward(x):
    """Task 2.5: numerically stable sigmoid forward: out = 1 / (1 + exp(-x)); return (out, cache).

    TODO: compute the sigmoid without overflow warnings for x = -1000 or x = +1000.

    APPROACH: stuck? `tglm hint 2.5` shows the approach one step at a time.

    EXAMPLE: sigmoid([-1000, 0, 1000]) = [0, 0.5, 1] with no RuntimeWarning.
    """
    raise NotImplementedError("Week 2, task 2.5: numerically stable sigmoid forward: out = 1 / (1 + exp(-x)); return (out, cache).")


def sigmoid_backward(dout, cache):
    """Task 2.5: sigmoid backward: d sigmoid(x)/dx = s (1 - s) with s = sigmoid(x).

    TODO: return dx from dout and the cached output.
    """
    raise NotImplementedError("Week 2, task 2.5: sigmoid backward: d sigmoid(x)/dx = s (1 - s) with s = sigmoid(x).")


# ---- the loss -------------------------------------------------------------------------------
def softmax_cross_entropy(logits, y):
    """Task 2.6: mean softmax cross-entropy loss and its gradient with respect to the logits.

    TODO: logits (B, V) scores, y (B,) integer class ids  ->  (loss, dlogits) where
        p = softmax(logits) row by row,  loss = mean over rows of -log p[n, y[n]],
        dlogits = dloss/dlogits, shape (B, V).

    APPROACH: stuck? `tglm hint 2.6` shows the approach one step at a time.

    EXAMPLE: logits [[0, 0]], y [1] -> loss log 2 = 0.6931, dlogits [[0.5, -0.5]].

    HINT: never compute log(softmax(x)) directly: softmax can underflow to 0 and log(0) = -inf.
    """
    raise NotImplementedError("Week 2, task 2.6: mean softmax cross-entropy loss and its gradient with respect to the logits.")


# ---- a whole network --------------------------------------------------------------------------
def init_mlp(C_in, H, V, seed=0, dtype=np.float64):
    """Parameters of a two-layer MLP: W1 (C_in, H), b1 (H,), W2 (H, V), b2 (V,), He-initialised."""
    rng = np.random.default_rng(seed)
    return {
        "W1": (rng.standard_normal((C_in, H)) * np.sqrt(2.0 / C_in)).astype(dtype),
        "b1": np.zeros(H, dtype=dtype),
        "W2": (rng.standard_normal((H, V)) * np.sqrt(1.0 / H)).astype(dtype),
        "b2": np.zeros(V, dtype=dtype),
    }


def mlp_loss_and_grads(params, x, y):
    """Task 2.7: loss and gradients of a two-layer MLP, chaining the layers you wrote.

    TODO: the network is  x -> Linear(W1, b1) -> ReLU -> Linear(W2, b2) -> softmax cross-entropy.
    Return (loss, grads) where grads is a dict with the keys of params ("W1", "b1", "W2", "b2")
    and arrays of the same shapes.

    APPROACH: stuck? `tglm hint 2.7` shows the approach one step at a time.

    HINT: the tests compare your grads with tinygrad_lm's autograd on the same network. If only W1
    and b1 are wrong, look at the ReLU step; if everything is off by a factor B, look at the loss.
    """
    raise NotImplementedError("Week 2, task 2.7: loss and gradients of a two-layer MLP, chaining the layers you wrote.")
