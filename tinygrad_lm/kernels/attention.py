"""Fused multi-head self-attention straight from the packed qkv activation: kernels + NumPy twins.

Shapes: qkv (B, T, 3C) is the output of the c_attn Linear: q = qkv[..., :C], k = qkv[..., C:2C],
v = qkv[..., 2C:], and head h owns columns h*D:(h+1)*D of each third (C = H*D). The output
y (B, T, C) has the heads side by side, ready for c_proj. So the usual
    split -> reshape (B, T, H, D) -> transpose (B, H, T, D) -> attention -> transpose -> reshape
chain (three slice nodes, full-size zero gradients for the split, a transposed copy of y and of
dy) collapses into ONE pass that reads q, k, v where they already are and writes y where c_proj
wants it. The backward writes dq, dk, dv into one (B, T, 3C) gradient, again in place.

    s   = q k^T / sqrt(D)        (T, T) per (b, h); causal: only j <= i is computed
    p   = softmax(s) over j      saved for the backward, (B, H, T, T); under causal=True the
                                 entries j > i are zero only up to the end of i's block of 4
                                 rows, the rest is never written nor read
    y   = p v
  backward:
    dv  = p^T dy,   dp = dy v^T,   ds = p * (dp - sum_j dp * p) / sqrt(D)
    dq  = ds k,     dk = ds^T q
  locally banded (GPT-3's local layers, causal only): query i sees key j iff i - w < j <= i, w = window
    every loop over keys runs over j = max(0, i - w + 1) .. i: O(T w) work instead of O(T^2 / 2);
    entries of p outside the band are never computed nor read (the tricks below)

The tricks, for a reader of the kernels:
  * causal attention skips the upper triangle: half the flops of a full T x T product followed
    by a mask (the unfused version multiplied every pair, then wrote -inf over half of them);
  * a window w skips everything left of the band as well: per block of 4 query rows i0..i0+3 the
    keys j = max(0, i0 - w + 1) .. i0 + 3 are touched (w + 3 of them), the few entries of that
    range outside a row's own band are written as exact zeros, as above the diagonal;
  * each (b, h) pair is a work unit, one contiguous chunk of units per thread; a thread's scratch
    (head slices (T, D), transposes of k and v (D, T), a (T, T) array) is allocated once per chunk;
  * the products s, y, dp, dq are one helper, `_abt` (A @ B^T with both operands' inner axis
    contiguous, four rows at a time), so the inner loop is a dot product LLVM vectorizes; the
    softmax scale is folded into the copy of q;
  * dk = ds^T q and dv = p^T dy are accumulated row by row (dk[j] += ds[i, j] q[i], four rows i
    per pass), reading q and dy in place: no (T, T) transposes (backward kernel's docstring);
  * the O(T D) copies in and out use unsigned offsets into 2-D views (no wrap-around code, so
    they vectorize) and the transposes v^T, k^T are written in tiles of 16 times: measured (one
    thread, B4 T1024 H4 D64) 31 -> 8 ms for the forward's copies; they matter once a window has
    made the products small (the local forward at w=1 went from 57 to 24 ms).
Measured (one core, config (a) of benchmarks/gpt.py, B=32 T=128 H=4 D=32): forward + backward
~27 ms per layer, against ~38 ms for split/transpose + scaled_dot_product_attention.

Dispatch functions: `attention_qkv_forward(qkv, H, causal, window=None)` -> (y, p) and
`attention_qkv_backward(dy, qkv, p, H, causal, window=None)` -> dqkv: the kernels for float32 (on as many
threads as the work is worth), the twins otherwise (and under TGLM_KERNELS=numpy,
NUMBA_DISABLE_JIT=1). The autograd op is ops/attention.py (self_attention_qkv).

Legend: B batch, T time, C channels, H heads, D head size (C // H).
Does not handle: a KV cache (Tq != Tk; models/gpt.py keeps the unfused path for decoding),
attention dropout, padding masks, a window without causal, the strided pattern of sparse
transformers. With a window, p is still allocated (B, H, T, T) (np.empty; only the band is written,
but every row's band touches that row's memory pages), so the saving is time, not memory: a banded
(B, H, T, w) layout is the next step. float32 only in the kernels; the twins take any float dtype.
"""
import math

import numpy as np
from numba import prange

from . import _jit
from ._jit import fast_exp, fmax, jit, pjit, threads_for, use_kernel

u64 = np.uint64


# ---- NumPy twins: the definition in a few lines -----------------------------------------------
def _heads(qkv, H):
    """qkv (B, T, 3C) -> q, k, v each (B, H, T, D) (views)."""
    B, T, C3 = qkv.shape
    C = C3 // 3
    D = C // H
    x = qkv.reshape(B, T, 3, H, D).transpose(2, 0, 3, 1, 4)   # (3, B, H, T, D)
    return x[0], x[1], x[2]


def band_mask(T, window):
    """(T, T) bool, True where query i may NOT see key j: j > i, or (window) i - j >= window."""
    i, j = np.arange(T)[:, None], np.arange(T)[None, :]
    hidden = j > i
    if window is not None:
        hidden |= i - j >= window
    return hidden


def attention_qkv_forward_numpy(qkv, H, causal, window=None):
    """-> y (B, T, C), p (B, H, T, T) (p = 0 above the diagonal when causal, and left of the band
    i - w < j <= i with a window). The definition: every score computed, then masked."""
    B, T, C3 = qkv.shape
    q, k, v = _heads(qkv, H)
    D = q.shape[-1]
    s = (q @ np.swapaxes(k, -1, -2)) * (1.0 / math.sqrt(D))        # (B, H, T, T)
    if causal:
        s = np.where(band_mask(T, window), -np.inf, s)
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
# Loops that start at a band's first key run over unsigned indices (u64): with signed ones Numba
# must allow for negative, wrap-around indexing, which blocks vectorization (measured 3-5x slower;
# see matmul.py's U). Every product is written as out[i, j] = sum_k A[i, k] * Bm[j, k] ("A times B-transposed") with
# both operands' k axis contiguous, so the innermost loop is a dot product LLVM vectorizes. Four
# rows of A are done together: each element of Bm loaded feeds four multiply-adds (measured 43
# GFLOP/s on one core here, vs 16 for a row-at-a-time axpy loop). The head's slices are first
# copied into small contiguous scratch arrays (T, D), their transposes (D, T), and the (T, T)
# score-sized arrays are kept per thread, so a work unit (one (b, h) pair) touches ~200 KB.
# Causal limits, per block of four rows i0..i0+3 (entries above the diagonal are exact zeros), with
# lo = max(0, i0 - W + 1) the first key of the block's band (W = window, W = T for dense causal):
#   mode 0: lo <= j < i0 + 4    (scores: i - W < key j <= query i)
#   mode 1: lo <= k < i0 + 4    (p @ v, ds @ k: p and ds are zero outside the band)
# (A mode 2 for ds^T @ q and p^T @ dy, with transposed, time-reversed copies, is gone: the backward
# now accumulates dk and dv row by row, see attention_qkv_backward_kernel.)
@jit
def _abt(A, Bm, out, causal, mode, W):
    """out[i, j] = sum_k A[i, k] Bm[j, k] for A (M, K), Bm (N, K), out (M, N), causal / band limits
    (W: the window, >= M for dense causal; entries of out outside the limits are not written)."""
    M, K = A.shape
    N = Bm.shape[0]
    for i0 in range(0, M, 4):
        r = min(4, M - i0)
        jlo, jhi, klo, khi = 0, N, 0, K
        if causal:
            lo = max(0, i0 - W + 1)                       # the first key any row of the block sees
            if mode == 0:
                jlo, jhi = lo, min(i0 + 4, N)
            else:
                klo, khi = lo, min(i0 + 4, K)
        if r == 4:                                        # (2-D indexing: row views cost a refcount each)
            for j in range(u64(jlo), u64(jhi)):               # unsigned: no wrap-around code (below)
                s0 = np.float32(0.0)
                s1 = np.float32(0.0)
                s2 = np.float32(0.0)
                s3 = np.float32(0.0)
                for k in range(u64(klo), u64(khi)):
                    bv = Bm[j, k]
                    s0 += A[i0, k] * bv
                    s1 += A[i0 + 1, k] * bv
                    s2 += A[i0 + 2, k] * bv
                    s3 += A[i0 + 3, k] * bv
                out[i0, j] = s0
                out[i0 + 1, j] = s1
                out[i0 + 2, j] = s2
                out[i0 + 3, j] = s3
        else:                                             # the last 1-3 rows
            for i in range(i0, i0 + r):
                for j in range(u64(jlo), u64(jhi)):
                    s = np.float32(0.0)
                    for k in range(u64(klo), u64(khi)):
                        s += A[i, k] * Bm[j, k]
                    out[i, j] = s


@pjit
def attention_qkv_forward_kernel(qkv, H, causal, nchunk, y, p, window=0):
    """qkv (B, T, 3C) C-contiguous float32, nchunk = number of threads (1 <= nchunk <= B*H),
    window w >= 1 for banded causal attention (0: none); writes y (B, T, C) and p (B, H, T, T)
    (when causal: the band i - w < j <= i (the lower triangle without a window), and zeros
    around it within each block of 4 rows; the rest is neither written nor read)."""
    B, T, C3 = qkv.shape
    W = T if window <= 0 or window > T else window
    C = C3 // 3
    D = C // H
    scale = np.float32(1.0 / math.sqrt(D))
    U = B * H
    uD = np.uint64(D)                                     # unsigned offsets: the copies vectorize
    for c in prange(nchunk):                              # one chunk of (b, h) units per thread
        qh = np.empty((T, D), dtype=np.float32)           # q / sqrt(D), k of the head (T, D)
        kh = np.empty((T, D), dtype=np.float32)
        vt = np.empty((D, T), dtype=np.float32)           # v^T (D, T)
        yh = np.empty((T, D), dtype=np.float32)
        for u in range(c * U // nchunk, (c + 1) * U // nchunk):
            b = u // H
            h = u % H
            xb = qkv[b]                                   # (T, 3C) view of batch entry b
            uq, uk, uv = np.uint64(h * D), np.uint64(C + h * D), np.uint64(2 * C + h * D)
            for t in range(T):                            # (unsigned + 2-D: measured 3.5x faster copies)
                for d in range(uD):
                    qh[t, d] = xb[t, uq + d] * scale
                    kh[t, d] = xb[t, uk + d]
            for t0 in range(0, T, 16):                    # v^T in tiles of 16 times: a store run
                for d in range(uD):                       # per d instead of one scattered store
                    for t in range(t0, min(t0 + 16, T)):  # per element (O(T D) whatever the window)
                        vt[d, t] = xb[t, uv + d]
            s = p[b, h]                                   # (T, T): scores, then probabilities
            _abt(qh, kh, s, causal, 0, W)                 # s = q k^T / sqrt(D), in the band
            for i in range(T):
                lo, n = 0, T                              # keys lo .. n-1 query i may see
                if causal:
                    lo, n = max(0, i - W + 1), i + 1
                row = s[i]
                m = row[lo]
                for j in range(u64(lo + 1), u64(n)):
                    m = fmax(m, row[j])
                tot = np.float32(0.0)
                for j in range(u64(lo), u64(n)):
                    e = fast_exp(row[j] - m)
                    row[j] = e
                    tot += e
                inv = np.float32(1.0) / tot
                for j in range(u64(lo), u64(n)):
                    row[j] *= inv
                if causal:                                # zeros in the rest of the block's key range
                    for j in range(max(0, (i // 4) * 4 - W + 1), lo):
                        row[j] = np.float32(0.0)
                    for j in range(n, min((i // 4) * 4 + 4, T)):
                        row[j] = np.float32(0.0)
            _abt(s, vt, yh, causal, 1, W)                 # y = p v
            yb = y[b]                                     # (T, C)
            for t in range(T):
                for d in range(uD):
                    yb[t, uq + d] = yh[t, d]


@pjit
def attention_qkv_backward_kernel(dy, qkv, p, H, causal, nchunk, dqkv, window=0):
    """dy (B, T, C), qkv (B, T, 3C), p (B, H, T, T) from the forward, nchunk and window as in the
    forward; writes every element of dqkv (B, T, 3C). With a window every key loop starts at the
    band's first key max(0, i - w + 1) (per block of 4 rows: max(0, i0 - w + 1)).
    dp = dy v^T and dq = ds k are `_abt` dot products on per-head copies (k^T is a transposed copy);
    dk = ds^T q and dv = p^T dy are accumulated row by row instead ("axpy" form):
        dk[j] += sum_i ds[i, j] q[i],   dv[j] += sum_i p[i, j] dy[i]     (j <= i when causal)
    four rows i per pass over j (each load/store of dk[j], dv[j] feeds 4 multiply-adds), with q and
    dy rows read in place. That removes the two (T, T) transposes of ds and p and the transposed
    copies of q and dy the dot-product form needed: measured (1 thread, CPU time) 17.3 -> 13.9 ms
    at B32 T128 H4 D32 and 71.7 -> 49.9 ms at B16 T256 H6 D64."""
    B, T, C3 = qkv.shape
    W = T if window <= 0 or window > T else window
    C = C3 // 3
    D = C // H
    scale = np.float32(1.0 / math.sqrt(D))
    U = B * H
    uD = np.uint64(D)              # unsigned column offsets: no negative-index wrap-around code,
    for c in prange(nchunk):       # so the d loops vectorize (see matmul.py's U)
        kh = np.empty((T, D), dtype=np.float32)           # k, v, dy of the head (T, D)
        vh = np.empty((T, D), dtype=np.float32)
        gh = np.empty((T, D), dtype=np.float32)
        kt = np.empty((D, T), dtype=np.float32)           # k^T (D, T)
        ds = np.zeros((T, T), dtype=np.float32)           # dp, then ds; zero above the diagonal
        out = np.empty((T, D), dtype=np.float32)          # dq
        dk = np.empty((T, D), dtype=np.float32)
        dv = np.empty((T, D), dtype=np.float32)
        for u in range(c * U // nchunk, (c + 1) * U // nchunk):
            b = u // H
            h = u % H
            xb = qkv[b]                                   # (T, 3C) views of batch entry b
            gb = dy[b]                                    # (T, C)
            db = dqkv[b]                                  # (T, 3C)
            uq, uk, uv = np.uint64(h * D), np.uint64(C + h * D), np.uint64(2 * C + h * D)
            for t in range(T):
                for d in range(uD):
                    kh[t, d] = xb[t, uk + d]
                    vh[t, d] = xb[t, uv + d]
                    gh[t, d] = gb[t, uq + d]
                    dk[t, d] = np.float32(0.0)
                    dv[t, d] = np.float32(0.0)
            for t0 in range(0, T, 16):                    # k^T in tiles of 16 times (as v^T in the forward)
                for d in range(uD):
                    for t in range(t0, min(t0 + 16, T)):
                        kt[d, t] = xb[t, uk + d]
            ph = p[b, h]
            _abt(gh, vh, ds, causal, 0, W)                # dp = dy v^T, in the band
            for i in range(T):
                lo, n = 0, T
                if causal:
                    lo, n = max(0, i - W + 1), i + 1
                pr = ph[i]
                dr = ds[i]
                r = np.float32(0.0)
                for j in range(u64(lo), u64(n)):              # softmax backward
                    r += dr[j] * pr[j]
                for j in range(u64(lo), u64(n)):
                    dr[j] = pr[j] * (dr[j] - r) * scale   # ds
                if causal:                                # the block's entries outside the band
                    for j in range(max(0, (i // 4) * 4 - W + 1), lo):
                        dr[j] = np.float32(0.0)
                    for j in range(n, min((i // 4) * 4 + 4, T)):
                        dr[j] = np.float32(0.0)
            # dk[j] += sum_i ds[i, j] q[i],  dv[j] += sum_i p[i, j] dy[i]: 4 rows i per pass over j
            # (ds and p are exact zeros outside the band within each 4-row block's key range)
            for i0 in range(0, T - 3, 4):
                jlo, n = 0, T
                if causal:
                    jlo, n = max(0, i0 - W + 1), i0 + 4
                for j in range(u64(jlo), u64(n)):
                    a0 = ds[i0, j]
                    a1 = ds[i0 + 1, j]
                    a2 = ds[i0 + 2, j]
                    a3 = ds[i0 + 3, j]
                    g0 = ph[i0, j]
                    g1 = ph[i0 + 1, j]
                    g2 = ph[i0 + 2, j]
                    g3 = ph[i0 + 3, j]
                    for d in range(uD):
                        dk[j, d] += (a0 * xb[i0, uq + d] + a1 * xb[i0 + 1, uq + d]
                                     + a2 * xb[i0 + 2, uq + d] + a3 * xb[i0 + 3, uq + d])
                        dv[j, d] += (g0 * gb[i0, uq + d] + g1 * gb[i0 + 1, uq + d]
                                     + g2 * gb[i0 + 2, uq + d] + g3 * gb[i0 + 3, uq + d])
            for i in range(T - T % 4, T):                 # the last 1-3 rows
                lo, n = 0, T
                if causal:
                    lo, n = max(0, i - W + 1), i + 1
                for j in range(u64(lo), u64(n)):
                    a = ds[i, j]
                    g = ph[i, j]
                    for d in range(uD):
                        dk[j, d] += a * xb[i, uq + d]
                        dv[j, d] += g * gb[i, uq + d]
            _abt(ds, kt, out, causal, 1, W)               # dq = ds k
            for t in range(T):
                for d in range(uD):
                    db[t, uq + d] = out[t, d]
                    db[t, uk + d] = dk[t, d]
                    db[t, uv + d] = dv[t, d]


# ---- dispatch ---------------------------------------------------------------------------------
def check_window(window, causal):
    """None (dense) or an int >= 1; a window needs causal attention. Returns the window."""
    if window is None:
        return None
    if isinstance(window, bool) or not isinstance(window, (int, np.integer)) or window < 1:
        raise ValueError(f"attention window must be None or an int >= 1 (keys i - w < j <= i), got {window!r}")
    if not causal:
        raise ValueError("a local attention window needs causal=True (GPT-3's banded layers are causal)")
    return int(window)


def attention_qkv_forward(qkv, H, causal, window=None):
    """qkv (B, T, 3C) float -> y (B, T, C), p (B, H, T, T) to keep for the backward.
    window w: query i sees keys i - w < j <= i only (needs causal); None = dense.
    (From the kernel, p of a causal call is written only in the band, up to each 4-row block's
    diagonal: hand it back to attention_qkv_backward unchanged.)"""
    window = check_window(window, causal)
    B, T, C3 = qkv.shape
    if B * T == 0 or not use_kernel(qkv, needs_jit=True):
        return attention_qkv_forward_numpy(qkv, H, causal, window)
    x = np.ascontiguousarray(qkv)                     # no copy for the c_attn output
    y = np.empty((B, T, C3 // 3), dtype=np.float32)
    p = np.empty((B, H, T, T), dtype=np.float32)      # causal: only the band is written
    keys = T if window is None else min(T, window)    # keys per query (an upper bound)
    with threads_for(4 * B * T * keys * (C3 // 3), _jit.PARALLEL_MIN_FLOPS) as nt:   # ~flops of the forward
        attention_qkv_forward_kernel(x, H, bool(causal), max(1, min(nt, B * H)), y, p, window or 0)
    return y, p


def attention_qkv_backward(dy, qkv, p, H, causal, window=None):
    """dy (B, T, C), the forward's qkv (B, T, 3C) and p (B, H, T, T) -> dqkv (B, T, 3C), qkv's dtype.
    window: the forward's."""
    window = check_window(window, causal)
    B, T, C3 = qkv.shape
    if B * T > 0 and use_kernel(dy, qkv, needs_jit=True):
        dqkv = np.empty((B, T, C3), dtype=np.float32)          # every element is written
        keys = T if window is None else min(T, window)
        with threads_for(8 * B * T * keys * (C3 // 3), _jit.PARALLEL_MIN_FLOPS) as nt:
            attention_qkv_backward_kernel(np.ascontiguousarray(dy), np.ascontiguousarray(qkv), p, H,
                                          bool(causal), max(1, min(nt, B * H)), dqkv, window or 0)
        return dqkv
    if causal:           # the twin reads p in full: zero what the kernel may have skipped
        p[..., band_mask(T, window)] = 0
    return attention_qkv_backward_numpy(dy, qkv, p, H).astype(qkv.dtype, copy=False)
