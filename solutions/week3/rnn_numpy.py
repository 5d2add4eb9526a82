"""Week 3, part 1: a vanilla RNN by hand in NumPy, forward and backward (CS231n style).

    h_t = tanh(x_t @ Wx + h_{t-1} @ Wh + b)

Every step is a forward/backward pair:
    next_h, cache = rnn_step_forward(x, prev_h, Wx, Wh, b)
    dx, dprev_h, dWx, dWh, db = rnn_step_backward(dnext_h, cache)
then the sequence versions loop over time: forward left to right, backward (BPTT) right to left,
adding up the weight gradients of every step. Finally: why long sequences make gradients explode
or vanish, and gradient-norm clipping.

Scope: single layer, tanh, batch-first arrays. Weights are stored (in, out) here, so products read
x @ Wx; torch and tinygrad_lm.nn.RNN store the transpose, weight_ih = Wx.T (out, in).
Does not: build a graph (tinygrad_lm.nn.RNN does the same math as one fused node, kernels/rnn.py).
Shapes: B batch, T time steps, D input size, H hidden size. The tests use float64.
"""
import numpy as np


# ---- one time step -------------------------------------------------------------------------------
def rnn_step_forward(x, prev_h, Wx, Wh, b):
    """Task 3.1: one step of a vanilla RNN.

    TODO: x (B, D), prev_h (B, H), Wx (D, H), Wh (H, H), b (H,)  ->  next_h (B, H) and a cache
    with what rnn_step_backward needs.

    APPROACH: next_h = tanh(x @ Wx + prev_h @ Wh + b). Keep x, prev_h, Wx, Wh and next_h in the
    cache: tanh's derivative is easiest written with its output, 1 - next_h ** 2.

    EXAMPLE: x = [[1.]], prev_h = [[0.]], Wx = [[0.5]], Wh = [[2.]], b = [0.]  ->  [[tanh(0.5)]] = [[0.4621]].
    """
    ### BEGIN SOLUTION
    next_h = np.tanh(x @ Wx + prev_h @ Wh + b)             # (B, H)
    cache = (x, prev_h, Wx, Wh, next_h)
    return next_h, cache
    ### END SOLUTION


def rnn_step_backward(dnext_h, cache):
    """Task 3.2: backward of one RNN step.

    TODO: dnext_h = dL/dnext_h (B, H) and the cache  ->  (dx (B, D), dprev_h (B, H), dWx (D, H),
    dWh (H, H), db (H,)).

    APPROACH: first through the tanh: da = dnext_h * (1 - next_h ** 2), where a is the
    pre-activation. Then a = x @ Wx + prev_h @ Wh + b is two Linear layers (week 2):
    dx = da @ Wx.T, dWx = x.T @ da, dprev_h = da @ Wh.T, dWh = prev_h.T @ da, db = da.sum(axis=0).

    HINT: check every gradient has the shape of the thing it is the gradient of.
    """
    ### BEGIN SOLUTION
    x, prev_h, Wx, Wh, next_h = cache
    da = dnext_h * (1.0 - next_h ** 2)                     # (B, H) through tanh
    dx = da @ Wx.T                                         # (B, D)
    dprev_h = da @ Wh.T                                    # (B, H)
    dWx = x.T @ da                                         # (D, H)
    dWh = prev_h.T @ da                                    # (H, H)
    db = da.sum(axis=0)                                    # (H,)
    return dx, dprev_h, dWx, dWh, db
    ### END SOLUTION


# ---- a whole sequence ----------------------------------------------------------------------------
def rnn_forward(x, h0, Wx, Wh, b):
    """Task 3.3: run the RNN over a whole sequence.

    TODO: x (B, T, D), h0 (B, H)  ->  h (B, T, H) holding the hidden state after every step, and a
    cache (the list of the step caches is enough).

    APPROACH: prev_h = h0; for t in range(T): h[:, t], step_cache = rnn_step_forward(x[:, t], prev_h, ...);
    keep step_cache; prev_h = h[:, t].

    HINT: allocate h with np.zeros((B, T, H), dtype=x.dtype) so float64 stays float64.
    """
    ### BEGIN SOLUTION
    B, T, D = x.shape
    H = h0.shape[1]
    h = np.zeros((B, T, H), dtype=x.dtype)                 # h[:, t] = state AFTER step t
    caches = []                                            # one step cache per t
    prev_h = h0                                            # (B, H)
    for t in range(T):                                     # left to right
        prev_h, step_cache = rnn_step_forward(x[:, t], prev_h, Wx, Wh, b)   # x[:, t] (B, D) -> (B, H)
        h[:, t] = prev_h
        caches.append(step_cache)
    return h, caches
    ### END SOLUTION


def rnn_backward(dh, cache):
    """Task 3.4: backpropagation through time (BPTT).

    TODO: dh = dL/dh (B, T, H), the gradient arriving at EVERY output h_t from above (e.g. from the
    loss at each time step)  ->  (dx (B, T, D), dh0 (B, H), dWx, dWh, db).

    APPROACH: walk backward in time with a running dprev = zeros (B, H). At step t the hidden state
    h_t received two gradients: dh[:, t] from above and dprev from step t+1 (h_t was its prev_h).
    Call rnn_step_backward(dh[:, t] + dprev, cache[t]); store dx[:, t]; ADD dWx, dWh, db (the same
    weights were used at every step); dprev becomes the step's dprev_h. After t = 0, dprev is dh0.

    HINT: forgetting `+ dprev` gives gradients that look plausible but only cover one step.
    """
    ### BEGIN SOLUTION
    B, T, H = dh.shape
    _, _, Wx, Wh, _ = cache[0]                             # the same weights at every step
    dx = np.zeros((B, T, Wx.shape[0]), dtype=dh.dtype)     # (B, T, D)
    dWx, dWh, db = np.zeros_like(Wx), np.zeros_like(Wh), np.zeros(H, dtype=dh.dtype)
    dprev = np.zeros((B, H), dtype=dh.dtype)               # dL/dh_t arriving from step t+1 (none after T-1)
    for t in reversed(range(T)):                           # right to left
        # h_t feeds the loss (dh[:, t]) AND step t+1 (dprev): the two gradients add up
        dx_t, dprev, dWx_t, dWh_t, db_t = rnn_step_backward(dh[:, t] + dprev, cache[t])
        dx[:, t] = dx_t                                    # (B, D)
        dWx += dWx_t                                       # sum over steps: dL/dW = sum_t dL/dW_t
        dWh += dWh_t
        db += db_t
    return dx, dprev, dWx, dWh, db                         # after t = 0, dprev is dL/dh0
    ### END SOLUTION


# ---- exploding gradients and clipping --------------------------------------------------------------
def global_grad_norm(grads):
    """sqrt of the sum of squares of every entry of every array in `grads` (a list)."""
    return float(np.sqrt(sum(float(np.sum(np.square(g))) for g in grads)))


def clip_grad_norm(grads, max_norm):
    """Task 3.5: gradient-norm clipping (what torch.nn.utils.clip_grad_norm_ does).

    TODO: grads is a list of arrays. Compute the global norm (all entries of all arrays, as one
    vector). If it is larger than max_norm, return a NEW list with every array scaled by
    max_norm / norm; otherwise return copies unchanged. Return (clipped_grads, norm) with the norm
    BEFORE clipping.

    APPROACH: norm = global_grad_norm(grads); scale = min(1, max_norm / (norm + 1e-6)).

    EXAMPLE: grads = [np.array([3., 4.])], max_norm = 1  ->  ([array([0.6, 0.8])], 5.0) (up to 1e-6).

    HINT: scale every array by the SAME factor: clipping each array on its own changes the
    direction of the update, the global version only shortens it.
    """
    ### BEGIN SOLUTION
    norm = global_grad_norm(grads)
    scale = min(1.0, max_norm / (norm + 1e-6))
    return [g * scale for g in grads], norm
    ### END SOLUTION
