"""GELU, GPT-2's tanh approximation, as an autograd op (forward and backward side by side).

    gelu(x)  = 0.5 x (1 + tanh(u)),   u = sqrt(2/pi) (x + 0.044715 x^3)
    dx       = g * gelu'(x)   (recomputed from x in one fused pass: nothing but x is saved)

The arithmetic lives in kernels/gelu.py (fused Numba forward/backward kernels and their NumPy
twins, chosen by the backend switch). Does not: the exact erf GELU.
"""
from ..kernels import api as kernels
from ..tensor import Tensor
from ._common import _make


def gelu(a: Tensor) -> Tensor:
    """GPT-2's tanh-approximate GELU, elementwise, any shape."""
    x = a.data
    out = kernels.gelu_forward(x)                                   # same shape as x
    return _make(out, (a,), lambda g: (kernels.gelu_backward(x, g),), "gelu")


Tensor.gelu = gelu
