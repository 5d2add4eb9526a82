"""Linear text classifiers for bag-of-words features (week 1).

naive_bayes.py  MultinomialNB (log space, Laplace/Lidstone smoothing)
logistic.py     LogisticRegression (L2, softmax, trained with tinygrad_lm.optim on sparse inputs)
nbsvm.py        NBLogisticRegression: logistic regression on NB log-count-ratio scaled features
                (the NBSVM idea of Wang & Manning 2012, with a logistic loss)
"""
from .naive_bayes import MultinomialNB

__all__ = ["MultinomialNB", "LogisticRegression", "NBLogisticRegression"]


def __getattr__(name):
    # imported lazily: these pull in the autograd ops and the optimizers
    if name == "LogisticRegression":
        from .logistic import LogisticRegression
        return LogisticRegression
    if name == "NBLogisticRegression":
        from .nbsvm import NBLogisticRegression
        return NBLogisticRegression
    raise AttributeError(f"module 'tinygrad_lm.classify' has no attribute {name!r}")
