"""CSRMatrix: kernels == NumPy twins == dense products; sparse_matmul gradient by central differences."""
import numpy as np
import pytest

from tinygrad_lm.kernels.sparse import csr_matmul_numpy, csr_t_matmul_numpy
from tinygrad_lm.ops.sparse import CSRMatrix, sparse_matmul
from tinygrad_lm.tensor import Tensor


def _random_sparse(N, V, density, seed):
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((N, V)).astype(np.float32)
    A[rng.random((N, V)) > density] = 0
    A[N // 2] = 0                                                  # an empty row
    return A


@pytest.mark.parametrize("N,V,K", [(1, 1, 1), (7, 13, 3), (33, 65, 2), (50, 9, 17)])
def test_matmul_kernel_equals_twin_and_dense(N, V, K):
    A = _random_sparse(N, V, 0.2, N * V)
    X = CSRMatrix.from_dense(A)
    np.testing.assert_array_equal(X.toarray(), A)
    W = np.random.default_rng(1).standard_normal((V, K)).astype(np.float32)
    G = np.random.default_rng(2).standard_normal((N, K)).astype(np.float32)
    np.testing.assert_allclose(X @ W, A @ W, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(X @ W, csr_matmul_numpy(X.indptr, X.indices, X.data, W), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(X.t_matmul(G), A.T @ G, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(X.t_matmul(G), csr_t_matmul_numpy(X.indptr, X.indices, X.data, G, V),
                               rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(X @ W.astype(np.float64), A.astype(np.float64) @ W, rtol=1e-6)   # float64 twin path
    np.testing.assert_allclose(X @ W[:, 0], A @ W[:, 0], rtol=1e-5, atol=1e-5)                  # 1-D


def test_structure_ops():
    A = _random_sparse(9, 6, 0.4, 0)
    X = CSRMatrix.from_dense(A)
    idx = np.array([8, 0, 0, 4])
    np.testing.assert_array_equal(X.rows(idx).toarray(), A[idx])
    np.testing.assert_array_equal(X[2:5].toarray(), A[2:5])
    v = np.arange(6, dtype=np.float32)
    np.testing.assert_allclose(X.scale_columns(v).toarray(), A * v)
    np.testing.assert_allclose(X.scale_rows(np.arange(9, dtype=np.float32)).toarray(), A * np.arange(9)[:, None])
    np.testing.assert_array_equal(X.binarize().toarray(), (A != 0).astype(np.float32))
    np.testing.assert_allclose(X.sum(axis=0), A.sum(0), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(X.sum(axis=1), A.sum(1), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(X.row_norms(), np.linalg.norm(A, axis=1), rtol=1e-5)
    np.testing.assert_array_equal(X.document_frequency(), (A != 0).sum(0))


def test_from_rows_sums_duplicates_and_validates():
    X = CSRMatrix.from_rows([([2, 0, 2], [1, 1, 1]), ([], [])], n_cols=3)
    np.testing.assert_array_equal(X.toarray(), [[1, 0, 2], [0, 0, 0]])
    with pytest.raises(ValueError, match="indices"):
        CSRMatrix([1.0], [5], [0, 1], (1, 3))
    with pytest.raises(ValueError, match="rows"):
        X @ np.zeros((4, 2), dtype=np.float32)


def test_sparse_matmul_gradient_central_difference():
    A = _random_sparse(6, 5, 0.5, 3).astype(np.float64)
    X = CSRMatrix.from_dense(A)
    rng = np.random.default_rng(0)
    W0 = rng.standard_normal((5, 3))
    dout = rng.standard_normal((6, 3))
    W = Tensor(W0, requires_grad=True, dtype=np.float64)
    out = sparse_matmul(X, W)
    out.backward(dout)
    num = np.zeros_like(W0)
    h = 1e-6
    for idx in np.ndindex(W0.shape):
        Wp, Wm = W0.copy(), W0.copy()
        Wp[idx] += h
        Wm[idx] -= h
        num[idx] = np.sum(dout * (X.matmul(Wp) - X.matmul(Wm))) / (2 * h)
    np.testing.assert_allclose(W.grad, num, rtol=1e-5, atol=1e-7)
    Wf = Tensor(W0.astype(np.float32), requires_grad=True)
    sparse_matmul(X, Wf).backward(dout.astype(np.float32))
    assert Wf.grad.dtype == np.float32 and Wf.grad.shape == (5, 3)


def test_products_reject_bad_dense_operands():
    X = CSRMatrix.from_dense(np.eye(3, dtype=np.float32))
    with pytest.raises(ValueError, match=r"@ dense \(2, 2\): dense needs 3 rows"):
        X.matmul(np.ones((2, 2), np.float32))
    with pytest.raises(TypeError, match="dense must be floating, got int64"):
        X.t_matmul(np.ones(3, np.int64))
    np.testing.assert_array_equal(X.t_matmul(np.arange(3, dtype=np.float32)), [0, 1, 2])   # 1-D stays 1-D
