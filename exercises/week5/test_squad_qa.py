"""Week 5 autograder: extractive QA, tasks 5.11 (best span), 5.12 and 5.13 (SQuAD's normalisation and F1),
compared with the library's official-metric reimplementation."""
import numpy as np
import pytest

from tinygrad_lm.course import assert_close, assert_equal, load
from tinygrad_lm.metrics.squad import compute_f1, normalize_answer as library_normalize

mod = load("week5.squad_qa")


def _brute(start, end, max_len):
    best = None
    for s in range(len(start)):
        for e in range(s, min(len(start), s + max_len)):
            if best is None or start[s] + end[e] > best[2]:
                best = (s, e, start[s] + end[e])
    return best


@pytest.mark.task("5.11", points=2, title="best_span: the best valid (start <= end, short enough) span")
def test_best_span():
    s, e, score = mod.best_span([0, 5, 1], [0, 1, 4], 30)
    assert_equal((int(s), int(e)), (1, 2), name="best_span example")
    assert_close(score, 9.0, name="its score")
    got = mod.best_span([0, 0, 5], [5, 0, 0], 30)
    if (int(got[0]), int(got[1])) == (2, 0):
        pytest.fail("best_span returned end < start: take the best VALID pair, not two separate argmaxes")
    assert_equal(tuple(map(int, mod.best_span([0, 5, 1], [0, 1, 4], 1)[:2])), (1, 1), name="max_answer_len=1",
                 hint="e - s + 1 <= max_answer_len")
    rng = np.random.default_rng(0)
    for _ in range(30):
        T, m = int(rng.integers(1, 12)), int(rng.integers(1, 6))
        start, end = rng.standard_normal(T), rng.standard_normal(T)
        want = _brute(start, end, m)
        got = mod.best_span(start, end, m)
        assert_equal((int(got[0]), int(got[1])), want[:2], name=f"best_span(random T={T}, max_answer_len={m})")


@pytest.mark.task("5.12", points=1, title="normalize_answer: SQuAD's normalisation")
def test_normalize():
    for s in ["The  Eiffel-Tower!", "an apple a day", "the-end", "A", "  Hello,   World ", "théâtre & the arts",
              "An", "1,000.5 km", "Barack Obama's"]:
        assert_equal(mod.normalize_answer(s), library_normalize(s), name=f"normalize_answer({s!r})",
                     hint="lower -> remove punctuation -> remove the words a/an/the -> collapse spaces")


@pytest.mark.task("5.13", points=2, title="f1_score: token F1 with repeated tokens")
def test_f1():
    assert_close(mod.f1_score("the big red ball", "a red ball"), 0.8, atol=1e-12, name="example")
    got = mod.f1_score("ball ball", "ball")
    if np.isclose(got, 1.0):
        pytest.fail("f1_score('ball ball', 'ball') == 1: a set intersection; count shared tokens as a multiset "
                    "(Counter & Counter)")
    cases = [("ball ball", "ball"), ("", ""), ("", "x"), ("x", ""), ("The answer", "an answer"), ("a", "the"),
             ("Denver Broncos", "the Denver Broncos"), ("red red blue", "red blue blue"), ("1999", "in 1999")]
    for pred, gold in cases:
        assert_close(mod.f1_score(pred, gold), compute_f1(gold, pred), atol=1e-12, name=f"f1_score({pred!r}, {gold!r})")
