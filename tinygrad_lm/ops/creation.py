"""Tensor factories, PyTorch-style: zeros, ones, full, empty, *_like, randn, rand, randint,
arange, eye, tensor.

Floating factories make float32 unless `dtype=` says otherwise; random ones draw from
tinygrad_lm.random.rng() (seeded by tinygrad_lm.manual_seed) and generate float32 directly.
Does not: devices, layouts, pinned memory.
"""
import numpy as np

from .. import random as _random
from ..tensor import Tensor


def _shape(shape):
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        return tuple(shape[0])
    return tuple(shape)


def tensor(data, dtype=None, requires_grad: bool = False) -> Tensor:
    return Tensor(data, requires_grad=requires_grad, dtype=dtype)


def zeros(*shape, dtype=np.float32, requires_grad: bool = False) -> Tensor:
    return Tensor(np.zeros(_shape(shape), dtype=dtype), requires_grad=requires_grad, dtype=dtype)


def ones(*shape, dtype=np.float32, requires_grad: bool = False) -> Tensor:
    return Tensor(np.ones(_shape(shape), dtype=dtype), requires_grad=requires_grad, dtype=dtype)


def empty(*shape, dtype=np.float32, requires_grad: bool = False) -> Tensor:
    return Tensor(np.empty(_shape(shape), dtype=dtype), requires_grad=requires_grad, dtype=dtype)


def full(shape, fill_value, dtype=np.float32, requires_grad: bool = False) -> Tensor:
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    return Tensor(np.full(shape, fill_value, dtype=dtype), requires_grad=requires_grad, dtype=dtype)


def zeros_like(t: Tensor, dtype=None, requires_grad: bool = False) -> Tensor:
    return zeros(t.shape, dtype=dtype or t.dtype, requires_grad=requires_grad)


def ones_like(t: Tensor, dtype=None, requires_grad: bool = False) -> Tensor:
    return ones(t.shape, dtype=dtype or t.dtype, requires_grad=requires_grad)


def full_like(t: Tensor, fill_value, dtype=None, requires_grad: bool = False) -> Tensor:
    return full(t.shape, fill_value, dtype=dtype or t.dtype, requires_grad=requires_grad)


def randn(*shape, dtype=np.float32, requires_grad: bool = False) -> Tensor:
    """Standard normal samples from the library's seeded generator."""
    dtype = np.dtype(dtype)
    data = _random.rng().standard_normal(_shape(shape), dtype=dtype)
    return Tensor(data, requires_grad=requires_grad, dtype=dtype)


def rand(*shape, dtype=np.float32, requires_grad: bool = False) -> Tensor:
    """Uniform [0, 1) samples from the library's seeded generator."""
    dtype = np.dtype(dtype)
    data = _random.rng().random(_shape(shape), dtype=dtype)
    return Tensor(data, requires_grad=requires_grad, dtype=dtype)


def randint(low: int, high: int, shape, dtype=np.int64) -> Tensor:
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    return Tensor(_random.rng().integers(low, high, size=shape, dtype=dtype), dtype=dtype)


def arange(start, stop=None, step=1, dtype=None) -> Tensor:
    """Like torch.arange: int64 for integer arguments, float32 if any argument is a float."""
    if stop is None:
        start, stop = 0, start
    if dtype is None:
        dtype = np.float32 if any(isinstance(v, float) for v in (start, stop, step)) else np.int64
    return Tensor(np.arange(start, stop, step, dtype=dtype), dtype=dtype)


def eye(n: int, m: int = None, dtype=np.float32) -> Tensor:
    return Tensor(np.eye(n, m, dtype=dtype), dtype=dtype)
