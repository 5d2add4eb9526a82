"""Week 1 autograder: multinomial Naive Bayes (1.9), against the library's MultinomialNB."""
import numpy as np
import pytest

from tinygrad_lm.classify import MultinomialNB
from tinygrad_lm.course import assert_close, assert_equal, load
from tinygrad_lm.datasets import load_rt_polarity
from tinygrad_lm.ops.sparse import CSRMatrix
from tinygrad_lm.text.vectorize import CountVectorizer

mod = load("week1.naive_bayes")


@pytest.mark.task("1.9", points=2, title="Naive Bayes fit / predict")
def test_tiny_example():
    X = CSRMatrix.from_dense(np.array([[2, 0], [0, 1]], dtype=np.float32))
    log_prior, log_theta = mod.fit_naive_bayes(X, np.array([0, 1]), 2, alpha=1.0)
    assert_close(log_prior, np.log([0.5, 0.5]), name="log_prior")
    assert_close(log_theta, np.log([[3 / 4, 1 / 4], [1 / 3, 2 / 3]]), name="log_theta",
                 hint="(count + alpha) / (row total + alpha * V), then log")
    pred, log_post = mod.predict_naive_bayes(X, log_prior, log_theta)
    assert_equal(np.asarray(pred).tolist(), [0, 1], name="predictions on the training rows")
    assert_close(np.exp(log_post).sum(1), [1.0, 1.0], name="rows of exp(log_post)",
                 hint="subtract logsumexp of each row's scores")


@pytest.mark.task("1.9", points=2, title="Naive Bayes fit / predict")
@pytest.mark.parametrize("alpha", [1.0, 0.1])
def test_matches_library_on_reviews(alpha):
    tr = load_rt_polarity("train")
    vec = CountVectorizer(ngram_range=(1, 2), binary=True)
    X = vec.fit_transform(tr.texts[:2000])
    Xt = vec.transform(tr.texts[2000:2500])
    y = tr.y()[:2000]
    ref = MultinomialNB(alpha=alpha).fit(X, y)
    log_prior, log_theta = mod.fit_naive_bayes(X, y, 2, alpha=alpha)
    assert_close(log_prior, ref.class_log_prior_, name="log_prior (300 reviews, unbalanced classes)",
                 hint="log_prior[k] = log(number of training documents of class k / N): the observed class "
                      "frequencies, not a uniform 1/K")
    assert_close(log_theta, ref.feature_log_prob_, rtol=1e-6, atol=1e-6, name=f"log_theta (alpha={alpha})",
                 hint="log_theta[k, v] = log((count[k, v] + alpha) / (sum over v' of count[k, v'] + alpha * V)): "
                      "alpha is added to EVERY feature, so the denominator grows by alpha * V")
    pred, log_post = mod.predict_naive_bayes(Xt, log_prior, log_theta)
    assert_equal(np.asarray(pred).tolist(), ref.predict(Xt).tolist(), name="predictions on 500 held-out reviews")
    assert_close(log_post, ref.predict_log_proba(Xt), rtol=1e-5, atol=1e-5, name="log posteriors",
                 hint="log P(k | x) = score[k] - logsumexp(score) with score = X @ log_theta.T + log_prior; "
                      "subtract the row max before exp")
