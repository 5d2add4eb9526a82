"""Week 6 autograder: Cohen's kappa (task 6.8), compared with tinygrad_lm/metrics/agreement.py (= scikit-learn)."""
import math

import numpy as np
import pytest

from tinygrad_lm.course import assert_close, load
from tinygrad_lm.metrics import cohen_kappa as library_kappa

mod = load("week6.agreement")


@pytest.mark.task("6.8", points=2, title="cohen_kappa: agreement beyond chance")
def test_cohen_kappa():
    a, b = ["A", "A", "B", "B"], ["A", "B", "B", "B"]
    got = mod.cohen_kappa(a, b)
    if np.isclose(got, (0.75 - 34 / 64) / (1 - 34 / 64)):
        pytest.fail("cohen_kappa(AABB, ABBB) pooled both annotators' labels for p_e (that is Scott's pi); use each "
                    "annotator's own frequencies: p_e = sum_k p_a(k) p_b(k) = 2/4 x 1/4 + 2/4 x 3/4")
    if np.isclose(got, 0.75):
        pytest.fail("cohen_kappa returned the observed agreement p_o = 0.75; subtract chance: (p_o - p_e) / (1 - p_e)")
    assert_close(got, 0.5, atol=1e-12, name="cohen_kappa(AABB, ABBB)")
    a = ["A"] * 8 + ["B"] * 2
    b = ["A"] * 6 + ["B"] * 4
    got = mod.cohen_kappa(a, b)
    pooled = {"A": 14 / 20, "B": 6 / 20}
    p_o, p_pi = 0.8, sum(v * v for v in pooled.values())
    if np.isclose(got, (p_o - p_pi) / (1 - p_pi)):
        pytest.fail("cohen_kappa pooled both annotators' labels for p_e (that is Scott's pi); use each annotator's "
                    "own frequencies: p_e = sum_k p_a(k) p_b(k)")
    assert_close(got, library_kappa(a, b), atol=1e-12, name="cohen_kappa(8A 2B, 6A 4B)")
    assert_close(mod.cohen_kappa([1, 2, 3], [3, 1, 2]), library_kappa([1, 2, 3], [3, 1, 2]), atol=1e-12,
                 name="cohen_kappa: complete disagreement is below 0")
    with pytest.warns(RuntimeWarning):                              # the library warns; we only compare
        want = library_kappa(["x"] * 5, ["x"] * 5)
    got = mod.cohen_kappa(["x"] * 5, ["x"] * 5)
    assert math.isnan(want) and math.isnan(got), \
        f"cohen_kappa of two annotators who always say 'x' must be nan (p_e = 1: undefined), got {got}"
    rng = np.random.default_rng(0)
    for _ in range(50):
        n, k = int(rng.integers(2, 40)), int(rng.integers(2, 5))
        a = rng.integers(0, k, size=n)
        b = np.where(rng.random(n) < 0.6, a, rng.integers(0, k, size=n))
        labels = np.array(["neg", "neu", "pos", "mixed", "other"])
        want = library_kappa(labels[a], labels[b]) if len(set(a) | set(b)) > 1 else float("nan")
        if math.isnan(want):
            continue
        assert_close(mod.cohen_kappa(list(labels[a]), list(labels[b])), want, atol=1e-12,
                     name=f"cohen_kappa of {n} random items with {k} string labels")
    with pytest.raises(ValueError):
        mod.cohen_kappa(["A", "B"], ["A"])
