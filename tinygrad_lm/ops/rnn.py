"""One recurrent layer over a whole sequence as ONE autograd node: `lstm_layer`, `rnn_layer`.

Legend: T time steps, B batch, I input size, H hidden size, G gate columns (4H for the LSTM in
PyTorch order i, f, g, o; H for the Elman RNN).
Forward:
    xproj = x @ w_ih.T + b_ih + b_hh              (T, B, G)  all T steps in one big matmul
    hs (, cs, gates) = the recurrence             kernels/lstm.py, kernels/rnn.py (Numba sequence
                                                  kernels, or their NumPy twins for float64)
Backward (BPTT), given dL/d(outputs):
    da = dL/d(pre-activations a_t), dh0 (, dc0)   the same kernels, run in reverse
    dx = da @ w_ih,  dW_ih = da^T x,  dW_hh = da^T h_{t-1},  db_ih = db_hh = sum da
                                                  (big matmuls over all T*B rows at once)
Why one node: written with Tensor ops, one LSTM step is ~15 graph nodes, so 100 steps are 1500
nodes and as many NumPy temporaries; here a layer is one node and three big matmuls.
The modules (nn.LSTM, nn.RNN, the cells) in nn/rnn.py stack these layers.
Does not: bidirectional, proj_size, packed (variable-length) sequences.
"""
import numpy as np

from ..kernels import api as kernels
from ..tensor import Tensor


def _projection(x, w_ih, b_ih, b_hh):
    """x (T, B, I) -> x @ w_ih.T + b_ih + b_hh, (T, B, G) for all steps in one matmul."""
    T, B, I = x.shape
    bias = None if b_ih is None else b_ih + b_hh                           # (G,)
    xp = kernels.matmul(x.reshape(T * B, I), w_ih.T, bias)               # (T*B, G), + bias in the kernel
    return xp.reshape(T, B, -1)


def _weight_grads(da, x, hs_prev, w_ih, need):
    """da (T, B, G) = dL/d pre-activations -> grads of (x, w_ih, w_hh, b) with big matmuls."""
    T, B, G = da.shape
    da2 = da.reshape(T * B, G)
    dx = kernels.matmul(da2, w_ih).reshape(x.shape) if need[0] else None            # (T, B, I)
    dw_ih = kernels.matmul(da2.T, x.reshape(T * B, -1)) if need[1] else None        # (G, I)
    dw_hh = kernels.matmul(da2.T, hs_prev.reshape(T * B, -1)) if need[2] else None  # (G, H)
    db = kernels.column_sum(da2) if need[3] else None                               # (G,), all threads
    return dx, dw_ih, dw_hh, db


def _inputs(fn, x, w_ih, w_hh, b_ih, b_hh, G, H):
    """Check the shapes (G gate rows, H hidden); -> (x's data made contiguous, has_bias)."""
    if x.ndim != 3:
        raise ValueError(f"{fn}: x must be (T, B, I), got shape {x.shape}")
    I = x.shape[2]
    if w_ih.shape != (G, I):
        raise ValueError(f"{fn}: w_ih must be ({'4H' if G != H else 'H'}, I) = ({G}, {I}), got {w_ih.shape}")
    if w_hh.shape != (G, H):
        raise ValueError(f"{fn}: w_hh must be ({'4H' if G != H else 'H'}, H) = ({G}, {H}), got {w_hh.shape}")
    if (b_ih is None) != (b_hh is None):
        raise ValueError(f"{fn}: give both b_ih and b_hh, or neither (bias=False)")
    return np.ascontiguousarray(x.data), b_ih is not None


def lstm_layer(x: Tensor, w_ih: Tensor, w_hh: Tensor, b_ih, b_hh, h0: Tensor, c0: Tensor) -> Tensor:
    """One LSTM layer over a whole sequence, as a single graph node.

    x (T, B, I), w_ih (4H, I), w_hh (4H, H), b_ih, b_hh (4H,) or both None, h0, c0 (B, H).
    Returns a packed (T+1, B, H) tensor: [:T] are the outputs h_1..h_T, [T] is c_T
    (and h_T = out[T-1]); slice it with normal indexing, the gradients flow back.
    """
    H = w_hh.shape[1]
    xd, has_bias = _inputs("lstm_layer", x, w_ih, w_hh, b_ih, b_hh, 4 * H, H)
    T = xd.shape[0]
    xproj = _projection(xd, w_ih.data, b_ih.data if has_bias else None, b_hh.data if has_bias else None)
    hs, cs, gates = kernels.lstm_forward(xproj, w_hh.data, h0.data, c0.data)  # (T+1, B, H) x2, (T, B, 4H)
    out = np.concatenate([hs[1:], cs[T:]], axis=0)                             # (T+1, B, H)

    def backward(g):                                                           # g (T+1, B, H)
        da, dh0, dc0 = kernels.lstm_backward(np.ascontiguousarray(g[:T]), g[T], w_hh.data, hs, cs, gates)
        need = (x.requires_grad, w_ih.requires_grad, w_hh.requires_grad, has_bias)
        dx, dw_ih, dw_hh, db = _weight_grads(da, xd, hs[:T], w_ih.data, need)
        if not has_bias:
            return dx, dw_ih, dw_hh, dh0, dc0
        db = db.astype(b_ih.data.dtype, copy=False)
        return dx, dw_ih, dw_hh, dh0, dc0, db, db      # one array for both biases: grads are read-only

    # Without biases the parents are simply 2 fewer (backward returns one gradient per parent);
    # no placeholder tensor is needed.
    parents = (x, w_ih, w_hh, h0, c0) + ((b_ih, b_hh) if has_bias else ())
    return Tensor._make(out, parents, backward, "lstm_layer")


def rnn_layer(x: Tensor, w_ih: Tensor, w_hh: Tensor, b_ih, b_hh, h0: Tensor, relu: bool = False) -> Tensor:
    """One Elman RNN layer over a whole sequence, as a single graph node.

    x (T, B, I), w_ih (H, I), w_hh (H, H), b_ih, b_hh (H,) or both None, h0 (B, H) -> outputs
    (T, B, H) (h_T = out[T-1]); h_t = tanh (or relu) of x_t w_ih^T + b_ih + h_{t-1} w_hh^T + b_hh.
    """
    H = w_hh.shape[0]
    xd, has_bias = _inputs("rnn_layer", x, w_ih, w_hh, b_ih, b_hh, H, H)
    T = xd.shape[0]
    xproj = _projection(xd, w_ih.data, b_ih.data if has_bias else None, b_hh.data if has_bias else None)
    hs = kernels.rnn_forward(xproj, w_hh.data, h0.data, relu)                  # (T+1, B, H)

    def backward(g):                                                           # g (T, B, H)
        da, dh0 = kernels.rnn_backward(np.ascontiguousarray(g), w_hh.data, hs, relu)
        need = (x.requires_grad, w_ih.requires_grad, w_hh.requires_grad, has_bias)
        dx, dw_ih, dw_hh, db = _weight_grads(da, xd, hs[:T], w_ih.data, need)
        return (dx, dw_ih, dw_hh, dh0) + ((db, db) if has_bias else ())

    parents = (x, w_ih, w_hh, h0) + ((b_ih, b_hh) if has_bias else ())
    return Tensor._make(hs[1:], parents, backward, "rnn_layer")
