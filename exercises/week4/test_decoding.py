"""Week 4 autograder, part 2: the next-token distribution (task 4.14) on hand-built logits,
compared with the library's sampling.probs_from_logits."""
import numpy as np
import pytest

from tinygrad_lm.course import assert_close, load
from tinygrad_lm.generation.sampling import probs_from_logits

mod = load("week4.decoding")
P = np.array([0.5, 0.3, 0.15, 0.05])
LOGITS = np.log(P) + 2.0                               # any shift gives the same softmax


@pytest.mark.task("4.14", points=1, title="next_token_probs (greedy, temperature, top-k, top-p)")
def test_greedy_and_temperature():
    assert_close(mod.next_token_probs(LOGITS, temperature=0), [1.0, 0, 0, 0], name="temperature 0 (greedy)")
    assert_close(mod.next_token_probs([1.0, 3.0, 3.0], temperature=0), [0, 1.0, 0], name="greedy with a tie",
                 hint="np.argmax returns the FIRST maximum")
    assert_close(mod.next_token_probs(LOGITS), P, atol=1e-9, name="temperature 1 = softmax")
    sharp = P ** 2 / (P ** 2).sum()
    assert_close(mod.next_token_probs(LOGITS, temperature=0.5), sharp, atol=1e-9, name="temperature 0.5",
                 hint="divide the LOGITS by the temperature (p^(1/T), renormalized)")


@pytest.mark.task("4.14", points=1)
def test_top_k():
    assert_close(mod.next_token_probs(LOGITS, top_k=2), [0.625, 0.375, 0, 0], atol=1e-9, name="top_k=2")
    assert_close(mod.next_token_probs([1.0, 2.0, 2.0, 0.0], top_k=1), [0, 0.5, 0.5, 0], atol=1e-9,
                 name="top_k=1 with a tie for first", hint="keep every logit equal to the k-th largest")
    assert_close(mod.next_token_probs(LOGITS, top_k=10), P, atol=1e-9, name="top_k larger than V keeps all")


@pytest.mark.task("4.14", points=1)
def test_top_p_and_library_agreement():
    assert_close(mod.next_token_probs(LOGITS, top_p=0.75), [0.625, 0.375, 0, 0], atol=1e-9, name="top_p=0.75",
                 hint="keep a token while the mass ranked ABOVE it is < p")
    assert_close(mod.next_token_probs(LOGITS, top_p=0.5), [1.0, 0, 0, 0], atol=1e-9, name="top_p=0.5",
                 hint="0.5 >= 0.5: the second token is dropped; the first is always kept")
    assert_close(mod.next_token_probs(LOGITS, top_p=0.01), [1.0, 0, 0, 0], atol=1e-9, name="top_p=0.01")
    rng = np.random.default_rng(0)
    for _ in range(20):
        logits = rng.standard_normal(50) * 3
        t, k, p = float(rng.uniform(0.3, 2)), int(rng.integers(1, 60)), float(rng.uniform(0.1, 1))
        assert_close(mod.next_token_probs(logits, t, k, p), probs_from_logits(logits, t, k, p), atol=1e-9,
                     name=f"next_token_probs(random logits, temperature={t:.2f}, top_k={k}, top_p={p:.2f})",
                     hint="order: temperature, then top-k, then top-p on the softmax of what top-k kept")
