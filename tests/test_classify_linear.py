"""LogisticRegression and NBLogisticRegression on small synthetic bag-of-words problems."""
import numpy as np
import pytest

from tinygrad_lm.classify import LogisticRegression, NBLogisticRegression
from tinygrad_lm.classify.nbsvm import nb_log_count_ratio
from tinygrad_lm.ops.sparse import CSRMatrix


def _toy(n=300, V=40, K=2, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, K, size=n)
    A = (rng.random((n, V)) < 0.1).astype(np.float32)
    for k in range(K):                                   # feature k fires for class k most of the time
        A[y == k, k] = (rng.random((y == k).sum()) < 0.8)
    return CSRMatrix.from_dense(A), A, y


def test_logistic_learns_separable_signal_and_loss_decreases():
    X, A, y = _toy(K=3)
    m = LogisticRegression(l2=1e-4, lr=0.05, epochs=10, batch_size=32).fit(X, y)
    assert (m.predict(X) == y).mean() > 0.8
    assert m.losses_[-1] < m.losses_[0]
    np.testing.assert_allclose(m.predict_proba(A).sum(1), 1, rtol=1e-5)
    assert m.coef_.shape == (3, 40)


def test_logistic_matches_full_batch_optimum_direction():
    # with a strong L2 penalty the optimum is tiny and unique: gradient at the solution ~ 0
    X, A, y = _toy(n=200, V=10)
    m = LogisticRegression(l2=1e-1, lr=0.05, epochs=400, batch_size=200).fit(X, y)
    Z = A @ m.W.data + m.b.data
    P = np.exp(Z - Z.max(1, keepdims=True)); P /= P.sum(1, keepdims=True)
    P[np.arange(len(y)), y] -= 1
    gW = A.T @ P / len(y) + 1e-1 * m.W.data
    assert np.abs(gW).max() < 5e-3, f"gradient at the returned solution is not ~0: {np.abs(gW).max()}"


def test_nb_ratio_and_nblr():
    X, A, y = _toy()
    r = nb_log_count_ratio(X, y)
    p = 1 + (A[y == 1] > 0).sum(0); q = 1 + (A[y == 0] > 0).sum(0)
    np.testing.assert_allclose(r, np.log(p / p.sum()) - np.log(q / q.sum()), rtol=1e-5)
    assert r[1] > 0 > r[0]
    m = NBLogisticRegression(lr=0.05, epochs=5, batch_size=32).fit(X, y)
    assert (m.predict(X) == y).mean() > 0.8
    assert m.feature_weights_[1] > 0 > m.feature_weights_[0]
    with pytest.raises(ValueError, match="binary"):
        NBLogisticRegression().fit(X, np.where(y == 1, 2, 0))
