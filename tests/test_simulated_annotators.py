"""Simulated human evaluation: annotators with a known preference and known noise; the analysis must
recover what was put in, within the intervals it states. Seeded; runs in about a second.

Setup: on each item system A is truly better with probability P_A = 0.65; each annotator reports the
truth but flips it with probability FLIP = 0.10, independently. Then, per annotator,
    observed A win rate  q       = P_A (1 - FLIP) + (1 - P_A) FLIP = 0.62
    two annotators agree p_o     = (1 - FLIP)^2 + FLIP^2           = 0.82
    chance agreement     p_e     = q^2 + (1 - q)^2                 = 0.5288
    expected kappa               = (p_o - p_e) / (1 - p_e)         = 0.618
"""
import math

import numpy as np

from tinygrad_lm.metrics import (aggregate_raters, bootstrap_bradley_terry, bradley_terry, cohen_kappa, fleiss_kappa,
                                 judgements_needed, sign_test, wilson_interval)

P_A, FLIP, N_ITEMS = 0.65, 0.10, 2000
Q = P_A * (1 - FLIP) + (1 - P_A) * FLIP
KAPPA = ((1 - FLIP) ** 2 + FLIP ** 2 - (Q ** 2 + (1 - Q) ** 2)) / (1 - (Q ** 2 + (1 - Q) ** 2))


def annotate(rng, n_items=N_ITEMS, n_annotators=3, p_a=P_A, flip=FLIP):
    """(n_items, n_annotators) bool: True = the annotator preferred A."""
    truth = rng.random(n_items) < p_a                                         # (n_items,)
    flips = rng.random((n_items, n_annotators)) < flip
    return truth[:, None] ^ flips


def test_expected_values_of_the_setup():
    assert math.isclose(Q, 0.62) and abs(KAPPA - 0.618) < 5e-4


def test_win_rate_inside_wilson_interval_and_coverage():
    labels = annotate(np.random.default_rng(1))
    for r in range(labels.shape[1]):
        wins = int(labels[:, r].sum())
        lo, hi = wilson_interval(wins, N_ITEMS)
        assert lo < Q < hi, f"annotator {r}: {wins}/{N_ITEMS} wins, Wilson ({lo:.3f}, {hi:.3f}) misses q = {Q}"
        # knowing the flip rate, undo it: P_A = (q - FLIP) / (1 - 2 FLIP) is increasing in q
        lo_a, hi_a = (lo - FLIP) / (1 - 2 * FLIP), (hi - FLIP) / (1 - 2 * FLIP)
        assert lo_a < P_A < hi_a, f"annotator {r}: de-noised interval ({lo_a:.3f}, {hi_a:.3f}) misses {P_A}"
    # coverage: over 400 small experiments (n = 60) the 95% interval should contain q about 95% of the time
    counts = np.random.default_rng(2).binomial(60, Q, size=400)
    covered = np.mean([lo < Q < hi for lo, hi in (wilson_interval(int(k), 60) for k in counts)])
    assert 0.92 <= covered <= 0.98, f"Wilson 95% interval covered q in {covered:.1%} of 400 experiments"


def test_kappa_near_its_expected_value():
    labels = annotate(np.random.default_rng(3))
    # large-sample standard error: se ~ sqrt(p_o (1 - p_o) / n) / (1 - p_e) = 0.018; allow 3 se
    p_o, p_e = (1 - FLIP) ** 2 + FLIP ** 2, Q ** 2 + (1 - Q) ** 2
    tol = 3 * math.sqrt(p_o * (1 - p_o) / N_ITEMS) / (1 - p_e)
    k01 = cohen_kappa(labels[:, 0], labels[:, 1])
    assert abs(k01 - KAPPA) < tol, f"Cohen's kappa {k01:.3f}, expected {KAPPA:.3f} +- {tol:.3f}"
    fk = fleiss_kappa(aggregate_raters(labels.astype(np.int64), n_categories=2)[0])
    assert abs(fk - KAPPA) < tol, f"Fleiss' kappa {fk:.3f}, expected {KAPPA:.3f} +- {tol:.3f}"
    coin = np.random.default_rng(4).random(N_ITEMS) < Q                      # an annotator who ignores the items
    assert abs(cohen_kappa(labels[:, 0], coin)) < 0.05
    noisier = annotate(np.random.default_rng(3), flip=0.25)
    assert cohen_kappa(noisier[:, 0], noisier[:, 1]) < k01 - 0.2                # more noise, less agreement


def test_sign_test_detects_a_and_is_calibrated():
    labels = annotate(np.random.default_rng(5))
    wins = int(labels[:, 0].sum())
    assert sign_test(wins, N_ITEMS - wins) < 1e-10
    # A/A test: no preference. The exact test must reject at most ~5% of the time (it is conservative).
    counts = np.random.default_rng(6).binomial(100, 0.5, size=400)
    p_table = [sign_test(k, 100 - k) for k in range(101)]
    rejected = np.mean([p_table[k] < 0.05 for k in counts])
    assert 0.01 <= rejected <= 0.07, f"A/A sign test rejected {rejected:.1%} of 400 experiments at alpha 0.05"


def test_194_judgements_give_the_promised_power():
    n = judgements_needed(0.6, 0.5)
    assert n == 194
    rejects = np.array([sign_test(k, n - k) <= 0.05 for k in range(n + 1)])
    exact = sum(math.comb(n, k) * 0.6 ** k * 0.4 ** (n - k) for k in range(n + 1) if rejects[k])
    assert 0.75 < exact < 0.8, f"exact sign-test power at n=194 is {exact:.3f} (docstring says 0.76)"
    simulated = rejects[np.random.default_rng(7).binomial(n, 0.6, size=2000)].mean()
    assert abs(simulated - exact) < 0.03, f"simulated power {simulated:.3f} vs exact {exact:.3f}"


def _battles(rng, true, n, tie_rate=0.0, flip=0.0):
    names = list(true)
    r = np.array([true[m] for m in names])
    a = rng.integers(0, len(names), n)
    b = (a + rng.integers(1, len(names), n)) % len(names)
    a_wins = rng.random(n) < 1 / (1 + 10 ** ((r[b] - r[a]) / 400))
    a_wins ^= rng.random(n) < flip                                            # annotator noise
    tie = rng.random(n) < tie_rate
    winner = np.where(tie, "tie", np.where(a_wins, "model_a", "model_b"))
    return [(names[i], names[j], w) for i, j, w in zip(a, b, winner)]


def test_bradley_terry_recovers_known_strengths():
    true = {"big": 1150.0, "mid": 1050.0, "small": 1000.0, "tiny": 800.0}
    centred = {m: v - np.mean(list(true.values())) + 1000 for m, v in true.items()}
    clean = _battles(np.random.default_rng(8), true, 3000)
    fit = bradley_terry(clean)
    assert list(fit) == list(true), f"ranking {list(fit)} != {list(true)}"
    boot = bootstrap_bradley_terry(clean, rounds=200, seed=0)
    for m in true:
        assert boot.lower[m] < centred[m] < boot.upper[m], (
            f"{m}: true rating {centred[m]:.0f} outside the 95% bootstrap interval "
            f"({boot.lower[m]:.0f}, {boot.upper[m]:.0f})")
    # ties and flipped labels shrink the gaps (every battle drifts towards 50/50) but keep the order
    noisy = bradley_terry(_battles(np.random.default_rng(9), true, 3000, tie_rate=0.2, flip=FLIP))
    assert list(noisy) == list(true), f"noisy ranking {list(noisy)} != {list(true)}"
    assert noisy["big"] - noisy["tiny"] < fit["big"] - fit["tiny"]
    nb = bootstrap_bradley_terry(_battles(np.random.default_rng(9), true, 3000, tie_rate=0.2, flip=FLIP),
                                 rounds=200, seed=0)
    assert nb.lower["big"] > nb.upper["small"] and nb.lower["small"] > nb.upper["tiny"]
