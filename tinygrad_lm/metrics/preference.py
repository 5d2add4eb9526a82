"""Pairwise preference statistics: win rates, their uncertainty, and how many judgements to collect (week 6).

Handles: the standard normal CDF and quantile without SciPy (Acklam's rational approximation plus
one Halley step, accurate to ~1e-15); the Wilson score interval for a win rate (equal to statsmodels'
proportion_confint(method="wilson")); the two-sided exact sign test (equal to SciPy's
binomtest(wins, wins + losses, 0.5).pvalue, ties excluded); the number of non-tie judgements needed
to tell a win rate p1 from p0, and the power of a given number.

Does not handle: ties inside the tests (drop them, or count each as half a win and say so),
one-sided tests, multiple-comparison corrections, ratings of many systems (see ratings.py: Elo and
Bradley-Terry).
"""
import math

# The ratings half of week 6 (Elo, Bradley-Terry, bootstrap) is its own file; re-exported so that
# metrics.preference holds the whole pairwise-preference toolkit the course names.
from .ratings import (BootstrapRatings, bootstrap_bradley_terry, bradley_terry,  # noqa: F401
                      bradley_terry_gradient_ascent, online_elo)

# Acklam's rational approximation of the normal quantile (relative error < 1.15e-9 before refinement)
_A = (-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02, 1.383577518672690e+02,
      -3.066479806614716e+01, 2.506628277459239e+00)
_B = (-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01,
      -1.328068155288572e+01)
_C = (-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00, -2.549732539343734e+00,
      4.374664141464968e+00, 2.938163982698783e+00)
_D = (7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00)
_P_LOW = 0.02425


def normal_cdf(x: float) -> float:
    """Phi(x) = P(Z <= x) for a standard normal Z, via erfc (accurate in the lower tail too)."""
    return 0.5 * math.erfc(-x / math.sqrt(2.0))


def _acklam_lower(p: float) -> float:
    """Acklam's approximation for 0 < p <= 0.5 (lower half; the upper half follows by symmetry)."""
    if p < _P_LOW:                                   # tail: rational function of q = sqrt(-2 ln p)
        q = math.sqrt(-2.0 * math.log(p))
        return ((((((_C[0] * q + _C[1]) * q + _C[2]) * q + _C[3]) * q + _C[4]) * q + _C[5]) /
                ((((_D[0] * q + _D[1]) * q + _D[2]) * q + _D[3]) * q + 1.0))
    q = p - 0.5                                      # centre: rational function of q, r = q^2
    r = q * q
    return ((((((_A[0] * r + _A[1]) * r + _A[2]) * r + _A[3]) * r + _A[4]) * r + _A[5]) * q /
            (((((_B[0] * r + _B[1]) * r + _B[2]) * r + _B[3]) * r + _B[4]) * r + 1.0))


def normal_ppf(p: float) -> float:
    """Inverse of normal_cdf: the x with Phi(x) = p, for 0 < p < 1 (z_{0.975} = 1.959963984540054).

    Acklam's approximation x0, then one Halley step on f(x) = Phi(x) - p (cubic convergence):
        e = Phi(x0) - p,   u = e / phi(x0) = e * sqrt(2 pi) * exp(x0^2 / 2),   x = x0 - u / (1 + x0 u / 2)
    For p > 0.5 we return -normal_ppf(1 - p): 1 - p is exact there, and erfc keeps the lower tail's
    relative accuracy, so the upper tail is as accurate as the lower one.
    """
    p = float(p)
    if not 0.0 < p < 1.0:
        raise ValueError(f"normal_ppf needs 0 < p < 1, got {p} (p = 0 or 1 would be -inf / +inf)")
    if p > 0.5:
        return -normal_ppf(1.0 - p)
    if p == 0.5:
        return 0.0
    x = _acklam_lower(p)
    e = normal_cdf(x) - p
    if x * x < 1400.0:                               # exp(x^2/2) stays finite (p > ~1e-304)
        u = e * math.sqrt(2.0 * math.pi) * math.exp(0.5 * x * x)
        x = x - u / (1.0 + 0.5 * x * u)
    return x


def _check_confidence(confidence: float, name: str = "confidence") -> float:
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"{name} must be in (0, 1), e.g. 0.95, got {confidence}")
    return float(confidence)


def wilson_interval(successes: int, n: int, confidence: float = 0.95):
    """Wilson score interval (lo, hi) for a proportion, e.g. a win rate of `successes` wins in `n` judgements.

        p_hat = s / n,   z = z_{1 - alpha/2},   alpha = 1 - confidence
        centre = (p_hat + z^2 / (2n)) / (1 + z^2 / n)
        half   = z sqrt(p_hat (1 - p_hat) / n + z^2 / (4 n^2)) / (1 + z^2 / n)
        (lo, hi) = (centre - half, centre + half), clipped to [0, 1]

    Unlike the normal ("Wald") interval p_hat +- z sqrt(p_hat (1 - p_hat) / n), it never collapses to
    a point at 0 or n wins and keeps close to its nominal coverage for small n.
    """
    _check_confidence(confidence)
    if n <= 0:
        raise ValueError(f"n must be a positive number of judgements, got {n}")
    if not 0 <= successes <= n:
        raise ValueError(f"successes must be between 0 and n={n}, got {successes}")
    z = -normal_ppf((1.0 - confidence) / 2.0)
    z2 = z * z
    q = successes / n
    denom = 1 + z2 / n
    centre = (q + z2 / (2 * n)) / denom
    half = z * math.sqrt(q * (1.0 - q) / n + z2 / (4.0 * n ** 2)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def sign_test(wins: int, losses: int) -> float:
    """Two-sided exact sign test p-value for "A and B are equally good" (ties dropped beforehand).

    Under H0 each non-tie judgement is a coin flip, so wins ~ Binomial(n, 1/2), n = wins + losses.
    The distribution is symmetric, so the two-sided p-value is
        p = min(1, 2 P(X <= min(wins, losses))) = min(1, 2 sum_{i <= k} C(n, i) / 2^n),   k = min(wins, losses)
    (and 1 when wins == losses), SciPy's binomtest(wins, n, 0.5).pvalue. We sum binomial coefficients as
    exact integers and divide once (Python's int / int is correctly rounded), so even n = 10^5 is exact.
    """
    for name, v in (("wins", wins), ("losses", losses)):
        if v < 0 or int(v) != v:
            raise ValueError(f"{name} must be a non-negative integer count, got {v}")
    wins, losses = int(wins), int(losses)
    n = wins + losses
    if n == 0:
        raise ValueError("sign_test needs at least one non-tie judgement (wins + losses = 0)")
    if wins == losses:
        return 1.0
    k = min(wins, losses)
    term, tail = 1, 1                                # C(n, 0), running sum_{i <= k} C(n, i)
    for i in range(k):
        term = term * (n - i) // (i + 1)             # C(n, i+1) from C(n, i), exact
        tail += term
    return min(1.0, 2 * tail / 2 ** n)


def _check_rates(p1: float, p0: float, alpha: float):
    if not (0.0 < p0 < 1.0 and 0.0 < p1 < 1.0):
        raise ValueError(f"p0 and p1 must be win rates strictly between 0 and 1, got p0={p0}, p1={p1}")
    if p1 == p0:
        raise ValueError(f"p1 must differ from p0 (both {p0}): no sample size can detect a zero difference")
    _check_confidence(alpha, "alpha")


def judgements_needed(p1: float = 0.6, p0: float = 0.5, alpha: float = 0.05, power: float = 0.8) -> int:
    """Non-tie judgements needed for a two-sided level-alpha test of H0: win rate p0 to detect p1 with this power.

    One-sample binomial test, normal approximation with each hypothesis' own variance:
        n = ( (z_{1-alpha/2} sqrt(p0 q0) + z_{power} sqrt(p1 q1)) / (p1 - p0) )^2,  rounded up,  q = 1 - p
    p1=0.6, p0=0.5, alpha=0.05, power=0.8: ((1.95996 * 0.5 + 0.84162 * 0.48990) / 0.1)^2 = 193.85 -> 194.
    Nearby formulas give nearby numbers, which is why sources disagree: Cohen's arcsine effect size,
    n = ((z_{1-alpha/2} + z_{power}) / (2 asin sqrt p1 - 2 asin sqrt p0))^2 = 193.6 -> 194; using
    sqrt(p0 q0) for both terms gives 196.2 -> 197. The exact sign test's level is below alpha, so its
    true power zig-zags with n: 0.76 at n = 194, >= 0.8 for every n >= 210. The tiny probability of
    rejecting in the wrong tail is ignored.
    Ties do not count: with a 30% tie rate collect about 194 / 0.7 = 278 judgements.
    """
    _check_rates(p1, p0, alpha)
    _check_confidence(power, "power")
    za, zb = normal_ppf(1.0 - alpha / 2.0), normal_ppf(power)
    n = ((za * math.sqrt(p0 * (1 - p0)) + zb * math.sqrt(p1 * (1 - p1))) / (p1 - p0)) ** 2
    return int(math.ceil(n - 1e-9))                  # 1e-9: do not round 100.0000000001 up to 101


def sign_test_power(n: int, p1: float = 0.6, p0: float = 0.5, alpha: float = 0.05) -> float:
    """Approximate power of that test with n non-tie judgements (the inverse of judgements_needed):

        power = Phi( (|p1 - p0| sqrt(n) - z_{1-alpha/2} sqrt(p0 q0)) / sqrt(p1 q1) )
    """
    _check_rates(p1, p0, alpha)
    if n <= 0:
        raise ValueError(f"n must be a positive number of judgements, got {n}")
    za = normal_ppf(1.0 - alpha / 2.0)
    return normal_cdf((abs(p1 - p0) * math.sqrt(n) - za * math.sqrt(p0 * (1 - p0))) / math.sqrt(p1 * (1 - p1)))
