"""Products of a CSR sparse matrix with a dense one: Numba kernels, their NumPy twins, dispatch.

CSR layout (as scipy.sparse.csr_matrix): row i's non-zeros are data[indptr[i]:indptr[i+1]] in the
columns indices[indptr[i]:indptr[i+1]]; indptr (N+1,) int64, indices (nnz,) int64, data (nnz,).
    csr_matmul:    out (N, K) = X (N, V) @ W (V, K)
    csr_t_matmul:  out (V, K) = X^T (V, N) @ G (N, K)      (the gradient of X @ W w.r.t. W)
Both are nnz * K multiply-adds: one pass over the stored values, each adding v * (a dense row).
Dispatch functions `csr_matmul(indptr, indices, data, W)` and `csr_t_matmul(indptr, indices,
data, G, n_cols)` take a 2-D float dense operand (validated by the caller, ops/sparse.py's
CSRMatrix) and return a new (N, K) / (V, K) array of its dtype: the kernels for float32 W / G,
the twins for anything else (float64 in gradcheck), TGLM_KERNELS=numpy and NUMBA_DISABLE_JIT=1.
Does not: sparse x sparse, CSC/COO, parallel loops (see the kernels' comments).
Legend: N rows (documents), V columns (features), K dense columns (classes).
"""
import numpy as np

from ._jit import jit, use_kernel


# ---- NumPy twins ----------------------------------------------------------------------------------
def csr_matmul_numpy(indptr, indices, data, W):
    """Scatter-add data[p] * W[indices[p]] into out[row of p]; -> (N, K) of W's dtype."""
    N = len(indptr) - 1
    rows = np.repeat(np.arange(N), np.diff(indptr))                       # (nnz,) row of each stored value
    out = np.zeros((N, W.shape[1]), dtype=W.dtype)
    np.add.at(out, rows, data[:, None].astype(W.dtype) * W[indices])
    return out


def csr_t_matmul_numpy(indptr, indices, data, G, n_cols):
    """Scatter-add data[p] * G[row of p] into out[indices[p]]; -> (n_cols, K) of G's dtype."""
    rows = np.repeat(np.arange(len(indptr) - 1), np.diff(indptr))
    out = np.zeros((n_cols, G.shape[1]), dtype=G.dtype)
    np.add.at(out, indices, data[:, None].astype(G.dtype) * G[rows])
    return out


# ---- Numba kernels ---------------------------------------------------------------------------------
@jit
def csr_matmul_kernel(indptr, indices, data, W, out):
    # out (N, K) += X (N, V) @ W (V, K). Rows are independent, so `numba.prange` over rows would be
    # race-free -- but the work is only nnz * K multiply-adds (~0.1 ms for a mini-batch), less than
    # waking a thread pool costs (measured 16 ms per call on a busy 2-core machine). Kept serial.
    N, K = out.shape
    for i in range(N):
        for p in range(indptr[i], indptr[i + 1]):
            j, v = indices[p], data[p]
            for k in range(K):
                out[i, k] += v * W[j, k]


@jit
def csr_t_matmul_kernel(indptr, indices, data, G, out):
    # out (V, K) += X^T (V, N) @ G (N, K). Different rows write into the same out[j] -> kept serial
    # (a parallel version needs atomics or per-thread copies of out; nnz * K flops is already tiny).
    N, K = G.shape
    for i in range(N):
        for p in range(indptr[i], indptr[i + 1]):
            j, v = indices[p], data[p]
            for k in range(K):
                out[j, k] += v * G[i, k]


# ---- dispatch -----------------------------------------------------------------------------------------
def csr_matmul(indptr, indices, data, W):
    """X @ W for X in CSR form (N rows) and a 2-D float W (V, K) -> (N, K) of W's dtype."""
    if not use_kernel(W, data, needs_jit=True):
        return csr_matmul_numpy(indptr, indices, data, W)
    out = np.zeros((len(indptr) - 1, W.shape[1]), dtype=np.float32)
    csr_matmul_kernel(indptr, indices, data, np.ascontiguousarray(W), out)
    return out


def csr_t_matmul(indptr, indices, data, G, n_cols):
    """X^T @ G for X in CSR form (N rows, n_cols columns) and a 2-D float G (N, K) -> (n_cols, K)."""
    if not use_kernel(G, data, needs_jit=True):
        return csr_t_matmul_numpy(indptr, indices, data, G, n_cols)
    out = np.zeros((n_cols, G.shape[1]), dtype=np.float32)
    csr_t_matmul_kernel(indptr, indices, data, np.ascontiguousarray(G), out)
    return out
