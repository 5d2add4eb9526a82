"""Multinomial Naive Bayes for bag-of-words features (the classic text-classification baseline).

Model: a document is a bag of features drawn independently from a per-class distribution theta_k:
    log P(k | x) = log P(k) + sum_v x_v * log theta_kv + const
    theta_kv     = (count_kv + alpha) / (sum_v count_kv + alpha * V)     (Laplace alpha=1, Lidstone alpha<1)
Everything is computed in log space (a product of 50 probabilities underflows float32).
Handles: fit on a CSRMatrix (or dense array) of counts / binary counts / tf-idf, predict, predict_proba,
predict_log_proba, the per-feature log-count ratio used to show "most positive / negative" features.
Does not handle: Bernoulli or Gaussian NB, complement NB, partial_fit, sample weights.

Legend: N documents, V features, K classes.
"""
import numpy as np

from ._inputs import fit_inputs, predict_inputs


class MultinomialNB:
    def __init__(self, alpha: float = 1.0, fit_prior: bool = True):
        if alpha < 0:
            raise ValueError(f"alpha must be >= 0, got {alpha}")
        self.alpha, self.fit_prior = alpha, fit_prior
        self.feature_log_prob_ = None                          # (K, V)

    def fit(self, X, y, n_classes: int = None):
        X, y, K = fit_inputs(X, y, n_classes)
        if X.nnz and X.data.min() < 0:
            raise ValueError(f"MultinomialNB needs non-negative feature values (counts, 0/1 or TF-IDF), got a "
                             f"minimum of {X.data.min()}: were the features centered or standardized?")
        onehot = np.zeros((len(y), K), dtype=np.float32)       # (N, K)
        onehot[np.arange(len(y)), y] = 1.0
        counts = X.t_matmul(onehot).T.astype(np.float64)       # (K, V) = sum of feature counts per class
        self.feature_count_ = counts
        smoothed = counts + self.alpha
        self.feature_log_prob_ = np.log(smoothed) - np.log(smoothed.sum(axis=1, keepdims=True))
        class_count = onehot.sum(axis=0).astype(np.float64)    # (K,)
        self.class_log_prior_ = (np.log(class_count) - np.log(class_count.sum()) if self.fit_prior
                                 else np.full(K, -np.log(K)))
        return self

    def joint_log_likelihood(self, X) -> np.ndarray:
        """(N, K) log P(k) + sum_v x_v log theta_kv."""
        if self.feature_log_prob_ is None:
            raise RuntimeError("MultinomialNB: call fit() first")
        X = predict_inputs(X, self.feature_log_prob_.shape[1], "MultinomialNB")
        return X.matmul(self.feature_log_prob_.T) + self.class_log_prior_    # float64 twin path (exact)

    def predict_log_proba(self, X) -> np.ndarray:
        jll = self.joint_log_likelihood(X)                     # (N, K)
        m = jll.max(axis=1, keepdims=True)
        return jll - (m + np.log(np.exp(jll - m).sum(axis=1, keepdims=True)))   # stable log-softmax

    def predict_proba(self, X) -> np.ndarray:
        return np.exp(self.predict_log_proba(X))

    def predict(self, X) -> np.ndarray:
        return np.argmax(self.joint_log_likelihood(X), axis=1).astype(np.int64)

    def log_count_ratio(self, positive: int = 1, negative: int = 0) -> np.ndarray:
        """(V,) log theta[positive, v] - log theta[negative, v]: large = evidence for `positive`."""
        return self.feature_log_prob_[positive] - self.feature_log_prob_[negative]
