"""Week 6 autograder: chrF (task 6.7), compared with tinygrad_lm/metrics/chrf.py (= sacreBLEU's chrF2)."""
import numpy as np
import pytest

from tinygrad_lm.course import assert_close, load
from tinygrad_lm.metrics import corpus_chrf

mod = load("week6.chrf")


@pytest.mark.task("6.7", points=3, title="chrf: the character n-gram F-score")
def test_chrf_examples_and_typical_mistakes():
    got = mod.chrf(["the cat"], ["the cats"])
    if np.isclose(got, corpus_chrf(["the cat"], [["the cats"]], whitespace=True).score):
        pytest.fail("chrf kept the spaces inside the character n-grams: remove all whitespace first")
    if np.isclose(got, corpus_chrf(["the cats"], [["the cat"]]).score):
        pytest.fail("chrf swapped precision and recall: P = matches / HYPOTHESIS n-grams, R = matches / REFERENCE "
                    "n-grams, and beta = 2 weighs recall")
    if np.isclose(got, corpus_chrf(["the cat"], [["the cats"]], eps_smoothing=True).score):
        pytest.fail("chrf averaged six per-order F-scores: average P and R over the orders first, then take one "
                    "F-score (sacreBLEU's default)")
    assert_close(got, 77.57103344229319, atol=1e-9, name="chrf(['the cat'], ['the cats'])")
    assert_close(mod.chrf(["a"], ["b"]), 0.0, atol=0, name="chrf(['a'], ['b']): nothing matches")
    got = mod.chrf(["aaaa"], ["aa"])
    assert_close(got, corpus_chrf(["aaaa"], [["aa"]]).score, atol=1e-9, name="chrf(['aaaa'], ['aa'])",
                 hint="clip: 'a' matches min(4, 2) = 2 times (Counter & Counter)")


@pytest.mark.task("6.7", points=3)
def test_chrf_equals_sacrebleu():
    rng = np.random.default_rng(0)
    letters = list("abcde ")
    for _ in range(40):
        n = int(rng.integers(1, 4))
        hyps = ["".join(rng.choice(letters, size=int(rng.integers(0, 12)))) for _ in range(n)]
        refs = ["".join(rng.choice(letters, size=int(rng.integers(1, 12)))) for _ in range(n)]
        for beta in (2, 1):
            assert_close(mod.chrf(hyps, refs, beta=beta), corpus_chrf(hyps, [refs], beta=beta).score, atol=1e-9,
                         name=f"chrf({hyps}, {refs}, beta={beta})",
                         hint="sum the counts over segments first; skip a segment's hypothesis n-grams of an "
                              "order its reference does not have; average P, R over orders where both sums > 0")
    assert_close(mod.chrf(["Hund", "Ein Mann fährt Rad."], ["Hunde", "Ein Mann, der Rad fährt."], char_order=3),
                 corpus_chrf(["Hund", "Ein Mann fährt Rad."], [["Hunde", "Ein Mann, der Rad fährt."]],
                             char_order=3).score, atol=1e-9, name="chrf with char_order=3")
    from solutions.week6.baselines import load_multi30k
    rows = load_multi30k()
    got = mod.chrf([r["en"] for r in rows], [r["de"] for r in rows])
    assert_close(got, 16.344733257676257, atol=1e-9, name="chrF2 of copying the English source on Multi30k test2016",
                 hint="baselines.py / sacreBLEU: 16.34")
