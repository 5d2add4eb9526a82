"""generation/in_context.py: k-shot prompts and log-likelihood ranking agree with a by-hand computation."""
import numpy as np
import pytest

import tinygrad_lm as tg
from tinygrad_lm.generation.in_context import (candidate_logprob, exact_match, generate_answer, kshot_prompt,
                                               rank_candidates)
from tinygrad_lm.models import GPT, GPTConfig
from tinygrad_lm.tokenizers import CharTokenizer


def _model(V=12, T=16):
    tg.manual_seed(0)
    return GPT(GPTConfig(vocab_size=V, block_size=T, n_layer=1, n_head=2, n_embd=16)).eval()


def _logp(model, ids):
    logits = model(np.array([ids]))[0].data[0].astype(np.float64)
    return logits - np.log(np.exp(logits - logits.max(-1, keepdims=True)).sum(-1, keepdims=True)) - logits.max(-1, keepdims=True)


def test_kshot_prompt_formats_and_samples():
    ex = [("good", "positive"), ("bad", "negative"), ("fine", "positive")]
    assert kshot_prompt(ex[:1], "meh") == "Review: good\nSentiment: positive\n\nReview: meh\nSentiment:"
    assert kshot_prompt([], "meh", instruction="Rate it.") == "Rate it.\n\nReview: meh\nSentiment:"
    p = kshot_prompt(ex, "meh", k=2, rng=np.random.default_rng(0))
    assert p.count("Review:") == 3 and p.endswith("Review: meh\nSentiment:")
    with pytest.raises(ValueError, match="k=5"):
        kshot_prompt(ex, "x", k=5, rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match="rng"):
        kshot_prompt(ex, "x", k=1)


def test_candidate_logprob_is_the_sum_of_next_token_logprobs():
    model = _model()
    prompt, cand = [1, 2, 3, 4], [5, 6, 7]
    lp = _logp(model, prompt + cand)
    want = lp[3, 5] + lp[4, 6] + lp[5, 7]
    assert candidate_logprob(model, prompt, cand) == pytest.approx(want, abs=1e-5)
    assert candidate_logprob(model, prompt, cand, "token") == pytest.approx(want / 3, abs=1e-5)
    long_prompt = list(range(1, 12)) * 2                                    # 22 > block 16: cut from the left
    kept = long_prompt[-(16 - 3):]
    lp = _logp(model, kept + cand)
    n = len(kept)
    assert candidate_logprob(model, long_prompt, cand) == pytest.approx(lp[n - 1, 5] + lp[n, 6] + lp[n + 1, 7], abs=1e-5)
    with pytest.raises(ValueError, match="normalize"):
        candidate_logprob(model, prompt, cand, "mean")


def test_rank_and_generate_with_a_tokenizer():
    tok = CharTokenizer.from_text("abc xyz\n:")
    model = _model(V=tok.vocab_size)
    best, scores = rank_candidates(model, tok, "abc", ["x", "yz"])
    assert best == int(np.argmax(scores)) and len(scores) == 2
    ans = generate_answer(model, tok, "abc", max_new_tokens=4)
    assert isinstance(ans, str) and "\n" not in ans
    assert exact_match(" Positive ", "positive") and not exact_match("pos", "positive")
