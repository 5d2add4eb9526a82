"""Autograder tests for week 0, tasks 0.2-0.4 (log-sum-exp, softmax, cross-entropy)."""
import math

import numpy as np
import pytest

from tinygrad_lm.course import assert_close, load

mod = load("week0.softmax")


def _naive_lse(x, axis):   # float64 reference for inputs small enough not to overflow
    return np.log(np.sum(np.exp(np.asarray(x, np.float64)), axis=axis))


@pytest.mark.task("0.2", points=2)
def test_logsumexp_small_values():
    x = np.random.default_rng(0).standard_normal((3, 5)).astype(np.float32)   # (B, V)
    assert_close(mod.logsumexp(x, axis=1), _naive_lse(x, 1), name="logsumexp(x (3, 5), axis=1)",
                 hint="the result has the reduced axis removed: shape (3,)")
    assert_close(mod.logsumexp(x, axis=0), _naive_lse(x, 0), name="logsumexp(x (3, 5), axis=0)",
                 hint="use the axis argument everywhere (max, sum and the squeeze)")


@pytest.mark.task("0.2", points=2)
def test_logsumexp_large_values_do_not_overflow():
    got = mod.logsumexp(np.array([1000.0, 1000.0], dtype=np.float32))
    assert_close(got, 1000.0 + math.log(2.0), atol=1e-3, name="logsumexp([1000, 1000])",
                 hint="exp(1000) is inf: subtract the max before exp, add it back after the log")
    got = mod.logsumexp(np.array([[-1000.0, -1000.0, -1000.0]]), axis=-1)
    assert_close(got, [-1000.0 + math.log(3.0)], name="logsumexp([[-1000, -1000, -1000]])",
                 hint="exp(-1000) underflows to 0 and log(0) = -inf: the max shift fixes this side too")
    assert np.asarray(mod.logsumexp(np.zeros((2, 3), np.float32))).dtype == np.float32, \
        "logsumexp: float32 input should give a float32 result"


@pytest.mark.task("0.3", points=2)
def test_softmax_rows_sum_to_one():
    x = np.random.default_rng(1).standard_normal((4, 6)).astype(np.float32)   # (B, V)
    p = mod.softmax(x)
    e = np.exp(x.astype(np.float64))
    assert_close(p, e / e.sum(axis=-1, keepdims=True), name="softmax(x (4, 6))",
                 hint="normalise each ROW (last axis): sum with axis=-1, keepdims=True")
    assert np.asarray(p).dtype == np.float32, f"softmax: float32 input should stay float32, got {np.asarray(p).dtype}"


@pytest.mark.task("0.3", points=2)
def test_softmax_large_values_and_axis():
    assert_close(mod.softmax(np.array([1000.0, 1001.0])), [0.26894142, 0.73105858],
                 name="softmax([1000, 1001])", hint="nan here means exp overflowed: subtract the max first")
    x = np.array([[1.0, 2.0], [3.0, 5.0], [0.0, 0.0]])   # (3, 2)
    got = mod.softmax(x, axis=0)
    e = np.exp(x)
    assert_close(got, e / e.sum(axis=0, keepdims=True), name="softmax(x (3, 2), axis=0)",
                 hint="use the axis argument for both the max and the sum")


@pytest.mark.task("0.4", points=3, title="mean cross-entropy from logits and targets")
def test_cross_entropy_uniform_is_log_v():
    got = mod.cross_entropy(np.zeros((4, 10), np.float32), np.array([1, 2, 3, 4]))
    assert_close(got, math.log(10.0), name="cross_entropy(zeros (4, 10), targets)",
                 hint="equal logits are a uniform guess over V=10 classes: the loss is log(10) = 2.3026 for every "
                      "row, and the result is the MEAN over the B=4 rows (4x too big? you summed)")


@pytest.mark.task("0.4", points=3)
def test_cross_entropy_matches_definition():
    rng = np.random.default_rng(2)
    logits = (3.0 * rng.standard_normal((5, 7))).astype(np.float32)   # (B, V)
    targets = np.array([0, 6, 3, 3, 1])                                 # (B,)
    z = logits.astype(np.float64)
    logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    expected = -logp[np.arange(5), targets].mean()
    assert_close(mod.cross_entropy(logits, targets), expected, atol=1e-5, rtol=1e-5,
                 name="cross_entropy(logits (5, 7), targets (5,))",
                 hint="mean over rows of logsumexp(row) - row[target]; logits[:, targets] is (B, B), not (B,)")


@pytest.mark.task("0.4", points=3)
def test_cross_entropy_confident_and_wrong_is_finite():
    logits = np.array([[0.0, 200.0]], dtype=np.float32)   # very sure of class 1
    got = mod.cross_entropy(logits, np.array([0]))
    assert_close(got, 200.0, atol=1e-3, name="cross_entropy([[0, 200]], target 0)",
                 hint="inf here means you took log(softmax(...)) and softmax underflowed to 0: "
                      "use logits - logsumexp(logits) instead")
