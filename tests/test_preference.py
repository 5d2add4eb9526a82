"""Win-rate statistics and ratings: equal to statsmodels / SciPy / Chatbot Arena's notebook on recorded fixtures.

Fixtures: tests/fixtures/evalstats/evalstats.json (record_evalstats.py). No reference library is imported.
"""
import json
import math
from pathlib import Path

import numpy as np
import pytest

from tinygrad_lm.metrics import (bootstrap_bradley_terry, bradley_terry, bradley_terry_gradient_ascent,
                                 judgements_needed, normal_cdf, normal_ppf, online_elo, sign_test, sign_test_power,
                                 wilson_interval)
from tinygrad_lm.metrics import preference

FIX = json.loads((Path(__file__).parent / "fixtures" / "evalstats" / "evalstats.json").read_text(encoding="utf-8"))
BATTLES = {c["name"]: c for c in FIX["battles"]}


def battles(name):
    return [tuple(b) for b in BATTLES[name]["battles"]]


def max_diff(got: dict, want: dict):
    assert set(got) == set(want), f"models differ: {sorted(got)} vs {sorted(want)}"
    worst = max(want, key=lambda m: abs(got[m] - want[m]))
    return abs(got[worst] - want[worst]), worst


def test_normal_ppf_equals_scipy():
    for c in FIX["ppf"]:
        got = normal_ppf(c["p"])
        assert abs(got - c["x"]) <= 1e-9 * max(1.0, abs(c["x"])), (
            f"normal_ppf({c['p']!r}): expected scipy's {c['x']!r}, got {got!r} (diff {got - c['x']:.2e}); "
            "hint: one Halley step after Acklam, and use symmetry for p > 0.5")
    assert normal_ppf(0.975) == pytest.approx(1.959963984540054, abs=1e-15)
    for p in (1e-12, 0.01, 0.3, 0.7, 0.99):
        assert normal_cdf(normal_ppf(p)) == pytest.approx(p, rel=1e-13)
    for bad in (0.0, 1.0, -0.1, 1.5):
        with pytest.raises(ValueError, match="0 < p < 1"):
            normal_ppf(bad)


def test_wilson_interval_equals_statsmodels():
    for c in FIX["wilson"]:
        lo, hi = wilson_interval(c["successes"], c["n"], c["confidence"])
        assert abs(lo - c["lo"]) < 1e-12 and abs(hi - c["hi"]) < 1e-12, (
            f"wilson_interval({c['successes']}, {c['n']}, {c['confidence']}): expected statsmodels' "
            f"({c['lo']!r}, {c['hi']!r}), got ({lo!r}, {hi!r})")
    with pytest.raises(ValueError, match="between 0 and n"):
        wilson_interval(5, 4)
    with pytest.raises(ValueError, match="positive"):
        wilson_interval(0, 0)


def test_sign_test_equals_scipy_binomtest():
    for c in FIX["sign"]:
        got = sign_test(c["wins"], c["losses"])
        assert got == pytest.approx(c["p"], rel=1e-10, abs=1e-300), (
            f"sign_test({c['wins']}, {c['losses']}): expected scipy's {c['p']!r}, got {got!r}")
    with pytest.raises(ValueError, match="at least one"):
        sign_test(0, 0)
    with pytest.raises(ValueError, match="non-negative integer"):
        sign_test(2.5, 1)


def test_judgements_needed_is_194_and_which_formula():
    assert judgements_needed() == 194                                      # 60% vs 50%, alpha 0.05, power 0.8
    assert judgements_needed(p1=0.4) == 194                                # symmetric around 0.5
    assert sign_test_power(194) >= 0.8 > sign_test_power(193)             # 194 is the smallest n reaching 80%
    za, zb = normal_ppf(0.975), normal_ppf(0.8)
    own_variances = ((za * 0.5 + zb * math.sqrt(0.24)) / 0.1) ** 2        # the implemented formula
    cohen_h = ((za + zb) / (2 * math.asin(math.sqrt(0.6)) - 2 * math.asin(math.sqrt(0.5)))) ** 2
    null_variance_only = ((za + zb) * 0.5 / 0.1) ** 2
    assert own_variances == pytest.approx(193.85, abs=0.01)
    assert cohen_h == pytest.approx(193.58, abs=0.01)                      # also rounds up to 194
    assert math.ceil(null_variance_only) == 197                            # the docstring's "197"
    assert judgements_needed(0.55, 0.5) > judgements_needed(0.6, 0.5) > judgements_needed(0.7, 0.5)
    with pytest.raises(ValueError, match="differ"):
        judgements_needed(0.5, 0.5)


def test_online_elo_is_bit_identical_to_notebook():
    for name, c in BATTLES.items():
        got = online_elo(battles(name))
        assert got == c["online_elo"], f"{name}: online Elo differs by {max_diff(got, c['online_elo'])}"
    # order matters for online Elo: the same battles reversed give other ratings
    assert online_elo(battles("three_small")[::-1]) != BATTLES["three_small"]["online_elo"]


def test_bradley_terry_equals_notebook_mle():
    for name, c in BATTLES.items():
        anchor = c["anchor"]
        got = bradley_terry(battles(name), anchor=anchor[0] if anchor else None,
                            anchor_rating=anchor[1] if anchor else None)
        d, m = max_diff(got, c["mle_elo_tol1e-12"])
        assert d < 1e-5, f"{name}: differs from compute_mle_elo (sklearn, tol=1e-12) by {d:.2e} at {m}"
        # the notebook as published (tol=1e-6) stops L-BFGS ~1e-4 rating points short of the optimum
        d, m = max_diff(got, c["mle_elo"])
        assert d < 5e-4, f"{name}: differs from compute_mle_elo (sklearn, tol=1e-6) by {d:.2e} at {m}"
        assert list(got) == list(c["mle_elo"]), f"{name}: ranking differs: {list(got)} vs {list(c['mle_elo'])}"
        if anchor:
            assert got[anchor[0]] == pytest.approx(anchor[1], abs=1e-9)
        else:
            assert np.mean(list(got.values())) == pytest.approx(1000.0, abs=1e-9)   # sum(beta) = 0


def test_bradley_terry_properties_and_gradient_twin():
    b = battles("six_arena")
    newton = bradley_terry(b)
    assert bradley_terry(b[::-1]) == pytest.approx(newton, abs=1e-9)          # order does not matter
    swapped = [(mb, ma, {"model_a": "model_b", "model_b": "model_a"}.get(w, w)) for ma, mb, w in b]
    assert bradley_terry(swapped) == pytest.approx(newton, abs=1e-8)           # nor who sat on the left
    for name in ("three_small", "four_spread"):
        twin, ref = bradley_terry_gradient_ascent(battles(name)), bradley_terry(battles(name))
        d, m = max_diff(twin, ref)
        assert d < 1e-5, f"{name}: gradient ascent differs from Newton by {d:.2e} at {m}"
    assert preference.bradley_terry is bradley_terry                           # re-exported from preference


def test_bradley_terry_errors():
    with pytest.raises(ValueError, match="never lost"):
        bradley_terry([("a", "b", "model_a"), ("b", "c", "tie"), ("a", "c", "model_a")])
    with pytest.raises(ValueError, match="winner"):
        bradley_terry([("a", "b", "left")])
    with pytest.raises(ValueError, match="against itself"):
        bradley_terry([("a", "a", "tie")])
    with pytest.raises(ValueError, match="does not appear"):
        bradley_terry([("a", "b", "model_a"), ("a", "b", "model_b")], anchor="z")
    with pytest.raises(ValueError, match="no battles"):
        online_elo([])


def test_bootstrap_intervals():
    b = battles("six_arena")
    mle = bradley_terry(b)
    boot = bootstrap_bradley_terry(b, rounds=1000, seed=0)
    assert boot.samples.shape == (1000, 6) and boot.failed_rounds == 0
    assert boot.models == list(mle)                                           # sorted by median, as the MLE
    for m in boot.models:
        assert boot.lower[m] < boot.median[m] < boot.upper[m]
        width = boot.upper[m] - boot.lower[m]
        assert 20 < width < 120, f"{m}: 95% interval width {width:.1f} is implausible for 2000 battles"
        assert abs(boot.median[m] - mle[m]) < 0.1 * width, (
            f"{m}: bootstrap median {boot.median[m]:.2f} is far from the MLE {mle[m]:.2f}")
    again = bootstrap_bradley_terry(b, rounds=50, seed=0)
    assert np.array_equal(again.samples, boot.samples[:50])                  # seeded and reproducible
    other = bootstrap_bradley_terry(b, rounds=50, seed=1)
    assert not np.array_equal(other.samples, again.samples)
    narrow = bootstrap_bradley_terry(b, rounds=200, seed=0, confidence=0.5)
    m = boot.models[0]
    assert narrow.upper[m] - narrow.lower[m] < boot.upper[m] - boot.lower[m]
