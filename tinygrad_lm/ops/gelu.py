"""GELU, GPT-2's tanh approximation, forward and backward as fused Numba kernels.

    gelu(x)  = 0.5 x (1 + tanh(u)),   u = K (x + 0.044715 x^3),   K = sqrt(2/pi)
    gelu'(x) = 0.5 (1 + tanh(u)) + 0.5 x (1 - tanh(u)^2) K (1 + 3 * 0.044715 x^2)

Why a kernel: in NumPy each line above is a separate pass that allocates a fresh temporary the
size of the activation (B, T, 4C), about 8 passes forward and 10 backward; on a (16, 256, 1536)
float32 activation that measured ~60 ms forward + ~65 ms backward on this 2-core machine. The
kernels make one pass each, and the backward recomputes tanh(u) from x instead of storing it
(saves a (B, T, 4C) array per layer). tanh is rewritten as a sigmoid of a vectorizable float32
exp (see below).

`gelu_numpy` / `gelu_backward_numpy` are the twins (float64, small arrays, TGLM_KERNELS=numpy,
NUMBA_DISABLE_JIT=1 all use them); tests check kernel == twin.
Does not: the exact erf GELU.
"""
import math

import numba
import numpy as np
from numba import prange

from .. import kernels
from ..tensor import Tensor
from ._common import _make

try:                                     # the kernels' vectorizable float32 exp (kernels/_jit.py)
    from ..kernels._jit import fast_exp as _exp
except ImportError:                      # pragma: no cover - fallback keeps the op working
    @numba.njit(cache=True, inline="always")
    def _exp(x):
        return math.exp(x)

_FASTMATH = {"reassoc", "contract", "arcp", "nsz", "afn"}    # no nnan/ninf (see kernels/_jit.py)
_K = math.sqrt(2.0 / math.pi)
_K32 = np.float32(_K)
_C32 = np.float32(0.044715)
_C3_32 = np.float32(3 * 0.044715)
_ONE, _TWO = np.float32(1.0), np.float32(2.0)
SMALL = 4096          # fewer elements than this: the NumPy twin (no thread start-up cost)


# ---- NumPy twins -------------------------------------------------------------------------
def gelu_numpy(x: np.ndarray):
    """Returns gelu(x)."""
    t = np.tanh(_K * (x + 0.044715 * x * x * x))
    return 0.5 * x * (1 + t)


def gelu_backward_numpy(x: np.ndarray, g: np.ndarray):
    """Returns g * gelu'(x)."""
    t = np.tanh(_K * (x + 0.044715 * x * x * x))
    return g * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * (_K * (1 + 3 * 0.044715 * x * x)))


# ---- Numba kernels (flat float32 arrays) ---------------------------------------------------
# 0.5 (1 + tanh(u)) = sigmoid(2u) = 1 / (1 + exp(-2u)), and 1 - tanh(u)^2 = 4 s (1 - s), so
#   gelu(x)  = x * s,   gelu'(x) = s + 2 x s (1 - s) K (1 + 3 * 0.044715 x^2),   s = sigmoid(2u).
# exp(-2u) overflowing to inf gives s = 0 exactly (no nan), which is why "ninf" is not in the flags.
# error_model="numpy": without it Numba guards every `/` with a Python ZeroDivisionError check,
# which stops LLVM from vectorizing the loop (measured 10x slower on one thread).
@numba.njit(cache=True, fastmath=_FASTMATH, error_model="numpy", parallel=True)
def _gelu_kernel(x, out):
    for i in prange(x.shape[0]):
        v = x[i]
        s = _ONE / (_ONE + _exp(-_TWO * _K32 * (v + _C32 * v * v * v)))
        out[i] = v * s


@numba.njit(cache=True, fastmath=_FASTMATH, error_model="numpy", parallel=True)
def _gelu_backward_kernel(x, g, dx):
    for i in prange(x.shape[0]):
        v = x[i]
        s = _ONE / (_ONE + _exp(-_TWO * _K32 * (v + _C32 * v * v * v)))
        dx[i] = g[i] * (s + _TWO * v * s * (_ONE - s) * _K32 * (_ONE + _C3_32 * v * v))


def _use_kernel(*arrays) -> bool:
    a = arrays[0]
    return (a.size >= SMALL and kernels.backend() == "numba" and not numba.config.DISABLE_JIT
            and all(x.dtype == np.float32 for x in arrays))


def gelu_forward(x: np.ndarray) -> np.ndarray:
    if not _use_kernel(x):
        return gelu_numpy(x)
    xc = np.ascontiguousarray(x)
    out = np.empty_like(xc)
    _gelu_kernel(xc.reshape(-1), out.reshape(-1))
    return out


def gelu_backward(x: np.ndarray, g: np.ndarray) -> np.ndarray:
    if not _use_kernel(x, g):
        return gelu_backward_numpy(x, g)
    xc, gc = np.ascontiguousarray(x), np.ascontiguousarray(g)
    dx = np.empty_like(xc)
    _gelu_backward_kernel(xc.reshape(-1), gc.reshape(-1), dx.reshape(-1))
    return dx


# ---- the op ---------------------------------------------------------------------------------
def gelu(a: Tensor) -> Tensor:
    """GPT-2's tanh-approximate GELU, elementwise, any shape."""
    x = a.data
    out = gelu_forward(x)
    return _make(out, (a,), lambda g: (gelu_backward(x, g),), "gelu")


Tensor.gelu = gelu
