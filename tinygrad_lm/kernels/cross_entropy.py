"""Fused log-softmax + cross-entropy, forward and backward: the Numba kernel, its NumPy twin, dispatch.

Dispatch function: `cross_entropy(logits, targets, ignore_index=-100, need_grad=True)`.

Shapes: logits (N, V) float, targets (N,) int64 -> loss (scalar), dlogits (N, V) or None.
    loss    = mean over kept rows n of  -log softmax(logits[n])[targets[n]]
    dlogits = (softmax(logits[n]) - onehot(targets[n])) / count   for kept rows, 0 for ignored ones
A row is ignored (no loss, zero gradient) when targets[n] == ignore_index; count = kept rows.

Why fuse: the unfused version materializes log_softmax (N, V), then exp of it, then a one-hot;
at V = 50257 that is several full passes over 200 KB rows in memory. The kernel does, per row,
max -> sum of exp -> (loss term, and the gradient written once), with the row hot in cache.
Omissions: no label smoothing, no class weights, float32 only in the kernel.
"""
import numpy as np
from numba import prange

from . import _jit
from ._jit import as_float_array, contiguous, fast_exp, fmax, pjit, threads_for, use_kernel
from .softmax import log_softmax_numpy


# ---- NumPy twin ---------------------------------------------------------------------------------
def cross_entropy_numpy(logits, targets, ignore_index=-100, need_grad=True):
    N, V = logits.shape
    keep = targets != ignore_index                             # (N,) bool
    count = int(keep.sum())
    logp = log_softmax_numpy(logits)                           # (N, V)
    safe_t = np.where(keep, targets, 0)                        # ignored rows point at class 0
    loss = -(logp[np.arange(N), safe_t] * keep).sum() / max(count, 1)
    if not need_grad:
        return logits.dtype.type(loss), None
    d = np.exp(logp)                                           # softmax, (N, V)
    d[np.arange(N), safe_t] -= 1
    d *= (keep / max(count, 1)).astype(logits.dtype)[:, None]
    return logits.dtype.type(loss), d


# ---- Numba kernel -------------------------------------------------------------------------------
@pjit
def cross_entropy_kernel(logits, targets, ignore_index, need_grad, scale, row_loss, dlogits):
    """logits (N, V) f32 C-contig; targets (N,) int64 (validated: in [0, V) or ignore_index);
    row_loss (N,) f32 out: -log p[target] per row (0 for ignored rows);
    dlogits (N, V) f32 out, written only when need_grad: (softmax - onehot) * scale,
    where the caller passes scale = 1 / count (the mean's factor)."""
    N, V = logits.shape
    for n in prange(N):
        row = logits[n]
        t = targets[n]
        if t == ignore_index:
            row_loss[n] = 0.0
            if need_grad:
                d = dlogits[n]
                for v in range(V):
                    d[v] = 0.0
            continue
        m = row[0]
        for v in range(1, V):                        # pass 1: max
            m = fmax(m, row[v])
        s = np.float32(0.0)
        if need_grad:
            d = dlogits[n]
            for v in range(V):                       # pass 2: exp, kept in dlogits, and its sum
                e = fast_exp(row[v] - m)
                d[v] = e
                s += e
            inv = scale / s
            for v in range(V):                       # pass 3: softmax / count
                d[v] *= inv
            d[t] -= scale
        else:
            for v in range(V):
                s += fast_exp(row[v] - m)
        # -log p[t] = log(sum exp(x - m)) - (x[t] - m)
        row_loss[n] = np.float32(np.log(s)) - (row[t] - m)


# ---- dispatch: validate, then the kernel (float32) or the twin -------------------------------------
def cross_entropy(logits, targets, ignore_index=-100, need_grad=True):
    """Mean cross-entropy of logits (N, V) against int targets (N,); returns (loss, dlogits or None)."""
    logits = as_float_array(logits, "cross_entropy", "logits")
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
    if not use_kernel(logits):
        return cross_entropy_numpy(logits, targets, ignore_index, need_grad)
    count = int((targets != ignore_index).sum())
    if N == 0 or V == 0 or count == 0:         # nothing to average: loss 0, gradient 0
        d = np.zeros((N, V), dtype=np.float32) if need_grad else None
        return np.float32(0.0), d
    x = contiguous(logits)
    row_loss = np.empty(N, dtype=np.float32)
    d = np.empty((N, V), dtype=np.float32) if need_grad else np.empty((1, 1), dtype=np.float32)
    with threads_for(x.size, _jit.PARALLEL_MIN_ELEMENTS):
        cross_entropy_kernel(x, contiguous(targets), np.int64(ignore_index),
                             bool(need_grad), np.float32(1.0 / count), row_loss, d)
    loss = np.float32(row_loss.sum(dtype=np.float64) / count)
    return loss, (d if need_grad else None)
