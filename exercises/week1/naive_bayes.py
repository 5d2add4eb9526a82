# Generated from solutions/week1/naive_bayes.py by `tglm course build`: fill in the parts that raise NotImplementedError.
# Your edits are safe: the build refuses to overwrite this file unless --force; the reference is solutions/week1/naive_bayes.py.
"""Week 1, part 4: multinomial Naive Bayes, from counts to log-probabilities.

Task 1.9: fit (class priors and smoothed per-class feature log-probabilities) and predict.
The library version is tinygrad_lm/classify/naive_bayes.py (MultinomialNB).
Legend: N documents, V features, K classes. X is a CSRMatrix (N, V) of counts (or 0/1).
"""
import numpy as np

from tinygrad_lm.ops.sparse import CSRMatrix


def fit_naive_bayes(X: CSRMatrix, y, n_classes: int, alpha: float = 1.0):
    """Task 1.9: fit a multinomial Naive Bayes model.

    TODO: return (log_prior, log_theta):
        log_prior (K,)    log( number of documents of class k / N )
        log_theta (K, V)  log( (count[k, v] + alpha) / (sum_v' count[k, v'] + alpha * V) )
    where count[k, v] = total of column v over the rows of class k (Laplace smoothing for
    alpha = 1, Lidstone for alpha < 1). Return float64 arrays.

    APPROACH: stuck? `tglm hint 1.9` shows the approach one step at a time.

    EXAMPLE: X = [[2, 0], [0, 1]], y = [0, 1], K = 2, alpha = 1:
        log_prior = [ln .5, ln .5]; log_theta = ln([[3/4, 1/4], [1/3, 2/3]])

    HINT: smoothing matters: without it, one review word never seen in class k makes P(k) = 0.
    """
    raise NotImplementedError("Week 1, task 1.9: fit a multinomial Naive Bayes model.")


def predict_naive_bayes(X: CSRMatrix, log_prior, log_theta):
    """Task 1.9: predict with a fitted model.

    TODO: return (pred, log_post): pred (N,) int64 = argmax_k score[i, k] and log_post (N, K) the
    log posterior log P(k | x_i), where
        score[i, k] = log_prior[k] + sum_v X[i, v] * log_theta[k, v]
        log_post    = score - logsumexp(score over k)      (each row of exp(log_post) sums to 1)

    APPROACH: stuck? `tglm hint 1.9` shows the approach one step at a time.

    HINT: never exponentiate the raw scores: they are around -300 for a 40-word review, and
    exp(-300) is 0 in float32.
    """
    raise NotImplementedError("Week 1, task 1.9: predict with a fitted model.")
