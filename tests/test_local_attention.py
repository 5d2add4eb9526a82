"""Local (banded) causal attention, GPT-3's "locally banded sparse" layers: query t sees keys t - w < s <= t.

Checks: the fused kernels (kernels/attention.py) equal dense attention under the band mask, forward
and backward, on odd shapes and every window from 1 to past T; they never write (so never compute)
p outside each 4-row block's band; the op equals the masked separate-op reference and the week 5
solution; float64 gradcheck (fused op, and the KV-cache op with keys sliced off); the GPTConfig
fields (validation, checkpoints old and new, the HF config keys); KV-cached decoding of a model
with local layers (GPT.forward with a KVCache, the Decoder, generate) equals the full forward;
NUMBA_DISABLE_JIT=1 runs the kernels as Python.
Legend: B batch, T time, C channels, H heads, D head size, w window.
"""
import json
import os
import subprocess
import sys

import numpy as np
import pytest

from tinygrad_lm import Tensor
from tinygrad_lm.checkpoints.checkpoint import load_checkpoint, read_checkpoint, save_checkpoint
from tinygrad_lm.generation.decoder import Decoder
from tinygrad_lm.generation.decoding import generate
from tinygrad_lm.gradcheck import gradcheck
from tinygrad_lm.kernels import attention as KA
from tinygrad_lm.models import GPT, GPTConfig, KVCache
from tinygrad_lm.models.gpt2_hf import config_from_hf, config_to_hf
from tinygrad_lm.random import manual_seed
from tinygrad_lm.ops.attention import attention_reference, scaled_dot_product_attention, self_attention_qkv

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _split(qkv, H):
    """(B, T, 3C) -> q, k, v (B, H, T, D) float64."""
    q, k, v = KA._heads(np.asarray(qkv, dtype=np.float64), H)
    return q, k, v


def _week5_reference(q, k, v, w):
    """solutions/week5/local_attention.py: the course's definition (mask, then softmax)."""
    sys.path.insert(0, ROOT)
    try:
        from solutions.week5.local_attention import local_attention
    finally:
        sys.path.remove(ROOT)
    return local_attention(q, k, v, w)


@pytest.mark.parametrize("B,T,H,D", [(1, 1, 1, 1), (2, 7, 2, 3), (2, 17, 3, 4), (1, 33, 2, 5)])
def test_kernels_equal_dense_attention_with_band_mask(B, T, H, D):
    rng = np.random.default_rng(T)
    C = H * D
    qkv = rng.standard_normal((B, T, 3 * C)).astype(np.float32)        # (B, T, 3C)
    dy = rng.standard_normal((B, T, C)).astype(np.float32)             # (B, T, C)
    for w in sorted({1, 2, 3, 4, 5, 8, T, T + 3}):
        y = np.empty((B, T, C), dtype=np.float32)
        p = np.full((B, H, T, T), np.nan, dtype=np.float32)            # never-written entries stay NaN
        KA.attention_qkv_forward_kernel(qkv, H, True, 1, y, p, w)
        y_ref, p_ref = KA.attention_qkv_forward_numpy(qkv.astype(np.float64), H, True, w)
        np.testing.assert_allclose(y, y_ref, rtol=1e-5, atol=1e-5, err_msg=f"w={w}: forward y != masked dense")
        band = ~KA.band_mask(T, w)
        np.testing.assert_allclose(p[..., band], p_ref[..., band], rtol=1e-5, atol=1e-6)
        i, j = np.arange(T)[:, None], np.arange(T)[None, :]
        skipped = (j < np.maximum(0, (i // 4) * 4 - w + 1)) | (j >= (i // 4) * 4 + 4)
        assert np.isnan(p[..., skipped]).all(), f"w={w}: the kernel wrote p outside the band's blocks"
        assert not np.isnan(p[..., ~skipped]).any()
        d = np.full((B, T, 3 * C), np.nan, dtype=np.float32)          # reads p only in the band
        KA.attention_qkv_backward_kernel(dy, qkv, p, H, True, 1, d, w)
        d_ref = KA.attention_qkv_backward_numpy(dy.astype(np.float64), qkv.astype(np.float64), p_ref, H)
        np.testing.assert_allclose(d, d_ref, rtol=1e-4, atol=1e-5, err_msg=f"w={w}: backward dqkv != masked dense")


def test_twin_equals_week5_solution_and_edge_windows():
    rng = np.random.default_rng(1)
    B, T, H, D = 2, 9, 2, 3
    qkv = rng.standard_normal((B, T, 3 * H * D))                       # float64
    q, k, v = _split(qkv, H)
    for w in (1, 2, 4, 9, 20):
        y, _ = KA.attention_qkv_forward_numpy(qkv, H, True, w)        # (B, T, C)
        want = _week5_reference(q, k, v, w).transpose(0, 2, 1, 3).reshape(B, T, H * D)
        np.testing.assert_allclose(y, want, atol=1e-12, err_msg=f"w={w}: library != solutions/week5")
    y1, _ = KA.attention_qkv_forward_numpy(qkv, H, True, 1)            # only itself: y = v
    np.testing.assert_allclose(y1, qkv[..., 2 * H * D:], atol=1e-12)
    yT, _ = KA.attention_qkv_forward_numpy(qkv, H, True, T)            # w >= T: dense causal
    np.testing.assert_allclose(yT, KA.attention_qkv_forward_numpy(qkv, H, True)[0], atol=1e-12)


@pytest.mark.parametrize("w", [1, 3, 6])
def test_op_equals_masked_reference_float32(w):
    rng = np.random.default_rng(2)
    B, T, H, D = 2, 11, 3, 4
    x = rng.standard_normal((B, T, 3 * H * D)).astype(np.float32)
    dy = rng.standard_normal((B, T, H * D)).astype(np.float32)
    qkv = Tensor(x, requires_grad=True)
    y = self_attention_qkv(qkv, H, window=w)                           # the fused kernel
    y.backward(dy)
    ref_in = Tensor(x, requires_grad=True)
    q, k, v = ref_in.split(H * D, axis=2)
    q, k, v = (t.reshape(B, T, H, D).transpose(1, 2) for t in (q, k, v))
    y_ref = attention_reference(q, k, v, window=w).transpose(1, 2).reshape(B, T, H * D)   # all scores, masked
    y_ref.backward(dy)
    np.testing.assert_allclose(y.data, y_ref.data, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(qkv.grad, ref_in.grad, rtol=1e-4, atol=1e-5)


def test_gradcheck_float64():
    rng = np.random.default_rng(3)
    x = Tensor(rng.standard_normal((2, 6, 3 * 4)), requires_grad=True)  # B=2, T=6, H=2, D=2
    assert gradcheck(lambda a: self_attention_qkv(a, 2, window=2), x)
    # the KV-cache form: 3 queries after 4 cached keys, w=2 -> the first 3 keys are sliced off
    q, k, v = (Tensor(rng.standard_normal(s), requires_grad=True) for s in ((1, 2, 3, 2), (1, 2, 7, 2), (1, 2, 7, 2)))
    assert gradcheck(lambda a, b, c: scaled_dot_product_attention(a, b, c, window=2), q, k, v)
    y = scaled_dot_product_attention(q, k, v, window=2)
    y.backward(np.ones_like(y.data))
    assert not k.grad[:, :, :3].any() and not v.grad[:, :, :3].any()
    ref = attention_reference(Tensor(q.data), Tensor(k.data), Tensor(v.data), window=2)
    np.testing.assert_allclose(y.data, ref.data, atol=1e-12)


def test_bad_windows_are_refused():
    x = Tensor(np.zeros((1, 4, 6), dtype=np.float32))
    for bad in (0, -2, 1.5, True, "4"):
        with pytest.raises(ValueError, match="window"):
            self_attention_qkv(x, 1, window=bad)
    with pytest.raises(ValueError, match="causal"):
        self_attention_qkv(x, 1, causal=False, window=2)


def test_config_fields_validation_and_layers():
    cfg = GPTConfig(n_layer=5, attn_window=8)
    assert [cfg.layer_window(i) for i in range(5)] == [None, 8, None, 8, None]     # "alternate": odd layers
    assert [GPTConfig(n_layer=3, attn_window=4, local_layers="all").layer_window(i) for i in range(3)] == [4] * 3
    assert [GPTConfig(n_layer=3, attn_window=4, local_layers=[2, 0]).layer_window(i) for i in range(3)] == [4, None, 4]
    assert GPTConfig(n_layer=3).layer_window(1) is None                              # default: dense
    for bad in (dict(attn_window=0), dict(attn_window=2.0), dict(local_layers="odd"),
                dict(attn_window=4, local_layers=[3]), dict(local_layers=["a"])):
        with pytest.raises(ValueError, match="attn_window|local_layers"):
            GPTConfig(n_layer=3, **bad)
    with pytest.raises(ValueError, match="causal"):
        GPT(GPTConfig(vocab_size=10, block_size=8, n_layer=1, n_head=1, n_embd=4, attn_window=2,
                      local_layers="all"), causal=False)


def _tiny(window, n_layer=3, local_layers="alternate", seed=0):
    manual_seed(seed)
    m = GPT(GPTConfig(vocab_size=40, block_size=48, n_layer=n_layer, n_head=2, n_embd=16,
                      attn_window=window, local_layers=local_layers))
    m.eval()
    return m


def test_checkpoints_keep_the_window_and_old_configs_load_dense(tmp_path):
    m = _tiny(5)
    path = str(tmp_path / "ck.safetensors")
    save_checkpoint(path, m, config={"model": m.config.to_dict()})
    cfg = read_checkpoint(path)["config"]["model"]
    assert cfg["attn_window"] == 5 and cfg["local_layers"] == "alternate"
    m2 = GPT(GPTConfig(**json.loads(json.dumps(cfg))))
    load_checkpoint(path, m2)
    ids = np.random.default_rng(0).integers(0, 40, (2, 30))
    np.testing.assert_array_equal(m2(ids)[0].data, m(ids)[0].data)
    old = {k: v for k, v in m.config.to_dict().items() if k not in ("attn_window", "local_layers")}
    assert GPTConfig(**old).layer_window(1) is None                 # written before the fields: dense
    listed = GPTConfig(**json.loads(json.dumps(GPTConfig(n_layer=4, attn_window=3, local_layers=(3, 1)).to_dict())))
    assert listed.local_layers == [1, 3]
    hf = config_to_hf(m.config)
    assert config_from_hf(hf) == m.config and "attn_window" not in config_to_hf(GPTConfig())


def test_local_layers_change_the_model_and_kv_cache_decoding_matches():
    m, dense = _tiny(4), _tiny(None)                                  # same seed: same weights
    ids = np.random.default_rng(1).integers(0, 40, (1, 30))
    full = m(ids)[0].data                                             # (1, 30, V), fused banded kernel
    assert np.abs(full - dense(ids)[0].data).max() > 1e-4             # the window matters past w
    np.testing.assert_allclose(full[:, :4], dense(ids)[0].data[:, :4], atol=1e-5)   # ... not before
    cache, parts, dec, dparts = KVCache(3), [], Decoder(m), []
    for a, b in ((0, 6), (6, 7), (7, 19), (19, 30)):                  # prompt, one token, chunks
        parts.append(m(ids[:, a:b], kv_cache=cache)[0].data)
        dparts.append(dec.forward(ids[0, a:b], all_logits=True)[None])
    np.testing.assert_allclose(np.concatenate(parts, axis=1), full, atol=1e-5)
    np.testing.assert_allclose(np.concatenate(dparts, axis=1), full, atol=1e-4)
    prompt = ids[0, :8]
    g = generate(m, prompt, 45, temperature=0)                        # passes block_size: refills
    assert (g == generate(m, prompt, 45, temperature=0, use_cache=False)).all()
    assert (g == generate(m, prompt, 45, temperature=0, weights="float32")).all()


def test_training_step_all_local_layers():
    m = _tiny(3, n_layer=2, local_layers="all")
    m.train()
    ids = np.random.default_rng(2).integers(0, 40, (2, 20))
    _, loss = m(ids[:, :-1], targets=ids[:, 1:])
    loss.backward()
    g = m.transformer.h[0].attn.c_attn.weight.grad
    assert np.isfinite(loss.data) and g is not None and np.abs(g).sum() > 0


def test_kernels_run_as_python_without_jit():
    code = ("import numpy as np\n"
            "from tinygrad_lm.kernels import attention as KA\n"
            "from tinygrad_lm.models import GPT, GPTConfig\n"
            "r = np.random.default_rng(0); B, T, H, D, w = 1, 9, 2, 2, 3\n"
            "x = r.standard_normal((B, T, 3 * H * D)).astype(np.float32)\n"
            "g = r.standard_normal((B, T, H * D)).astype(np.float32)\n"
            "y = np.empty((B, T, H * D), np.float32); p = np.full((B, H, T, T), np.nan, np.float32)\n"
            "KA.attention_qkv_forward_kernel(x, H, True, 1, y, p, w)\n"
            "d = np.empty_like(x); KA.attention_qkv_backward_kernel(g, x, p, H, True, 1, d, w)\n"
            "yr, pr = KA.attention_qkv_forward_numpy(x.astype(np.float64), H, True, w)\n"
            "dr = KA.attention_qkv_backward_numpy(g.astype(np.float64), x.astype(np.float64), pr, H)\n"
            "m = GPT(GPTConfig(vocab_size=9, block_size=8, n_layer=2, n_head=2, n_embd=4, attn_window=2))\n"
            "_, loss = m(np.zeros((1, 8), np.int64), targets=np.ones((1, 8), np.int64)); loss.backward()\n"
            "print(float(abs(y - yr).max()) < 1e-5, float(abs(d - dr).max()) < 1e-4, bool(np.isfinite(loss.data)))\n")
    env = dict(os.environ, NUMBA_DISABLE_JIT="1", PYTHONPATH=ROOT)
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert out.stdout.split() == ["True", "True", "True"], out.stdout + out.stderr[-2000:]
