# Generated from solutions/week3/rnn_numpy.py by `tglm course build`: fill in the parts that raise NotImplementedError.
# Your edits are safe: the build refuses to overwrite this file unless --force; the reference is solutions/week3/rnn_numpy.py.
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

    APPROACH: stuck? `tglm hint 3.1` shows the approach one step at a time.

    EXAMPLE: x = [[1.]], prev_h = [[0.]], Wx = [[0.5]], Wh = [[2.]], b = [0.]  ->  [[tanh(0.5)]] = [[0.4621]].
    """
    raise NotImplementedError("Week 3, task 3.1: one step of a vanilla RNN.")


def rnn_step_backward(dnext_h, cache):
    """Task 3.2: backward of one RNN step.

    TODO: dnext_h = dL/dnext_h (B, H) and the cache  ->  (dx (B, D), dprev_h (B, H), dWx (D, H),
    dWh (H, H), db (H,)).

    APPROACH: stuck? `tglm hint 3.2` shows the approach one step at a time.

    HINT: check every gradient has the shape of the thing it is the gradient of.
    """
    raise NotImplementedError("Week 3, task 3.2: backward of one RNN step.")


# ---- a whole sequence ----------------------------------------------------------------------------
def rnn_forward(x, h0, Wx, Wh, b):
    """Task 3.3: run the RNN over a whole sequence.

    TODO: x (B, T, D), h0 (B, H)  ->  h (B, T, H) holding the hidden state after every step, and a
    cache (the list of the step caches is enough).

    APPROACH: stuck? `tglm hint 3.3` shows the approach one step at a time.

    HINT: allocate h with np.zeros((B, T, H), dtype=x.dtype) so float64 stays float64.
    """
    raise NotImplementedError("Week 3, task 3.3: run the RNN over a whole sequence.")


def rnn_backward(dh, cache):
    """Task 3.4: backpropagation through time (BPTT).

    TODO: dh = dL/dh (B, T, H), the gradient arriving at EVERY output h_t from above (e.g. from the
    loss at each time step)  ->  (dx (B, T, D), dh0 (B, H), dWx, dWh, db).

    APPROACH: stuck? `tglm hint 3.4` shows the approach one step at a time.

    HINT: forgetting `+ dprev` gives gradients that look plausible but only cover one step.
    """
    raise NotImplementedError("Week 3, task 3.4: backpropagation through time (BPTT).")


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

    APPROACH: stuck? `tglm hint 3.5` shows the approach one step at a time.

    EXAMPLE: grads = [np.array([3., 4.])], max_norm = 1  ->  ([array([0.6, 0.8])], 5.0) (up to 1e-6).

    HINT: scale every array by the SAME factor: clipping each array on its own changes the
    direction of the update, the global version only shortens it.
    """
    raise NotImplementedError("Week 3, task 3.5: gradient-norm clipping (what torch.nn.utils.clip_grad_norm_ does).")
