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


def tiny_gpt(seed=0):
    from tinygrad_lm.models import GPT, GPTConfig
    from tinygrad_lm.random import manual_seed
    manual_seed(seed)
    return GPT(GPTConfig(vocab_size=23, block_size=32, n_layer=2, n_head=2, n_embd=16))


def test_sample_candidates_rows_equal_one_by_one_decoding_at_temperature_zero():
    from tinygrad_lm.generation.decoding import generate
    from tinygrad_lm.generation.mbr import sample_candidates
    model = tiny_gpt()
    prompt = [1, 5, 7, 2]
    rows = sample_candidates(model, prompt, 3, 10, temperature=0.0)
    greedy = generate(model, prompt, 10, temperature=0.0).tolist()
    assert rows == [greedy] * 3, "the copied KV cache must give every row the prompt's exact state"


def test_sample_candidates_stop_at_eos_and_ban_repeats():
    from tinygrad_lm.generation.mbr import sample_candidates
    model = tiny_gpt(1)
    rng = np.random.default_rng(0)
    rows = sample_candidates(model, [3, 4], 6, 20, temperature=1.5, eos_token_id=0, no_repeat_ngram_size=2, rng=rng)
    assert len(rows) == 6 and all(0 not in r and len(r) <= 20 for r in rows)
    for r in rows:
        bigrams = list(zip(r, r[1:]))
        assert len(bigrams) == len(set(bigrams)), f"a repeated bigram in {r}"
    assert len({tuple(r) for r in rows}) > 1, "sampling at temperature 1.5 should give different rows"
    with pytest.raises(ValueError, match="exceeds the context"):
        sample_candidates(model, list(range(20)), 2, 20)
    with pytest.raises(ValueError, match="n must be a positive int"):
        sample_candidates(model, [1], 0, 5)
