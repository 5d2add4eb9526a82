"""generation/mbr.py: minimum Bayes risk selection (expected utility against the other candidates)."""
import numpy as np
import pytest

from tinygrad_lm.generation.mbr import expected_utility, mbr_select, rouge_utility
from tinygrad_lm.metrics import rouge_score


def overlap(h, e):                              # a toy utility: shared words / words of h
    hw, ew = h.split(), set(e.split())
    return sum(w in ew for w in hw) / len(hw)


def test_expected_utility_is_the_mean_over_the_others():
    c = ["a b", "a c", "d e"]
    u = expected_utility(c, overlap)
    # "a b": vs "a c" 0.5, vs "d e" 0 -> 0.25; "a c": 0.5, 0 -> 0.25; "d e": 0, 0 -> 0
    np.testing.assert_allclose(u, [0.25, 0.25, 0.0])


def test_mbr_picks_the_consensus_not_the_first():
    c = ["the cat sat on the mat", "a dog ran", "the cat sat on a mat", "the cat is on the mat"]
    assert mbr_select(c, rouge_utility("rougeL")) in (0, 2, 3)
    assert mbr_select(c, rouge_utility("rougeL")) != 1              # the outlier never wins


def test_ties_go_to_the_earlier_candidate():
    assert mbr_select(["x y", "x y", "x y"], overlap) == 0


def test_single_candidate_and_errors():
    assert mbr_select(["only"], overlap) == 0
    with pytest.raises(ValueError, match="no candidates"):
        mbr_select([], overlap)
    with pytest.raises(TypeError, match="utility must be a function"):
        mbr_select(["a", "b"], "rougeL")
    with pytest.raises(ValueError, match="NaN"):
        mbr_select(["a", "b"], lambda h, e: float("nan"))


def test_rouge_utility_matches_rouge_score_with_the_pseudo_reference_as_target():
    u = rouge_utility("rougeL", use_stemmer=True)
    h, e = "#Person1# is checking out of the hotel", "#Person2# checks out and pays the bill"
    assert u(h, e) == pytest.approx(rouge_score(e, h, types=("rougeL",), use_stemmer=True)["rougeL"][2])
