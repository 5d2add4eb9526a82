"""Week 5 autograder: ROUGE-L (tasks 5.9, 5.10), compared with the library (= Google's rouge-score)."""
import numpy as np
import pytest

from tinygrad_lm.course import assert_close, assert_equal, load
from tinygrad_lm.metrics.rouge import lcs_length as library_lcs, rouge_score

mod = load("week5.rouge_l")


@pytest.mark.task("5.9", points=2, title="lcs_length: the longest common subsequence")
def test_lcs_length():
    assert_equal(mod.lcs_length("the cat sat on the mat".split(), "the cat lay on a mat".split()), 4,
                 name="LCS of the example")
    got = mod.lcs_length("a b c".split(), "a x c".split())
    if got == 1:
        pytest.fail("lcs_length('a b c', 'a x c') == 1: that is the longest common SUBSTRING; a subsequence may skip")
    assert_equal(got, 2, name="lcs_length('a b c', 'a x c')")
    assert_equal(mod.lcs_length([], ["a"]), 0, name="empty side")
    rng = np.random.default_rng(0)
    for _ in range(50):
        a = rng.integers(0, 4, size=int(rng.integers(0, 12))).tolist()
        b = rng.integers(0, 4, size=int(rng.integers(0, 12))).tolist()
        assert_equal(mod.lcs_length(a, b), library_lcs(a, b), name=f"lcs_length({a}, {b})")


@pytest.mark.task("5.10", points=2, title="rouge_l: precision, recall, F from the LCS")
def test_rouge_l_equals_rouge_score():
    cases = [("The cat sat on the mat.", "the cat lay on a mat"), ("a b c d", "a b"), ("a b", "a b c d"),
             ("", "x"), ("x", ""), ("one two", "three four"), ("Police killed the gunman", "the gunman killed police")]
    for ref, pred in cases:
        want = rouge_score(ref, pred, types=("rougeL",))["rougeL"]
        got = mod.rouge_l(ref, pred)
        if len(got) == 3 and ref and pred and np.allclose([got[1], got[0]], [want[0], want[1]]) and want[0] != want[1]:
            pytest.fail(f"rouge_l({ref!r}, {pred!r}): precision and recall swapped: recall divides by the "
                        f"REFERENCE length")
        assert_close(list(got), list(want), atol=1e-12, name=f"rouge_l({ref!r}, {pred!r})")
