"""Recurrent layers with PyTorch conventions: RNN, LSTM, RNNCell, LSTMCell.

Legend: T time steps, B batch, I input size, H hidden size, L layers.
Conventions (same as torch.nn, so a torch state dict loads as is): parameters weight_ih_l{k}
(4H, I) / (H, I), weight_hh_l{k}, bias_ih_l{k}, bias_hh_l{k}; LSTM gate order i, f, g, o; input
(T, B, I), or (B, T, I) with batch_first=True, or unbatched (T, I); state (h0, c0) each (L, B, H)
in, (h_n, c_n) out; dropout on the outputs of every layer except the last; init U(-1/sqrt(H), 1/sqrt(H)).
Extra: `forget_bias=1.0` puts the LSTM forget-gate bias at 1 (Jozefowicz et al. 2015), so early in
training the cell keeps its memory.

Speed: each layer is ONE autograd node (`lstm_layer` / `rnn_layer`, ops/rnn.py): the input
projection of all T steps is one big matmul, the recurrence and its backward (BPTT) are Numba
sequence kernels (kernels/lstm.py, kernels/rnn.py), and the weight gradients are again big
matmuls over all T steps. The float64 path (gradcheck) runs the kernels' NumPy twins.
This file holds only the modules (parameters, layer stacking, state layout, dropout).
Omissions: bidirectional, proj_size, packed (variable-length) sequences; RNN nonlinearity is
"tanh" or "relu".
"""
import math

import numpy as np

from .. import random as _random
from ..ops.dropout import dropout
from ..ops.join import stack
from ..ops.rnn import lstm_layer, rnn_layer
from ..tensor import Tensor
from .module import Module, Parameter


# ---- modules ---------------------------------------------------------------------------------------
class _RNNBase(Module):
    gates = 1

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0):
        super().__init__()
        if hidden_size <= 0 or input_size <= 0 or num_layers <= 0:
            raise ValueError(f"{type(self).__name__}: sizes must be positive, got input_size={input_size}, "
                             f"hidden_size={hidden_size}, num_layers={num_layers}")
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"{type(self).__name__}: dropout must be in [0, 1), got {dropout}")
        self.input_size, self.hidden_size, self.num_layers = input_size, hidden_size, num_layers
        self.bias, self.batch_first, self.dropout = bias, batch_first, float(dropout)
        G, H = self.gates * hidden_size, hidden_size
        k = 1.0 / math.sqrt(H)
        rng = _random.rng()
        for layer in range(num_layers):
            I = input_size if layer == 0 else H
            shapes = {f"weight_ih_l{layer}": (G, I), f"weight_hh_l{layer}": (G, H)}
            if bias:
                shapes.update({f"bias_ih_l{layer}": (G,), f"bias_hh_l{layer}": (G,)})
            for name, shape in shapes.items():
                setattr(self, name, Parameter(rng.uniform(-k, k, size=shape).astype(np.float32)))

    def _weights(self, layer):
        w = [getattr(self, f"weight_ih_l{layer}"), getattr(self, f"weight_hh_l{layer}")]
        if self.bias:
            return w + [getattr(self, f"bias_ih_l{layer}"), getattr(self, f"bias_hh_l{layer}")]
        return w + [None, None]

    def _prepare(self, x, hx):
        """-> x time-major (T, B, I), list of per-layer initial states, and how to undo the layout."""
        if not isinstance(x, Tensor):
            x = Tensor(x)
        if x.ndim not in (2, 3) or x.shape[-1] != self.input_size:
            ids = " (integer token ids? embed them first with nn.Embedding)" if np.issubdtype(x.dtype, np.integer) else ""
            raise ValueError(f"{type(self).__name__}: input must be (T, B, I), (B, T, I) with batch_first, "
                             f"or unbatched (T, I) with I = {self.input_size}; got shape {x.shape}{ids}")
        if x.shape[0] == 0 or (x.ndim == 3 and x.shape[1] == 0):
            raise ValueError(f"{type(self).__name__}: empty input of shape {x.shape} (no time steps or no batch)")
        unbatched = x.ndim == 2
        if unbatched:
            x = x.unsqueeze(1)                                     # (T, 1, I)
        elif self.batch_first:
            x = x.transpose(0, 1)                                  # (B, T, I) -> (T, B, I)
        B = x.shape[1]
        L, H = self.num_layers, self.hidden_size
        n_states = 2 if self.gates == 4 else 1
        if hx is None:
            zero = Tensor(np.zeros((B, H), dtype=x.dtype))
            states = [[zero] * L for _ in range(n_states)]
        else:
            hx = list(hx) if isinstance(hx, (tuple, list)) else [hx]
            if len(hx) != n_states:
                raise ValueError(f"{type(self).__name__}: expected {n_states} initial state tensor(s), got {len(hx)}")
            states = []
            for s in hx:
                s = s if isinstance(s, Tensor) else Tensor(s)
                if unbatched and s.ndim == 2:
                    s = s.unsqueeze(1)
                if s.shape != (L, B, H):
                    layout = "(B, T, I), batch_first=True" if self.batch_first else "(T, B, I), batch_first=False"
                    hint = ""
                    if s.ndim == 3 and s.shape[0] == L and s.shape[2] == H and x.ndim == 3 and s.shape[1] == x.shape[0]:
                        hint = (f"; the input was read as {layout}, so B = {B}, but the state's batch is {s.shape[1]}: "
                                f"build the module with batch_first={not self.batch_first}?")
                    elif s.ndim == 2:
                        hint = "; add the layer axis: h0[None] (L = 1)"
                    raise ValueError(f"{type(self).__name__}: initial state must be (L, B, H) = ({L}, {B}, {H}), "
                                     f"got {s.shape}{hint}")
                states.append([s[layer] for layer in range(L)])
        return x, states, unbatched

    def _finish(self, y, finals, unbatched):
        finals = [stack(f, 0) for f in finals]                     # each (L, B, H)
        if unbatched:
            return y[:, 0], [f[:, 0] for f in finals]
        if self.batch_first:
            y = y.transpose(0, 1)                                  # (T, B, H) -> (B, T, H)
        return y, finals

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if not self.bias:
            s += ", bias=False"
        if self.batch_first:
            s += ", batch_first=True"
        if self.dropout:
            s += f", dropout={self.dropout}"
        return s


class LSTM(_RNNBase):
    """Multi-layer LSTM: forward(x, (h0, c0)=None) -> (output, (h_n, c_n))."""
    gates = 4

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
                 forget_bias=None):
        super().__init__(input_size, hidden_size, num_layers, bias, batch_first, dropout)
        if forget_bias is not None and bias:
            H = hidden_size
            for layer in range(num_layers):                        # b_ih + b_hh = forget_bias on the f gate
                getattr(self, f"bias_ih_l{layer}").data[H:2 * H] = forget_bias
                getattr(self, f"bias_hh_l{layer}").data[H:2 * H] = 0.0

    def forward(self, x, hx=None):
        x, (h0s, c0s), unbatched = self._prepare(x, hx)
        T = x.shape[0]
        h_n, c_n = [], []
        for layer in range(self.num_layers):
            packed = lstm_layer(x, *self._weights(layer), h0s[layer], c0s[layer])   # (T+1, B, H)
            x = packed[:T]                                                           # (T, B, H)
            h_n.append(packed[T - 1])
            c_n.append(packed[T])
            if self.dropout and self.training and layer < self.num_layers - 1:
                x = dropout(x, self.dropout, True)
        y, (h_n, c_n) = self._finish(x, [h_n, c_n], unbatched)
        return y, (h_n, c_n)


class RNN(_RNNBase):
    """Multi-layer Elman RNN, h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh): forward(x, h0=None)
    -> (output, h_n)."""

    def __init__(self, input_size, hidden_size, num_layers=1, nonlinearity="tanh", bias=True,
                 batch_first=False, dropout=0.0):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNN: nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")
        super().__init__(input_size, hidden_size, num_layers, bias, batch_first, dropout)
        self.nonlinearity = nonlinearity

    def forward(self, x, hx=None):
        x, (h0s,), unbatched = self._prepare(x, hx)
        T = x.shape[0]
        h_n = []
        for layer in range(self.num_layers):
            x = rnn_layer(x, *self._weights(layer), h0s[layer], self.nonlinearity == "relu")   # (T, B, H)
            h_n.append(x[T - 1])
            if self.dropout and self.training and layer < self.num_layers - 1:
                x = dropout(x, self.dropout, True)
        y, (h_n,) = self._finish(x, [h_n], unbatched)
        return y, h_n


class _CellBase(Module):
    """Shared by the cells: one time step = the sequence node with T = 1."""
    gates = 1

    def __init__(self, input_size, hidden_size, bias=True):
        super().__init__()
        self.input_size, self.hidden_size, self.bias = input_size, hidden_size, bias
        G, H, k = self.gates * hidden_size, hidden_size, 1.0 / math.sqrt(hidden_size)
        rng = _random.rng()
        self.weight_ih = Parameter(rng.uniform(-k, k, size=(G, input_size)).astype(np.float32))
        self.weight_hh = Parameter(rng.uniform(-k, k, size=(G, H)).astype(np.float32))
        if bias:
            self.bias_ih = Parameter(rng.uniform(-k, k, size=(G,)).astype(np.float32))
            self.bias_hh = Parameter(rng.uniform(-k, k, size=(G,)).astype(np.float32))

    def _args(self, x):
        x = x if isinstance(x, Tensor) else Tensor(x)
        if x.ndim != 2 or x.shape[1] != self.input_size:
            raise ValueError(f"{type(self).__name__}: input must be (B, I) with I = {self.input_size}, got {x.shape}")
        b = (self.bias_ih, self.bias_hh) if self.bias else (None, None)
        return x.unsqueeze(0), (self.weight_ih, self.weight_hh) + b             # (1, B, I)

    def _zero(self, x):
        return Tensor(np.zeros((x.shape[0], self.hidden_size), dtype=x.dtype))

    def extra_repr(self):
        return f"{self.input_size}, {self.hidden_size}" + ("" if self.bias else ", bias=False")


class LSTMCell(_CellBase):
    """One LSTM step: forward(x (B, I), (h, c)=None) -> (h', c'), each (B, H)."""
    gates = 4

    def forward(self, x, hx=None):
        x1, w = self._args(x)
        if hx is not None and not (isinstance(hx, (tuple, list)) and len(hx) == 2):
            raise ValueError(f"LSTMCell: the state must be a pair (h, c) of (B, H) tensors, got {type(hx).__name__}")
        h, c = (self._zero(x1[0]), self._zero(x1[0])) if hx is None else hx
        packed = lstm_layer(x1, *w, h, c)                          # (2, B, H): h', c'
        return packed[0], packed[1]


class RNNCell(_CellBase):
    """One Elman RNN step: forward(x (B, I), h=None) -> h' (B, H)."""

    def __init__(self, input_size, hidden_size, bias=True, nonlinearity="tanh"):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNNCell: nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")
        super().__init__(input_size, hidden_size, bias)
        self.nonlinearity = nonlinearity

    def forward(self, x, h=None):
        x1, w = self._args(x)
        h = self._zero(x1[0]) if h is None else h
        return rnn_layer(x1, *w, h, self.nonlinearity == "relu")[0]
