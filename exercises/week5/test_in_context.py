"""Week 5 autograder: in-context learning, tasks 5.5 (the k-shot prompt) and 5.6 (log-likelihood scoring)."""
import numpy as np
import pytest

from tinygrad_lm.course import assert_close, assert_equal, load

mod = load("week5.in_context")
V = 11


def _bigram_logprob_fn(seed=0):
    """A fixed bigram model: log p(next | current) from a random (V, V) table; (T,) ids -> (T, V)."""
    table = np.random.default_rng(seed).standard_normal((V, V)) * 2
    logp = table - np.log(np.exp(table).sum(-1, keepdims=True))
    calls = []

    def fn(ids):
        ids = np.asarray(ids)
        calls.append(len(ids))
        return logp[ids]
    return fn, logp, calls


@pytest.mark.task("5.5", points=2, title="build_prompt: instruction, k solved examples, the open query")
def test_build_prompt():
    ex = [("great fun", "positive"), ("a bore", "negative")]
    assert_equal(mod.build_prompt(ex[:1], "so dull"),
                 "Review: great fun\nSentiment: positive\n\nReview: so dull\nSentiment:", name="1-shot prompt",
                 hint="the query's label is empty and the trailing space is stripped: the model writes it")
    assert_equal(mod.build_prompt([], "so dull"), "Review: so dull\nSentiment:", name="0-shot prompt")
    assert_equal(mod.build_prompt(ex, "meh", instruction="Classify the sentiment."),
                 "Classify the sentiment.\n\nReview: great fun\nSentiment: positive\n\nReview: a bore\n"
                 "Sentiment: negative\n\nReview: meh\nSentiment:", name="2-shot prompt with an instruction")
    assert_equal(mod.build_prompt(ex, "x", template="Q: {text} A: {label}", separator="\n"),
                 "Q: great fun A: positive\nQ: a bore A: negative\nQ: x A:", name="another template")


@pytest.mark.task("5.6", points=2, title="candidate_logprob: log p(candidate | prompt)")
def test_candidate_logprob():
    fn, logp, calls = _bigram_logprob_fn()
    prompt, cand = [1, 2, 3], [7, 9]
    want = logp[3, 7] + logp[7, 9]
    got = mod.candidate_logprob(fn, prompt, cand)
    if np.isclose(got, logp[7, 7] + logp[9, 9]) or np.isclose(got, logp[7, 9] + logp[9, 0]):
        pytest.fail("off by one: candidate token i is predicted by position len(prompt) + i - 1 (the LAST prompt "
                    "token predicts the first candidate token)")
    assert_close(got, want, atol=1e-12, name="candidate_logprob([1, 2, 3], [7, 9])",
                 hint="feed prompt + candidate once; rows len(prompt)-1 ... of the (T, V) output")
    assert_close(mod.candidate_logprob(fn, prompt, cand, normalize=True), want / 2, atol=1e-12,
                 name="normalize=True divides by the candidate's token count")
    rng = np.random.default_rng(1)
    for _ in range(10):
        p = rng.integers(0, V, size=int(rng.integers(1, 6))).tolist()
        c = rng.integers(0, V, size=int(rng.integers(1, 4))).tolist()
        ids = p + c
        want = sum(logp[ids[i - 1], ids[i]] for i in range(len(p), len(ids)))
        assert_close(mod.candidate_logprob(fn, p, c), want, atol=1e-12, name=f"candidate_logprob({p}, {c})")
    best, scores = mod.classify(fn, prompt, [[7, 9], [4], [0, 0, 0]])
    assert_equal(best, int(np.argmax(scores)), name="classify picks the highest score")
