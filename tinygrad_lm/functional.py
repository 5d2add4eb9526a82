"""PyTorch-like functional API: `import tinygrad_lm.functional as F`.

Every function here is a thin, documented entry point to an op in tinygrad_lm/ops (where the
forward and backward live). Names and argument orders follow torch.nn.functional, with NumPy's
`axis=` keyword (PyTorch's `dim=` is accepted too where it appears).
Does not: attention helpers (later weeks build attention from these ops). conv2d / max_pool2d /
avg_pool2d come from ops/conv.py.
"""
import numpy as np

from .tensor import Tensor
from .ops import unary as _unary, gelu as _gelu, softmax as _softmax, layer_norm as _ln, dropout as _dropout
from .ops import embedding as _embedding, arithmetic as _arith, linear as _linear
from .ops.join import cat, stack  # noqa: F401  (re-exported)
from .ops.arithmetic import where  # noqa: F401
from .ops.conv import conv2d, max_pool2d, avg_pool2d  # noqa: F401  (re-exported)


def _t(x):
    return x if isinstance(x, Tensor) else Tensor(x)


def _axis(axis, dim):
    return dim if dim is not None else axis


# ---- activations ----------------------------------------------------------------------------
def relu(x: Tensor) -> Tensor:
    return _unary.relu(_t(x))


def gelu(x: Tensor, approximate: str = "tanh") -> Tensor:
    """GPT-2's tanh approximation (the only one implemented)."""
    if approximate != "tanh":
        raise NotImplementedError("only gelu(approximate='tanh') is implemented (GPT-2's GELU)")
    return _gelu.gelu(_t(x))


def tanh(x: Tensor) -> Tensor:
    return _unary.tanh(_t(x))


def sigmoid(x: Tensor) -> Tensor:
    return _unary.sigmoid(_t(x))


# ---- softmax family and losses --------------------------------------------------------------
def softmax(x: Tensor, axis: int = -1, dim: int = None) -> Tensor:
    return _softmax.softmax(_t(x), _axis(axis, dim))


def log_softmax(x: Tensor, axis: int = -1, dim: int = None) -> Tensor:
    return _softmax.log_softmax(_t(x), _axis(axis, dim))


def cross_entropy(logits: Tensor, targets, ignore_index: int = -100, reduction: str = "mean") -> Tensor:
    """Mean cross-entropy; logits (N, V) or (B, T, V), int targets (N,) or (B, T)."""
    if reduction != "mean":
        raise NotImplementedError("cross_entropy supports reduction='mean' only; for per-token losses use "
                                  "-log_softmax(logits)[arange(N), targets]")
    return _softmax.cross_entropy(_t(logits), targets, ignore_index)


def nll_loss(logp: Tensor, targets) -> Tensor:
    """Mean negative log-likelihood of log-probabilities logp (N, V) at int targets (N,)."""
    t = targets.data if isinstance(targets, Tensor) else np.asarray(targets)
    if logp.ndim != 2 or t.shape != logp.shape[:1]:
        raise ValueError(f"nll_loss: expected logp (N, V) and targets (N,), got {logp.shape} and {t.shape}")
    return -logp[np.arange(t.shape[0]), t].mean()


def mse_loss(pred: Tensor, target) -> Tensor:
    d = pred - target
    return (d * d).mean()


def binary_cross_entropy_with_logits(logits: Tensor, targets) -> Tensor:
    """Stable mean BCE: max(x, 0) - x*y + log(1 + exp(-|x|))."""
    x = _t(logits)
    y = targets if isinstance(targets, Tensor) else Tensor(np.asarray(targets, dtype=x.dtype), dtype=x.dtype)
    return (x.relu() - x * y + ((-x.abs()).exp() + 1).log()).mean()


# ---- layers -------------------------------------------------------------------------------
def linear(x: Tensor, weight: Tensor, bias: Tensor = None) -> Tensor:
    """y = x @ weight.T + bias, weight (out, in) as in PyTorch; x (..., in) -> (..., out).
    One graph node (ops/linear.py): the bias is added in place, dW comes out as (out, in)."""
    return _linear.linear(_t(x), weight, bias)


def layer_norm(x: Tensor, normalized_shape=None, weight: Tensor = None, bias: Tensor = None,
               eps: float = 1e-5) -> Tensor:
    """Layer norm over the last axis (normalized_shape, if given, must be (C,) or C)."""
    if normalized_shape is not None:
        ns = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
        if ns != x.shape[-1:]:
            raise ValueError(f"layer_norm: normalized_shape {ns} must be the last dim of the input {x.shape}")
    return _ln.layer_norm(_t(x), weight, bias, eps)


def dropout(x: Tensor, p: float = 0.5, training: bool = True) -> Tensor:
    return _dropout.dropout(_t(x), p, training)


def embedding(ids, weight: Tensor) -> Tensor:
    """weight (V, C), int ids (B, T) -> (B, T, C). Same argument order as torch.nn.functional."""
    return _embedding.embedding(ids, weight)


def masked_fill(x: Tensor, mask, value) -> Tensor:
    return _arith.masked_fill(_t(x), mask, value)


def clamp(x: Tensor, min=None, max=None) -> Tensor:
    return _arith.clamp(_t(x), min, max)


def one_hot(ids, num_classes: int, dtype=np.float32) -> Tensor:
    i = ids.data if isinstance(ids, Tensor) else np.asarray(ids)
    return Tensor(np.eye(num_classes, dtype=dtype)[i], dtype=dtype)
