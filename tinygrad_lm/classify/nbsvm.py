"""NB-weighted logistic regression: the NBSVM idea of Wang & Manning (2012) with a logistic loss.

Wang & Manning, "Baselines and Bigrams: Simple, Good Sentiment and Topic Classification", ACL 2012.
Recipe (binary classes 0 / 1, binarized features x_hat = 1[x > 0]):
    p = alpha + sum of x_hat over class-1 documents      (V,)
    q = alpha + sum of x_hat over class-0 documents      (V,)
    r = log( (p / ||p||_1) / (q / ||q||_1) )             (V,)  the NB log-count ratio
    train a linear classifier w, b on the scaled features x_hat * r
    interpolate:  w' = (1 - beta) * mean(|w|) + beta * w          (the paper's beta = 0.25)
    predict class 1 iff  (x_hat * r) . w' + beta * b > 0
r makes the linear model start from Naive Bayes' opinion of every feature; the interpolation pulls
w toward a constant (i.e. toward pure NB scoring) which helps on short snippets. The paper trains
an L2 SVM; here it is tinygrad_lm's LogisticRegression (same idea, a smooth loss, our optimizers).
The bias is scaled by beta along with w (measured: this and the paper's unscaled b differ by
<0.2% on rt_polarity; scaling keeps w' and b on the same footing).

Handles: two classes, CSRMatrix or dense count input. Does not handle: more than two classes
(Wang & Manning use one-vs-rest; use LogisticRegression or MultinomialNB for 3+ classes).

Legend: N documents, V features.
"""
import numpy as np

from ..ops.sparse import CSRMatrix
from ._inputs import fit_inputs, predict_inputs
from .logistic import LogisticRegression


def nb_log_count_ratio(X: CSRMatrix, y, alpha: float = 1.0) -> np.ndarray:
    """(V,) r = log((p/|p|_1) / (q/|q|_1)) from binarized features; positive r = evidence for class 1."""
    Xb = X.binarize()
    y = np.asarray(y)
    p = alpha + Xb.rows(np.nonzero(y == 1)[0]).sum(axis=0).astype(np.float64)   # (V,)
    q = alpha + Xb.rows(np.nonzero(y == 0)[0]).sum(axis=0).astype(np.float64)   # (V,)
    return (np.log(p / p.sum()) - np.log(q / q.sum())).astype(np.float32)


class NBLogisticRegression:
    def __init__(self, alpha: float = 1.0, beta: float = 0.25, **logistic_kwargs):
        if not 0.0 <= beta <= 1.0:
            raise ValueError(f"beta must be in [0, 1], got {beta}")
        self.alpha, self.beta = alpha, beta
        self.model = LogisticRegression(**logistic_kwargs)
        self.r_ = self.w_ = None

    def fit(self, X, y, progress=None):
        X, y, _ = fit_inputs(X, y)
        if not set(np.unique(y).tolist()) <= {0, 1}:
            raise ValueError(f"NBLogisticRegression is binary: labels must be 0/1, got {np.unique(y).tolist()}")
        self.r_ = nb_log_count_ratio(X, y, self.alpha)                       # (V,)
        self.model.fit(X.binarize().scale_columns(self.r_), y, n_classes=2, progress=progress)
        W, b = self.model.W.data, self.model.b.data                           # (V, 2), (2,)
        w = W[:, 1] - W[:, 0]                                                 # 2-class softmax == sigmoid of the difference
        self.w_ = (1 - self.beta) * np.abs(w).mean() + self.beta * w           # (V,) interpolated weights
        self.b_ = self.beta * float(b[1] - b[0])
        return self

    def decision_function(self, X) -> np.ndarray:
        """(N,) score; > 0 means class 1."""
        if self.w_ is None:
            raise RuntimeError("NBLogisticRegression: call fit() first")
        return predict_inputs(X, len(self.r_), "NBLogisticRegression").binarize().scale_columns(self.r_).matmul(self.w_.astype(np.float32)) + self.b_

    def predict(self, X) -> np.ndarray:
        return (self.decision_function(X) > 0).astype(np.int64)

    @property
    def feature_weights_(self) -> np.ndarray:
        """(V,) effective weight of each (binary) feature: r * w'. Large positive = class 1."""
        return self.r_ * self.w_
