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

    APPROACH: a = x @ w_ih.T + b_ih + h @ w_hh.T + b_hh (B, 4H). Slice the four gate blocks out of
    the last axis: a[:, 0:H] is i, a[:, H:2H] is f, a[:, 2H:3H] is g, a[:, 3H:4H] is o. Apply
    sigmoid to i, f, o and tanh to g; then c_next = f * c + i * g and h_next = o * c_next.tanh().

    EXAMPLE: with all weights and biases zero, every gate pre-activation is 0, so i = f = o = 0.5,
    g = 0: c_next = 0.5 * c and h_next = 0.5 * tanh(0.5 * c).

    HINT: the order i, f, g, o is PyTorch's; with any other order the shapes still work but the
    comparison with nn.LSTM fails. H is w_hh.shape[1].
    """
    ### BEGIN SOLUTION
    H = w_hh.shape[1]
    a = x @ w_ih.T + b_ih + h @ w_hh.T + b_hh              # (B, 4H)
    i = a[:, 0:H].sigmoid()                                # input gate   (B, H)
    f = a[:, H:2 * H].sigmoid()                            # forget gate
    g = a[:, 2 * H:3 * H].tanh()                           # candidate cell values
    o = a[:, 3 * H:4 * H].sigmoid()                        # output gate
    c_next = f * c + i * g                                 # (B, H)
    h_next = o * c_next.tanh()                             # (B, H)
    return h_next, c_next
    ### END SOLUTION


def lstm_sequence(x, h0, c0, w_ih, w_hh, b_ih, b_hh):
    """Task 3.7: run lstm_cell over a sequence and stack the outputs.

    TODO: x (T, B, I) Tensor (time-major, like nn.LSTM without batch_first), h0 and c0 (B, H)
    ->  (out (T, B, H), h_T (B, H), c_T (B, H)).

    APPROACH: loop t over range(T): h, c = lstm_cell(x[t], h, c, ...); collect h; then
    tinygrad_lm.stack(outputs, axis=0) builds one (T, B, H) Tensor whose backward splits the
    gradient back to every step.

    HINT: do not convert to NumPy anywhere (no .data, no np.stack): that cuts the graph and the
    gradients of the weights come back None or zero.
    """
    ### BEGIN SOLUTION
    from tinygrad_lm import stack
    h, c = h0, c0
    outputs = []
    for t in range(x.shape[0]):
        h, c = lstm_cell(x[t], h, c, w_ih, w_hh, b_ih, b_hh)
        outputs.append(h)
    return stack(outputs, axis=0), h, c
    ### END SOLUTION


__all__ = ["lstm_cell", "lstm_sequence", "Tensor"]
