"""Column sums of a tall matrix, s = x.sum(axis=0), on all threads: `column_sum`, its twin.

Legend: N rows (B*T positions), C columns.
    s[c] = sum_n x[n, c]                     x (N, C) -> s (C,)
Where: the bias gradient of every Linear layer (db = sum of dy over rows) and any bias-like sum.
NumPy's `x.sum(axis=0)` is fast but runs on one thread; in a GPT step those sums were serial
time that a second core could not shorten (Amdahl). Here P row blocks (P = threads) each sum
their rows into a private row of a (P, C) partial array (inner loop over c: contiguous,
vectorized), and the P partials are added at the end.
Dispatch: `column_sum` (kernel for float32 C-contiguous 2-D input above PARALLEL_MIN_ELEMENTS,
the twin otherwise: float64, small inputs, TGLM_KERNELS=numpy, NUMBA_DISABLE_JIT=1).
Omissions: 2-D only (callers reshape); no other axes; summation order differs from NumPy's
pairwise sum (float32 rounding only).
"""
import numpy as np
from numba import prange

from . import _jit
from ._jit import as_float_array, num_threads, pjit, use_kernel


def column_sum_numpy(x):
    """x (N, C) -> (C,) = x.sum(axis=0) (the definition)."""
    return x.sum(axis=0)


@pjit
def column_sum_kernel(x, part):
    """x (N, C); part (P, C) zero-filled: row block p of x sums into part[p]."""
    N, C = x.shape
    P = part.shape[0]
    for p in prange(P):
        acc = part[p]
        for n in range(p * N // P, (p + 1) * N // P):
            row = x[n]
            for c in range(C):
                acc[c] += row[c]


def column_sum(x):
    """s (C,) = x.sum(axis=0) for x (N, C), on all threads for big float32 inputs."""
    x = as_float_array(x, "column_sum", "x")
    if x.ndim != 2:
        raise ValueError(f"column_sum: x must be (N, C), got shape {x.shape}")
    if (not use_kernel(x, needs_jit=True) or x.size < _jit.PARALLEL_MIN_ELEMENTS
            or not x.flags.c_contiguous or num_threads() == 1):
        return column_sum_numpy(x)                 # one thread: NumPy's sum is as fast
    P = min(num_threads(), x.shape[0])
    part = np.zeros((P, x.shape[1]), np.float32)
    column_sum_kernel(x, part)
    return part.sum(axis=0)
