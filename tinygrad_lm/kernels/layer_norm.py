"""Layer normalization over the last axis, forward and backward: Numba kernels, NumPy twins, dispatch.

Dispatch functions: `layer_norm_forward(x, weight, bias, eps)` -> (y, mean, rstd) and
`layer_norm_backward(dy, x, weight, mean, rstd)` -> (dx, dweight, dbias); x may be (..., C).

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

from . import _jit
from ._jit import as_float_array, contiguous, pjit, threads_for, use_kernel


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


# ---- dispatch: validate, then the kernels (all float32) or the twins ------------------------------
def _check_vec(v, C, fn, name):
    v = as_float_array(v, fn, name)
    if v.shape != (C,):
        raise ValueError(f"{fn}: {name} must have shape (C,) = ({C},), got {v.shape}")
    return v


def layer_norm_forward(x, weight, bias, eps=1e-5):
    """x (N, C) (or (..., C)) -> y (N, C), mean (N,), rstd (N,) (or y (..., C), mean, rstd (...))."""
    x = as_float_array(x, "layer_norm_forward", "x")
    if x.ndim == 0:
        raise ValueError("layer_norm_forward: x must be (N, C), got a scalar")
    C = x.shape[-1]
    weight = _check_vec(weight, C, "layer_norm_forward", "weight")
    bias = _check_vec(bias, C, "layer_norm_forward", "bias")
    lead = x.shape[:-1]
    x2 = x.reshape(-1, C)                                    # (N, C)
    if not use_kernel(x, weight, bias):
        y, mean, rstd = layer_norm_forward_numpy(x2, weight, bias, eps)
        return y.reshape(x.shape), mean.reshape(lead), rstd.reshape(lead)
    N = x2.shape[0]
    y = np.empty((N, C), dtype=np.float32)
    mean = np.empty(N, dtype=np.float32)
    rstd = np.empty(N, dtype=np.float32)
    if N > 0 and C > 0:
        with threads_for(x2.size, _jit.PARALLEL_MIN_ELEMENTS):
            layer_norm_forward_kernel(contiguous(x2), contiguous(weight), contiguous(bias),
                                      np.float32(eps), y, mean, rstd)
    elif N > 0:                                              # C == 0: mean of nothing
        mean[:] = np.nan
        rstd[:] = np.float32(1.0 / np.sqrt(eps))
    return y.reshape(x.shape), mean.reshape(lead), rstd.reshape(lead)


def layer_norm_backward(dy, x, weight, mean, rstd):
    """dy, x (N, C); weight (C,); mean, rstd (N,) -> dx (N, C), dweight (C,), dbias (C,)."""
    fn = "layer_norm_backward"
    dy = as_float_array(dy, fn, "dy")
    x = as_float_array(x, fn, "x")
    if x.ndim == 0 or dy.shape != x.shape:
        raise ValueError(f"{fn}: dy and x must both be (N, C) with the same shape, "
                         f"got dy {dy.shape}, x {x.shape}")
    C = x.shape[-1]
    lead = x.shape[:-1]
    weight = _check_vec(weight, C, fn, "weight")
    mean = as_float_array(mean, fn, "mean")
    rstd = as_float_array(rstd, fn, "rstd")
    if mean.shape != lead or rstd.shape != lead:
        raise ValueError(f"{fn}: mean and rstd must have shape (N,) = {lead}, "
                         f"got mean {mean.shape}, rstd {rstd.shape}")
    x2, dy2 = x.reshape(-1, C), dy.reshape(-1, C)            # (N, C)
    mean1, rstd1 = mean.reshape(-1), rstd.reshape(-1)        # (N,)
    if not use_kernel(dy, x, weight, mean, rstd):
        dx, dw, db = layer_norm_backward_numpy(dy2, x2, weight, mean1, rstd1)
        return dx.reshape(x.shape), dw, db
    N = x2.shape[0]
    dx = np.empty((N, C), dtype=np.float32)
    with threads_for(x2.size, _jit.PARALLEL_MIN_ELEMENTS) as nt:
        P = max(1, min(N, nt))                               # one partial row per thread
        dw_part = np.zeros((P, C), dtype=np.float32)
        db_part = np.zeros((P, C), dtype=np.float32)
        if N > 0 and C > 0:
            layer_norm_backward_kernel(contiguous(dy2), contiguous(x2), contiguous(weight),
                                       contiguous(mean1), contiguous(rstd1), dx, dw_part, db_part)
    return dx.reshape(x.shape), dw_part.sum(axis=0), db_part.sum(axis=0)
