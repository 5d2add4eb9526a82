"""Bootstrap confidence intervals of mean scores, with the semantics of rouge-score's BootstrapAggregator.

Given S per-example score rows x_1 .. x_S (e.g. one ROUGE Score (P, R, F) per summary), a bootstrap
sample draws S row indices uniformly WITH replacement and takes the mean row. After `n_samples`
such samples (B below), each column gets three numbers:

    low  = percentile(sample means, 100 * (1 - ci) / 2)        2.5th percentile for ci = 0.95
    mid  = percentile(sample means, 50)                          the MEDIAN of the bootstrap means
    high = percentile(sample means, 100 * (1 + ci) / 2)        97.5th percentile for ci = 0.95

(np.percentile's default linear interpolation). Note `mid` is not the plain mean of the rows, though
it is close to it; rouge-score's docstring calls it "the mean".

Randomness: rouge-score draws from NumPy's global legacy RNG (`np.random.choice`, one call of size S
per sample, score types in the order they were first added). Here every `aggregate()` call draws from
`np.random.RandomState(seed)` in exactly that order, so `np.random.seed(s)` followed by rouge-score's
`aggregate()` gives the same intervals as `BootstrapAggregator(seed=s).aggregate()`. Unlike
rouge-score, calling aggregate() twice gives the same answer (the RNG restarts from `seed`).
seed=None draws fresh entropy each call.

Handles: any dict of {name: tuple of numbers} per example (ROUGE Scores, or plain 1-tuples).
Does not handle: weighted examples, BCa or other corrected intervals, paired tests between systems.
"""
from typing import NamedTuple

import numpy as np


class AggregateScore(NamedTuple):
    """low / mid / high of one score type; each has the type of the added scores (e.g. a rouge Score)."""
    low: tuple
    mid: tuple
    high: tuple


class BootstrapAggregator:
    """`agg.add_scores(scorer.score(t, p))` per example, then `agg.aggregate()` -> {type: AggregateScore}."""

    def __init__(self, confidence_interval: float = 0.95, n_samples: int = 1000, seed=None):
        if not 0 <= confidence_interval <= 1:
            raise ValueError(f"BootstrapAggregator: confidence_interval must be in [0, 1] (0.95 for a 95% interval), "
                             f"got {confidence_interval!r}")
        if not isinstance(n_samples, (int, np.integer)) or n_samples <= 0:
            raise ValueError(f"BootstrapAggregator: n_samples must be a positive int, got {n_samples!r}")
        self.confidence_interval = confidence_interval
        self.n_samples = int(n_samples)
        self.seed = seed
        self._scores = {}                        # name -> list of per-example tuples, in insertion order

    def add_scores(self, scores: dict) -> None:
        """Add one example: {score type: tuple of numbers}, e.g. RougeScorer.score(...)."""
        if not isinstance(scores, dict):
            raise TypeError(f"BootstrapAggregator.add_scores expects a dict {{type: Score}}, got {type(scores).__name__}")
        for name, score in scores.items():
            self._scores.setdefault(name, []).append(score)

    def aggregate(self) -> dict:
        """{score type: AggregateScore(low, mid, high)} from n_samples bootstrap means per type."""
        if not self._scores:
            raise ValueError("BootstrapAggregator.aggregate: no scores were added (call add_scores first)")
        rng = self.seed if isinstance(self.seed, np.random.RandomState) else np.random.RandomState(self.seed)
        result = {}
        for name, rows in self._scores.items():
            matrix = np.vstack(tuple(rows))                            # (S, K) examples x measures
            lo, mid, hi = bootstrap_percentiles(matrix, self.n_samples, self.confidence_interval, rng)
            named = hasattr(rows[0], "_fields")                       # a NamedTuple such as rouge's Score
            result[name] = AggregateScore(*(type(rows[0])(*row) if named else tuple(row) for row in (lo, mid, hi)))
        return result


def bootstrap_percentiles(matrix: np.ndarray, n_samples: int, confidence_interval: float,
                          rng: np.random.RandomState) -> np.ndarray:
    """(3, K) array: rows low, mid, high percentiles of n_samples bootstrap means of matrix (S, K)."""
    matrix = np.asarray(matrix)
    if matrix.ndim != 2 or matrix.shape[0] == 0:
        raise ValueError(f"bootstrap_percentiles: need a (S, K) matrix with S >= 1 examples, got shape {matrix.shape}")
    S = matrix.shape[0]
    means = np.zeros((n_samples, matrix.shape[1]))                 # (B, K)
    for b in range(n_samples):
        idx = rng.choice(np.arange(S), size=S)                     # (S,) drawn with replacement
        means[b, :] = np.mean(matrix[idx, :], axis=0)
    delta = (1 - confidence_interval) / 2
    return np.percentile(means, 100 * np.array([delta, 0.5, 1 - delta]), axis=0)    # (3, K)
