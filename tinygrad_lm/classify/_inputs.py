"""Input checks shared by the classifiers: features as a CSRMatrix, labels as class ids.

Every classifier here takes X (N, V) as a CSRMatrix or a dense array of counts and y (N,) as integer
class ids 0..K-1; these helpers turn that into (CSRMatrix, int64 labels, K) or raise an error that
names the problem (probabilities instead of labels, mismatched lengths, a vocabulary of the wrong size).
"""
import numpy as np

from ..metrics.classification import as_class_ids
from ..ops.sparse import CSRMatrix


def as_csr(X) -> CSRMatrix:
    """X as a CSRMatrix (dense input is converted, as float32)."""
    return X if isinstance(X, CSRMatrix) else CSRMatrix.from_dense(np.asarray(X, dtype=np.float32))


def fit_inputs(X, y, n_classes: int = None):
    """(CSRMatrix (N, V), int64 labels (N,), K) for fit(); K = n_classes or max(y) + 1."""
    X = as_csr(X)
    y = as_class_ids(y, "y")
    if y.shape != (X.shape[0],):
        raise ValueError(f"X has {X.shape[0]} rows but y has {y.shape[0]} labels")
    if y.size and y.min() < 0:
        raise ValueError(f"labels must be class ids 0..K-1, got a negative label {y.min()}")
    K = n_classes or int(y.max(initial=0)) + 1
    if y.size and y.max() >= K:
        raise ValueError(f"labels go up to {y.max()} but n_classes={K}")
    return X, y, K


def predict_inputs(X, n_features: int, who: str) -> CSRMatrix:
    """X as a CSRMatrix with the number of columns the model was fit on."""
    X = as_csr(X)
    if X.shape[1] != n_features:
        raise ValueError(f"{who} was fit on {n_features} features but X has {X.shape[1]} columns: transform new "
                         f"documents with the SAME fitted vectorizer (vectorizer.transform, not fit_transform)")
    return X
