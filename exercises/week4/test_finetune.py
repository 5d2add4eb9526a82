"""Week 4 autograder, part 3: fine-tuning (tasks 4.20-4.24).

4.20/4.21 use tests/fixtures/gpt2_tiny/: a tiny random GPT-2 saved by Hugging Face transformers,
with the logits transformers computed (recorded once; transformers is not needed here).
4.24 fine-tunes a tiny GPT on a repeating pattern for a few seconds.

Typical mistakes (docs/course/mistakes.md, mutation-tested by tests/test_mutants.py) fail with a first
line that names them; where a mistake shows in only some inputs, every test of the task runs a shared
screen first, so the mistake costs the whole task.
"""
import os

import numpy as np
import pytest

from tinygrad_lm.course import assert_close, assert_equal, load
from tinygrad_lm.models.gpt import GPT, GPTConfig
from tinygrad_lm.models.gpt2_hf import config_from_hf, read_config
from tinygrad_lm.random import manual_seed
from tinygrad_lm.checkpoints.safetensors import load_file

mod = load("week4.finetune")
FIX = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                   "tests", "fixtures", "gpt2_tiny")


def _fixture():
    return load_file(os.path.join(FIX, "model.safetensors")), dict(np.load(os.path.join(FIX, "expected.npz")))


def _empty_gpt():
    return GPT(config_from_hf(read_config(FIX)))


# ---- 4.20 ---------------------------------------------------------------------------------------
@pytest.mark.task("4.20", points=2, title="hf_to_gpt_state (names, Conv1D transposes, skipped buffers)")
def test_hf_to_gpt_state_gives_transformers_logits():
    tensors, expected = _fixture()
    state = mod.hf_to_gpt_state(tensors)
    model = _empty_gpt()
    want = set(model.state_dict())
    assert isinstance(state, dict), f"hf_to_gpt_state must return a dict, got {type(state).__name__}"
    assert_equal(sorted(set(state) - want), [], name="names not in our GPT",
                 hint="every name needs the 'transformer.' prefix; lm_head.weight and attn buffers are skipped")
    assert_equal(sorted(want - set(state)), [], name="our GPT's names missing from the result")
    for k in want:
        assert_equal(tuple(state[k].shape), tuple(model.state_dict()[k].shape), name=f"shape of {k}",
                     hint="Conv1D weights are (in, out): transpose c_attn, c_proj and c_fc weights")
    model.load_state_dict(state)
    assert_close(model(expected["input_ids"])[0].data, expected["logits"], atol=1e-4,
                 name="logits of the loaded model vs Hugging Face transformers",
                 hint="shapes fit but values differ: a square c_proj (C, C) weight must be transposed too")


@pytest.mark.task("4.20", points=2)
def test_hf_to_gpt_state_old_file_layout():
    """The original `gpt2` model.safetensors: no prefix, mask buffers, and (in some files) a tied lm_head."""
    tensors, _ = _fixture()
    old = {k[len("transformer."):]: v for k, v in tensors.items()}
    for i in range(2):
        old[f"h.{i}.attn.bias"] = np.tril(np.ones((1, 1, 64, 64), dtype=np.float32))
        old[f"h.{i}.attn.masked_bias"] = np.array(-1e4, dtype=np.float32)
    old["lm_head.weight"] = tensors["transformer.wte.weight"]
    got, ref = mod.hf_to_gpt_state(old), mod.hf_to_gpt_state(tensors)
    assert_equal(sorted(got), sorted(ref), name="names from the unprefixed file",
                 hint="skip names ending in '.attn.bias' / '.attn.masked_bias' and 'lm_head.weight', "
                      "but keep 'attn.c_attn.bias'")
    for k in ref:
        assert_close(got[k], ref[k], atol=0, name=k)
        assert got[k].dtype == np.float32 and got[k].flags.c_contiguous, f"{k}: return contiguous float32 arrays"


# ---- 4.21 ---------------------------------------------------------------------------------------
@pytest.mark.task("4.21", points=1, title="gpt_to_hf_state (export in the transformers layout)")
def test_gpt_to_hf_state_roundtrip():
    tensors, _ = _fixture()
    from tinygrad_lm.models.gpt2_hf import hf_to_ours
    out = mod.gpt_to_hf_state(hf_to_ours(tensors))
    assert_equal(sorted(out), sorted(tensors), name="exported names", hint="no lm_head; keep our names")
    for k in tensors:
        assert_equal(tuple(out[k].shape), tuple(tensors[k].shape), name=f"shape of {k}",
                     hint="transpose the Conv1D weights back to (in, out)")
        assert_close(out[k], tensors[k], atol=0, name=k)


# ---- 4.22 ---------------------------------------------------------------------------------------
@pytest.mark.task("4.22", points=2, title="freeze (train only matching parameter groups)")
def test_freeze_sets_requires_grad_and_grads():
    manual_seed(0)
    model = GPT(GPTConfig(vocab_size=20, block_size=8, n_layer=2, n_head=2, n_embd=8))
    names = mod.freeze(model, ["ln_f", "h.1."])
    want = sorted(n for n, _ in model.named_parameters() if "ln_f" in n or "h.1." in n)
    assert_equal(names, want, name="freeze(model, ['ln_f', 'h.1.']) return value",
                 hint="return the sorted names whose requires_grad is now True")
    for n, p in model.named_parameters():
        assert p.requires_grad == (n in want), f"{n}: requires_grad is {p.requires_grad}, expected {n in want}"
    x = np.arange(16).reshape(2, 8) % 20
    model(x, x)[1].backward()
    assert model.transformer.wte.weight.grad is None, "a frozen parameter (wte) got a gradient"
    assert model.transformer.ln_f.weight.grad is not None, "a trainable parameter (ln_f) got no gradient"
    assert_equal(mod.freeze(model, []), [], name="freeze(model, []) (everything frozen)")
    assert_equal(len(mod.freeze(model, [""])), len(list(model.parameters())), name="freeze(model, ['']) count",
                 hint="'' is a substring of every name: everything trains again")


# ---- 4.23 ---------------------------------------------------------------------------------------
@pytest.mark.task("4.23", points=1, title="should_stop (early stopping with patience)")
def test_should_stop():
    cases = [([3.0, 2.5, 2.6, 2.7], 2, True), ([3.0, 2.5, 2.6, 2.4], 2, False), ([3.0, 2.5, 2.5], 1, True),
             ([3.0], 1, False), ([3.0, 3.1], 1, True), ([3.0, 3.1], 2, False), ([], 3, False),
             ([5.0, 4.0, 3.0, 2.0], 1, False), ([2.0, 2.0, 2.0, 2.0], 3, True), ([2.0, 2.0, 2.0], 3, False)]
    got = [bool(mod.should_stop(losses, patience)) for losses, patience, _ in cases]
    late = [bool(losses) and len(losses) - 1 - int(np.argmin(losses)) > patience for losses, patience, _ in cases]
    if got == late and got != [w for *_, w in cases]:
        raise AssertionError("should_stop waits one evaluation too long (an off-by-one): stop as soon as the best "
                             "value is `patience` evaluations old, e.g. should_stop([3.0, 2.5, 2.6, 2.7], 2) is True\n"
                             "  hint: len(val_losses) - 1 - best_at >= patience (not >)")
    for losses, patience, want in cases:
        assert_equal(bool(mod.should_stop(losses, patience)), want,
                     name=f"should_stop({losses}, patience={patience})",
                     hint="stop when the FIRST best value is >= patience evaluations before the last one")


# ---- 4.24 ---------------------------------------------------------------------------------------
def _pattern_data():
    rng = np.random.default_rng(0)
    ids = np.tile(np.array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], dtype=np.uint16), 100)
    noise = rng.integers(0, 16, size=ids.size).astype(np.uint16)
    ids = np.where(rng.random(ids.size) < 0.05, noise, ids)                    # a few surprises
    return ids[:1000], ids[1000:]


def _check_best_weights(model, val, losses):
    final = float(mod.evaluate(model, val, 8, 16))
    if not np.isclose(final, min(losses), atol=1e-5):
        raise AssertionError(f"finetune returned weights with val loss {final:.5f}, not the best evaluation's "
                             f"{min(losses):.5f}: load the best weights back before returning\n"
                             f"  hint: best = {{k: v.copy() for k, v in model.state_dict().items()}} at each new best; "
                             f"model.load_state_dict(best) at the end")


@pytest.mark.task("4.24", points=3, title="finetune (AdamW on trainable params, eval, early stopping, best weights)")
def test_finetune_learns_and_keeps_best_weights():
    manual_seed(0)
    model = GPT(GPTConfig(vocab_size=16, block_size=16, n_layer=1, n_head=2, n_embd=16))
    train, val = _pattern_data()
    frozen = model.transformer.wpe.weight.data.copy()
    mod.freeze(model, ["h.", "ln_f", "wte"])
    seen = []
    history, best_step = mod.finetune(model, train, val, steps=60, lr=1e-2, batch_size=8, block_size=16,
                                      eval_every=10, patience=100, rng=np.random.default_rng(1),
                                      on_eval=seen.append)
    assert_equal([h["step"] for h in history], [0, 10, 20, 30, 40, 50, 60], name="history steps",
                 hint="evaluate at step 0, then every eval_every steps")
    assert_equal(len(seen), 6, name="on_eval calls", hint="call on_eval(history[-1]) after each evaluation")
    losses = [h["val_loss"] for h in history]
    assert losses[-1] < losses[0] - 1.0, f"validation loss barely moved: {losses}"
    assert_equal(best_step, history[int(np.argmin(losses))]["step"], name="best_step")
    _check_best_weights(model, val, losses)
    assert_close(model.transformer.wpe.weight.data, frozen, atol=0, name="frozen wpe after fine-tuning",
                 hint="give AdamW only parameters with requires_grad=True")


@pytest.mark.task("4.24", points=3)
def test_finetune_stops_early():
    manual_seed(0)
    model = GPT(GPTConfig(vocab_size=16, block_size=16, n_layer=1, n_head=2, n_embd=16))
    train, val = _pattern_data()
    mod.freeze(model, [""])
    history, best_step = mod.finetune(model, train, val, steps=200, lr=0.5, batch_size=8, block_size=16,
                                      eval_every=5, patience=2, rng=np.random.default_rng(1))
    losses = [h["val_loss"] for h in history]
    assert history[-1]["step"] < 200, f"lr=0.5 diverges, so patience=2 should stop early; history {losses}"
    assert mod.should_stop(losses, 2), "the loop stopped although should_stop(history, patience) is False"
    _check_best_weights(model, val, losses)
