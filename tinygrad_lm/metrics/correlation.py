"""Kendall's rank correlation tau-b with ties, equal to scipy.stats.kendalltau (week 6).

Used to ask "does this automatic metric order systems / outputs the way people do?" (metric vs human
judgements, at the system level and at the item level).

For n paired observations (x_i, y_i), look at every pair i < j (tot = n (n - 1) / 2 pairs):
  concordant  C: (x_i - x_j)(y_i - y_j) > 0          discordant D: ... < 0
  tied in x only, in y only, in both: not counted in C or D
  xtie = pairs with x_i == x_j (both-ties included), ytie likewise
    tau_b = (C - D) / sqrt((tot - xtie) (tot - ytie))          (Kendall 1945; -1 .. 1)
  tau_b is nan when all x or all y are equal (no ordering to compare), as scipy returns.
p-value (two-sided, scipy's method="asymptotic"): C - D is approximately normal with variance
    v = (m (2n + 5) - x1 - y1) / 18 + 2 xtie ytie / m + x0 y0 / (9 m (n - 2)),   m = n (n - 1)
  where, over the groups of t tied values of x: x0 = sum t(t-1)(t-2), x1 = sum t(t-1)(2t+5) (same for y);
    z = (C - D) / sqrt(v),   p = erfc(|z| / sqrt 2).
  scipy's default method="auto" uses an exact distribution instead when there are no ties and n <= 33:
  that p-value is not computed here (the tau is the same).

Computation: O(n^2) over all pairs with NumPy (fine for the few thousand points of a human evaluation).
Does not handle: tau-a / tau-c variants, weighted tau, the exact p-value, NaN inputs (ValueError).
"""
import math
from collections import Counter
from dataclasses import dataclass

import numpy as np


@dataclass
class KendallTau:
    """tau_b and its asymptotic two-sided p-value; the pair counts it came from."""
    tau: float
    p_value: float
    n: int
    concordant: int
    discordant: int
    x_ties: int          # pairs tied in x (including those tied in both)
    y_ties: int


def _check(x, y):
    x = np.asarray(x, dtype=np.float64).reshape(-1)    # (n,)
    y = np.asarray(y, dtype=np.float64).reshape(-1)    # (n,)
    if x.shape != y.shape:
        raise ValueError(f"kendall_tau_b: x and y must have the same length, got {x.size} and {y.size}")
    if not (np.isfinite(x).all() and np.isfinite(y).all()):
        raise ValueError("kendall_tau_b: x and y must be finite numbers (drop NaN / inf pairs first)")
    return x, y


def _tie_stats(v) -> tuple:
    """(tied pairs, sum t(t-1)(t-2), sum t(t-1)(2t+5)) over groups of t equal values."""
    t = np.array([c for c in Counter(v.tolist()).values() if c > 1], dtype=np.float64)
    return int((t * (t - 1) // 2).sum()), float((t * (t - 1) * (t - 2)).sum()), float((t * (t - 1) * (2 * t + 5)).sum())


def kendall_tau_b(x, y) -> KendallTau:
    """Kendall's tau-b of two equal-length sequences of numbers (ties allowed), with its p-value."""
    x, y = _check(x, y)
    n = x.size
    if n < 2:
        raise ValueError(f"kendall_tau_b needs at least 2 pairs, got {n}")
    i, j = np.triu_indices(n, k=1)                     # every pair i < j: (tot,)
    s = np.sign(x[i] - x[j]) * np.sign(y[i] - y[j])    # +1 concordant, -1 discordant, 0 tied somewhere
    con, dis = int((s > 0).sum()), int((s < 0).sum())
    tot = n * (n - 1) // 2
    xtie, x0, x1 = _tie_stats(x)
    ytie, y0, y1 = _tie_stats(y)
    if xtie == tot or ytie == tot:
        return KendallTau(float("nan"), float("nan"), n, con, dis, xtie, ytie)
    tau = (con - dis) / math.sqrt(tot - xtie) / math.sqrt(tot - ytie)
    tau = min(1.0, max(-1.0, tau))
    p = float("nan")
    if n > 2:
        m = n * (n - 1.0)
        var = (m * (2 * n + 5) - x1 - y1) / 18 + 2 * xtie * ytie / m + x0 * y0 / (9 * m * (n - 2))
        p = math.erfc(abs(con - dis) / math.sqrt(var) / math.sqrt(2))
    return KendallTau(tau, p, n, con, dis, xtie, ytie)
