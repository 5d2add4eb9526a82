"""Shape ops that move or relabel elements without arithmetic: reshape/view, transpose/permute,
.T, squeeze/unsqueeze, flatten, expand/broadcast_to, contiguous.

Forwards return NumPy views where possible (no copy); backwards apply the inverse movement.
transpose follows PyTorch for two arguments (`x.transpose(1, 2)` swaps dims 1 and 2) and NumPy for
a full permutation (`x.transpose(0, 2, 1, 3)`, same as `permute`); with no argument it reverses
all dims like `.T`.
Does not: strided views that alias memory across tensors with separate gradients (no `as_strided`).
"""
import numpy as np

from ..tensor import Tensor
from ._common import _make, unbroadcast


def _shape_arg(shape):
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        return tuple(shape[0])
    return tuple(shape)


def reshape(a: Tensor, *shape) -> Tensor:
    shape = _shape_arg(shape)
    in_shape = a.data.shape
    try:
        out = a.data.reshape(shape)
    except ValueError:
        raise ValueError(f"reshape: cannot reshape a tensor of shape {in_shape} ({a.data.size} elements) "
                         f"into {shape}") from None
    return _make(out, (a,), lambda g: (g.reshape(in_shape),), "reshape")


def permute(a: Tensor, *dims) -> Tensor:
    dims = _shape_arg(dims)
    nd = a.data.ndim
    if len(dims) != nd:
        raise ValueError(f"permute: {dims} is not a permutation of the {nd} dims of shape {a.shape}")
    dims = tuple(d % nd for d in dims) if nd else dims
    if sorted(dims) != list(range(nd)):
        raise ValueError(f"permute: {dims} is not a permutation of the {nd} dims of shape {a.shape}")
    inv = [0] * nd
    for i, d in enumerate(dims):                   # inverse permutation, for the backward
        inv[d] = i
    return _make(a.data.transpose(dims), (a,), lambda g: (g.transpose(inv),), "permute")


def _swap(a: Tensor, d0: int, d1: int) -> Tensor:
    """Swap two dims: its own inverse, so the backward swaps the same two dims back."""
    nd = a.data.ndim
    if not (-nd <= d0 < nd and -nd <= d1 < nd):
        raise ValueError(f"transpose: dims ({d0}, {d1}) out of range for shape {a.shape}")
    return _make(a.data.swapaxes(d0, d1), (a,), lambda g: (g.swapaxes(d0, d1),), "transpose")


def transpose(a: Tensor, *dims) -> Tensor:
    dims = _shape_arg(dims)
    if len(dims) == 2:                         # PyTorch: swap two dims
        return _swap(a, dims[0], dims[1])
    if len(dims) == 0:
        return _T(a)
    return permute(a, *dims)


def _T(a: Tensor) -> Tensor:
    if a.data.ndim == 2:
        return _swap(a, 0, 1)
    return _make(a.data.T, (a,), lambda g: (g.T,), "T")     # reversing all dims is its own inverse


def _mT(a: Tensor) -> Tensor:
    return transpose(a, -2, -1)


def unsqueeze(a: Tensor, dim: int) -> Tensor:
    nd = a.data.ndim + 1
    if not -nd <= dim < nd:
        raise ValueError(f"unsqueeze: dim {dim} out of range for shape {a.shape}")
    dim %= nd
    shape = a.data.shape[:dim] + (1,) + a.data.shape[dim:]
    return reshape(a, shape)


def squeeze(a: Tensor, dim=None) -> Tensor:
    if dim is None:
        shape = tuple(s for s in a.data.shape if s != 1)
    else:
        nd = a.data.ndim
        dims = {d % nd for d in ((dim,) if isinstance(dim, int) else dim)}
        shape = tuple(s for i, s in enumerate(a.data.shape) if not (i in dims and s == 1))
    return reshape(a, shape)


def flatten(a: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    s = a.data.shape
    if not s:
        return reshape(a, 1)
    st, en = start_dim % len(s), end_dim % len(s)
    n = 1
    for v in s[st:en + 1]:
        n *= v
    return reshape(a, s[:st] + (n,) + s[en + 1:])


def expand(a: Tensor, *shape) -> Tensor:
    """Broadcast to `shape` (a read-only view); -1 keeps a dim. Backward sums over broadcast dims."""
    shape = _shape_arg(shape)
    lead = len(shape) - a.data.ndim
    shape = tuple(a.data.shape[i - lead] if s == -1 else s for i, s in enumerate(shape))
    in_shape = a.data.shape
    out = np.broadcast_to(a.data, shape)
    return _make(out, (a,), lambda g: (unbroadcast(g, in_shape),), "expand")


def contiguous(a: Tensor) -> Tensor:
    if a.data.flags.c_contiguous:
        return a
    return _make(np.ascontiguousarray(a.data), (a,), lambda g: (g,), "contiguous")


Tensor.reshape = reshape
Tensor.view = reshape
Tensor.permute = permute
Tensor.transpose = transpose
Tensor.T = property(_T)
Tensor.mT = property(_mT)
Tensor.unsqueeze, Tensor.squeeze, Tensor.flatten = unsqueeze, squeeze, flatten
Tensor.expand, Tensor.broadcast_to = expand, expand
Tensor.contiguous = contiguous
