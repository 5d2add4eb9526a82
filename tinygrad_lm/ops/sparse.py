"""A compressed-sparse-row (CSR) matrix, its products with dense matrices, and an autograd op.

Why: a bag-of-words matrix for 10k reviews x 50k n-grams is 99.9% zeros; stored densely in float32 it
would take 2 GB, in CSR it takes ~2 MB. Row i's non-zeros are data[indptr[i]:indptr[i+1]] in the
columns indices[indptr[i]:indptr[i+1]] (sorted, no duplicates, as in scipy.sparse.csr_matrix).

Handles: building (from dense, from per-row column/value lists), `X @ W` (W dense (V, K)),
`X.t_matmul(G)` = X^T @ G (the gradient of `X @ W` with respect to W), row selection (CV folds),
column / row scaling, binarize, sums, document frequency, and `sparse_matmul(X, W)`: the autograd
op `X @ W` for a constant sparse X and a Tensor W (logistic regression on bag-of-words features).

Kernels: the two products are kernels/sparse.py (Numba kernels for float32, NumPy twins for any other
dtype, e.g. float64 in gradcheck, and under TGLM_KERNELS=numpy); this file holds the matrix type and the op.
Does not handle: sparse x sparse products, gradients with respect to X, COO/CSC formats, in-place
structural edits (every method returns a new matrix).

Legend: N rows (documents), V columns (features), K dense columns (classes).
"""
import numpy as np

from ..kernels import api as kernels
from ..tensor import Tensor


def _dense_operand(M, n_rows: int, what: str):
    """Validate the dense side of a sparse product: (n_rows, K) or (n_rows,) floating -> (2-D view, was_1d)."""
    M = np.asarray(M)
    vec = M.ndim == 1
    M2 = M[:, None] if vec else M
    if M2.ndim != 2 or M2.shape[0] != n_rows:
        raise ValueError(f"{what} {M.shape}: dense needs {n_rows} rows")
    if M2.dtype.kind != "f":
        raise TypeError(f"{what}: dense must be floating, got {M2.dtype}")
    return M2, vec


class CSRMatrix:
    """Sparse (N, V) matrix in CSR form: indptr (N+1,) int64, indices (nnz,) int64, data (nnz,) float32."""

    def __init__(self, data, indices, indptr, shape):
        self.data = np.ascontiguousarray(data, dtype=np.float32)
        self.indices = np.ascontiguousarray(indices, dtype=np.int64)
        self.indptr = np.ascontiguousarray(indptr, dtype=np.int64)
        self.shape = (int(shape[0]), int(shape[1]))
        N, V = self.shape
        if self.indptr.shape != (N + 1,) or self.indptr[0] != 0 or self.indptr[-1] != len(self.indices):
            raise ValueError(f"CSRMatrix: indptr must have N+1={N + 1} entries from 0 to nnz={len(self.indices)}")
        if len(self.data) != len(self.indices):
            raise ValueError(f"CSRMatrix: data ({len(self.data)}) and indices ({len(self.indices)}) differ in length")
        if len(self.indices) and (self.indices.min() < 0 or self.indices.max() >= V):
            raise ValueError(f"CSRMatrix: column indices must lie in [0, {V})")

    # ---- construction / conversion ---------------------------------------------------------
    @classmethod
    def from_dense(cls, A):
        A = np.asarray(A)
        if A.ndim != 2:
            raise ValueError(f"from_dense needs a 2-D array, got shape {A.shape}")
        rows, cols = np.nonzero(A)                                         # row-major order
        indptr = np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=A.shape[0]))])
        return cls(A[rows, cols], cols, indptr, A.shape)

    @classmethod
    def from_rows(cls, rows, n_cols: int):
        """Build from one (cols, values) pair per row; duplicate columns within a row are summed."""
        indptr, all_cols, all_vals = [0], [], []
        for cols, vals in rows:
            cols = np.asarray(cols, dtype=np.int64)
            vals = np.asarray(vals, dtype=np.float32)
            uniq, inv = np.unique(cols, return_inverse=True)               # sorted, deduplicated
            summed = np.zeros(len(uniq), dtype=np.float32)
            np.add.at(summed, inv, vals)
            all_cols.append(uniq)
            all_vals.append(summed)
            indptr.append(indptr[-1] + len(uniq))
        cat = (lambda xs, dt: np.concatenate(xs) if xs else np.zeros(0, dtype=dt))
        return cls(cat(all_vals, np.float32), cat(all_cols, np.int64), indptr, (len(indptr) - 1, n_cols))

    def toarray(self) -> np.ndarray:
        out = np.zeros(self.shape, dtype=np.float32)                       # (N, V): only for small matrices
        rows = np.repeat(np.arange(self.shape[0]), np.diff(self.indptr))
        out[rows, self.indices] = self.data
        return out

    def copy(self, data=None) -> "CSRMatrix":
        """Same sparsity pattern; new values `data` if given."""
        return CSRMatrix(self.data.copy() if data is None else data, self.indices.copy(), self.indptr.copy(),
                         self.shape)

    @property
    def nnz(self) -> int:
        return len(self.data)

    def __repr__(self):
        return f"CSRMatrix(shape={self.shape}, nnz={self.nnz}, density={self.nnz / max(1, np.prod(self.shape)):.2e})"

    # ---- products ----------------------------------------------------------------------------
    def matmul(self, W: np.ndarray) -> np.ndarray:
        """X (N, V) @ W (V, K) -> (N, K) dense. A 1-D W (V,) gives (N,)."""
        W2, vec = _dense_operand(W, self.shape[1], f"CSRMatrix {self.shape} @ dense")
        out = kernels.csr_matmul(self.indptr, self.indices, self.data, W2)   # (N, K)
        return out[:, 0] if vec else out

    __matmul__ = matmul

    def t_matmul(self, G: np.ndarray) -> np.ndarray:
        """X^T (V, N) @ G (N, K) -> (V, K) dense, without building X^T. A 1-D G (N,) gives (V,)."""
        G2, vec = _dense_operand(G, self.shape[0], f"CSRMatrix{self.shape}.T @ dense")
        out = kernels.csr_t_matmul(self.indptr, self.indices, self.data, G2, self.shape[1])   # (V, K)
        return out[:, 0] if vec else out

    # ---- structure-preserving transforms ----------------------------------------------------
    def rows(self, idx) -> "CSRMatrix":
        """The sub-matrix of rows `idx` (int array, any order, repeats allowed) -- e.g. a CV fold."""
        idx = np.asarray(idx, dtype=np.int64)
        starts, lengths = self.indptr[idx], self.indptr[idx + 1] - self.indptr[idx]
        indptr = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
        pos = np.repeat(starts - indptr[:-1], lengths) + np.arange(indptr[-1])  # where each value comes from
        return CSRMatrix(self.data[pos], self.indices[pos], indptr, (len(idx), self.shape[1]))

    def __getitem__(self, idx):
        return self.rows(np.arange(self.shape[0])[idx])

    def scale_columns(self, v) -> "CSRMatrix":
        """X * v[None, :] (e.g. multiply counts by idf, or by NB log-count ratios)."""
        v = np.asarray(v, dtype=np.float32)
        if v.shape != (self.shape[1],):
            raise ValueError(f"scale_columns: need a vector of {self.shape[1]} values, got shape {v.shape}")
        return self.copy(self.data * v[self.indices])

    def scale_rows(self, v) -> "CSRMatrix":
        """X * v[:, None] (e.g. divide each row by its norm)."""
        v = np.asarray(v, dtype=np.float32)
        if v.shape != (self.shape[0],):
            raise ValueError(f"scale_rows: need a vector of {self.shape[0]} values, got shape {v.shape}")
        return self.copy(self.data * np.repeat(v, np.diff(self.indptr)))

    def map_data(self, fn) -> "CSRMatrix":
        """Apply fn to the stored values only (fn(0) is assumed to be 0, e.g. log1p, sign)."""
        return self.copy(np.asarray(fn(self.data), dtype=np.float32))

    def binarize(self) -> "CSRMatrix":
        return self.copy(np.ones_like(self.data))

    # ---- reductions -------------------------------------------------------------------------
    def sum(self, axis=None):
        if axis is None:
            return float(self.data.sum(dtype=np.float64))
        if axis == 0:                                                       # (V,) column sums
            return np.bincount(self.indices, weights=self.data, minlength=self.shape[1]).astype(np.float32)
        if axis == 1:                                                       # (N,) row sums
            rows = np.repeat(np.arange(self.shape[0]), np.diff(self.indptr))
            return np.bincount(rows, weights=self.data, minlength=self.shape[0]).astype(np.float32)
        raise ValueError(f"axis must be None, 0 or 1, got {axis}")

    def row_norms(self, ord: int = 2) -> np.ndarray:
        """(N,) L1 or L2 norm of each row."""
        rows = np.repeat(np.arange(self.shape[0]), np.diff(self.indptr))
        vals = np.abs(self.data) if ord == 1 else self.data.astype(np.float64) ** 2
        s = np.bincount(rows, weights=vals, minlength=self.shape[0])
        return (s if ord == 1 else np.sqrt(s)).astype(np.float32)

    def document_frequency(self) -> np.ndarray:
        """(V,) int64: in how many rows each column is non-zero."""
        return np.bincount(self.indices[self.data != 0], minlength=self.shape[1]).astype(np.int64)


def sparse_matmul(X: CSRMatrix, W: Tensor) -> Tensor:
    """Autograd op: X (N, V) sparse constant @ W (V, K) Tensor -> (N, K) Tensor.

    Backward: dW = X^T @ dOut (V, K), computed by the transpose kernel without forming X^T.
    """
    if not isinstance(X, CSRMatrix):
        raise TypeError(f"sparse_matmul: X must be a CSRMatrix, got {type(X).__name__}")
    if not isinstance(W, Tensor):
        raise TypeError(f"sparse_matmul: W must be a Tensor, got {type(W).__name__}")
    out = X.matmul(W.data)                                                  # (N, K)

    def backward(g):                                                        # g (N, K)
        return (X.t_matmul(np.asarray(g, dtype=W.data.dtype)).reshape(W.data.shape),)   # (V, K)
    return Tensor._make(out, (W,), backward, "sparse_matmul")
