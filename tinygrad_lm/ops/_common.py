"""Helpers shared by every op file: broadcasting gradients back, and turning operands into arrays.

Scope: `unbroadcast(grad, shape)` (the one place where gradients of broadcast inputs are summed
back to the input's shape), `grad_for(grad, t)` (unbroadcast + cast to the input's dtype),
`as_operand(x, like)` (Python scalars stay Python scalars so NumPy keeps float32; arrays and
NumPy scalars become arrays of the tensor's float dtype), `normalize_axes`.
Does not: define any op itself.
"""
import numpy as np

from ..tensor import Tensor

_make = Tensor._make


def unbroadcast(grad: np.ndarray, shape: tuple) -> np.ndarray:
    """Sum `grad` over the axes that broadcasting added or stretched, so it has `shape`.

    (2, 3, 4) grad for a (3, 1) input: sum axis 0 (added) and axis 2 (stretched 1 -> 4).
    """
    if grad.shape == shape:
        return grad
    lead = grad.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(lead + i for i, s in enumerate(shape)
                                      if s == 1 and grad.shape[lead + i] != 1)
    if axes:
        grad = grad.sum(axis=axes, keepdims=True)
    return grad.reshape(shape)


def grad_for(grad: np.ndarray, t: Tensor) -> np.ndarray:
    """The gradient for input `t`: unbroadcast to t's shape, in t's dtype (float32 stays float32)."""
    g = unbroadcast(grad, t.data.shape)
    if g.dtype != t.data.dtype:
        g = g.astype(t.data.dtype)
    return g


def as_operand(x, like: Tensor):
    """Turn the non-Tensor side of a binary op into something NumPy can combine with `like.data`.

    Python int/float/bool stay Python scalars: NumPy 2 treats them as "weak" and keeps float32.
    NumPy scalars and arrays are converted to the tensor's float dtype (a np.float64(0.5) would
    otherwise silently upcast a float32 model to float64).
    """
    if isinstance(x, (int, float, bool)):
        return x
    arr = np.asarray(x)
    if arr.dtype.kind == "f" and like.data.dtype.kind == "f" and arr.dtype != like.data.dtype:
        arr = arr.astype(like.data.dtype)
    elif arr.dtype.kind == "f" and arr.dtype != np.float32 and like.data.dtype.kind != "f":
        arr = arr.astype(np.float32)
    return arr


def normalize_axes(axis, ndim: int):
    """None -> all axes; int or tuple -> sorted tuple of non-negative axes (errors name the ndim)."""
    if axis is None:
        return tuple(range(ndim))
    if type(axis) is int and -ndim <= axis < ndim:       # the common case, fast
        return (axis % ndim,)
    if isinstance(axis, (int, np.integer)):
        axis = (int(axis),)
    out = []
    for a in axis:
        if not -ndim <= a < max(ndim, 1):
            raise ValueError(f"axis {a} is out of range for a tensor with {ndim} dims")
        out.append(a % ndim if ndim else 0)
    return tuple(sorted(set(out)))
