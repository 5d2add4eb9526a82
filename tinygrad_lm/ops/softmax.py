"""softmax, log_softmax and the fused cross-entropy loss, through the kernels.

Legend: N rows, V classes (vocab), B batch, T time.
softmax backward:      dx = y * (dy - sum(dy * y))          (y = softmax(x), sums over the axis)
log_softmax backward:  dx = dy - softmax(x) * sum(dy)
cross_entropy: logits (N, V) or (B, T, V), targets int (N,) / (B, T); the kernel returns the mean
loss over non-ignored targets and dlogits in one pass; backward scales dlogits by the upstream
gradient (a scalar). When nothing needs a gradient the kernel is asked not to compute dlogits.
Does not: label smoothing, class weights, reduction='none' / 'sum' (use log_softmax + indexing).
"""
import numpy as np

from ..kernels import api as kernels
from ..tensor import Tensor, is_grad_enabled
from ._common import _make


def _last(x: np.ndarray, axis: int):
    nd = x.ndim
    if not -nd <= axis < nd:
        raise ValueError(f"axis {axis} out of range for shape {x.shape}")
    return axis % nd == nd - 1


def softmax(a: Tensor, axis: int = -1, *, dim=None) -> Tensor:
    axis = dim if dim is not None else axis
    x = a.data
    if _last(x, axis):
        y = kernels.softmax(x)
    else:
        y = np.moveaxis(kernels.softmax(np.moveaxis(x, axis, -1)), -1, axis)

    def backward(g):
        return (y * (g - (g * y).sum(axis=axis, keepdims=True)),)
    return _make(y, (a,), backward, "softmax")


def log_softmax(a: Tensor, axis: int = -1, *, dim=None) -> Tensor:
    axis = dim if dim is not None else axis
    x = a.data
    if _last(x, axis):
        y = kernels.log_softmax(x)
    else:
        y = np.moveaxis(kernels.log_softmax(np.moveaxis(x, axis, -1)), -1, axis)

    def backward(g):
        return (g - np.exp(y) * g.sum(axis=axis, keepdims=True),)
    return _make(y, (a,), backward, "log_softmax")


def cross_entropy(logits: Tensor, targets, ignore_index: int = -100) -> Tensor:
    """Mean cross-entropy of logits (N, V) / (B, T, V) against int targets (N,) / (B, T)."""
    t = targets.data if isinstance(targets, Tensor) else np.asarray(targets)
    x = logits.data
    if t.dtype.kind not in "iu":
        raise TypeError(f"cross_entropy: targets must be integer class ids, got dtype {t.dtype} "
                        f"(did you pass one-hot or float targets? use .long())")
    if x.ndim < 2 or x.shape[:-1] != t.shape:
        raise ValueError(f"cross_entropy: logits shape {x.shape} and targets shape {t.shape} do not match: "
                         f"expected logits (N, V) with targets (N,), or (B, T, V) with (B, T)")
    V = x.shape[-1]
    x2 = x.reshape(-1, V)                                       # (N, V)
    t2 = t.reshape(-1)
    if t2.dtype != np.int64:
        t2 = t2.astype(np.int64)
    lo, hi = (t2.min(), t2.max()) if t2.size else (ignore_index, ignore_index)
    if lo == hi == ignore_index:                                  # empty, or every target ignored
        raise ValueError(f"cross_entropy: no targets to average over ({t2.size} targets, none differs from "
                         f"ignore_index={ignore_index}); the mean of nothing is undefined, skip this batch")
    if lo < 0 or hi >= V:                                         # cheap test first, details if it fails
        bad = (t2 != ignore_index) & ((t2 < 0) | (t2 >= V))
        if bad.any():
            i = int(np.argmax(bad))
            raise IndexError(f"cross_entropy: target {int(t2[i])} at flat position {i} is outside [0, {V}) "
                             f"(and is not ignore_index={ignore_index})")
    need_grad = logits.requires_grad and is_grad_enabled()
    loss, dlogits = kernels.cross_entropy(x2, t2, ignore_index=ignore_index, need_grad=need_grad)
    out = np.asarray(loss, dtype=x.dtype)
    shape = x.shape

    def backward(g):
        # g is a 0-d array, the upstream scalar; usually 1 (loss.backward()), then dlogits is
        # passed on as is: no (N, V) multiply. Ops never modify the gradients they receive.
        if float(g) == 1.0:
            return (dlogits.reshape(shape),)
        return ((dlogits * g).reshape(shape),)
    return _make(out, (logits,), backward, "cross_entropy")


Tensor.softmax = softmax
Tensor.log_softmax = log_softmax
