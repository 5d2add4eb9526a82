"""Week 3 autograder, part 4: temperature / top-k distributions and primed generation (3.10-3.11).

Hand-built distributions with known answers; a toy "model" whose next token is previous + 1.

Typical mistakes (docs/course/mistakes.md, mutation-tested by tests/test_mutants.py) fail with a first
line that names them; where a mistake shows in only some inputs, every test of the task runs a shared
screen first, so the mistake costs the whole task.
"""
import numpy as np
import pytest

from tinygrad_lm.course import assert_close, assert_equal, load

mod = load("week3.sampling")


def _mistake(first_line, hint):
    """Fail with a first line that names a recognised mistake (the grading table shows only that line)."""
    raise AssertionError(f"{first_line}\n  hint: {hint}")


# ---- 3.10 -------------------------------------------------------------------------------------
def _probs_screen():
    """Run first by every 3.10 test: the typical temperature and top-k mistakes fail the WHOLE task."""
    logits = np.array([1.0, 2.0, 3.0])
    e = np.exp(logits - 3)
    got = np.asarray(mod.temperature_top_k_probs(logits, 0.5))
    if got.shape == (3,) and np.allclose(got, e / e.sum()):
        _mistake("temperature_top_k_probs(temperature=0.5) returned softmax(logits): the temperature had no effect",
                 "divide the LOGITS by the temperature before the softmax; dividing the probabilities by T and "
                 "renormalising cancels out")
    e2 = np.exp((logits - 3) / 0.5)
    assert_close(got, e2 / e2.sum(), atol=1e-9, name="temperature 0.5",
                 hint="divide the LOGITS by the temperature, then softmax")
    for k in (1, 2):
        got = np.asarray(mod.temperature_top_k_probs(np.array([1.0, 3.0, 2.0, 0.0]), 1.0, top_k=k))
        kept = int(np.count_nonzero(got)) if got.shape == (4,) else -1
        if kept >= 0 and kept != k:
            _mistake(f"temperature_top_k_probs(top_k={k}) kept {kept} token(s) of 4 distinct logits, expected {k}: "
                     f"an off-by-one in the k-th largest",
                     "the k-th largest is np.sort(z)[-k]; set z to -inf where z < kth (ties with the k-th are kept)")


@pytest.mark.task("3.10", points=2, title="temperature and top-k")
def test_temperature():
    _probs_screen()
    logits = np.array([1.0, 2.0, 3.0])
    e = np.exp(logits - 3)
    assert_close(mod.temperature_top_k_probs(logits, 1.0), e / e.sum(), atol=1e-9, name="temperature 1 = softmax")
    flat = mod.temperature_top_k_probs(logits, 100.0)
    assert flat.max() - flat.min() < 0.01, f"a high temperature should make probs nearly uniform, got {flat}"
    assert_close(mod.temperature_top_k_probs(np.array([0.5, 3.0, 3.0, 1.0]), 0), [0, 1, 0, 0], atol=0,
                 name="temperature 0 (greedy)", hint="all mass on np.argmax (the first maximum on ties)")


@pytest.mark.task("3.10", points=2)
def test_top_k():
    _probs_screen()
    logits = np.array([1.0, 2.0, 3.0])
    got = np.asarray(mod.temperature_top_k_probs(logits, 1.0, top_k=2))
    kept = int(np.count_nonzero(got)) if got.shape == (3,) else -1
    hint = "drop logits below the k-th largest, renormalize"
    if kept >= 0 and kept != 2:
        hint = (f"top_k=2 kept {kept} token(s), expected 2: the k-th largest is np.sort(z)[-k] (an off-by-one "
                f"here keeps k-1 or k+1 tokens); keep z >= kth")
    assert_close(got, [0, 1 / (1 + np.e), np.e / (1 + np.e)], atol=1e-9, name="top_k=2 of [1, 2, 3]", hint=hint)
    assert_close(mod.temperature_top_k_probs(logits, 1.0, top_k=1), [0, 0, 1], atol=1e-12, name="top_k=1")
    assert_close(mod.temperature_top_k_probs(logits, 1.0, top_k=10), mod.temperature_top_k_probs(logits, 1.0),
                 atol=1e-12, name="top_k larger than V keeps everything")
    ties = mod.temperature_top_k_probs(np.array([2.0, 1.0, 2.0, 0.0]), 1.0, top_k=1)
    assert_close(ties, [0.5, 0, 0.5, 0], atol=1e-12, name="top_k=1 with a tie at the top",
                 hint="keep every logit equal to the k-th largest")
    big = mod.temperature_top_k_probs(np.array([1000.0, 999.0, -1000.0]), 1.0)
    assert np.isfinite(big).all(), "logits of +-1000 gave inf/nan: subtract the max before exp"


# ---- 3.11 -------------------------------------------------------------------------------------
class CountingModel:
    """A toy LM over V=10 ids: after id k it predicts (k + 1) % 10 with logit 5 (others 0).
    The state counts how many ids it has read, to check the prime is fed once."""

    def __init__(self):
        self.calls = []

    def step(self, ids, state):
        ids = np.asarray(ids)
        self.calls.append(ids.tolist())
        logits = np.zeros(10)
        logits[(int(ids[-1]) + 1) % 10] = 5.0
        return logits, (0 if state is None else state) + len(ids)


def _feeding_screen():
    """Run first by every 3.11 test: prime once, then ONE new token per call with the carried state."""
    m = CountingModel()
    mod.generate(m.step, [7, 8, 9], 3, temperature=0)
    if m.calls and m.calls[0] == [7, 8, 9] and any(len(c) > 1 for c in m.calls[1:]):
        _mistake(f"generate fed {m.calls[1:]} after the prime [7, 8, 9]: feed ONE token per call (the one just "
                 f"sampled) with the carried state",
                 "logits, state = step(np.array([tok]), state): the state already holds everything read so far; "
                 "feeding the whole text again reads the prime twice")


@pytest.mark.task("3.11", points=2, title="generation with priming")
def test_greedy_generation():
    _feeding_screen()
    m = CountingModel()
    out = mod.generate(m.step, [3], 3, temperature=0)
    assert_equal([int(v) for v in out], [4, 5, 6], name="generate(prime=[3], n=3, temperature=0)",
                 hint="feed back each sampled token: the next logits come from step([tok], state)")


@pytest.mark.task("3.11", points=2)
def test_prime_fed_once_then_one_token_at_a_time():
    _feeding_screen()
    m = CountingModel()
    out = mod.generate(m.step, [7, 8, 9], 4, temperature=0)
    assert_equal([int(v) for v in out], [0, 1, 2, 3], name="generate(prime=[7, 8, 9], n=4, temperature=0)")
    assert m.calls[0] == [7, 8, 9], f"the first call should feed the whole prime once, got {m.calls[0]}"
    one_each = all(len(c) == 1 for c in m.calls[1:])
    assert one_each, (
        f"after the prime, feed one token per call with the carried state; calls were {m.calls}")
    assert len(m.calls) in (4, 5), f"expected 1 prime call + one call per new token, got {len(m.calls)} calls"


@pytest.mark.task("3.11", points=2)
def test_sampling_follows_the_distribution():
    _feeding_screen()
    def step(ids, state):
        return np.log(np.array([0.7, 0.2, 0.1])), state
    out = mod.generate(step, [0], 3000, temperature=1.0, rng=np.random.default_rng(0))
    freq = np.bincount(np.asarray(out), minlength=3) / 3000
    assert_close(freq, [0.7, 0.2, 0.1], atol=0.03, name="frequencies of 3000 samples from [0.7, 0.2, 0.1]",
                 hint="sample with the probabilities (sample_token), not the argmax")
    out = mod.generate(step, [0], 2000, temperature=1.0, top_k=2, rng=np.random.default_rng(1))
    freq = np.bincount(np.asarray(out), minlength=3) / 2000
    never = int(np.sum(np.asarray(out) == 2))
    assert never == 0, (f"top_k=2 must never produce the least likely token, got it {never} times in 2000 "
                        f"(generate uses your temperature_top_k_probs: make task 3.10 pass first)")
    assert_close(freq[:2], [7 / 9, 2 / 9], atol=0.03, name="frequencies with top_k=2",
                 hint="the two kept tokens share the mass 0.7 : 0.2; if task 3.10 fails, fix it first")
