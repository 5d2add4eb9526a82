"""Row softmax and log-softmax over the last axis: Numba kernels, their NumPy twins, dispatch.

Dispatch functions: `softmax(x)`, `log_softmax(x)` for x (..., V), over the last axis.

Shapes: x (N, V) — N rows (all leading dims flattened), V entries per row.
Scope: forward only (the backward of softmax is a few NumPy lines in the op, it does not pay to
fuse). The stable form is used everywhere: subtract the row max before exp, so exp never
overflows; logits of +-1e4 and -inf (masked attention) are fine.
Omissions: float32 only in the kernels (the dispatcher runs the twins for other dtypes); no
online (single-pass) softmax: a row of even 50257 floats (200 KB) stays in the L2 cache, so the
second and third passes over it are cheap.

The trick in the kernels is `fast_exp` (see _jit.py): a polynomial exp LLVM can vectorize, where
`math.exp` stays a scalar call; that, plus one thread per block of rows, is the whole speedup.
"""
import numpy as np
from numba import prange

from . import _jit
from ._jit import as_float_array, contiguous, fast_exp, fmax, pjit, threads_for, use_kernel


# ---- NumPy twins: the definition, readable in a few lines ------------------------------------
def softmax_numpy(x):
    e = np.exp(x - x.max(axis=-1, keepdims=True))            # (N, V), every entry in (0, 1]
    return e / e.sum(axis=-1, keepdims=True)


def log_softmax_numpy(x):
    z = x - x.max(axis=-1, keepdims=True)                    # (N, V), max of each row is 0
    return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))


# ---- Numba kernels ----------------------------------------------------------------------------
@pjit
def softmax_kernel(x, out):
    """x, out: (N, V) float32, C-contiguous. out may not alias x."""
    N, V = x.shape
    for n in prange(N):
        row = x[n]
        o = out[n]
        m = row[0]
        for v in range(1, V):                  # pass 1: row max
            m = fmax(m, row[v])
        s = np.float32(0.0)
        for v in range(V):                     # pass 2: exp (vectorized) and its sum
            e = fast_exp(row[v] - m)
            o[v] = e
            s += e
        inv = np.float32(1.0) / s
        for v in range(V):                     # pass 3: normalize
            o[v] *= inv


@pjit
def log_softmax_kernel(x, out):
    """x, out: (N, V) float32, C-contiguous. out = x - max - log(sum(exp(x - max)))."""
    N, V = x.shape
    for n in prange(N):
        row = x[n]
        o = out[n]
        m = row[0]
        for v in range(1, V):
            m = fmax(m, row[v])
        s = np.float32(0.0)
        for v in range(V):                     # z = x - m, stored: exact even for x = -1e4
            z = row[v] - m                     # (a fused x - (m + log s) would lose digits,
            o[v] = z                           # and fastmath may re-associate it that way)
            s += fast_exp(z)
        log_s = np.float32(np.log(s))
        for v in range(V):
            o[v] -= log_s


# ---- dispatch: validate, then the kernel (float32) or the twin -----------------------------------
def _rowwise(x, fn, kernel, twin):
    x = as_float_array(x, fn, "x")
    if x.ndim == 0:
        raise ValueError(f"{fn}: x must have at least 1 dim (softmax over the last axis), got a scalar")
    if not use_kernel(x):
        return twin(x)
    if x.size == 0:
        return np.empty(x.shape, dtype=np.float32)
    x2 = contiguous(x).reshape(-1, x.shape[-1])     # (N, V)
    out = np.empty(x2.shape, dtype=np.float32)
    with threads_for(x2.size, _jit.PARALLEL_MIN_ELEMENTS):
        kernel(x2, out)
    return out.reshape(x.shape)


def softmax(x):
    """softmax over the last axis; x (..., V) -> (..., V)."""
    return _rowwise(x, "softmax", softmax_kernel, softmax_numpy)


def log_softmax(x):
    """log-softmax over the last axis; x (..., V) -> (..., V)."""
    return _rowwise(x, "log_softmax", log_softmax_kernel, log_softmax_numpy)
