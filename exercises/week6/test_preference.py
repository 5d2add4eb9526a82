"""Week 6 autograder: the Wilson score interval (task 6.9), compared with tinygrad_lm/metrics/preference.py
(= statsmodels' proportion_confint(method="wilson"))."""
import math

import pytest

from tinygrad_lm.course import assert_close, load
from tinygrad_lm.metrics import normal_ppf, wilson_interval as library_wilson

mod = load("week6.preference")


def _wald(s, n, z):
    p = s / n
    h = z * math.sqrt(p * (1 - p) / n)
    return max(0.0, p - h), min(1.0, p + h)


@pytest.mark.task("6.9", points=2, title="wilson_interval: a confidence interval for a win rate")
def test_wilson_interval():
    got = mod.wilson_interval(14, 20)
    if all(math.isclose(g, w) for g, w in zip(got, _wald(14, 20, normal_ppf(0.975)))):
        pytest.fail("wilson_interval returned the Wald interval p_hat +- z sqrt(p_hat (1 - p_hat) / n); Wilson's "
                    "centre is (p_hat + z^2/2n) / (1 + z^2/n)")
    if all(math.isclose(g, w) for g, w in zip(got, library_wilson(14, 20, confidence=0.90))):
        pytest.fail("wilson_interval(14, 20) used z = normal_ppf(0.95) = 1.645: a 95% two-sided interval needs "
                    "z = normal_ppf(0.975) = 1.96")
    assert_close(list(got), [0.4810271816464765, 0.8545227551323956], atol=1e-12, name="wilson_interval(14, 20)")
    got = mod.wilson_interval(20, 20)
    if got[0] >= 1.0:
        pytest.fail("wilson_interval(20, 20) has lower end 1: 20 wins of 20 are not certainty (that is the Wald "
                    "interval's failure)")
    assert_close(list(got), list(library_wilson(20, 20)), atol=1e-12, name="wilson_interval(20, 20)")
    for s, n, conf in [(0, 1, 0.95), (1, 1, 0.95), (0, 50, 0.95), (3, 10, 0.9), (55, 100, 0.99), (500, 1000, 0.95),
                       (1, 3, 0.5), (7, 7, 0.999)]:
        got = mod.wilson_interval(s, n, confidence=conf)
        assert_close(list(got), list(library_wilson(s, n, conf)), atol=1e-12,
                     name=f"wilson_interval({s}, {n}, confidence={conf})")
        assert 0.0 <= got[0] <= got[1] <= 1.0, f"wilson_interval({s}, {n}) = {got} must satisfy 0 <= lo <= hi <= 1"
    for bad in [(1, 0), (-1, 5), (6, 5)]:
        with pytest.raises(ValueError):
            mod.wilson_interval(*bad)
