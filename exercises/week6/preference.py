# Generated from solutions/week6/preference.py by `tglm course build`: fill in the parts that raise NotImplementedError.
# Your edits are safe: the build refuses to overwrite this file unless --force; the reference is solutions/week6/preference.py.
"""Week 6: how sure is a win rate? The Wilson score interval (Wilson 1927).

Judges preferred system B in 14 of 20 comparisons: a 70% win rate. Is B better, or would the next 20
judgements give 50%? A 95% confidence interval for the true win rate p answers it: if it excludes 0.5,
the preference is unlikely to be luck.

The textbook ("Wald") interval p_hat +- z sqrt(p_hat (1 - p_hat) / n) fails exactly where evaluations
live: with few judgements, or a win rate near 0 or 1 (at 20 wins of 20 it is [1, 1]: certainty from
20 coin flips). Wilson's interval inverts the score test instead and stays honest:

    p_hat = s / n,    z = z_{1 - alpha/2} (1.95996 for 95%),    alpha = 1 - confidence
    centre = (p_hat + z^2 / (2n)) / (1 + z^2 / n)
    half   = z sqrt(p_hat (1 - p_hat) / n + z^2 / (4 n^2)) / (1 + z^2 / n)
    (lo, hi) = (centre - half, centre + half)

The centre is pulled towards 1/2, and the interval never leaves [0, 1] (clip anyway: rounding).
Ties: drop them (or count each as half a win and say so).
Library version (with the sign test and sample sizes), equal to statsmodels'
proportion_confint(method="wilson"): tinygrad_lm/metrics/preference.py.
Not here: the normal quantile itself (we use the library's normal_ppf: no SciPy).
"""
import math

from tinygrad_lm.metrics.preference import normal_ppf


def wilson_interval(successes, n, confidence=0.95):
    """Task 6.9: the Wilson score interval (lo, hi) for a proportion of `successes` in `n` trials.

    TODO: return a tuple of two floats in [0, 1] from the formulas in the module docstring. Raise
    ValueError if n <= 0 or successes is outside [0, n].

    APPROACH: stuck? `tglm hint 6.9` shows the approach one step at a time.

    EXAMPLE: wilson_interval(14, 20) ~ (0.4810, 0.8545): 14 wins of 20 does not exclude 50%;
             wilson_interval(20, 20) ~ (0.8389, 1.0), where the Wald interval would be (1.0, 1.0)

    HINT: a 95% two-sided interval leaves 2.5% on each side: z = normal_ppf(0.975) = 1.96, not
    normal_ppf(0.95) = 1.645 (that gives a 90% interval, too narrow).
    """
    raise NotImplementedError("Week 6, task 6.9: the Wilson score interval (lo, hi) for a proportion of `successes` in `n` trials.")
