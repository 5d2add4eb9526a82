"""Layer normalization over the last axis, forward and backward: Numba kernels and NumPy twins.

Shapes: x, dy, y, dx (N, C) — N rows (leading dims flattened), C channels; weight, bias (C,);
mean, rstd (N,) saved by the forward for the backward.
    xhat = (x - mean) * rstd,   rstd = 1 / sqrt(var + eps)   (biased variance, as in PyTorch)
    y    = xhat * weight + bias
Backward, with g = dy * weight:
    dx      = rstd * (g - mean_c(g) - xhat * mean_c(g * xhat))
    dweight = sum_n dy * xhat,     dbias = sum_n dy
Omissions: normalizes the last axis only; float32 only in the kernels.

Kernel tricks: one thread per block of rows; per row the forward makes two reads of x (mean,
then variance — two passes are more accurate than E[x^2] - E[x]^2) and one write of y, all from
L1. The backward's column sums (dweight, dbias) are reductions ACROSS rows: each thread sums its
own rows into a private partial (no races, no atomics), and the partials are added at the end.
"""
import numpy as np
from numba import prange

from ._jit import pjit


# ---- NumPy twins ------------------------------------------------------------------------------
def layer_norm_forward_numpy(x, weight, bias, eps=1e-5):
    mean = x.mean(axis=-1)                                        # (N,)
    var = ((x - mean[:, None]) ** 2).mean(axis=-1)                # (N,)
    rstd = (1.0 / np.sqrt(var + eps)).astype(x.dtype)             # (N,)
    xhat = (x - mean[:, None]) * rstd[:, None]                    # (N, C)
    return xhat * weight + bias, mean, rstd


def layer_norm_backward_numpy(dy, x, weight, mean, rstd):
    xhat = (x - mean[:, None]) * rstd[:, None]                    # (N, C)
    dweight = (dy * xhat).sum(axis=0)                             # (C,)
    dbias = dy.sum(axis=0)                                        # (C,)
    g = dy * weight                                               # (N, C)
    dx = rstd[:, None] * (g - g.mean(axis=-1, keepdims=True)
                          - xhat * (g * xhat).mean(axis=-1, keepdims=True))
    return dx, dweight, dbias


# ---- Numba kernels ------------------------------------------------------------------------------
@pjit
def layer_norm_forward_kernel(x, weight, bias, eps, y, mean, rstd):
    """x, y (N, C) f32 C-contig; weight, bias (C,); mean, rstd (N,) outputs."""
    N, C = x.shape
    inv_c = np.float32(1.0) / np.float32(C)
    for n in prange(N):
        row = x[n]
        s = np.float32(0.0)
        for c in range(C):
            s += row[c]
        mu = s * inv_c
        ss = np.float32(0.0)
        for c in range(C):
            d = row[c] - mu
            ss += d * d
        r = np.float32(1.0) / np.float32(np.sqrt(ss * inv_c + eps))
        mean[n] = mu
        rstd[n] = r
        out = y[n]
        for c in range(C):
            out[c] = (row[c] - mu) * r * weight[c] + bias[c]


@pjit
def layer_norm_backward_kernel(dy, x, weight, mean, rstd, dx, dw_part, db_part):
    """dy, x, dx (N, C); weight (C,); mean, rstd (N,);
    dw_part, db_part (P, C) zero-filled: thread-block p sums its rows into row p."""
    N, C = x.shape
    P = dw_part.shape[0]
    inv_c = np.float32(1.0) / np.float32(C)
    for p in prange(P):
        dwp = dw_part[p]
        dbp = db_part[p]
        for n in range(p * N // P, (p + 1) * N // P):      # this block's rows
            xr = x[n]
            dyr = dy[n]
            mu = mean[n]
            r = rstd[n]
            sg = np.float32(0.0)                            # sum_c g
            sgx = np.float32(0.0)                           # sum_c g * xhat
            for c in range(C):
                xh = (xr[c] - mu) * r
                g = dyr[c] * weight[c]
                sg += g
                sgx += g * xh
                dwp[c] += dyr[c] * xh
                dbp[c] += dyr[c]
            mg = sg * inv_c
            mgx = sgx * inv_c
            dxr = dx[n]
            for c in range(C):
                xh = (xr[c] - mu) * r
                dxr[c] = r * (dyr[c] * weight[c] - mg - xh * mgx)
