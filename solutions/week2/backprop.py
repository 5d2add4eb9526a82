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

    APPROACH: loop over every index of x (`np.ndindex(x.shape)`), save x[i], set it to x[i] + h,
    evaluate f, set it to x[i] - h, evaluate f, restore x[i], combine. f may modify nothing but must
    be called with the SAME array object (layers read x through closures).

    EXAMPLE: f = lambda x: x ** 2, x = [3.0], dout = [1.0]  ->  [6.0] (up to ~1e-9).

    HINT: copy the outputs of f (`np.array(f(x), copy=True)`): a function might return a view of x,
    which the next perturbation would silently change. Restore x[i] exactly, or later entries drift.
    """
    ### BEGIN SOLUTION
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h
        plus = np.array(f(x), copy=True)
        x[i] = old - h
        minus = np.array(f(x), copy=True)
        x[i] = old
        grad[i] = np.sum(dout * (plus - minus)) / (2 * h)
    return grad
    ### END SOLUTION


# ---- Linear -------------------------------------------------------------------------------------
def linear_forward(x, W, b):
    """Task 2.2: forward pass of a fully connected (affine) layer: out = x @ W + b.

    TODO: x (B, C_in), W (C_in, C_out), b (C_out,)  ->  out (B, C_out), and a `cache` tuple with
    whatever linear_backward needs (x and W).

    APPROACH: one matrix product and a broadcast add; return (out, (x, W, b)).

    EXAMPLE: x = [[1, 2]], W = [[1, 0, 1], [0, 1, 1]], b = [0, 0, 10]  ->  out = [[1, 2, 13]].
    """
    ### BEGIN SOLUTION
    out = x @ W + b                    # (B, C_in) @ (C_in, C_out) + (C_out,) -> (B, C_out)
    cache = (x, W, b)
    return out, cache
    ### END SOLUTION


def linear_backward(dout, cache):
    """Task 2.3: backward pass of the Linear layer.

    TODO: given dout = dL/dout (B, C_out) and the cache of linear_forward, return (dx, dW, db) with
    the shapes of x (B, C_in), W (C_in, C_out) and b (C_out,).

    APPROACH: out[n, j] = sum_k x[n, k] W[k, j] + b[j]. Differentiate one entry and sum over the
    uses: dx = dout @ W.T, dW = x.T @ dout, db = dout summed over the batch (b was broadcast to
    every row, so its gradient collects from every row).

    HINT: let shapes guide you: the only product of dout (B, C_out) and x (B, C_in) that has the
    shape of W (C_in, C_out) is x.T @ dout.
    """
    ### BEGIN SOLUTION
    x, W, b = cache
    dx = dout @ W.T                    # (B, C_out) @ (C_out, C_in) -> (B, C_in)
    dW = x.T @ dout                    # (C_in, B) @ (B, C_out)    -> (C_in, C_out)
    db = dout.sum(axis=0)              # (C_out,)
    return dx, dW, db
    ### END SOLUTION


# ---- elementwise nonlinearities ---------------------------------------------------------------
def relu_forward(x):
    """Task 2.4: ReLU forward: out = max(0, x), elementwise; return (out, cache).

    TODO: compute out and keep in `cache` what relu_backward needs.
    EXAMPLE: [-1.0, 0.0, 2.0] -> [0.0, 0.0, 2.0].
    """
    ### BEGIN SOLUTION
    out = np.maximum(x, 0)
    return out, x
    ### END SOLUTION


def relu_backward(dout, cache):
    """Task 2.4: ReLU backward: dx = dout where x > 0, else 0.

    TODO: return dx with the shape of x.
    HINT: the derivative at exactly 0 is a convention; use 0 there (like PyTorch).
    """
    ### BEGIN SOLUTION
    x = cache
    return dout * (x > 0)
    ### END SOLUTION


def tanh_forward(x):
    """Task 2.5: tanh forward; return (out, cache).

    TODO: out = tanh(x). Cache the OUTPUT: the derivative is easiest to write with it.
    """
    ### BEGIN SOLUTION
    out = np.tanh(x)
    return out, out
    ### END SOLUTION


def tanh_backward(dout, cache):
    """Task 2.5: tanh backward: d tanh(x)/dx = 1 - tanh(x)^2.

    TODO: return dx from dout and the cached output.
    """
    ### BEGIN SOLUTION
    out = cache
    return dout * (1 - out * out)
    ### END SOLUTION


def sigmoid_forward(x):
    """Task 2.5: numerically stable sigmoid forward: out = 1 / (1 + exp(-x)); return (out, cache).

    TODO: compute the sigmoid without overflow warnings for x = -1000 or x = +1000.

    APPROACH: for x >= 0 use 1 / (1 + exp(-x)); for x < 0 use exp(x) / (1 + exp(x)). Both only take
    exp of a non-positive number, which cannot overflow. `np.where` evaluates both branches, so
    compute z = exp(-|x|) once and build both forms from it.

    EXAMPLE: sigmoid([-1000, 0, 1000]) = [0, 0.5, 1] with no RuntimeWarning.
    """
    ### BEGIN SOLUTION
    z = np.exp(-np.abs(x))             # in (0, 1]: never overflows
    out = np.where(x >= 0, 1 / (1 + z), z / (1 + z))
    return out, out
    ### END SOLUTION


def sigmoid_backward(dout, cache):
    """Task 2.5: sigmoid backward: d sigmoid(x)/dx = s (1 - s) with s = sigmoid(x).

    TODO: return dx from dout and the cached output.
    """
    ### BEGIN SOLUTION
    s = cache
    return dout * s * (1 - s)
    ### END SOLUTION


# ---- the loss -------------------------------------------------------------------------------
def softmax_cross_entropy(logits, y):
    """Task 2.6: mean softmax cross-entropy loss and its gradient with respect to the logits.

    TODO: logits (B, V) scores, y (B,) integer class ids  ->  (loss, dlogits) where
        p = softmax(logits) row by row,  loss = mean over rows of -log p[n, y[n]],
        dlogits = dloss/dlogits, shape (B, V).

    APPROACH: stable log-softmax: z = logits - max(row); logp = z - log(sum(exp(z))). The gradient
    of the mean loss is (p - onehot(y)) / B: softmax and cross-entropy together have this short
    gradient, which is why libraries fuse them into one op.

    EXAMPLE: logits [[0, 0]], y [1] -> loss log 2 = 0.6931, dlogits [[0.5, -0.5]].

    HINT: never compute log(softmax(x)) directly: softmax can underflow to 0 and log(0) = -inf.
    """
    ### BEGIN SOLUTION
    B = logits.shape[0]
    z = logits - logits.max(axis=1, keepdims=True)                 # (B, V), row max is 0
    logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))        # (B, V)
    loss = -logp[np.arange(B), y].mean()
    dlogits = np.exp(logp)                                         # p, (B, V)
    dlogits[np.arange(B), y] -= 1
    dlogits /= B
    return loss, dlogits
    ### END SOLUTION


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

    APPROACH: call the forward functions in order, keeping each cache; then call the backward
    functions in REVERSE order, feeding each one the gradient that the next layer produced.
    That is all backpropagation is: the chain rule, applied layer by layer from the loss back.

    HINT: the tests compare your grads with tinygrad_lm's autograd on the same network. If only W1
    and b1 are wrong, look at the ReLU step; if everything is off by a factor B, look at the loss.
    """
    ### BEGIN SOLUTION
    h, cache1 = linear_forward(x, params["W1"], params["b1"])     # (B, H)
    a, cache_r = relu_forward(h)                                  # (B, H)
    logits, cache2 = linear_forward(a, params["W2"], params["b2"])  # (B, V)
    loss, dlogits = softmax_cross_entropy(logits, y)
    da, dW2, db2 = linear_backward(dlogits, cache2)
    dh = relu_backward(da, cache_r)
    _, dW1, db1 = linear_backward(dh, cache1)
    return loss, {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}
    ### END SOLUTION
