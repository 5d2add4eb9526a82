"""beam_search(min_new_tokens=m) against Hugging Face transformers' generate(min_new_tokens=m).

Fixture tests/fixtures/beam/expected_min_new_tokens.json was recorded once with transformers
(record_min_new_tokens.py there) on the three tiny random GPT-2s of tests/fixtures/beam/: greedy and
beam search with eos banned for the first m steps, combined with length_penalty, early_stopping,
no_repeat_ngram_size and num_return_sequences.
"""
import json
import os

import numpy as np
import pytest

from tinygrad_lm.generation import beam_search
from tinygrad_lm.models.gpt import GPT

FIX = os.path.join(os.path.dirname(__file__), "fixtures", "beam")
with open(os.path.join(FIX, "expected_min_new_tokens.json"), encoding="utf-8") as _f:
    EXPECTED = json.load(_f)
CASES = [(m["dir"], i) for m in EXPECTED["models"] for i in range(len(m["cases"]))]
_MODELS = {}


def model_for(folder):
    if folder not in _MODELS:
        _MODELS[folder] = GPT.from_pretrained(os.path.join(FIX, folder))
    return _MODELS[folder]


def case(folder, i):
    return next(m for m in EXPECTED["models"] if m["dir"] == folder)["cases"][i]


@pytest.mark.parametrize("folder,i", CASES, ids=[f"{f}-{i}" for f, i in CASES])
def test_matches_transformers_min_new_tokens(folder, i):
    c = case(folder, i)
    kw = dict(c["kwargs"])
    seqs, scores = beam_search(model_for(folder), c["prompt"], kw.pop("max_new_tokens"), **kw)
    assert seqs == c["sequences"], (
        f"{folder} case {i} {c['kwargs']}: hypotheses differ from transformers {EXPECTED['transformers_version']}"
        f" (is eos banned for steps t <= min_new_tokens, i.e. while t - 1 < min_new_tokens?)\n"
        f" ours {seqs}\n HF   {c['sequences']}")
    np.testing.assert_allclose(scores, c["scores"], rtol=1e-5, atol=1e-4,
                               err_msg=f"{folder} case {i} {c['kwargs']}: scores differ")


def test_the_ban_changes_results_and_holds():
    folder = EXPECTED["models"][0]["dir"]
    cases = next(m for m in EXPECTED["models"] if m["dir"] == folder)["cases"]
    by_m = {c["kwargs"]["min_new_tokens"]: c for c in cases if c["kwargs"]["num_beams"] == 1}
    assert by_m[0]["sequences"] != by_m[3]["sequences"], "fixture: min_new_tokens=3 should change greedy output"
    for c in cases:
        eos, m = c["kwargs"]["eos_token_id"], c["kwargs"]["min_new_tokens"]
        for s in c["sequences"]:
            assert eos not in s[:m]


def test_kv_cache_changes_nothing_with_min_new_tokens():
    folder = EXPECTED["models"][0]["dir"]
    c = next(c for c in EXPECTED["models"][0]["cases"] if c["kwargs"]["num_beams"] == 5)
    kw = dict(c["kwargs"])
    n = kw.pop("max_new_tokens")
    a = beam_search(model_for(folder), c["prompt"], n, **kw)
    b = beam_search(model_for(folder), c["prompt"], n, use_cache=False, **kw)
    assert a.sequences == b.sequences
    np.testing.assert_allclose(a.scores, b.scores, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("bad", [-1, 2.0, True, "3"])
def test_bad_min_new_tokens_raises(bad):
    with pytest.raises(ValueError, match="min_new_tokens must be an int >= 0"):
        beam_search(model_for("model_a"), [1, 2, 3], 5, num_beams=2, eos_token_id=3, min_new_tokens=bad)



def _violations(seq, start, n):
    """Positions j >= start whose n-gram seq[j-n+1 : j+1] already occurred earlier in seq."""
    return [j for j in range(max(start, n - 1), len(seq))
            if any(seq[i:i + n] == seq[j - n + 1:j + 1] for i in range(j - n + 1))]


def test_no_repeat_ngram_scope_new_ignores_the_prompt():
    """scope 'all' (transformers' decoder-only rule): no new token completes an n-gram seen anywhere
    before in prompt + hypothesis. scope 'new': only the hypothesis counts, so prompt n-grams may be copied."""
    model = model_for("model_a")
    copied = 0
    # prompts = p0 + the model's greedy continuation of p0 + p0 again: the model wants to copy
    for p in ([1, 2, 3, 1, 2, 3, 4, 5], [19, 2, 4, 1, 44, 44, 44, 44, 44, 44, 44, 44, 19, 2, 4, 1],
              [11, 52, 41, 58, 60, 31, 31, 31, 31, 31, 3, 17, 11, 52, 41, 58]):
        for scope in ("all", "new"):
            res = beam_search(model, p, 12, num_beams=3, no_repeat_ngram_size=2, no_repeat_ngram_scope=scope,
                              num_return_sequences=3)
            for h in res.sequences:
                bad = _violations(p + h, len(p), 2) if scope == "all" else _violations(h, 0, 2)
                assert not bad, f"scope {scope!r}: prompt {p} hypothesis {h} repeats a 2-gram at {bad}"
                if scope == "new":
                    copied += bool(_violations(p + h, len(p), 2))
    assert copied, "scope 'new' never copied a prompt 2-gram here: the test does not tell the scopes apart"
    with pytest.raises(ValueError, match="no_repeat_ngram_scope must be 'all'"):
        beam_search(model, [1, 2], 3, num_beams=2, no_repeat_ngram_size=2, no_repeat_ngram_scope="prompt")
