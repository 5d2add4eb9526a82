"""Week 4 autograder, part 2: the next-token distribution (task 4.14) on hand-built logits,
compared with the library's sampling.probs_from_logits.

Typical mistakes (docs/course/mistakes.md, mutation-tested by tests/test_mutants.py) fail with a first
line that names them; where a mistake shows in only some inputs, every test of the task runs a shared
screen first, so the mistake costs the whole task.
"""
import numpy as np
import pytest

from tinygrad_lm.course import assert_close, load
from tinygrad_lm.generation.sampling import probs_from_logits

mod = load("week4.decoding")
P = np.array([0.5, 0.3, 0.15, 0.05])
LOGITS = np.log(P) + 2.0                               # any shift gives the same softmax


def _mistake(first_line, hint):
    """Fail with a first line that names a recognised mistake (the grading table shows only that line)."""
    raise AssertionError(f"{first_line}\n  hint: {hint}")


def _filters_screen():
    """Run first by every 4.14 test: one example per filter, with the usual mistakes named."""
    got = np.asarray(mod.next_token_probs(LOGITS, temperature=0.5))
    if got.shape == P.shape and np.allclose(got, P, atol=1e-9):
        _mistake("next_token_probs(temperature=0.5) returned softmax(logits): the temperature had no effect",
                 "divide the LOGITS by the temperature before the softmax")
    assert_close(got, P ** 2 / (P ** 2).sum(), atol=1e-9, name="next_token_probs(temperature=0.5)",
                 hint="divide the LOGITS by the temperature (p^(1/T), renormalized)")
    got = np.asarray(mod.next_token_probs(LOGITS, top_k=2))
    kept = int(np.count_nonzero(got)) if got.shape == P.shape else -1
    if kept >= 0 and kept != 2:
        _mistake(f"next_token_probs(top_k=2) kept {kept} token(s) of 4 distinct logits, expected 2: an off-by-one "
                 f"in the k-th largest", "np.partition(z, -k)[-k] is the k-th largest; drop z < kth")
    assert_close(got, [0.625, 0.375, 0, 0], atol=1e-9, name="next_token_probs(top_k=2)")
    got = np.asarray(mod.next_token_probs(LOGITS, top_p=0.75))
    kept = int(np.count_nonzero(got)) if got.shape == P.shape else -1
    if kept == 1:
        _mistake("next_token_probs(top_p=0.75) kept 1 token, expected 2 (0.5 < 0.75 keeps the 2nd): compare the mass "
                 "ranked ABOVE a token, not including it, with top_p",
                 "before = np.cumsum(p[order]) - p[order]; drop order[before >= top_p]")
    assert_close(got, [0.625, 0.375, 0, 0], atol=1e-9, name="next_token_probs(top_p=0.75)",
                 hint="keep a token while the mass ranked ABOVE it is < p")


@pytest.mark.task("4.14", points=1, title="next_token_probs (greedy, temperature, top-k, top-p)")
def test_greedy_and_temperature():
    _filters_screen()
    assert_close(mod.next_token_probs(LOGITS, temperature=0), [1.0, 0, 0, 0], name="temperature 0 (greedy)")
    assert_close(mod.next_token_probs([1.0, 3.0, 3.0], temperature=0), [0, 1.0, 0], name="greedy with a tie",
                 hint="np.argmax returns the FIRST maximum")
    assert_close(mod.next_token_probs(LOGITS), P, atol=1e-9, name="temperature 1 = softmax")
    sharp = P ** 2 / (P ** 2).sum()
    assert_close(mod.next_token_probs(LOGITS, temperature=0.5), sharp, atol=1e-9, name="temperature 0.5",
                 hint="divide the LOGITS by the temperature (p^(1/T), renormalized)")


@pytest.mark.task("4.14", points=1)
def test_top_k():
    _filters_screen()
    assert_close(mod.next_token_probs(LOGITS, top_k=2), [0.625, 0.375, 0, 0], atol=1e-9, name="top_k=2")
    assert_close(mod.next_token_probs([1.0, 2.0, 2.0, 0.0], top_k=1), [0, 0.5, 0.5, 0], atol=1e-9,
                 name="top_k=1 with a tie for first", hint="keep every logit equal to the k-th largest")
    assert_close(mod.next_token_probs(LOGITS, top_k=10), P, atol=1e-9, name="top_k larger than V keeps all")


@pytest.mark.task("4.14", points=1)
def test_top_p_and_library_agreement():
    _filters_screen()
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
