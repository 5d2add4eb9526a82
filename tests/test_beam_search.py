"""Beam search (tinygrad_lm/generation/beam.py) against Hugging Face transformers' generate().

Fixture tests/fixtures/beam/ was recorded once with transformers (record_beam.py there; the version is
in expected.json): three tiny random GPT-2 models and, for each, ~28 settings of num_beams,
length_penalty, early_stopping, no_repeat_ngram_size, eos_token_id and num_return_sequences with the
returned hypotheses (new tokens) and their scores. We load each model with our own gpt2_hf loader.
"""
import json
import os

import numpy as np
import pytest

from tinygrad_lm.generation.decoding import generate
from tinygrad_lm.generation import beam_search
from tinygrad_lm.generation.beam import banned_ngram_tokens
from tinygrad_lm.models.gpt import GPT

FIX = os.path.join(os.path.dirname(__file__), "fixtures", "beam")
with open(os.path.join(FIX, "expected.json"), encoding="utf-8") as _f:
    EXPECTED = json.load(_f)
CASES = [(m["dir"], i) for m in EXPECTED["models"] for i in range(len(m["cases"]))]
_MODELS = {}


def model_for(folder):
    if folder not in _MODELS:
        _MODELS[folder] = GPT.from_pretrained(os.path.join(FIX, folder))
    return _MODELS[folder]


def case(folder, i):
    return next(m for m in EXPECTED["models"] if m["dir"] == folder)["cases"][i]


def first_case(folder, **want):
    """Index of the first recorded case of `folder` whose kwargs contain every item of `want`."""
    cases = next(m for m in EXPECTED["models"] if m["dir"] == folder)["cases"]
    return next(i for i, c in enumerate(cases) if all(c["kwargs"].get(k) == v for k, v in want.items()))


def _run(model, c, **extra):
    kw = dict(c["kwargs"])
    return beam_search(model, c["prompt"], kw.pop("max_new_tokens"), **kw, **extra)


@pytest.mark.parametrize("folder,i", CASES, ids=[f"{f}-{i}" for f, i in CASES])
def test_matches_transformers_generate(folder, i):
    c = case(folder, i)
    seqs, scores = _run(model_for(folder), c)
    assert seqs == c["sequences"], (
        f"{folder} case {i} {c['kwargs']} prompt {c['prompt']}: hypotheses differ from transformers "
        f"{EXPECTED['transformers_version']}\n ours {seqs}\n HF   {c['sequences']}\n"
        f" scores ours {np.round(scores, 5).tolist()} HF {np.round(c['scores'], 5).tolist()}")
    np.testing.assert_allclose(scores, c["scores"], rtol=1e-5, atol=1e-4,
                               err_msg=f"{folder} case {i} {c['kwargs']}: scores differ")


def test_fixture_exercises_every_option():
    kws = [c["kwargs"] for m in EXPECTED["models"] for c in m["cases"]]
    assert {k["num_beams"] for k in kws} >= {1, 2, 4, 5}
    assert {k.get("length_penalty", 1.0) for k in kws} >= {0.5, 1.0, 2.0}
    assert {k.get("no_repeat_ngram_size", 0) for k in kws} >= {0, 2, 3}
    assert {str(k.get("early_stopping", False)) for k in kws} == {"True", "False", "never"}
    assert max(k.get("num_return_sequences", 1) for k in kws) > 1
    ended = [c for m in EXPECTED["models"] for c in m["cases"] if any(c["hit_eos"])]
    assert len(ended) >= 10, f"eos ends a hypothesis in only {len(ended)} recorded cases"


def test_kv_cache_changes_nothing():
    folder = EXPECTED["models"][0]["dir"]
    for i in (first_case(folder, num_beams=5), first_case(folder, early_stopping=True, num_return_sequences=3),
              first_case(folder, no_repeat_ngram_size=2, num_return_sequences=5)):
        c = case(folder, i)
        cached, plain = _run(model_for(folder), c), _run(model_for(folder), c, use_cache=False)
        assert cached.sequences == plain.sequences, f"case {i}: KV-cached beams differ from recomputed ones"
        np.testing.assert_allclose(cached.scores, plain.scores, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("folder", [m["dir"] for m in EXPECTED["models"]])
def test_one_beam_is_greedy_decoding(folder):
    model = model_for(folder)
    info = next(m for m in EXPECTED["models"] if m["dir"] == folder)
    prompt = info["cases"][0]["prompt"]
    seqs, _ = beam_search(model, prompt, 15, num_beams=1)
    want = generate(model, prompt, 15, temperature=0.0).tolist()
    assert seqs == [want], f"num_beams=1 {seqs[0]} differs from greedy decoding {want}"
    eos = info["eos_common"]
    seqs, _ = beam_search(model, prompt, 15, num_beams=1, eos_token_id=eos, early_stopping="never")
    want = generate(model, prompt, 15, temperature=0.0, stop_tokens=[eos]).tolist()
    assert seqs == [want], f"num_beams=1 with eos {eos}: {seqs[0]} differs from greedy decoding {want}"


def test_banned_ngram_tokens_follows_transformers():
    seq = [1, 2, 3, 1, 2, 4, 1, 2]
    assert sorted(banned_ngram_tokens(seq, 3)) == [3, 4]          # (1, 2) was followed by 3 and 4
    assert banned_ngram_tokens(seq, 2) == [3, 4]                  # 2 was followed by 3 and 4
    assert sorted(set(banned_ngram_tokens(seq, 1))) == [1, 2, 3, 4]
    assert banned_ngram_tokens([5], 3) == []                      # too short to complete a 3-gram
    assert banned_ngram_tokens(seq, 0) == []


def test_returned_hypotheses_are_sorted_and_end_at_eos():
    folder = EXPECTED["models"][0]["dir"]
    c = case(folder, first_case(folder, no_repeat_ngram_size=2, num_return_sequences=5))
    seqs, scores = _run(model_for(folder), c)
    eos = c["kwargs"]["eos_token_id"]
    assert list(scores) == sorted(scores, reverse=True)
    for s in seqs:
        assert eos not in s[:-1], f"eos {eos} inside a hypothesis {s}"


@pytest.mark.parametrize("kwargs,match", [
    (dict(num_beams=0), "num_beams must be an int >= 1"),
    (dict(num_beams=2.0), "num_beams must be an int >= 1"),
    (dict(num_beams=2, num_return_sequences=3), "num_return_sequences must be an int in \\[1, num_beams=2\\]"),
    (dict(eos_token_id=10_000), "eos_token_id must be None, an int or a list of ints in \\[0, 64\\)"),
    (dict(eos_token_id=-1), "eos_token_id must be"),
    (dict(eos_token_id=[]), "eos_token_id must be"),
    (dict(eos_token_id="3"), "eos_token_id must be"),
    (dict(early_stopping="always"), "early_stopping must be True, False or 'never'"),
    (dict(no_repeat_ngram_size=-1), "no_repeat_ngram_size must be an int >= 0"),
    (dict(length_penalty=float("nan")), "length_penalty must be a finite number"),
    (dict(num_beams=40), "the vocabulary has only 64 tokens"),
    (dict(max_new_tokens=0), "max_new_tokens must be an int >= 1"),
    (dict(max_new_tokens=60), "exceeds the model's context \\(block_size 64\\)"),
])
def test_bad_arguments_raise_clear_errors(kwargs, match):
    model = model_for("model_a")
    kwargs = dict(kwargs)
    n = kwargs.pop("max_new_tokens", 5)
    with pytest.raises(ValueError, match=match):
        beam_search(model, [1, 2, 3, 4, 5], n, **kwargs)


def test_bad_prompts_raise_clear_errors():
    model = model_for("model_a")
    with pytest.raises(ValueError, match="at least one token"):
        beam_search(model, [], 3)
    with pytest.raises(ValueError, match="batch size 1 only"):
        beam_search(model, [[1, 2], [3, 4]], 3)
    with pytest.raises(ValueError, match="prompt token ids must be in \\[0, 64\\)"):
        beam_search(model, [1, 64], 3)
    with pytest.raises(TypeError, match="integer token ids"):
        beam_search(model, [1.5, 2.0], 3)
    with pytest.raises(TypeError, match="must be a tinygrad_lm GPT"):
        beam_search(object(), [1, 2], 3)
    from tinygrad_lm.generation import Decoder
    with pytest.raises(TypeError, match="pass the GPT itself"):
        beam_search(Decoder(model), [1, 2], 3)
    with pytest.raises(ValueError, match="fewer than 8 continuations are allowed"):
        beam_search(model, list(range(58)), 2, num_beams=4, no_repeat_ngram_size=1)   # 58 of 64 ids banned
    seqs, _ = beam_search(model, np.array([[1, 2, 3]]), 3, num_beams=2)     # (1, T) is accepted
    assert len(seqs[0]) == 3

# ---- min_new_tokens and no_repeat_ngram_scope (session 5) -----------------------------------------------
# tests/fixtures/beam/expected_min_new_tokens.json, recorded once with transformers (record_min_new_tokens.py):
# greedy and beam search with eos banned for the first m steps, with length_penalty, early_stopping,
# no_repeat_ngram_size and num_return_sequences, on the same three tiny random GPT-2s.
with open(os.path.join(FIX, "expected_min_new_tokens.json"), encoding="utf-8") as _f:
    MIN_EXPECTED = json.load(_f)
MIN_CASES = [(m["dir"], i) for m in MIN_EXPECTED["models"] for i in range(len(m["cases"]))]


@pytest.mark.parametrize("folder,i", MIN_CASES, ids=[f"{f}-{i}" for f, i in MIN_CASES])
def test_matches_transformers_min_new_tokens(folder, i):
    c = next(m for m in MIN_EXPECTED["models"] if m["dir"] == folder)["cases"][i]
    kw = dict(c["kwargs"])
    seqs, scores = beam_search(model_for(folder), c["prompt"], kw.pop("max_new_tokens"), **kw)
    assert seqs == c["sequences"], (
        f"{folder} case {i} {c['kwargs']}: hypotheses differ from transformers {MIN_EXPECTED['transformers_version']}"
        f" (is eos banned for steps t <= min_new_tokens, i.e. while t - 1 < min_new_tokens?)\n"
        f" ours {seqs}\n HF   {c['sequences']}")
    np.testing.assert_allclose(scores, c["scores"], rtol=1e-5, atol=1e-4,
                               err_msg=f"{folder} case {i} {c['kwargs']}: scores differ")


def test_the_ban_changes_results_and_holds():
    folder = MIN_EXPECTED["models"][0]["dir"]
    cases = next(m for m in MIN_EXPECTED["models"] if m["dir"] == folder)["cases"]
    by_m = {c["kwargs"]["min_new_tokens"]: c for c in cases if c["kwargs"]["num_beams"] == 1}
    assert by_m[0]["sequences"] != by_m[3]["sequences"], "fixture: min_new_tokens=3 should change greedy output"
    for c in cases:
        eos, m = c["kwargs"]["eos_token_id"], c["kwargs"]["min_new_tokens"]
        for s in c["sequences"]:
            assert eos not in s[:m]


def test_kv_cache_changes_nothing_with_min_new_tokens():
    folder = MIN_EXPECTED["models"][0]["dir"]
    c = next(c for c in MIN_EXPECTED["models"][0]["cases"] if c["kwargs"]["num_beams"] == 5)
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
