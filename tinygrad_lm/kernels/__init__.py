"""The performance-critical core: the public kernel API used by Tensor ops.

The contract that Tensor ops rely on (do not change it):

    matmul(a, b)                       (..., M, K) @ (..., K, N) -> (..., M, N), batch dims broadcast
    softmax(x)                         softmax over the last axis
    log_softmax(x)                     log-softmax over the last axis
    cross_entropy(logits, targets, ignore_index=-100, need_grad=True)
        logits (N, V) float, targets (N,) int64 -> (loss, dlogits)
        loss = mean over non-ignored rows of -log softmax(logits)[n, targets[n]] (0.0 if all ignored)
        dlogits = d loss / d logits, shape (N, V), or None when need_grad is False
    layer_norm_forward(x, weight, bias, eps) x (N, C) -> (y (N, C), mean (N,), rstd (N,))
    layer_norm_backward(dy, x, weight, mean, rstd) -> (dx (N, C), dweight (C,), dbias (C,))
    gemv(W, x)                         x (R, C) float32 @ W^T, W (O, C) float32 or float16 -> (R, O)
                                       (one-token decoding; float16 is storage only, math is float32)
    float16_to_float32(a)              a float16 array -> the same values as float32 (fast astype)

Dispatch rules:
  * every input float32 -> the Numba kernel (matmul.py, softmax.py, cross_entropy.py,
    layer_norm.py); any other dtype (float64 in gradcheck, mixed dtypes) -> the NumPy twin that
    sits next to each kernel, so float64 gradchecks test the same math;
  * tiny matmuls (< SMALL_MATMUL_FLOPS) go to numpy, which starts faster than our dispatch, and
    so do skinny ones (<= SKINNY_ROWS rows of a against a 2-D b: KV-cached decoding; gemv when b is
    a transposed row-major W), which beat packing all of b for a few rows;
  * small inputs run the kernels on the calling thread only (see _jit.threads_for): waking the
    thread pool costs more than the work;
  * the switch `use("numpy")` (or env TGLM_KERNELS=numpy before import) runs the twins for
    everything, to compare speed or to rule a kernel out when hunting a bug; `use("numba")`
    switches back. `backend()` returns the current choice.
Inputs are validated here, before any kernel call, with errors that name shapes and dtypes
(Numba's own errors are unreadable). Non-contiguous inputs are copied only where a kernel needs
it; size-0 dims return empty/zero results without calling a kernel.
Extra: layer_norm_forward accepts x (..., C) and returns mean, rstd of shape (...).
"""
import math
import os

import numpy as np

from ._jit import PARALLEL_MIN_ELEMENTS, PARALLEL_MIN_FLOPS, threads_for
from .cross_entropy import cross_entropy_kernel, cross_entropy_numpy
from .gemv import gemv_f16_kernel, gemv_f32_kernel, gemv_numpy, widen_f16_kernel
from .layer_norm import (layer_norm_backward_kernel, layer_norm_backward_numpy,
                         layer_norm_forward_kernel, layer_norm_forward_numpy)
from .matmul import flat_view, matmul_kernel, matmul_numpy, scratch
from .softmax import log_softmax_kernel, log_softmax_numpy, softmax_kernel, softmax_numpy

__all__ = ["matmul", "softmax", "log_softmax", "cross_entropy", "layer_norm_forward",
           "layer_norm_backward", "gemv", "float16_to_float32", "use", "backend"]

_F32 = np.dtype(np.float32)
SMALL_MATMUL_FLOPS = 1 << 20    # 2*M*N*K below this: np.matmul (~2-20 us vs our ~60 us dispatch)
SKINNY_ROWS = 4                 # a with <= this many rows (2-D b): np.matmul (matrix-vector, no packing)

_backend = os.environ.get("TGLM_KERNELS", "numba").strip().lower() or "numba"
if _backend not in ("numba", "numpy"):
    raise ValueError(f"TGLM_KERNELS must be 'numba' or 'numpy', got {_backend!r}")


def use(name: str) -> str:
    """Select the kernels globally: "numba" (default) or "numpy" (the twins). Returns the old one."""
    global _backend
    name = str(name).strip().lower()
    if name not in ("numba", "numpy"):
        raise ValueError(f"kernels.use: expected 'numba' or 'numpy', got {name!r}")
    old, _backend = _backend, name
    return old


def backend() -> str:
    return _backend


def _fast(*arrays) -> bool:
    """True when the Numba kernels should run: backend numba and every array float32."""
    return _backend == "numba" and all(a.dtype == _F32 for a in arrays)


def _c(x):
    """C-contiguous and writeable: Numba compiles a separate kernel for read-only arrays."""
    x = np.ascontiguousarray(x)
    return x if x.flags.writeable else x.copy()


def _as_float_array(x, fn, name):
    if not isinstance(x, np.ndarray):
        x = np.asarray(x)
    if x.dtype.kind != "f":
        raise TypeError(f"{fn}: {name} must be a floating-point array, got dtype {x.dtype} "
                        f"with shape {x.shape}")
    return x


# ---- matmul ------------------------------------------------------------------------------------------
def matmul(a, b):
    """(..., M, K) @ (..., K, N) -> (..., M, N) with numpy broadcasting of the batch dims."""
    a = _as_float_array(a, "matmul", "a")
    b = _as_float_array(b, "matmul", "b")
    if a.ndim == 0 or b.ndim == 0:
        raise ValueError(f"matmul: inputs must have at least 1 dim, got a {a.shape}, b {b.shape}")
    if a.shape[-1] != b.shape[-2 if b.ndim >= 2 else 0]:
        raise ValueError(f"matmul: inner dims differ: a (..., M, K) = {a.shape}, "
                         f"b (..., K, N) = {b.shape}")
    if not _fast(a, b) or a.ndim == 1 or b.ndim == 1:
        return matmul_numpy(a, b)              # float64 / mixed dtypes / vector products
    try:
        batch_shape = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    except ValueError:
        raise ValueError(f"matmul: batch dims do not broadcast: a {a.shape}, b {b.shape}") from None
    M, K = a.shape[-2:]
    N = b.shape[-1]
    out_shape = batch_shape + (M, N)
    if M == 0 or N == 0 or K == 0 or 0 in batch_shape:
        return np.zeros(out_shape, dtype=_F32)
    if 2 * M * N * K * math.prod(batch_shape) < SMALL_MATMUL_FLOPS:
        return matmul_numpy(a, b)
    if b.ndim == 2 and a.ndim > 2:             # (B, T, K) @ (K, N): one tall 2-D product
        a, batch_shape = a.reshape(-1, K), ()
        M = a.shape[0]
    if M * math.prod(batch_shape) <= SKINNY_ROWS and b.ndim == 2:   # KV-cached decoding: x (1, K) @ W
        if b.T.flags.c_contiguous:             # x @ W.T of a Linear: W's rows are contiguous dots
            return gemv(b.T, a.reshape(-1, K)).reshape(out_shape)     # reads W once, all cores
        return matmul_numpy(a, b).reshape(out_shape)   # BLAS gemv; packing W cost 70x more (benchmarks/gpt2.py)
    batch = math.prod(batch_shape)
    abuf, a_off, s_am, s_ak = flat_view(a, batch_shape)      # read in place, any strides
    bbuf, b_off, s_bk, s_bn = flat_view(b, batch_shape)
    c = np.empty(batch * M * N, dtype=_F32)                  # every element is written
    with threads_for(2 * batch * M * N * K, PARALLEL_MIN_FLOPS) as nt:
        n_split = nt // math.gcd(batch, nt)                  # so units divide evenly over threads
        matmul_kernel(abuf, a_off, s_am, s_ak, bbuf, b_off, s_bk, s_bn, M, K, N, n_split,
                      c, *scratch(nt))
    return c.reshape(out_shape)


# ---- gemv: one-token decoding ---------------------------------------------------------------------
def gemv(W, x):
    """x (R, C) float32 (or (C,)) times W^T, W (O, C) float32 or float16 -> (R, O) float32 (or (O,))."""
    W = np.asarray(W)
    x = _as_float_array(x, "gemv", "x")
    if W.ndim != 2 or W.dtype not in (np.float32, np.float16):
        raise TypeError(f"gemv: W must be a 2-D float32 or float16 array (O, C), got {W.dtype} {W.shape}")
    if x.dtype != _F32 or x.ndim not in (1, 2) or x.shape[-1] != W.shape[1]:
        raise ValueError(f"gemv: x must be float32 (R, C) or (C,) with C = {W.shape[1]} for W {W.shape}, "
                         f"got {x.dtype} {x.shape}")
    x2 = x.reshape(-1, W.shape[1])                                # (R, C)
    if _backend != "numba" or 0 in W.shape or x2.shape[0] == 0:
        y = gemv_numpy(W, x2)
    else:
        y = np.empty((x2.shape[0], W.shape[0]), dtype=_F32)       # (R, O), every element written
        W, x2 = np.ascontiguousarray(W), _c(x2)       # W is never copied when contiguous (even read-only)
        with threads_for(W.size, PARALLEL_MIN_ELEMENTS):
            if W.dtype == _F32:
                gemv_f32_kernel(W.reshape(-1), W.shape[1], x2, y)
            else:
                gemv_f16_kernel(W.reshape(-1).view(np.uint16), W.shape[1], x2, y)
    return y.reshape(x.shape[:-1] + (W.shape[0],))


def float16_to_float32(a):
    """a.astype(float32) for a float16 array, at memory speed (vcvtph2ps) instead of ~2.4 ns/element."""
    a = np.asarray(a)
    if a.dtype != np.float16:
        raise TypeError(f"float16_to_float32: expected a float16 array, got {a.dtype} {a.shape}")
    if _backend != "numba" or a.size < PARALLEL_MIN_ELEMENTS:
        return a.astype(_F32)
    src = np.ascontiguousarray(a)
    out = np.empty(a.shape, dtype=_F32)
    widen_f16_kernel(src.reshape(-1).view(np.uint16), out.reshape(-1))
    return out


# ---- softmax / log_softmax -----------------------------------------------------------------------
def _rowwise(x, fn, kernel, twin):
    x = _as_float_array(x, fn, "x")
    if x.ndim == 0:
        raise ValueError(f"{fn}: x must have at least 1 dim (softmax over the last axis), got a scalar")
    if not _fast(x):
        return twin(x)
    if x.size == 0:
        return np.empty(x.shape, dtype=_F32)
    x2 = _c(x).reshape(-1, x.shape[-1])     # (N, V)
    out = np.empty(x2.shape, dtype=_F32)
    with threads_for(x2.size, PARALLEL_MIN_ELEMENTS):
        kernel(x2, out)
    return out.reshape(x.shape)


def softmax(x):
    """softmax over the last axis; x (..., V) -> (..., V)."""
    return _rowwise(x, "softmax", softmax_kernel, softmax_numpy)


def log_softmax(x):
    """log-softmax over the last axis; x (..., V) -> (..., V)."""
    return _rowwise(x, "log_softmax", log_softmax_kernel, log_softmax_numpy)


# ---- cross-entropy -----------------------------------------------------------------------------------
def cross_entropy(logits, targets, ignore_index=-100, need_grad=True):
    """Mean cross-entropy of logits (N, V) against int targets (N,); returns (loss, dlogits or None)."""
    logits = _as_float_array(logits, "cross_entropy", "logits")
    targets = np.asarray(targets)
    if logits.ndim != 2:
        raise ValueError(f"cross_entropy: logits must be (N, V), got shape {logits.shape}")
    N, V = logits.shape
    if targets.dtype.kind not in "iu":
        raise TypeError(f"cross_entropy: targets must be integers, got dtype {targets.dtype}")
    if targets.shape != (N,):
        raise ValueError(f"cross_entropy: targets must have shape (N,) = ({N},) to match "
                         f"logits (N, V) = {logits.shape}, got {targets.shape}")
    targets = targets.astype(np.int64, copy=False)
    bad = (targets != ignore_index) & ((targets < 0) | (targets >= V))
    if bad.any():
        n = int(np.flatnonzero(bad)[0])
        raise IndexError(f"cross_entropy: targets[{n}] = {int(targets[n])} is outside [0, V={V}) "
                         f"and is not ignore_index={ignore_index}")
    if not _fast(logits):
        return cross_entropy_numpy(logits, targets, ignore_index, need_grad)
    count = int((targets != ignore_index).sum())
    if N == 0 or V == 0 or count == 0:         # nothing to average: loss 0, gradient 0
        d = np.zeros((N, V), dtype=_F32) if need_grad else None
        return np.float32(0.0), d
    x = _c(logits)
    row_loss = np.empty(N, dtype=_F32)
    d = np.empty((N, V), dtype=_F32) if need_grad else np.empty((1, 1), dtype=_F32)
    with threads_for(x.size, PARALLEL_MIN_ELEMENTS):
        cross_entropy_kernel(x, _c(targets), np.int64(ignore_index),
                             bool(need_grad), np.float32(1.0 / count), row_loss, d)
    loss = np.float32(row_loss.sum(dtype=np.float64) / count)
    return loss, (d if need_grad else None)


# ---- layer norm ----------------------------------------------------------------------------------------
def _check_vec(v, C, fn, name):
    v = _as_float_array(v, fn, name)
    if v.shape != (C,):
        raise ValueError(f"{fn}: {name} must have shape (C,) = ({C},), got {v.shape}")
    return v


def layer_norm_forward(x, weight, bias, eps=1e-5):
    """x (N, C) (or (..., C)) -> y (N, C), mean (N,), rstd (N,)."""
    x = _as_float_array(x, "layer_norm_forward", "x")
    if x.ndim == 0:
        raise ValueError("layer_norm_forward: x must be (N, C), got a scalar")
    C = x.shape[-1]
    weight = _check_vec(weight, C, "layer_norm_forward", "weight")
    bias = _check_vec(bias, C, "layer_norm_forward", "bias")
    lead = x.shape[:-1]
    x2 = x.reshape(-1, C)                                    # (N, C)
    if not _fast(x, weight, bias):
        y, mean, rstd = layer_norm_forward_numpy(x2, weight, bias, eps)
        return y.reshape(x.shape), mean.reshape(lead), rstd.reshape(lead)
    N = x2.shape[0]
    y = np.empty((N, C), dtype=_F32)
    mean = np.empty(N, dtype=_F32)
    rstd = np.empty(N, dtype=_F32)
    if N > 0 and C > 0:
        with threads_for(x2.size, PARALLEL_MIN_ELEMENTS):
            layer_norm_forward_kernel(_c(x2), _c(weight),
                                      _c(bias), np.float32(eps), y, mean, rstd)
    elif N > 0:                                              # C == 0: mean of nothing
        mean[:] = np.nan
        rstd[:] = np.float32(1.0 / np.sqrt(eps))
    return y.reshape(x.shape), mean.reshape(lead), rstd.reshape(lead)


def layer_norm_backward(dy, x, weight, mean, rstd):
    """dy, x (N, C); weight (C,); mean, rstd (N,) -> dx (N, C), dweight (C,), dbias (C,)."""
    fn = "layer_norm_backward"
    dy = _as_float_array(dy, fn, "dy")
    x = _as_float_array(x, fn, "x")
    if x.ndim == 0 or dy.shape != x.shape:
        raise ValueError(f"{fn}: dy and x must both be (N, C) with the same shape, "
                         f"got dy {dy.shape}, x {x.shape}")
    C = x.shape[-1]
    lead = x.shape[:-1]
    weight = _check_vec(weight, C, fn, "weight")
    mean = _as_float_array(mean, fn, "mean")
    rstd = _as_float_array(rstd, fn, "rstd")
    if mean.shape != lead or rstd.shape != lead:
        raise ValueError(f"{fn}: mean and rstd must have shape (N,) = {lead}, "
                         f"got mean {mean.shape}, rstd {rstd.shape}")
    x2, dy2 = x.reshape(-1, C), dy.reshape(-1, C)            # (N, C)
    mean1, rstd1 = mean.reshape(-1), rstd.reshape(-1)        # (N,)
    if not _fast(dy, x, weight, mean, rstd):
        dx, dw, db = layer_norm_backward_numpy(dy2, x2, weight, mean1, rstd1)
        return dx.reshape(x.shape), dw, db
    N = x2.shape[0]
    dx = np.empty((N, C), dtype=_F32)
    with threads_for(x2.size, PARALLEL_MIN_ELEMENTS) as nt:
        P = max(1, min(N, nt))                               # one partial row per thread
        dw_part = np.zeros((P, C), dtype=_F32)
        db_part = np.zeros((P, C), dtype=_F32)
        if N > 0 and C > 0:
            layer_norm_backward_kernel(_c(dy2), _c(x2),
                                       _c(weight), _c(mean1),
                                       _c(rstd1), dx, dw_part, db_part)
    return dx.reshape(x.shape), dw_part.sum(axis=0), db_part.sum(axis=0)
