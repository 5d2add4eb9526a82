"""Reductions over axes: sum, mean, max, min, var, std (all with `axis` and `keepdims`).

The gradient of a reduction is the upstream gradient put back on the reduced axes and broadcast
to the input's shape. max/min split the gradient EVENLY between tied maxima (so the gradient is
symmetric and the numerical gradient of a tie agrees on average); PyTorch's `amax` does the same.
var uses `correction=1` by default (unbiased, like torch.var); pass correction=0 for the
population variance (what layer norm uses).
Does not: argmax with gradients (see `argmax`, which returns an int tensor), cumsum, prod.
"""
import numpy as np

from ..tensor import Tensor
from ._common import _make, normalize_axes


def _expand_back(g, axes, keepdims, shape):
    """Upstream grad of a reduction -> same rank as the input (size-1 reduced axes)."""
    if not keepdims and axes:
        g = np.expand_dims(g, axes)
    return g


def _float_data(a: Tensor) -> np.ndarray:
    x = a.data
    return x if x.dtype.kind == "f" else x.astype(np.float32)    # mean of ints is float32, like torch


def sum_(a: Tensor, axis=None, keepdims: bool = False, *, dim=None, keepdim=None) -> Tensor:
    axis, keepdims = (dim if dim is not None else axis), (keepdim if keepdim is not None else keepdims)
    axes = normalize_axes(axis, a.data.ndim)
    out = np.asarray(np.add.reduce(a.data, axis=axes, keepdims=keepdims))
    shape = a.data.shape

    def backward(g):
        return (np.broadcast_to(_expand_back(g, axes, keepdims, shape), shape),)
    return _make(out, (a,), backward, "sum")


def mean(a: Tensor, axis=None, keepdims: bool = False, *, dim=None, keepdim=None) -> Tensor:
    axis, keepdims = (dim if dim is not None else axis), (keepdim if keepdim is not None else keepdims)
    axes = normalize_axes(axis, a.data.ndim)
    shape = a.data.shape
    n = 1
    for ax in axes:
        n *= shape[ax]
    if n == 0:                            # NumPy/torch give NaN; a silent 0 or NaN loss helps no one
        raise ValueError(f"mean() over zero elements: tensor of shape {shape}, axes {axes}")
    # sum * (1/n) instead of np.mean: same float32 accumulation, a third of the Python overhead
    x = _float_data(a)
    out = np.asarray(np.add.reduce(x, axis=axes, keepdims=keepdims) * x.dtype.type(1.0 / max(n, 1)))

    def backward(g):
        return (np.broadcast_to(_expand_back(g, axes, keepdims, shape) * (1.0 / n), shape),)
    return _make(out, (a,), backward, "mean")


def _extreme(a: Tensor, axis, keepdims, np_fn, name):
    axes = normalize_axes(axis, a.data.ndim)
    x = a.data
    if x.size == 0:
        raise ValueError(f"{name}() of an empty tensor of shape {x.shape}")
    out_k = np_fn(x, axis=axes, keepdims=True)
    out = out_k if keepdims else np.asarray(out_k.reshape([s for i, s in enumerate(x.shape) if i not in axes]))

    def backward(g):
        hit = x == out_k                                              # ties: all maxima
        count = hit.sum(axis=axes, keepdims=True).astype(x.dtype)     # split evenly among them
        return (hit * (_expand_back(g, axes, keepdims, x.shape) / count),)
    return _make(out, (a,), backward, name)


def max_(a: Tensor, axis=None, keepdims: bool = False, *, dim=None, keepdim=None) -> Tensor:
    """Values only (unlike torch.max(x, dim), which also returns indices: use argmax for those)."""
    axis, keepdims = (dim if dim is not None else axis), (keepdim if keepdim is not None else keepdims)
    return _extreme(a, axis, keepdims, np.max, "max")


def min_(a: Tensor, axis=None, keepdims: bool = False, *, dim=None, keepdim=None) -> Tensor:
    axis, keepdims = (dim if dim is not None else axis), (keepdim if keepdim is not None else keepdims)
    return _extreme(a, axis, keepdims, np.min, "min")


def var(a: Tensor, axis=None, keepdims: bool = False, correction: int = 1, *, dim=None, keepdim=None) -> Tensor:
    axis, keepdims = (dim if dim is not None else axis), (keepdim if keepdim is not None else keepdims)
    axes = normalize_axes(axis, a.data.ndim)
    x = _float_data(a)
    n = 1
    for ax in axes:
        n *= x.shape[ax]
    if n == 0:
        raise ValueError(f"var() over zero elements: tensor of shape {x.shape}, axes {axes}")
    denom = max(n - correction, 0)
    scale = 2.0 / denom if denom else float("nan")                  # n <= correction: nan, like torch
    d = x - x.mean(axis=axes, keepdims=True)                       # x - mean, input shape
    out = np.asarray((d * d).sum(axis=axes, keepdims=keepdims) / x.dtype.type(denom))

    def backward(g):
        # d/dx_i sum_j (x_j - mu)^2 = 2 (x_i - mu): the mean's own gradient sums to zero
        return (_expand_back(g, axes, keepdims, x.shape) * scale * d,)
    return _make(out, (a,), backward, "var")


def std(a: Tensor, axis=None, keepdims: bool = False, correction: int = 1, *, dim=None, keepdim=None) -> Tensor:
    return var(a, axis, keepdims, correction, dim=dim, keepdim=keepdim).sqrt()


def argmax(a: Tensor, axis=None, keepdims: bool = False) -> Tensor:
    """Index of the (first) maximum, as an int64 tensor (no gradient)."""
    return Tensor(np.argmax(a.data, axis=axis, keepdims=keepdims).astype(np.int64))


def argmin(a: Tensor, axis=None, keepdims: bool = False) -> Tensor:
    return Tensor(np.argmin(a.data, axis=axis, keepdims=keepdims).astype(np.int64))


def _any(a: Tensor, axis=None, keepdims: bool = False) -> Tensor:
    return Tensor(np.any(a.data, axis=axis, keepdims=keepdims))


def _all(a: Tensor, axis=None, keepdims: bool = False) -> Tensor:
    return Tensor(np.all(a.data, axis=axis, keepdims=keepdims))


Tensor.sum, Tensor.mean, Tensor.max, Tensor.min = sum_, mean, max_, min_
Tensor.amax, Tensor.amin = max_, min_
Tensor.var, Tensor.std = var, std
Tensor.argmax, Tensor.argmin, Tensor.any, Tensor.all = argmax, argmin, _any, _all
