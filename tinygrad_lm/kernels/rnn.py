"""Vanilla (Elman) RNN recurrence over a whole sequence: Numba kernels and their NumPy twins.

Legend: T time steps, B batch, H hidden size, I input size.
    a_t = xproj[t] + h_{t-1} @ w_hh.T          xproj = x @ w_ih.T + b_ih + b_hh, done by the caller
    h_t = tanh(a_t)   (or relu(a_t))           one big matmul for all T steps at once
Scope: forward over T steps (keeps every h_t for the backward) and BPTT backward (returns
d a_t for every step, from which the caller gets dW_ih, dW_hh, db, dx with big matmuls, and dh0).
Also `matmul_nt_acc`, the small "per step" matmul (4 x 2 dot products; the LSTM now uses the
faster kernels/step_matmul.py, on a weight packed once per sequence; the RNN still uses this one).
Dispatch functions: `rnn_forward`, `rnn_backward` (kernels for float32, the twins for float64,
e.g. gradcheck, and under TGLM_KERNELS=numpy / NUMBA_DISABLE_JIT=1). The autograd op is ops/rnn.py.
Omissions: one layer per call (the nn.RNN module stacks layers); no bidirectional.

The trick: the per-step product h (B, H) @ w_hh.T (H, H) is small (B = 32 rows). A general matmul
packs panels for big sizes and pays for it at small ones; here every output element is a dot
product of two contiguous rows (h[b] and w_hh[j]), and we compute a 4 x 2 block of them at once:
4 rows of h times 2 rows of w_hh give 8 independent accumulators that LLVM vectorizes over k,
with 6 loads feeding 8 fused multiply-adds (with 2 threads splitting the columns this matched
OpenBLAS at B=32, H=256..512: ~70-85 GFLOP/s on the course machine).
Threads: batch rows never interact in the recurrence, so each thread runs ALL T steps for its own
chunk of rows. That is one parallel region per sequence; one region per step (threads meeting
at a barrier 2T times) measured up to 8 ms per region on a busy 2-core machine.
"""
import numpy as np
from numba import prange

from ._jit import fast_exp, jit, num_threads, pjit, use_kernel


# ---- the small matmul used by every recurrence step --------------------------------------------
@jit
def matmul_nt_acc(a, w, out):
    """out (M, N) += a (M, K) @ w (N, K).T; float32, rows contiguous, out not aliasing a or w."""
    M, K = a.shape
    N = w.shape[0]
    for jj in range((N + 1) // 2):
        j = 2 * jj
        two = j + 1 < N
        w0 = w[j]
        w1 = w[j + 1] if two else w[j]        # odd N: the last column is computed twice, stored once
        m = 0
        while m + 4 <= M:                     # 4 x 2 register block
            a0 = a[m]
            a1 = a[m + 1]
            a2 = a[m + 2]
            a3 = a[m + 3]
            s00 = np.float32(0.0)
            s10 = np.float32(0.0)
            s20 = np.float32(0.0)
            s30 = np.float32(0.0)
            s01 = np.float32(0.0)
            s11 = np.float32(0.0)
            s21 = np.float32(0.0)
            s31 = np.float32(0.0)
            for k in range(K):
                x0 = w0[k]
                x1 = w1[k]
                s00 += a0[k] * x0
                s10 += a1[k] * x0
                s20 += a2[k] * x0
                s30 += a3[k] * x0
                s01 += a0[k] * x1
                s11 += a1[k] * x1
                s21 += a2[k] * x1
                s31 += a3[k] * x1
            out[m, j] += s00
            out[m + 1, j] += s10
            out[m + 2, j] += s20
            out[m + 3, j] += s30
            if two:
                out[m, j + 1] += s01
                out[m + 1, j + 1] += s11
                out[m + 2, j + 1] += s21
                out[m + 3, j + 1] += s31
            m += 4
        while m < M:                          # leftover rows (M not a multiple of 4)
            s0 = np.float32(0.0)
            s1 = np.float32(0.0)
            for k in range(K):
                s0 += a[m, k] * w0[k]
                s1 += a[m, k] * w1[k]
            out[m, j] += s0
            if two:
                out[m, j + 1] += s1
            m += 1


# ---- NumPy twins: the definition -------------------------------------------------------------
def rnn_forward_numpy(xproj, w_hh, h0, relu=False):
    """xproj (T, B, H), w_hh (H, H), h0 (B, H) -> hs (T+1, B, H) with hs[0] = h0."""
    T, B, H = xproj.shape
    hs = np.empty((T + 1, B, H), dtype=xproj.dtype)
    hs[0] = h0
    for t in range(T):
        a = xproj[t] + hs[t] @ w_hh.T                              # (B, H) pre-activation
        hs[t + 1] = np.maximum(a, 0) if relu else np.tanh(a)
    return hs


def rnn_backward_numpy(dys, w_hh, hs, relu=False):
    """dys (T, B, H) = dL/dh_t from above; -> (da (T, B, H) = dL/da_t, dh0 (B, H))."""
    T, B, H = dys.shape
    da = np.empty_like(dys)
    dh = np.zeros((B, H), dtype=dys.dtype)                         # dL/dh_t via h_{t+1}
    for t in range(T - 1, -1, -1):
        dh = dh + dys[t]
        h = hs[t + 1]
        da[t] = dh * (h > 0) if relu else dh * (1 - h * h)         # tanh' = 1 - tanh^2
        dh = da[t] @ w_hh                                          # (B, H) to h_{t-1}
    return da, dh


# ---- Numba kernels ------------------------------------------------------------------------------
@jit
def fast_tanh(x):
    """tanh(x) = 1 - 2 / (exp(2x) + 1) with the vectorizable `fast_exp`; exact +-1 for |x| > 44."""
    return np.float32(1.0) - np.float32(2.0) / (fast_exp(np.float32(2.0) * x) + np.float32(1.0))


@jit
def _rnn_activate(a, h_out, relu):
    B, H = a.shape
    for b in range(B):
        for j in range(H):
            v = a[b, j]
            if relu:
                h_out[b, j] = v if v > 0 else np.float32(0.0)
            else:
                h_out[b, j] = fast_tanh(v)


@jit
def _rnn_forward_rows(xproj, w_hh, relu, hs, a, b0, b1):
    """All T steps for batch rows b0:b1 (rows never interact in the recurrence)."""
    at = a[b0:b1]
    for t in range(xproj.shape[0]):
        at[:] = xproj[t, b0:b1]
        matmul_nt_acc(hs[t, b0:b1], w_hh, at)                   # a += h_{t-1} @ w_hh.T
        _rnn_activate(at, hs[t + 1, b0:b1], relu)


@pjit
def rnn_forward_kernel(xproj, w_hh, relu, hs, a, nchunks):
    """hs[0] holds h0 on entry; fills hs (T+1, B, H). a (B, H) is scratch.
    Batch rows never interact, so each thread runs all T steps for its own chunk of rows:
    one parallel region per sequence instead of one (or two) per time step."""
    B = xproj.shape[1]
    for ci in prange(nchunks):
        _rnn_forward_rows(xproj, w_hh, relu, hs, a, ci * B // nchunks, (ci + 1) * B // nchunks)


@jit
def _rnn_backward_rows(dys, w_hh_t, hs, relu, da, dh, b0, b1):
    H = dys.shape[2]
    dhc = dh[b0:b1]
    dhc[:] = 0
    for t in range(dys.shape[0] - 1, -1, -1):
        for b in range(b0, b1):
            for j in range(H):
                g = dh[b, j] + dys[t, b, j]
                hv = hs[t + 1, b, j]
                if relu:
                    da[t, b, j] = g if hv > 0 else np.float32(0.0)
                else:
                    da[t, b, j] = g * (np.float32(1.0) - hv * hv)
        dhc[:] = 0
        matmul_nt_acc(da[t, b0:b1], w_hh_t, dhc)                 # dh = da_t @ w_hh


@pjit
def rnn_backward_kernel(dys, w_hh_t, hs, relu, da, dh, nchunks):
    """w_hh_t = w_hh.T made contiguous (H, H). Fills da (T, B, H); dh (B, H) ends as dh0."""
    B = dys.shape[1]
    for ci in prange(nchunks):
        _rnn_backward_rows(dys, w_hh_t, hs, relu, da, dh, ci * B // nchunks, (ci + 1) * B // nchunks)


def num_chunks(B):
    """How many row chunks to run in parallel: one per thread, at least 4 rows each."""
    return max(1, min(num_threads(), B // 4))


# ---- dispatch: validate, then kernel (float32, backend numba) or twin ------------------------
def _check(xproj, w_hh, h0):
    if xproj.ndim != 3:
        raise ValueError(f"rnn: xproj must be (T, B, H), got shape {xproj.shape}")
    T, B, H = xproj.shape
    if w_hh.shape != (H, H):
        raise ValueError(f"rnn: w_hh must be (H, H) = ({H}, {H}), got {w_hh.shape}")
    if h0.shape != (B, H):
        raise ValueError(f"rnn: h0 must be (B, H) = ({B}, {H}), got {h0.shape}")
    if not (xproj.dtype == w_hh.dtype == h0.dtype):
        raise TypeError(f"rnn: dtypes differ: xproj {xproj.dtype}, w_hh {w_hh.dtype}, h0 {h0.dtype}")


def rnn_forward(xproj, w_hh, h0, relu=False):
    """hs (T+1, B, H): hs[0] = h0, hs[t+1] = act(xproj[t] + hs[t] @ w_hh.T)."""
    _check(xproj, w_hh, h0)
    if not use_kernel(xproj, w_hh, h0, needs_jit=True):
        return rnn_forward_numpy(xproj, w_hh, h0, relu)
    T, B, H = xproj.shape
    hs = np.empty((T + 1, B, H), dtype=np.float32)
    hs[0] = h0
    xproj, w_hh, a, n = np.ascontiguousarray(xproj), np.ascontiguousarray(w_hh), np.empty((B, H), np.float32), num_chunks(B)
    if n == 1:            # one chunk: skip the parallel region (waking the pool costs ms on a busy machine)
        _rnn_forward_rows(xproj, w_hh, bool(relu), hs, a, 0, B)
    else:
        rnn_forward_kernel(xproj, w_hh, bool(relu), hs, a, n)
    return hs


def rnn_backward(dys, w_hh, hs, relu=False):
    """(da (T, B, H), dh0 (B, H)) given dys = dL/dh_t (T, B, H) and the forward's hs."""
    if dys.ndim != 3 or hs.shape != (dys.shape[0] + 1,) + dys.shape[1:]:
        raise ValueError(f"rnn_backward: dys {dys.shape} and hs {hs.shape} must be (T,B,H), (T+1,B,H)")
    if not use_kernel(dys, w_hh, hs, needs_jit=True):
        return rnn_backward_numpy(dys, w_hh, hs, relu)
    T, B, H = dys.shape
    da = np.empty((T, B, H), dtype=np.float32)
    dh = np.empty((B, H), dtype=np.float32)
    dys, w_hh_t, n = np.ascontiguousarray(dys), np.ascontiguousarray(w_hh.T), num_chunks(B)
    if n == 1:
        _rnn_backward_rows(dys, w_hh_t, hs, bool(relu), da, dh, 0, B)
    else:
        rnn_backward_kernel(dys, w_hh_t, hs, bool(relu), da, dh, n)
    return da, dh
