"""GPT and fused attention: gradients against central differences, the fused node against its
op-by-op twin, the KV cache against full recomputation, names matching Hugging Face GPT-2."""
import numpy as np
import pytest

import tinygrad_lm as tg
from tinygrad_lm import gradcheck
from tinygrad_lm.ops.attention import scaled_dot_product_attention, attention_reference
from tinygrad_lm.models import GPT, GPTConfig, KVCache
from tinygrad_lm.nn import functional_call


def _qkv(rng, B, H, Tq, Tk, D, dtype=np.float64):
    return [rng.standard_normal(s).astype(dtype) for s in ((B, H, Tq, D), (B, H, Tk, D), (B, H, Tk, D))]


@pytest.mark.parametrize("causal", [True, False])
@pytest.mark.parametrize("Tq,Tk", [(5, 5), (1, 4), (3, 7)])
def test_attention_gradcheck(causal, Tq, Tk):
    q, k, v = _qkv(np.random.default_rng(0), 2, 2, Tq, Tk, 3)
    assert gradcheck(lambda q, k, v: scaled_dot_product_attention(q, k, v, causal=causal), q, k, v)


@pytest.mark.parametrize("Tq,Tk", [(1, 1), (6, 6), (2, 9), (127, 127)])
def test_fused_attention_matches_op_by_op_twin(Tq, Tk):
    rng = np.random.default_rng(1)
    arrays = _qkv(rng, 2, 3, Tq, Tk, 8, np.float32)
    outs, grads = [], []
    for fn in (scaled_dot_product_attention, attention_reference):
        ts = [tg.Tensor(a, requires_grad=True) for a in arrays]
        y = fn(*ts, causal=True)
        assert y.dtype == np.float32
        dy = np.random.default_rng(2).standard_normal(y.shape).astype(np.float32)
        y.backward(dy)
        outs.append(y.data)
        grads.append([t.grad for t in ts])
    np.testing.assert_allclose(outs[0], outs[1], atol=1e-5, rtol=1e-4)
    for g0, g1 in zip(*grads):
        assert g0.dtype == np.float32
        np.testing.assert_allclose(g0, g1, atol=1e-4, rtol=1e-3)


def test_attention_rejects_bad_shapes():
    q = tg.Tensor(np.zeros((1, 2, 3, 4), np.float32))
    k = tg.Tensor(np.zeros((1, 2, 3, 5), np.float32))
    with pytest.raises(ValueError, match="attention expects"):
        scaled_dot_product_attention(q, k, k)


def _tiny(seed=0, **kw):
    tg.manual_seed(seed)
    cfg = dict(vocab_size=11, block_size=8, n_layer=2, n_head=2, n_embd=8)
    cfg.update(kw)
    return GPT(GPTConfig(**cfg))


def test_gpt_parameter_names_match_hugging_face_gpt2():
    names = [n for n, _ in _tiny().named_parameters()]
    assert names[:2] == ["transformer.wte.weight", "transformer.wpe.weight"]
    for suffix in ["ln_1.weight", "ln_1.bias", "attn.c_attn.weight", "attn.c_attn.bias", "attn.c_proj.weight",
                   "attn.c_proj.bias", "ln_2.weight", "ln_2.bias", "mlp.c_fc.weight", "mlp.c_fc.bias",
                   "mlp.c_proj.weight", "mlp.c_proj.bias"]:
        assert f"transformer.h.1.{suffix}" in names
    assert names[-2:] == ["transformer.ln_f.weight", "transformer.ln_f.bias"]
    assert "lm_head.weight" not in names          # tied to wte, as in GPT-2's checkpoints


def test_gpt2_init_scales_residual_projections():
    m = _tiny(n_layer=4, n_embd=64, vocab_size=200, block_size=64)
    sd = dict(m.named_parameters())
    assert abs(sd["transformer.h.0.mlp.c_fc.weight"].data.std() - 0.02) < 0.003
    assert abs(sd["transformer.h.0.mlp.c_proj.weight"].data.std() - 0.02 / np.sqrt(8)) < 0.002
    assert np.all(sd["transformer.h.0.ln_1.weight"].data == 1) and np.all(sd["transformer.h.0.attn.c_attn.bias"].data == 0)


def test_gpt_loss_gradcheck_float64():
    m = _tiny(n_layer=1, n_embd=4, vocab_size=5, block_size=4)
    m.to(np.float64)
    rng = np.random.default_rng(0)
    idx = rng.integers(0, 5, (2, 4))
    tgt = rng.integers(0, 5, (2, 4))
    tgt[0, 1] = -100                                   # ignored position
    names = ["transformer.wte.weight", "transformer.h.0.attn.c_attn.weight", "transformer.h.0.mlp.c_fc.bias",
             "transformer.h.0.ln_2.weight", "transformer.wpe.weight"]
    params = dict(m.named_parameters())

    def loss_fn(*ws):
        return functional_call(m, dict(zip(names, ws)), idx, tgt)[1]
    assert gradcheck(loss_fn, *[params[n] for n in names], atol=1e-6, rtol=1e-4)


def test_gpt_float32_forward_and_backward_stay_float32():
    m = _tiny()
    idx = np.random.default_rng(0).integers(0, 11, (2, 8))
    logits, loss = m(idx, idx)
    assert logits.dtype == np.float32 and loss.dtype == np.float32
    loss.backward()
    assert all(p.grad.dtype == np.float32 for p in m.parameters())


def test_kv_cache_gives_the_same_logits_as_full_recomputation():
    m = _tiny(block_size=16)
    m.eval()
    idx = np.random.default_rng(3).integers(0, 11, (2, 10))
    with tg.no_grad():
        full, _ = m(idx)
        cache = KVCache(m.config.n_layer)
        first, _ = m(idx[:, :4], kv_cache=cache)                   # a prompt of 4 tokens at once
        steps = [first.data] + [m(idx[:, t:t + 1], kv_cache=cache)[0].data for t in range(4, 10)]
    np.testing.assert_allclose(np.concatenate(steps, axis=1), full.data, atol=1e-5, rtol=1e-4)


def test_gpt_rejects_bad_input():
    m = _tiny()
    with pytest.raises(ValueError, match="block_size"):
        m(np.zeros((1, 9), np.int64))
    with pytest.raises(ValueError, match="token ids"):
        m(np.full((1, 3), 11))
    with pytest.raises(ValueError, match="int array"):
        m(np.zeros((1, 3), np.float32))
    with pytest.raises(ValueError, match="divisible"):
        GPTConfig(n_embd=10, n_head=3)


def test_gpt_learns_a_repeating_sequence():
    m = _tiny(seed=1, n_embd=16)
    opt = m.configure_optimizers(weight_decay=0.0, learning_rate=1e-2)
    seq = np.tile(np.arange(5), 4)[None, :9]
    for _ in range(60):
        _, loss = m(seq[:, :8], seq[:, 1:9])
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert loss.item() < 0.1, f"a 2-layer GPT should memorise 0,1,2,3,4,0,... ; loss stayed at {loss.item():.3f}"
