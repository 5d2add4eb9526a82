"""Masked LM: BERT masking proportions, loss only on picked positions, float64 gradcheck of the
bidirectional encoder, a smoke training that learns, and the fill-mask / train-mlm command lines."""
import numpy as np
import pytest

import tinygrad_lm as tg
from tinygrad_lm import gradcheck
from tinygrad_lm.models import GPT, GPTConfig, MaskedLM, mask_tokens
from tinygrad_lm.nn import functional_call


def test_masking_proportions_15_80_10_10():
    rng = np.random.default_rng(0)
    V, mask_id = 50, 49
    ids = rng.integers(0, 49, size=(200, 500))                       # 100,000 positions, no [MASK] in them
    inputs, targets = mask_tokens(ids, mask_id, V, np.random.default_rng(1))
    assert inputs.dtype == np.int64 and targets.dtype == np.int64 and inputs.shape == ids.shape
    picked = targets != -100
    n, k = ids.size, int(picked.sum())
    # binomial(n, 0.15): sd = sqrt(n p (1 - p)) ~ 113; allow 5 sd
    assert abs(k - 0.15 * n) < 5 * np.sqrt(n * 0.15 * 0.85), f"picked {k} of {n}, expected ~{0.15 * n:.0f}"
    assert np.array_equal(targets[picked], ids[picked]), "targets must hold the ORIGINAL ids at picked positions"
    assert np.array_equal(inputs[~picked], ids[~picked]), "unpicked positions must be unchanged"
    masked = inputs[picked] == mask_id
    same = inputs[picked] == ids[picked]
    other = ~masked & ~same                                            # random replacement that changed the id
    sd = np.sqrt(k * 0.1 * 0.9)
    assert abs(masked.sum() - 0.8 * k) < 5 * np.sqrt(k * 0.8 * 0.2)
    # a random replacement hits the original id with prob 1/48, so "same" is 0.1 + 0.1/48 of the picked
    assert abs(same.sum() - (0.1 + 0.1 / 48) * k) < 5 * sd
    assert abs(other.sum() - (0.1 - 0.1 / 48) * k) < 5 * sd
    assert not np.any(inputs[picked & (inputs != mask_id)] == mask_id)
    assert (inputs[~picked] != mask_id).all()


def test_masking_never_picks_special_ids_and_is_seeded():
    ids = np.array([[0, 1, 2, 3, 4, 5] * 50])
    a = mask_tokens(ids, 5, 6, np.random.default_rng(3), mask_prob=0.5, special_ids=[0])
    b = mask_tokens(ids, 5, 6, np.random.default_rng(3), mask_prob=0.5, special_ids=[0])
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])
    inputs, targets = a
    assert (targets[(ids == 0) | (ids == 5)] == -100).all(), "special ids and [MASK] itself are never picked"
    assert not np.isin(inputs[targets != -100], [0]).any(), "random replacements never use special ids"
    with pytest.raises(ValueError, match="mask_id"):
        mask_tokens(ids, 6, 6, np.random.default_rng(0))


def _tiny(**kw):
    tg.manual_seed(0)
    cfg = dict(vocab_size=7, block_size=6, n_layer=1, n_head=2, n_embd=4)
    cfg.update(kw)
    return MaskedLM(GPTConfig(**cfg))


def test_loss_is_only_on_picked_positions():
    m = _tiny()
    idx = np.random.default_rng(0).integers(0, 7, (2, 6))
    tgt = np.full((2, 6), -100)
    tgt[0, 2], tgt[1, 5] = 3, 1
    logits, loss = m(idx, tgt)
    lp = logits.data.astype(np.float64)
    lp = lp - np.log(np.exp(lp - lp.max(-1, keepdims=True)).sum(-1, keepdims=True)) - lp.max(-1, keepdims=True)
    expected = -(lp[0, 2, 3] + lp[1, 5, 1]) / 2
    assert abs(loss.item() - expected) < 1e-5, f"loss {loss.item()} != mean over the 2 picked positions {expected}"
    loss.backward()
    # changing a target at an unpicked position does nothing
    _, loss2 = m(idx, np.where(tgt == -100, -100, tgt))
    assert loss2.item() == loss.item()


def test_encoder_is_bidirectional_and_gpt_is_not():
    enc, dec = _tiny(), GPT(GPTConfig(vocab_size=7, block_size=6, n_layer=1, n_head=2, n_embd=4))
    a = np.array([[1, 2, 3, 4, 5, 6]])
    b = a.copy()
    b[0, -1] = 0                                       # change only the LAST token
    for model, should_change in ((enc, True), (dec, False)):
        la, lb = model(a)[0].data[0, 0], model(b)[0].data[0, 0]
        assert (not np.allclose(la, lb)) == should_change, type(model).__name__
    with pytest.raises(ValueError, match="bidirectional"):
        enc(a, kv_cache=object())


def test_encoder_gradcheck_float64():
    m = _tiny()
    m.to(np.float64)
    rng = np.random.default_rng(0)
    idx = rng.integers(0, 7, (2, 6))
    tgt = np.where(rng.random((2, 6)) < 0.5, rng.integers(0, 7, (2, 6)), -100)
    tgt[0, 0] = 2
    names = ["transformer.wte.weight", "transformer.wpe.weight", "transformer.h.0.attn.c_attn.weight",
             "transformer.h.0.attn.c_proj.bias", "transformer.h.0.ln_1.weight", "transformer.h.0.mlp.c_fc.weight",
             "transformer.ln_f.bias"]
    params = dict(m.named_parameters())

    def loss_fn(*ws):
        return functional_call(m, dict(zip(names, ws)), idx, tgt)[1]
    assert gradcheck(loss_fn, *[params[n] for n in names], atol=1e-6, rtol=1e-4)


def test_smoke_training_learns_from_both_sides():
    """Each row repeats one id: a masked position can only be filled by looking at the OTHER positions."""
    m = _tiny(vocab_size=7, block_size=8, n_layer=1, n_embd=16, n_head=2)
    opt = m.configure_optimizers(weight_decay=0.0, learning_rate=1e-2)
    rng = np.random.default_rng(0)
    losses = []
    for _ in range(80):
        x = np.repeat(rng.integers(0, 6, (16, 1)), 8, axis=1)          # (B, T), ids 0..5; [MASK] = 6
        inp, tgt = mask_tokens(x, 6, 7, rng, mask_prob=0.3)
        _, loss = m(inp, tgt)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert np.mean(losses[:10]) > 1.5, losses[:10]
    assert np.mean(losses[-10:]) < 0.3, f"MLM loss should fall below 0.3 on constant rows, got {losses[-10:]}"


def test_train_mlm_and_fill_mask_cli(tmp_path, capsys):
    from tinygrad_lm.cli import main
    data = tmp_path / "d.txt"
    data.write_text("to be or not to be, that is the question.\n" * 40, encoding="utf-8")
    out = tmp_path / "run"
    assert main(["train", "mlm", "--preset", "tiny", "--data", str(data), "--out", str(out), "--max-iters", "30",
                 "--eval-every", "30", "--eval-iters", "2", "--block-size", "16", "--n-embd", "16"]) == 0
    capsys.readouterr()
    assert main(["fill-mask", "--checkpoint", str(out / "best.safetensors"), "--top-k", "3", "to be or [MASK]ot"]) == 0
    printed = capsys.readouterr().out
    assert "[MASK] #1:" in printed and "filled: to be or " in printed
    long_text = "to be or not to be, that is the question. " * 2 + "to b[MASK]"     # longer than block 16
    assert main(["fill-mask", "--checkpoint", str(out / "best.safetensors"), long_text]) == 0
    assert "filled: " + long_text[:-6] in capsys.readouterr().out
    assert main(["fill-mask", "--checkpoint", str(out / "best.safetensors"), "[MASK]" + "t" * 20 + "[MASK]"]) == 2
    assert main(["fill-mask", "--checkpoint", str(out / "best.safetensors"), "no mask here"]) == 2
    assert main(["generate", "--checkpoint", str(out / "best.safetensors")]) == 2     # not a GPT checkpoint
