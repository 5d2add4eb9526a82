"""MultinomialNB against a direct dense NumPy computation of the textbook formulas."""
import numpy as np
import pytest

from tinygrad_lm.classify import MultinomialNB
from tinygrad_lm.ops.sparse import CSRMatrix


def test_matches_dense_formula():
    rng = np.random.default_rng(0)
    A = rng.poisson(0.5, size=(40, 12)).astype(np.float32)
    y = rng.integers(0, 3, size=40)
    for alpha in (1.0, 0.1):
        nb = MultinomialNB(alpha=alpha).fit(CSRMatrix.from_dense(A), y)
        counts = np.stack([A[y == k].sum(0) for k in range(3)]) + alpha            # (K, V)
        logtheta = np.log(counts / counts.sum(1, keepdims=True))
        prior = np.log(np.bincount(y) / len(y))
        jll = A @ logtheta.T + prior
        np.testing.assert_allclose(nb.feature_log_prob_, logtheta, rtol=1e-6)
        np.testing.assert_allclose(nb.joint_log_likelihood(A), jll, rtol=1e-5)
        np.testing.assert_array_equal(nb.predict(A), jll.argmax(1))
        np.testing.assert_allclose(nb.predict_proba(A).sum(1), 1, rtol=1e-6)


def test_tiny_sentiment_and_errors():
    # features: [good, bad, movie]
    X = np.array([[2, 0, 1], [1, 0, 1], [0, 2, 1], [0, 1, 1]], dtype=np.float32)
    nb = MultinomialNB().fit(X, [1, 1, 0, 0])
    assert nb.predict(np.array([[1, 0, 0], [0, 1, 0]], np.float32)).tolist() == [1, 0]
    assert nb.log_count_ratio()[0] > 0 > nb.log_count_ratio()[1]
    with pytest.raises(RuntimeError):
        MultinomialNB().predict(X)
    with pytest.raises(ValueError):
        MultinomialNB().fit(X, [1, 0])


def test_bad_inputs_name_the_problem():
    from tinygrad_lm.classify import LogisticRegression
    X = CSRMatrix.from_dense(np.array([[1, 0, 2], [0, 1, 0], [1, 1, 1]], np.float32))
    with pytest.raises(ValueError, match="X has 3 rows but y has 2 labels"):
        MultinomialNB().fit(X, [0, 1])
    with pytest.raises(TypeError, match="y must be integer class ids"):
        MultinomialNB().fit(X, ["neg", "pos", "neg"])
    with pytest.raises(TypeError, match="y must be integer class ids"):
        LogisticRegression(epochs=1).fit(X, [0.5, 1.0, 0.0])
    with pytest.raises(ValueError, match="non-negative feature values"):
        MultinomialNB().fit(CSRMatrix.from_dense(np.array([[-1, 0], [0, 1]], np.float32)), [0, 1])
    nb = MultinomialNB().fit(X, [0, 1, 0])
    with pytest.raises(ValueError, match="fit on 3 features but X has 4 columns.*SAME fitted vectorizer"):
        nb.predict(CSRMatrix.from_dense(np.ones((2, 4), np.float32)))
