"""Cohen's and Fleiss' kappa: equal to scikit-learn / statsmodels on recorded fixtures (neither is imported).

Fixtures: tests/fixtures/evalstats/evalstats.json, written by record_evalstats.py next to it.
"""
import json
from pathlib import Path

import numpy as np
import pytest

from tinygrad_lm.metrics import aggregate_raters, cohen_kappa, fleiss_kappa

FIX = json.loads((Path(__file__).parent / "fixtures" / "evalstats" / "evalstats.json").read_text(encoding="utf-8"))


def test_cohen_kappa_equals_sklearn():
    assert len(FIX["cohen"]) == 60
    for i, c in enumerate(FIX["cohen"]):
        got = cohen_kappa(c["a"], c["b"], weights=c["weights"], labels=c["labels"])
        assert abs(got - c["kappa"]) < 1e-12, (
            f"case {i} (weights={c['weights']}, labels={c['labels']}, n={len(c['a'])}): expected sklearn's "
            f"{c['kappa']!r}, got {got!r}; hint: E = outer(colsum, rowsum) / total, and weights use label positions")


def test_cohen_kappa_hand_examples():
    y1 = ["negative", "positive", "negative", "neutral", "positive"]
    y2 = ["negative", "positive", "negative", "neutral", "negative"]
    assert cohen_kappa(y1, y2) == pytest.approx(0.6875)                 # scikit-learn's docstring example
    assert cohen_kappa(y2, y1) == pytest.approx(0.6875)                 # symmetric
    assert cohen_kappa([0, 1, 2, 0], [0, 1, 2, 0]) == pytest.approx(1.0)
    # p_o = 0, p_e = 0.5: kappa = (0 - 0.5) / (1 - 0.5) = -1
    assert cohen_kappa([0, 1, 0, 1], [1, 0, 1, 0]) == pytest.approx(-1.0)
    # ordered ratings: a near-miss costs less with linear weights than unweighted
    a, b = [1, 2, 3, 4, 5, 3], [2, 2, 3, 5, 5, 2]
    assert cohen_kappa(a, b, weights="quadratic") > cohen_kappa(a, b, weights="linear") > cohen_kappa(a, b)


def test_cohen_kappa_errors_and_undefined():
    with pytest.raises(ValueError, match="different number"):
        cohen_kappa([0, 1], [0])
    with pytest.raises(ValueError, match="weights"):
        cohen_kappa([0, 1], [0, 1], weights="cubic")
    with pytest.raises(ValueError, match="none of labels"):
        cohen_kappa([0, 1], [0, 1], labels=[7])
    with pytest.raises(ValueError, match="no items"):
        cohen_kappa([], [])
    with pytest.warns(RuntimeWarning, match="chance agreement is perfect"):
        assert np.isnan(cohen_kappa(["good"] * 4, ["good"] * 4))


def test_aggregate_raters_and_fleiss_equal_statsmodels():
    assert len(FIX["fleiss"]) == 25
    for i, c in enumerate(FIX["fleiss"]):
        table, cats = aggregate_raters(c["data"], n_categories=c["n_cat"])
        assert table.tolist() == c["table"], f"case {i}: count table differs from statsmodels' aggregate_raters"
        assert cats.tolist() == c["categories"], f"case {i}: categories {cats.tolist()} != {c['categories']}"
        got = fleiss_kappa(table)
        assert abs(got - c["kappa"]) < 1e-12, f"case {i}: expected statsmodels' {c['kappa']!r}, got {got!r}"


def test_fleiss_kappa_wikipedia_example():
    # Fleiss (1971) via Wikipedia: 10 items, 14 raters, 5 categories, kappa = 0.210
    table = [[0, 0, 0, 0, 14], [0, 2, 6, 4, 2], [0, 0, 3, 5, 6], [0, 3, 9, 2, 0], [2, 2, 8, 1, 1],
             [7, 7, 0, 0, 0], [3, 2, 6, 3, 0], [2, 5, 3, 2, 2], [6, 5, 2, 1, 0], [0, 2, 2, 3, 7]]
    assert fleiss_kappa(table) == pytest.approx(0.20993, abs=1e-5)
    # string labels, one column per annotator
    labels = np.column_stack([["yes", "no", "yes"], ["yes", "no", "no"], ["yes", "no", "yes"]])
    table, cats = aggregate_raters(labels)
    assert cats.tolist() == ["no", "yes"] and table.tolist() == [[0, 3], [3, 0], [1, 2]]


def test_fleiss_kappa_errors():
    with pytest.raises(ValueError, match="same number of raters"):
        fleiss_kappa([[2, 1], [1, 1]])
    with pytest.raises(ValueError, match="at least 2 ratings"):
        fleiss_kappa([[1, 0], [0, 1]])
    with pytest.raises(ValueError, match="2-D"):
        aggregate_raters([0, 1, 2])
    with pytest.raises(ValueError, match=r"ints in \[0, 2\)"):
        aggregate_raters([[0, 2], [1, 1]], n_categories=2)
    with pytest.warns(RuntimeWarning, match="one category"):
        assert np.isnan(fleiss_kappa([[3, 0], [3, 0]]))
