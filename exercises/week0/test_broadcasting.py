"""Autograder tests for week 0, task 0.1 (pairwise squared distances by broadcasting)."""
import numpy as np
import pytest

from tinygrad_lm.course import assert_close, assert_equal, load

mod = load("week0.broadcasting")


def _loop_reference(X, Y):
    # the slow, obviously-correct version, in float64
    X, Y = np.asarray(X, np.float64), np.asarray(Y, np.float64)
    S = np.zeros((len(X), len(Y)), dtype=np.float64)
    for i in range(len(X)):
        for j in range(len(Y)):
            S[i, j] = np.sum((X[i] - Y[j]) ** 2)
    return S


@pytest.mark.task("0.1", points=3)
def test_small_example():
    got = mod.pairwise_sq_dists(np.array([[0.0, 0.0], [1.0, 1.0]]), np.array([[1.0, 0.0]]))
    assert_close(got, [[1.0], [1.0]], name="pairwise_sq_dists([[0,0],[1,1]], [[1,0]])",
                 hint="S[i, j] is the distance from row i of X to row j of Y: the result has shape (N, M)")


@pytest.mark.task("0.1", points=3)
def test_matches_loops_on_random_data():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((7, 5)).astype(np.float32)    # N=7, D=5
    Y = rng.standard_normal((4, 5)).astype(np.float32)    # M=4, D=5
    got = mod.pairwise_sq_dists(X, Y)
    assert_close(got, _loop_reference(X, Y), atol=1e-4, rtol=1e-4, name="pairwise_sq_dists(X (7, 5), Y (4, 5))",
                 hint="|x - y|^2 = |x|^2 + |y|^2 - 2 x.y: add x2[:, None] and y2[None, :] to -2 * X @ Y.T")
    assert np.asarray(got).dtype == np.float32, (
        f"pairwise_sq_dists: float32 inputs should give a float32 result, got {np.asarray(got).dtype} "
        "(hint: a float64 array or np.zeros without dtype= upcasts everything it touches)")


@pytest.mark.task("0.1", points=3)
def test_self_distances_are_zero_and_never_negative():
    rng = np.random.default_rng(1)
    X = (100.0 + rng.standard_normal((50, 3))).astype(np.float32)   # large norms: rounding shows up
    S = np.asarray(mod.pairwise_sq_dists(X, X))
    assert S.min() >= 0, (f"pairwise_sq_dists(X, X) has a negative entry {S.min():.3g}: rounding in "
                          "|x|^2 + |y|^2 - 2 x.y can dip below 0 (hint: clamp with np.maximum(S, 0))")
    assert_close(np.diag(S), np.zeros(50), atol=0.05, name="diagonal of pairwise_sq_dists(X, X)",
                 hint="the distance from a point to itself is 0")
    assert_equal(np.asarray(mod.nearest_neighbour(X, X)), np.arange(50), name="nearest_neighbour(X, X)",
                 hint="every point is its own nearest neighbour")
