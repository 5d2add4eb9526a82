"""Week 6 autograder: paired bootstrap resampling (task 6.10), compared with tinygrad_lm/metrics/significance.py
(sacreBLEU's paired bootstrap test)."""
import numpy as np
import pytest

from tinygrad_lm.course import assert_close, load
from tinygrad_lm.metrics import bleu, chrf, corpus_bleu, corpus_chrf, paired_bootstrap as library_bootstrap

mod = load("week6.significance")


def _accuracy_systems():
    a = np.zeros((100, 1), dtype=np.int64)
    a[:50] = 1                                                   # A right on items 0..49
    b = a.copy()
    b[50:65] = 1                                                 # B right on the same + 15 more
    return a, b


@pytest.mark.task("6.10", points=3, title="paired_bootstrap: is B's gain over A luck?")
def test_paired_bootstrap_on_accuracy():
    a, b = _accuracy_systems()
    acc = lambda s: float(s[0]) / 100                            # noqa: E731
    same = mod.paired_bootstrap(a, a.copy(), acc, n_samples=200, seed=3)
    if abs(same[2][0]) > 1e-12 or abs(same[2][1]) > 1e-12:
        pytest.fail(f"two identical systems get a difference interval {same[2]}, not (0, 0): A and B must be scored "
                    "on the SAME resampled segments (one idx for both: that is the 'paired' part)")
    got = mod.paired_bootstrap(a, b, acc, n_samples=1000, seed=0)
    diff, p, (lo, hi) = got
    assert_close(diff, 0.15, atol=1e-12, name="diff = accuracy_B - accuracy_A on the real test set")
    if p > 0.3:
        pytest.fail(f"paired_bootstrap p = {p:.3f} for a system that wins 15 more items and never loses: centre the "
                    "resampled differences (d_s - mean(d_s)) before comparing them with d")
    assert_close(p, 2 / 1001, atol=1e-12, name="p-value (seed 0, 1000 samples)",
                 hint="idx = np.random.default_rng(seed).choice(N, size=(S, N), replace=True); "
                      "p = (1 + #{d_s - mean(d_s) > d}) / (S + 1)")
    assert lo <= 0.15 <= hi, f"the 95% interval ({lo:.3f}, {hi:.3f}) of B - A should contain the observed 0.15"


@pytest.mark.task("6.10", points=3)
def test_paired_bootstrap_equals_sacrebleus_test_on_multi30k():
    from solutions.week6.baselines import dice_lexicon, load_multi30k, split_indices, translation_memory, word_by_word
    rows = load_multi30k()
    en, de = [r["en"] for r in rows], [r["de"] for r in rows]
    train, evl = split_indices(len(rows))
    src, tgt = [en[i] for i in train], [de[i] for i in train]
    tm = translation_memory(src, tgt, [en[i] for i in evl])
    wbw = word_by_word(dice_lexicon(src, tgt), [en[i] for i in evl])
    refs = [[de[i] for i in evl]]
    cases = [("BLEU", corpus_bleu, bleu.corpus_segment_stats(wbw, refs)[0], bleu.corpus_segment_stats(tm, refs)[0],
              lambda s: bleu.bleu_from_stats([int(v) for v in s]).score),
             ("chrF2", corpus_chrf, chrf.corpus_segment_stats(wbw, refs)[0], chrf.corpus_segment_stats(tm, refs)[0],
              lambda s: chrf.chrf_from_stats([int(v) for v in s], 6, 2))]
    for name, metric, sa, sb, score_fn in cases:
        got = mod.paired_bootstrap(np.array(sa), np.array(sb), score_fn, n_samples=300, seed=7)
        want = library_bootstrap(metric, wbw, tm, refs, n_samples=300, seed=7)
        assert_close(got[0], want.diff, atol=1e-9, name=f"{name}: diff (translation memory - word by word)")
        assert_close(got[1], want.p_value, atol=1e-12, name=f"{name}: p-value")
        assert_close(list(got[2]), list(want.diff_interval), atol=1e-9, name=f"{name}: 95% interval of B - A",
                     hint="sort the S differences score_B(s) - score_A(s) (signed); "
                          "take [S // 40] and [S - S // 40 - 1]")
