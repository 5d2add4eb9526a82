"""Kendall's tau-b (tinygrad_lm/metrics/correlation.py) against scipy.stats.kendalltau fixtures and hand cases."""
import json
import math
from pathlib import Path

import pytest

from tinygrad_lm.metrics import kendall_tau_b

FIX = json.loads((Path(__file__).parent / "fixtures" / "kendall" / "kendall.json").read_text())


@pytest.mark.parametrize("case", FIX["cases"], ids=[c["name"] for c in FIX["cases"]])
def test_equals_scipy(case):
    r = kendall_tau_b(case["x"], case["y"])
    if case["tau"] is None:
        assert math.isnan(r.tau) and math.isnan(r.p_value)
    else:
        assert r.tau == pytest.approx(case["tau"], abs=1e-12)
        assert r.p_value == pytest.approx(case["p"], rel=1e-9, abs=1e-300)


def test_hand_computed():
    # x = 1 2 3, y = 1 3 2: pairs (1,2) C, (1,3) C, (2,3) D -> (2 - 1) / 3
    assert kendall_tau_b([1, 2, 3], [1, 3, 2]).tau == pytest.approx(1 / 3)
    # x = 1 1 2, y = 1 2 3: pair (1,2) tied in x; C = 2, D = 0; tot 3, xtie 1 -> 2 / sqrt(2 * 3)
    r = kendall_tau_b([1, 1, 2], [1, 2, 3])
    assert (r.concordant, r.discordant, r.x_ties, r.y_ties) == (2, 0, 1, 0)
    assert r.tau == pytest.approx(2 / math.sqrt(6))


def test_errors():
    with pytest.raises(ValueError, match="same length"):
        kendall_tau_b([1, 2, 3], [1, 2])
    with pytest.raises(ValueError, match="finite"):
        kendall_tau_b([1, float("nan"), 3], [1, 2, 3])
    with pytest.raises(ValueError, match="at least 2"):
        kendall_tau_b([1], [1])
