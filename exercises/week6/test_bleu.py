"""Week 6 autograder: BLEU from its parts, tasks 6.4 (clipped n-gram matches), 6.5 (closest reference length,
brevity penalty) and 6.6 (BLEU from corpus counts), compared with tinygrad_lm/metrics/bleu.py (= sacreBLEU)."""
import functools
import math

import numpy as np
import pytest

from tinygrad_lm.course import assert_close, assert_equal, load
from tinygrad_lm.metrics import bleu as library

mod = load("week6.bleu")


@functools.lru_cache(maxsize=1)
def multi30k_systems():
    """(translation memory, word-by-word Dice, references) on the 500 evaluation sentences of baselines.py."""
    from solutions.week6.baselines import dice_lexicon, load_multi30k, split_indices, translation_memory, word_by_word
    rows = load_multi30k()
    en, de = [r["en"] for r in rows], [r["de"] for r in rows]
    train, evl = split_indices(len(rows))
    src, tgt = [en[i] for i in train], [de[i] for i in train]
    tm = translation_memory(src, tgt, [en[i] for i in evl])
    wbw = word_by_word(dice_lexicon(src, tgt), [en[i] for i in evl])
    return tm, wbw, [de[i] for i in evl]


def _library_counts(hyp_tokens, refs_tokens):
    """(matches 1..4, totals 1..4) of one segment from the library."""
    ref_ngrams, ref_lens = library.reference_info([" ".join(r) for r in refs_tokens])
    st = library.segment_stats(" ".join(hyp_tokens), ref_ngrams, ref_lens)
    return st[2:6], st[6:10]


@pytest.mark.task("6.4", points=2, title="modified_precision: clipped n-gram matches")
def test_modified_precision():
    hyp = "the the the the the the the".split()
    refs = ["the cat is on the mat".split(), "there is a cat on the mat".split()]
    got = tuple(int(v) for v in mod.modified_precision(hyp, refs, 1))
    if got == (7, 7):
        pytest.fail("modified_precision counts all 7 'the' as matches: clip each n-gram's count by its count in "
                    "the reference (min(hyp count, ref count))")
    if got == (3, 7):
        pytest.fail("modified_precision clips 'the' at 3 = 2 + 1, the SUM of its counts in the two references; clip "
                    "by the MAXIMUM count in any one reference (2)")
    assert_equal(got, (2, 7), name="Papineni et al.'s 'the the the ...' (n = 1)")
    got = tuple(int(v) for v in mod.modified_precision("the the the".split(), ["the cat the".split(),
                                                                               "the dog".split()], 1))
    if got == (3, 3):
        pytest.fail("modified_precision clips by the SUM of the reference counts (2 + 1); clip by the MAXIMUM "
                    "count in any one reference (2)")
    assert_equal(got, (2, 3), name="'the the the' vs 'the cat the' and 'the dog'")
    assert_equal(tuple(int(v) for v in mod.modified_precision("a b".split(), ["a b c".split()], 3)), (0, 0),
                 name="a 2-word hypothesis has no 3-grams")
    rng = np.random.default_rng(0)
    words = "a b c d e".split()
    for _ in range(60):
        hyp = list(rng.choice(words, size=int(rng.integers(0, 9))))
        refs = [list(rng.choice(words, size=int(rng.integers(1, 9)))) for _ in range(int(rng.integers(1, 4)))]
        want_m, want_t = _library_counts(hyp, refs)
        for n in range(1, 5):
            got = tuple(int(v) for v in mod.modified_precision(hyp, refs, n))
            assert_equal(got, (want_m[n - 1], want_t[n - 1]), name=f"modified_precision({hyp}, {refs}, n={n})")


@pytest.mark.task("6.5", points=2, title="closest_ref_len and brevity_penalty")
def test_closest_ref_len_and_brevity_penalty():
    got = mod.closest_ref_len(11, [8, 13, 10])
    assert_equal(got, 10, name="closest_ref_len(11, [8, 13, 10])")
    got = mod.closest_ref_len(10, [12, 8])
    if got == 12:
        pytest.fail("closest_ref_len(10, [12, 8]) == 12: on a tie take the SHORTER reference")
    assert_equal(got, 8, name="closest_ref_len(10, [12, 8])")
    rng = np.random.default_rng(1)
    for _ in range(100):
        h, refs = int(rng.integers(0, 20)), [int(x) for x in rng.integers(1, 20, size=int(rng.integers(1, 5)))]
        assert_equal(mod.closest_ref_len(h, refs), library.closest_ref_len(h, refs),
                     name=f"closest_ref_len({h}, {refs})")

    got = mod.brevity_penalty(9, 10)
    if math.isclose(got, math.exp(1 - 9 / 10)):
        pytest.fail("brevity_penalty(9, 10) = exp(1 - c/r): that rewards short output; "
                    "BP = exp(1 - r/c) = exp(1 - 10/9)")
    assert_close(got, math.exp(1 - 10 / 9), atol=1e-12, name="brevity_penalty(sys_len=9, ref_len=10)")
    got = mod.brevity_penalty(12, 10)
    if got > 1:
        pytest.fail(f"brevity_penalty(12, 10) = {got:.4f} > 1: the penalty is 1 for output at least as long as "
                    "the reference (it never rewards length)")
    assert_close(got, 1.0, atol=0, name="brevity_penalty(12, 10)")
    assert_close(mod.brevity_penalty(10, 10), 1.0, atol=0, name="brevity_penalty(10, 10)")
    assert_close(mod.brevity_penalty(0, 10), 0.0, atol=0, name="brevity_penalty(0, 10): empty output")


@pytest.mark.task("6.6", points=3, title="bleu_from_counts: corpus BLEU from summed counts")
def test_bleu_from_counts():
    got = mod.bleu_from_counts([9, 6, 4, 2], [10, 9, 8, 7], 10, 10)
    if math.isclose(got, 100 * (0.9 + 6 / 9 + 4 / 8 + 2 / 7) / 4):
        pytest.fail("bleu_from_counts took the arithmetic mean of the precisions: BLEU is their GEOMETRIC mean, "
                    "exp(mean of ln p_n)")
    assert_close(got, 100 * (0.9 * 6 / 9 * 4 / 8 * 2 / 7) ** 0.25, atol=1e-9, name="bleu_from_counts example")
    assert_close(mod.bleu_from_counts([9, 6, 4, 2], [10, 9, 8, 7], 9, 10),
                 math.exp(1 - 10 / 9) * 100 * (0.9 * 6 / 9 * 4 / 8 * 2 / 7) ** 0.25, atol=1e-9,
                 name="with a brevity penalty (9 words, reference 10)")
    got = mod.bleu_from_counts([9, 6, 0, 0], [10, 9, 8, 7], 10, 10)
    want = library.bleu_from_stats([10, 10, 9, 6, 0, 0, 10, 9, 8, 7]).score
    if math.isclose(got, 100 * (0.9 * 6 / 9 / 16 / 14) ** 0.25):
        pytest.fail("smoothing: the k-th order with no match gets 100 / (2^k totals): 1/(2 x 8) for the first, "
                    "1/(4 x 7) for the second (k counts the zero-match orders)")
    assert_close(got, want, atol=1e-9, name="two orders without a match (exp smoothing)")
    assert_close(mod.bleu_from_counts([0, 0, 0, 0], [5, 4, 3, 2], 5, 5), 0.0, atol=0, name="no match at all")
    assert_close(mod.bleu_from_counts([3, 2, 1, 0], [3, 2, 1, 0], 3, 3), 0.0, atol=0,
                 name="no 4-grams in the corpus (3-word output)", hint="an order with totals 0 makes BLEU 0")
    rng = np.random.default_rng(2)
    for _ in range(200):
        totals = [int(x) for x in np.sort(rng.integers(0, 30, size=4))[::-1]]
        matches = [int(rng.integers(0, t + 1)) * int(rng.random() < 0.8) for t in totals]
        sys_len, ref_len = totals[0], int(rng.integers(1, 40))
        want = library.bleu_from_stats([sys_len, ref_len] + matches + totals).score
        assert_close(mod.bleu_from_counts(matches, totals, sys_len, ref_len), want, atol=1e-9,
                     name=f"bleu_from_counts({matches}, {totals}, {sys_len}, {ref_len})")
    tm, _, refs = multi30k_systems()
    stats, _ = library.corpus_segment_stats(tm, [refs])
    s = [sum(col) for col in zip(*stats)]                           # corpus sums
    assert_close(mod.bleu_from_counts(s[2:6], s[6:10], s[0], s[1]), 4.98, atol=0.005,
                 name="Multi30k translation memory (corpus counts)", hint="the corpus BLEU of baselines.py is 4.98")


@pytest.mark.task("6.6", points=3)
def test_corpus_bleu_equals_sacrebleu():
    tm, wbw, refs = multi30k_systems()
    for name, hyps in (("translation memory", tm), ("word-by-word Dice", wbw)):
        assert_close(mod.corpus_bleu(hyps, [[r] for r in refs]), library.corpus_bleu(hyps, [refs]).score, atol=1e-9,
                     name=f"corpus_bleu of the Multi30k {name} outputs (uses your tasks 6.4 - 6.6)")
    hyps = ["the cat sat on the mat .", "a dog", "the the the", ""]
    refs2 = [["the cat is on the mat.", "there is a cat on the mat"], ["a big dog runs", "the dog"],
             ["the cat", "the the cat"], ["nothing", "nothing at all"]]
    want = library.corpus_bleu(hyps, [[r[0] for r in refs2], [r[1] for r in refs2]]).score
    assert_close(mod.corpus_bleu(hyps, refs2), want, atol=1e-9, name="corpus_bleu with two references per segment")
