"""Fused multi-head self-attention straight from the packed qkv activation: kernels + NumPy twins.

Shapes: qkv (B, T, 3C) is the output of the c_attn Linear: q = qkv[..., :C], k = qkv[..., C:2C],
v = qkv[..., 2C:], and head h owns columns h*D:(h+1)*D of each third (C = H*D). The output
y (B, T, C) has the heads side by side, ready for c_proj. So the usual
    split -> reshape (B, T, H, D) -> transpose (B, H, T, D) -> attention -> transpose -> reshape
chain (three slice nodes, full-size zero gradients for the split, a transposed copy of y and of
dy) collapses into ONE pass that reads q, k, v where they already are and writes y where c_proj
wants it. The backward writes dq, dk, dv into one (B, T, 3C) gradient, again in place.

    s   = q k^T / sqrt(D)        (T, T) per (b, h); causal: only j <= i is computed
    p   = softmax(s) over j      saved for the backward, (B, H, T, T); entries j > i are NOT
                                 written under causal=True (never read)
    y   = p v
  backward:
    dv  = p^T dy,   dp = dy v^T,   ds = p * (dp - sum_j dp * p) / sqrt(D)
    dq  = ds k,     dk = ds^T q

The tricks, for a reader of the kernels:
  * causal attention skips the upper triangle entirely: half the flops of a full T x T product
    followed by a mask (the unfused version multiplied by k^T for every pair, then set -inf);
  * each (b, h) pair is one parallel work unit (B*H of them: enough for 2 threads), all its
    scratch is small (T x D, T floats) and lives in L1/L2;
  * every inner loop runs over a contiguous axis (D within a row of qkv, or j within a row of a
    transposed copy of k or v), so LLVM vectorizes it; the scale is folded into q once.

Legend: B batch, T time, C channels, H heads, D head size (C // H).
Does not handle: a KV cache (Tq != Tk; models/gpt.py keeps the unfused path for decoding),
attention dropout, padding masks. float32 only in the kernels; the twins take any float dtype.
"""
import math

import numba
import numpy as np
from numba import prange

from ._jit import fast_exp, fmax

_FASTMATH = {"reassoc", "contract", "arcp", "nsz", "afn"}    # no nnan/ninf, as in _jit.py


def _pjit(fn):
    # error_model="numpy": no Python ZeroDivisionError check around `/`, so loops vectorize.
    return numba.njit(cache=True, fastmath=_FASTMATH, nogil=True, parallel=True, error_model="numpy")(fn)


# ---- NumPy twins: the definition in a few lines -----------------------------------------------
def _heads(qkv, H):
    """qkv (B, T, 3C) -> q, k, v each (B, H, T, D) (views)."""
    B, T, C3 = qkv.shape
    C = C3 // 3
    D = C // H
    x = qkv.reshape(B, T, 3, H, D).transpose(2, 0, 3, 1, 4)   # (3, B, H, T, D)
    return x[0], x[1], x[2]


def attention_qkv_forward_numpy(qkv, H, causal):
    """-> y (B, T, C), p (B, H, T, T) (p = 0 above the diagonal when causal)."""
    B, T, C3 = qkv.shape
    q, k, v = _heads(qkv, H)
    D = q.shape[-1]
    s = (q @ np.swapaxes(k, -1, -2)) * (1.0 / math.sqrt(D))        # (B, H, T, T)
    if causal:
        s = np.where(np.triu(np.ones((T, T), dtype=bool), 1), -np.inf, s)
    s = s - s.max(axis=-1, keepdims=True)
    e = np.exp(s)
    p = (e / e.sum(axis=-1, keepdims=True)).astype(qkv.dtype)
    y = p @ v                                                        # (B, H, T, D)
    return np.ascontiguousarray(y.transpose(0, 2, 1, 3)).reshape(B, T, C3 // 3), p


def attention_qkv_backward_numpy(dy, qkv, p, H):
    """dy (B, T, C), qkv (B, T, 3C), p (B, H, T, T) -> dqkv (B, T, 3C)."""
    B, T, C = dy.shape
    q, k, v = _heads(qkv, H)
    D = C // H
    g = dy.reshape(B, T, H, D).transpose(0, 2, 1, 3)                # (B, H, T, D)
    dv = np.swapaxes(p, -1, -2) @ g                                  # (B, H, T, D)
    dp = g @ np.swapaxes(v, -1, -2)                                  # (B, H, T, T)
    ds = p * (dp - (dp * p).sum(axis=-1, keepdims=True)) * (1.0 / math.sqrt(D))
    dq = ds @ k
    dk = np.swapaxes(ds, -1, -2) @ q
    d = np.stack([dq, dk, dv])                                       # (3, B, H, T, D)
    return np.ascontiguousarray(d.transpose(1, 3, 0, 2, 4)).reshape(B, T, 3 * C).astype(dy.dtype)


# ---- Numba kernels ----------------------------------------------------------------------------
# Every inner loop below runs over j (key position) on a contiguous row: k and v of the head are
# first copied transposed into kt, vt (D, T), and the backward accumulates dk, dv transposed too.
# Loops of the form `s[:n] += a * row[:n]` (axpy) and `sum(s[:n] * row[:n])` (dot) vectorize;
# loops over d = 0..D-1 with a strided 3-D index did not (measured 5x slower).
@_pjit
def attention_qkv_forward_kernel(qkv, H, causal, y, p):
    """qkv (B, T, 3C) C-contiguous float32; writes y (B, T, C) and p (B, H, T, T) (lower triangle
    only when causal)."""
    B, T, C3 = qkv.shape
    C = C3 // 3
    D = C // H
    scale = np.float32(1.0 / math.sqrt(D))
    for u in prange(B * H):
        b = u // H
        h = u % H
        qo, ko, vo = h * D, C + h * D, 2 * C + h * D
        kt = np.empty((D, T), dtype=np.float32)           # k^T, v^T of this head (D, T)
        vt = np.empty((D, T), dtype=np.float32)
        for j in range(T):
            for d in range(D):
                kt[d, j] = qkv[b, j, ko + d]
                vt[d, j] = qkv[b, j, vo + d]
        for i in range(T):
            n = i + 1 if causal else T                    # keys this query may see
            s = p[b, h, i]                                # (T,) the scores, then the probabilities
            for j in range(n):
                s[j] = np.float32(0.0)
            for d in range(D):                            # s[:n] += q[i, d] / sqrt(D) * k^T[d, :n]
                qd = qkv[b, i, qo + d] * scale
                kr = kt[d]
                for j in range(n):
                    s[j] += qd * kr[j]
            m = s[0]
            for j in range(1, n):
                m = fmax(m, s[j])
            tot = np.float32(0.0)
            for j in range(n):
                e = fast_exp(s[j] - m)
                s[j] = e
                tot += e
            inv = np.float32(1.0) / tot
            for j in range(n):
                s[j] *= inv
            for d in range(D):                            # y[i, d] = sum_j p[j] v^T[d, j]
                vr = vt[d]
                a = np.float32(0.0)
                for j in range(n):
                    a += s[j] * vr[j]
                y[b, i, qo + d] = a


@_pjit
def attention_qkv_backward_kernel(dy, qkv, p, H, causal, dqkv):
    """dy (B, T, C), qkv (B, T, 3C), p (B, H, T, T); writes every element of dqkv (B, T, 3C)."""
    B, T, C3 = qkv.shape
    C = C3 // 3
    D = C // H
    scale = np.float32(1.0 / math.sqrt(D))
    for u in prange(B * H):
        b = u // H
        h = u % H
        qo, ko, vo = h * D, C + h * D, 2 * C + h * D
        kt = np.empty((D, T), dtype=np.float32)
        vt = np.empty((D, T), dtype=np.float32)
        for j in range(T):
            for d in range(D):
                kt[d, j] = qkv[b, j, ko + d]
                vt[d, j] = qkv[b, j, vo + d]
        dkt = np.zeros((D, T), dtype=np.float32)          # dk^T, dv^T: updated along contiguous j
        dvt = np.zeros((D, T), dtype=np.float32)
        dp = np.empty(T, dtype=np.float32)
        for i in range(T):
            n = i + 1 if causal else T
            pr = p[b, h, i]
            for j in range(n):
                dp[j] = np.float32(0.0)
            for d in range(D):                            # dp[:n] = dy[i] v^T[:, :n];  dv^T += dy[i] p
                gd = dy[b, i, qo + d]
                vr = vt[d]
                dvr = dvt[d]
                for j in range(n):
                    dp[j] += gd * vr[j]
                    dvr[j] += gd * pr[j]
            r = np.float32(0.0)
            for j in range(n):                            # softmax backward: ds = p (dp - sum(dp p))
                r += dp[j] * pr[j]
            for j in range(n):
                dp[j] = pr[j] * (dp[j] - r) * scale       # dp now holds ds
            for d in range(D):                            # dq[i, d] = ds . k^T[d];  dk^T[d] += q[i, d] ds
                kr = kt[d]
                dkr = dkt[d]
                qd = qkv[b, i, qo + d]
                a = np.float32(0.0)
                for j in range(n):
                    a += dp[j] * kr[j]
                    dkr[j] += qd * dp[j]
                dqkv[b, i, qo + d] = a
        for j in range(T):
            for d in range(D):
                dqkv[b, j, ko + d] = dkt[d, j]
                dqkv[b, j, vo + d] = dvt[d, j]
