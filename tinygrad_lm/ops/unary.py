"""Elementwise math functions and activations: exp, log, sqrt, abs, tanh, sigmoid, relu.

Each forward keeps what its backward needs (usually the output) and the backward sits right
under it. sigmoid is computed stably (never exp of a large positive number). GELU has its own
file (gelu.py: fused Numba kernels).
Does not: softplus/silu (compose them from these if needed).
"""
import numpy as np

from ..tensor import Tensor
from ._common import _make


def exp(a: Tensor) -> Tensor:
    out = np.exp(a.data)
    return _make(out, (a,), lambda g: (g * out,), "exp")            # d e^x = e^x


def log(a: Tensor) -> Tensor:
    x = a.data
    out = np.log(x)
    return _make(out, (a,), lambda g: (g / x,), "log")              # d log x = 1/x


def sqrt(a: Tensor) -> Tensor:
    out = np.sqrt(a.data)
    return _make(out, (a,), lambda g: (g * 0.5 / out,), "sqrt")     # d sqrt x = 1 / (2 sqrt x)


def abs_(a: Tensor) -> Tensor:
    x = a.data
    return _make(np.abs(x), (a,), lambda g: (g * np.sign(x),), "abs")  # subgradient 0 at 0


def tanh(a: Tensor) -> Tensor:
    out = np.tanh(a.data)

    def backward(g):                                               # d tanh = 1 - tanh^2
        d = out * out
        np.subtract(1, d, out=d)                                   # in place: one temporary, not three
        d *= g
        return (d,)
    return _make(out, (a,), backward, "tanh")


def sigmoid(a: Tensor) -> Tensor:
    x = a.data
    # stable: with e = exp(-|x|) <= 1, sigmoid = 1/(1+e) for x >= 0 and e/(1+e) for x < 0
    e = np.abs(x)
    np.negative(e, out=e)
    np.exp(e, out=e)                                               # e = exp(-|x|), in place
    # numerator: 1 where x >= 0, else e. Blended arithmetically, because np.where on a random
    # mask is branchy and measured ~10x slower than these SIMD passes on a (16, 256, 1536) input.
    out = 1 - e
    out *= x >= 0
    out += e
    np.add(e, 1, out=e)
    out /= e

    def backward(g):                                               # d sigmoid = s (1 - s)
        d = 1 - out
        d *= out
        d *= g
        return (d,)
    return _make(out, (a,), backward, "sigmoid")


def relu(a: Tensor) -> Tensor:
    x = a.data
    out = np.maximum(x, 0)
    return _make(out, (a,), lambda g: (g * (x > 0),), "relu")          # gradient 0 at x == 0


Tensor.exp, Tensor.log, Tensor.sqrt, Tensor.abs = exp, log, sqrt, abs_
Tensor.__abs__ = abs_
Tensor.tanh, Tensor.sigmoid, Tensor.relu = tanh, sigmoid, relu
