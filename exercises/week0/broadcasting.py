# Generated from solutions/week0/broadcasting.py by `tglm course build`: fill in the parts that raise NotImplementedError.
# Your edits are safe: the build refuses to overwrite this file unless --force; the reference is solutions/week0/broadcasting.py.
"""Week 0 warm-up: broadcasting instead of Python loops — pairwise squared distances.

Shapes: N rows of X, M rows of Y, D features.
Handles: float32 / float64 inputs (the result keeps the input float dtype; integers become float64).
Does not handle: other distances (cosine similarity arrives in week 1), batches of matrices.
"""
import numpy as np


def _as_float(a, name):
    a = np.asarray(a)
    if a.ndim != 2:
        raise ValueError(f"{name} must be a 2-D array (rows, D), got shape {a.shape}")
    return a if a.dtype.kind == "f" else a.astype(np.float64)


def pairwise_sq_dists(X, Y):
    """Task 0.1: pairwise squared distances, without Python loops.

    TODO: given X (N, D) and Y (M, D), return S (N, M) with S[i, j] = sum_d (X[i, d] - Y[j, d])**2.
    No Python loop over rows: the whole thing is a few NumPy expressions.

    APPROACH: stuck? `tglm hint 0.1` shows the approach one step at a time.

    EXAMPLE: pairwise_sq_dists([[0, 0], [1, 1]], [[1, 0]]) -> [[1.], [1.]]

    HINT: a[:, None] turns shape (N,) into (N, 1); b[None, :] turns (M,) into (1, M).
    Keep the dtype: float32 inputs must give a float32 result (do not multiply by a float64 array).
    """
    X, Y = _as_float(X, "X"), _as_float(Y, "Y")
    if X.shape[1] != Y.shape[1]:
        raise ValueError(f"X and Y need the same number of features D, got X {X.shape} and Y {Y.shape}")
    raise NotImplementedError("Week 0, task 0.1: pairwise squared distances, without Python loops.")


def nearest_neighbour(X, Y):
    """For every row of X, the index of the closest row of Y: (N,) int64 (ties: the lowest index)."""
    return np.argmin(pairwise_sq_dists(X, Y), axis=1)
