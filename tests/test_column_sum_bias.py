"""kernels/column_sum.py and matmul's fused bias (kernels/matmul.py) equal their NumPy twins.

Shapes cross the matmul block edges (MC, NC, KC, micro-tile), hit the small/skinny NumPy paths,
float64 (twin path), bad bias shapes; column_sum with 1 and 2 threads and odd row counts.
"""
import numba
import numpy as np
import pytest

import tinygrad_lm  # noqa: F401  (thread settings)
from tinygrad_lm.kernels import _jit
from tinygrad_lm.kernels import api as K
from tinygrad_lm.kernels import column_sum as CS


def _r(seed, *shape, dtype=np.float32):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


@pytest.mark.parametrize("M,Kd,N", [(1, 128, 384), (3, 5, 7), (300, 33, 65), (160, 128, 1100),
                                    (97, 800, 70), (4096, 128, 96)])
def test_matmul_bias_equals_twin(M, Kd, N):
    a, w, b = _r(M, M, Kd), _r(Kd, N, Kd), _r(N, N)
    y = K.matmul(a, w.T, b)
    assert y.dtype == np.float32 and y.shape == (M, N)
    np.testing.assert_allclose(y, a @ w.T + b, atol=2e-4, rtol=1e-4)


def test_matmul_bias_batched_and_float64():
    a, w, b = _r(1, 2, 40, 64), _r(2, 64, 96), _r(3, 96)
    np.testing.assert_allclose(K.matmul(a, w, b), a @ w + b, atol=2e-4, rtol=1e-4)
    a64, w64, b64 = (x.astype(np.float64) for x in (a, w, b))
    np.testing.assert_allclose(K.matmul(a64, w64, b64), a64 @ w64 + b64, rtol=1e-12)


def test_matmul_bias_shape_error():
    with pytest.raises(ValueError, match=r"bias must be \(N,\)"):
        K.matmul(_r(0, 4, 3), _r(1, 3, 5), _r(2, 4))


@pytest.mark.parametrize("N,C", [(1, 3), (7, 65), (4096, 384), (5001, 128)])
@pytest.mark.parametrize("threads", [1, 2])
def test_column_sum_equals_twin(N, C, threads, monkeypatch):
    monkeypatch.setattr(_jit, "PARALLEL_MIN_ELEMENTS", 1)       # kernel even for small inputs
    x = _r(N + C, N, C)
    old = numba.get_num_threads()
    numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))
    try:
        s = K.column_sum(x)
    finally:
        numba.set_num_threads(old)
    assert s.shape == (C,) and s.dtype == np.float32
    np.testing.assert_allclose(s, CS.column_sum_numpy(x.astype(np.float64)), atol=1e-3, rtol=1e-5)


def test_column_sum_kernel_partials():
    x = _r(5, 13, 6)
    part = np.zeros((3, 6), np.float32)
    CS.column_sum_kernel(x, part)
    np.testing.assert_allclose(part.sum(axis=0), x.sum(axis=0), atol=1e-5)


def test_column_sum_errors_and_dtypes():
    with pytest.raises(ValueError, match=r"\(N, C\)"):
        K.column_sum(np.zeros((2, 3, 4), np.float32))
    x = _r(3, 9, 4, dtype=np.float64)
    np.testing.assert_array_equal(K.column_sum(x), x.sum(axis=0))
