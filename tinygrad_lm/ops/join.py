"""Joining and splitting tensors: cat/concat, stack, split, chunk.

cat's backward hands each input its slice of the upstream gradient (views, no copy). split makes
one slicing op per piece, so each piece's backward only writes its own slice into a zero gradient
of the input's shape; the engine adds the pieces' gradients up.
Does not: unbind, tensor_split with index lists.
"""
import numpy as np

from ..tensor import Tensor
from ._common import _make


def cat(tensors, axis: int = 0, *, dim=None) -> Tensor:
    axis = dim if dim is not None else axis
    tensors = list(tensors)
    if not tensors:
        raise ValueError("cat: needs at least one tensor")
    tensors = [t if isinstance(t, Tensor) else Tensor(t) for t in tensors]
    nd = tensors[0].data.ndim
    if not -nd <= axis < nd:
        raise ValueError(f"cat: axis {axis} out of range for {nd}-dim tensors")
    axis %= nd
    for i, t in enumerate(tensors):
        if t.data.ndim != nd or t.data.shape[:axis] + t.data.shape[axis + 1:] != \
                tensors[0].data.shape[:axis] + tensors[0].data.shape[axis + 1:]:
            raise ValueError(f"cat: tensor {i} has shape {t.shape}, tensor 0 has {tensors[0].shape}; "
                             f"all dims except axis {axis} must match")
    out = np.concatenate([t.data for t in tensors], axis=axis)
    bounds = np.cumsum([0] + [t.data.shape[axis] for t in tensors])

    def backward(g):
        idx = [slice(None)] * nd
        grads = []
        for t, lo, hi in zip(tensors, bounds[:-1], bounds[1:]):
            if not t.requires_grad:
                grads.append(None)
                continue
            idx[axis] = slice(int(lo), int(hi))
            grads.append(g[tuple(idx)])
        return tuple(grads)
    return _make(out, tuple(tensors), backward, "cat")


def stack(tensors, axis: int = 0, *, dim=None) -> Tensor:
    axis = dim if dim is not None else axis
    tensors = list(tensors)
    if not tensors:
        raise ValueError("stack: needs at least one tensor")
    tensors = [t if isinstance(t, Tensor) else Tensor(t) for t in tensors]
    shape0 = tensors[0].data.shape
    for i, t in enumerate(tensors):
        if t.data.shape != shape0:
            raise ValueError(f"stack: tensor {i} has shape {t.shape}, tensor 0 has {shape0}; all must match")
    nd = len(shape0) + 1
    if not -nd <= axis < nd:
        raise ValueError(f"stack: axis {axis} out of range for result with {nd} dims")
    axis %= nd
    out = np.stack([t.data for t in tensors], axis=axis)

    def backward(g):
        return tuple(np.take(g, i, axis=axis) if t.requires_grad else None for i, t in enumerate(tensors))
    return _make(out, tuple(tensors), backward, "stack")


def _slice(a: Tensor, axis: int, lo: int, hi: int) -> Tensor:
    idx = (slice(None),) * axis + (slice(lo, hi),)
    out = a.data[idx]
    shape, dtype = a.data.shape, a.data.dtype

    def backward(g):
        full = np.zeros(shape, dtype=dtype)
        full[idx] = g
        return (full,)
    return _make(out, (a,), backward, "split")


def split(a: Tensor, split_size_or_sections, axis: int = 0, *, dim=None):
    """PyTorch semantics: an int is the size of each piece (the last may be smaller);
    a list gives the sizes, which must add up to the axis length."""
    axis = dim if dim is not None else axis
    nd = a.data.ndim
    if not -nd <= axis < nd:
        raise ValueError(f"split: axis {axis} out of range for shape {a.shape}")
    axis %= nd
    n = a.data.shape[axis]
    if isinstance(split_size_or_sections, (int, np.integer)):
        step = int(split_size_or_sections)
        if step <= 0:
            raise ValueError(f"split: size must be positive, got {step}")
        sizes = [min(step, n - lo) for lo in range(0, n, step)]
    else:
        sizes = [int(s) for s in split_size_or_sections]
        if sum(sizes) != n:
            raise ValueError(f"split: sizes {sizes} add up to {sum(sizes)}, but axis {axis} has length {n}")
    out, lo = [], 0
    for s in sizes:
        out.append(_slice(a, axis, lo, lo + s))
        lo += s
    return tuple(out)


def chunk(a: Tensor, chunks: int, axis: int = 0, *, dim=None):
    axis = dim if dim is not None else axis
    n = a.data.shape[axis]
    return split(a, -(-n // chunks), axis)


Tensor.split = split
Tensor.chunk = chunk
