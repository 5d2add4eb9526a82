"""The learning-to-rank experiment of solutions/week8/retrieval_rerank_ltr.py on made-up candidate lists, and its
features on one real chunk (seconds)."""
import numpy as np

from solutions.week8.retrieval_rerank_ltr import FEATURES, cross_validate, features, fit, recall
from tinygrad_lm.retrieval.chunker import Chunk


def _lists(n=60, k=6, seed=0):
    """Candidate lists where feature 1 marks the gold (at a random rank) and feature 0 is noise."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, k, 2))
    Y = np.zeros((n, k))
    gold = rng.integers(k, size=n)
    Y[np.arange(n), gold] = 1.0
    X[np.arange(n), gold, 1] += 3.0
    return X, Y


def test_fit_learns_the_informative_feature_and_the_gradient_is_the_listwise_one():
    X, Y = _lists()
    w, mean, std = fit(X, Y, l2=0.01)
    assert w[1] > 1.0 and abs(w[0]) < 0.5 * w[1]
    assert recall(((X - mean) / std) @ w, Y, ks=(1,))[1] > 0.9
    # the update is gradient descent on L: a finite difference of L at w agrees with the step direction
    Z, T = (X - mean) / std, Y / Y.sum(1, keepdims=True)

    def loss(v):
        s = Z @ v
        logp = s - s.max(1, keepdims=True) - np.log(np.exp(s - s.max(1, keepdims=True)).sum(1, keepdims=True))
        return -(T * logp).sum(1).mean() + 0.5 * 0.01 * v @ v
    w1, _, _ = fit(X, Y, l2=0.01, steps=1, lr=1e-3)                  # one step from w = 0
    eps = 1e-6
    grad = np.array([(loss(eps * e) - loss(-eps * e)) / (2 * eps) for e in np.eye(2)])
    assert np.allclose(w1, -1e-3 * grad, atol=1e-9)


def test_cross_validation_scores_every_question_out_of_fold_and_recall_counts_golds():
    X, Y = _lists(n=25)
    out = cross_validate(X, Y, l2=0.1, folds=5)
    assert out.shape == Y.shape and np.all(out != 0)
    assert recall(-np.tile(np.arange(3.0), (2, 1)), np.array([[0, 1, 0], [0, 0, 1.0]]), ks=(1, 2, 3)) == \
        {1: 0.0, 2: 0.5, 3: 1.0}


def test_features_of_one_chunk():
    c = Chunk(id="exercises/week4/README.md#time-3", path="exercises/week4/README.md",
              title="exercises/week4/README.md > Time", text="| week | 8 hours |")
    x = features("How long does week 4 take?", c, score=2.0, best=4.0, rank=1)
    assert x.shape == (len(FEATURES),)
    got = dict(zip(FEATURES, x))
    assert np.isclose(got["log score / max"], np.log(0.5)) and got["1 / rank"] == 0.5
    assert got["week README"] == 1.0 and got["README.md"] == 0.0 and got["table row"] == 1.0
    assert got["number question x digit"] == 1.0 and got["week N match"] == 1.0
    assert np.isclose(got["log(1 + piece)"], np.log(4.0))
