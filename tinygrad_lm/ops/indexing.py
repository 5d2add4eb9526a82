"""Indexing `x[idx]` with autograd: ints, slices, None, Ellipsis, integer arrays, boolean masks,
and any NumPy-style mix of them (Tensors used as indices are read as their arrays).

Backward: a zero gradient of the input's shape receives the upstream gradient at the indexed
places. Basic indexing and boolean masks pick every element at most once, so plain assignment
is enough; integer-array indexing may pick an element several times (x[[0, 0]]), so those
gradients are scatter-ADDED with np.add.at.
Does not: assignment into tensors (`x[i] = v`; build the new tensor with where/cat instead).
For the embedding lookup weight[ids] use ops/embedding.py, whose backward is much faster.
"""
import numpy as np

from ..tensor import Tensor
from ._common import _make


def _normalize(idx):
    """Tensors -> arrays; report whether integer arrays (possible repeats) are present."""
    if not isinstance(idx, tuple):
        idx = (idx,)
    out, advanced = [], False
    for i in idx:
        if isinstance(i, Tensor):
            i = i.data
        if isinstance(i, list):
            i = np.asarray(i)
        if isinstance(i, np.ndarray):
            if i.dtype.kind == "f":
                raise IndexError(f"tensors used as indices must be integer or bool, got {i.dtype}")
            if i.dtype.kind in "iu":
                advanced = True
        out.append(i)
    return tuple(out), advanced


def getitem(a: Tensor, idx) -> Tensor:
    idx, repeats_possible = _normalize(idx)
    try:
        out = a.data[idx]
    except IndexError as e:
        raise IndexError(f"indexing a tensor of shape {a.shape}: {e}") from None
    if not isinstance(out, np.ndarray):
        out = np.asarray(out)
    shape, dtype = a.data.shape, a.data.dtype

    def backward(g):
        full = np.zeros(shape, dtype=dtype)
        if repeats_possible:
            np.add.at(full, idx, g)                # x[[0, 0]]: both picks add their gradient
        else:
            full[idx] = g
        return (full,)
    return _make(out, (a,), backward, "getitem")


def setitem(a: Tensor, idx, value):
    raise TypeError("tensors do not support item assignment (x[i] = v) because it would silently break "
                    "gradients; build a new tensor with where / masked_fill / cat, or write into x.data "
                    "outside of autograd (e.g. under no_grad for initialization)")


Tensor.__getitem__ = getitem
Tensor.__setitem__ = setitem
