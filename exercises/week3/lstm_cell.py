# Generated from solutions/week3/lstm_cell.py by `tglm course build`: fill in the parts that raise NotImplementedError.
# Your edits are safe: the build refuses to overwrite this file unless --force; the reference is solutions/week3/lstm_cell.py.
"""Week 3, part 2: an LSTM cell written with tinygrad_lm Tensor ops (autograd does the backward).

    a = x @ w_ih.T + b_ih + h @ w_hh.T + b_hh          (B, 4H), gate blocks in PyTorch order i, f, g, o
    i, f, o = sigmoid(a_i), sigmoid(a_f), sigmoid(a_o)   g = tanh(a_g)
    c' = f * c + i * g                                  h' = o * tanh(c')

The cell state c is the LSTM's "conveyor belt": c' = f * c + ... is a sum, so the gradient
dL/dc flows back through time multiplied only by the forget gate f, not squashed by a tanh and a
weight matrix at every step like the vanilla RNN's h. That is why LSTMs learn longer-range
dependencies than the RNN of part 1.

Scope: one cell and a loop over time; weights in PyTorch layout (4H, I) / (4H, H) so the results
can be checked against tinygrad_lm.nn.LSTM, which does the same math as one fused Numba node.
Does not: fuse anything (this version makes ~15 graph nodes per step: fine for learning, slow for
training; compare the two with `tglm bench --only lstm`).
Shapes: B batch, T time steps, I input size, H hidden size.
"""
from tinygrad_lm import Tensor


def lstm_cell(x, h, c, w_ih, w_hh, b_ih, b_hh):
    """Task 3.6: one LSTM step with Tensor ops.

    TODO: x (B, I), h and c (B, H), w_ih (4H, I), w_hh (4H, H), b_ih and b_hh (4H,), all Tensors
    ->  (h_next, c_next), each a (B, H) Tensor, computed with Tensor operations only (@, +, *,
    .sigmoid(), .tanh(), slicing) so that backward() works without writing any derivative.

    APPROACH: stuck? `tglm hint 3.6` shows the approach one step at a time.

    EXAMPLE: with all weights and biases zero, every gate pre-activation is 0, so i = f = o = 0.5,
    g = 0: c_next = 0.5 * c and h_next = 0.5 * tanh(0.5 * c).

    HINT: the order i, f, g, o is PyTorch's; with any other order the shapes still work but the
    comparison with nn.LSTM fails. H is w_hh.shape[1].
    """
    raise NotImplementedError("Week 3, task 3.6: one LSTM step with Tensor ops.")


def lstm_sequence(x, h0, c0, w_ih, w_hh, b_ih, b_hh):
    """Task 3.7: run lstm_cell over a sequence and stack the outputs.

    TODO: x (T, B, I) Tensor (time-major, like nn.LSTM without batch_first), h0 and c0 (B, H)
    ->  (out (T, B, H), h_T (B, H), c_T (B, H)).

    APPROACH: stuck? `tglm hint 3.7` shows the approach one step at a time.

    HINT: do not convert to NumPy anywhere (no .data, no np.stack): that cuts the graph and the
    gradients of the weights come back None or zero.
    """
    raise NotImplementedError("Week 3, task 3.7: run lstm_cell over a sequence and stack the outputs.")


__all__ = ["lstm_cell", "lstm_sequence", "Tensor"]
