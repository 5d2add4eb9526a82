"""The per-step product of a recurrence, on a weight packed ONCE per sequence: `pack_weight`, `step_matmul`.

Legend: M rows of the step (a chunk of the batch), K inner size, N output columns.
    C (M, N) (+)= A (M, K) @ W (K, N)        A: h_{t-1} (forward) or d a_t (backward), read in place
Every step of an LSTM / RNN multiplies a small A (M = a batch chunk, 16-32 rows) by the SAME weight
(w_hh.T forward, w_hh backward), T times. `pack_weight` lays W out once per sequence the way
matmul's micro-kernel reads it (kernels/matmul.py: slivers of NR columns, the NR values of row k
adjacent, zero-padded on the right); `step_matmul` then runs that 8 x 32 register-blocked
micro-kernel over (MR-row, NR-column) tiles of C with A read in place (no per-step packing at all).
The packing cost (one pass over W) is paid once for T steps.
Why faster than dot products (kernels/rnn.py `matmul_nt_acc`, 4 x 2 dots): no horizontal sums,
16 independent FMA chains per tile, one broadcast per 2 FMAs. Measured (1 thread, B = 32, 100
steps of h @ w_hh.T): H = 256: 70 -> 113 GFLOP/s; H = 512: 68 -> 103 (numpy/OpenBLAS 61 / 51).
Edge tiles (rows % MR, N % NR) go through small zero-padded buffers.
Twin: `step_matmul_numpy` (what the kernel computes, on the unpacked weight); under
NUMBA_DISABLE_JIT=1 the kernel still runs (matmul's micro-kernel has a NumPy twin), slowly.
Omissions: float32 only; K is one slice (no cache blocking over K: K = H or 4H <= a few thousand).
"""
import numpy as np

from ._jit import contiguous, jit
from .matmul import MR, NR, microkernel, pack_b


def step_matmul_numpy(a, w, c, accumulate):
    """c (M, N) = [c +] a (M, K) @ w (K, N), in place (the definition)."""
    if accumulate:
        c += a @ w
    else:
        c[:] = a @ w


def packed_size(K, N):
    """Floats in the packed weight: ceil(N / NR) slivers of K x NR."""
    return (N + NR - 1) // NR * NR * K


def pack_weight(w):
    """w (K, N) float32 -> 1-D packed copy for `step_matmul`. w may be C-contiguous, or the
    transpose of a C-contiguous array (w_hh.T: packed straight from w_hh's rows, no transposed copy)."""
    K, N = w.shape
    out = np.empty(packed_size(K, N), np.float32)
    if w.T.flags.c_contiguous and not w.flags.c_contiguous:
        _pack_transposed(contiguous(w.T), out)
    else:
        pack_b(contiguous(w).reshape(-1), 0, N, 1, 0, K, 0, N, out)
    return out


@jit
def _pack_transposed(wt, out):
    """out = pack_weight(wt.T) for wt (N, K) C-contiguous: each row of wt becomes one column j of
    a sliver, read sequentially, written with stride NR inside the (L1/L2-resident) sliver.
    (pack_b on the strided view gathers across rows instead: 8.6 ms vs ~1 ms at (2048, 512).)"""
    N, K = wt.shape
    for jr in range(0, N, NR):
        base = jr * K
        for j in range(NR):
            if jr + j < N:
                row = wt[jr + j]
                for k in range(K):
                    out[base + k * NR + j] = row[k]
            else:
                for k in range(K):
                    out[base + k * NR + j] = np.float32(0.0)


@jit
def chunk_start(B, ci, n):
    """First row of chunk ci of n over B batch rows: ci * B // n, rounded up to a multiple of MR
    (whole micro-tiles per thread) when every chunk still gets rows; chunk_start(B, n, n) = B."""
    s = ci * B // n
    if B >= MR * n:
        s = min(B, (s + MR - 1) // MR * MR)
    return s


@jit
def step_matmul(abuf, a_off, lda, M, K, bp, N, cbuf, c_off, ldc, accumulate, apad, ct):
    """C[r, n] (+)= sum_k A[r, k] W[k, n] for r < M, n < N, where A[r, k] = abuf[a_off + r*lda + k],
    C[r, n] = cbuf[c_off + r*ldc + n], W packed by `pack_weight` into bp; `+=` when accumulate.
    apad (>= K*MR floats) and ct (>= MR*NR) are scratch for the edge tiles."""
    full = M // MR * MR
    if full < M:                                     # the last rows: packed, zero-padded, once
        rows = M - full
        for p in range(K):
            for i in range(MR):
                apad[p * MR + i] = abuf[a_off + (full + i) * lda + p] if i < rows else np.float32(0.0)
    acc = 1 if accumulate else 0
    for jr in range(0, N, NR):                       # a K x NR sliver of W: L1/L2-resident
        cols = min(NR, N - jr)
        for ir in range(0, M, MR):
            r = min(MR, M - ir)
            if r == MR:                              # A read in place (row-major)
                a_src, a_o, a_rs, a_cs = abuf, a_off + ir * lda, lda, 1
            else:
                a_src, a_o, a_rs, a_cs = apad, 0, 1, MR
            off = c_off + ir * ldc + jr
            if r == MR and cols == NR:
                microkernel(K, a_src, a_o, a_rs, a_cs, bp, jr * K, cbuf, off, ldc, acc)
            else:
                microkernel(K, a_src, a_o, a_rs, a_cs, bp, jr * K, ct, 0, NR, 0)
                for i in range(r):
                    for j in range(cols):
                        if accumulate:
                            cbuf[off + i * ldc + j] += ct[i * NR + j]
                        else:
                            cbuf[off + i * ldc + j] = ct[i * NR + j]
