"""Decoding: the KV cache changes nothing but speed; stop tokens, repetition penalty, streaming."""
import numpy as np
import pytest

import tinygrad_lm as tg
from tinygrad_lm.generation.decoding import apply_repetition_penalty, generate, stream
from tinygrad_lm.models import GPT, GPTConfig


@pytest.fixture(scope="module")
def model():
    tg.manual_seed(0)
    return GPT(GPTConfig(vocab_size=13, block_size=12, n_layer=2, n_head=2, n_embd=16))


@pytest.mark.parametrize("temperature", [0.0, 1.0])
def test_kv_cache_output_identical_to_no_cache(model, temperature):
    prompt = [1, 2, 3]
    runs = []
    for use_cache in (True, False):
        runs.append(generate(model, prompt, 20, temperature=temperature, use_cache=use_cache,
                             rng=np.random.default_rng(7)))          # 20 > block_size: window slides
    np.testing.assert_array_equal(runs[0], runs[1])
    assert len(runs[0]) == 20


def test_stream_yields_ints_and_stops_at_stop_token(model):
    greedy = generate(model, [4, 5], 10, temperature=0.0)
    stop = int(greedy[3])
    first = list(greedy).index(stop)
    out = list(stream(model, [4, 5], 10, temperature=0.0, stop_tokens=[stop]))
    assert all(isinstance(t, int) for t in out)
    assert out == list(greedy[:first + 1])


def test_generate_restores_training_mode(model):
    model.train()
    generate(model, [1], 2)
    assert model.training


def test_repetition_penalty_follows_hugging_face_rule():
    logits = np.array([2.0, -2.0, 1.0, 3.0])
    out = apply_repetition_penalty(logits, [0, 1, 1], 2.0)
    np.testing.assert_allclose(out, [1.0, -4.0, 1.0, 3.0])
    assert apply_repetition_penalty(logits, [0], 1.0) is logits
    with pytest.raises(ValueError):
        apply_repetition_penalty(logits, [0], 0.0)


def test_repetition_penalty_changes_greedy_choice(model):
    plain = generate(model, [1, 2], 8, temperature=0.0)
    penalised = generate(model, [1, 2], 8, temperature=0.0, repetition_penalty=50.0)
    assert len(set(penalised.tolist())) >= len(set(plain.tolist()))


def test_empty_prompt_is_an_error(model):
    with pytest.raises(ValueError, match="at least one token"):
        generate(model, [], 3)
