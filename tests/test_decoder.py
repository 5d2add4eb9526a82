"""generation.Decoder and kernels.gemv: fast decoding computes the model's own logits.

float32: Decoder logits == GPT.forward logits (1e-4) at every step, prompt or one token at a time.
float16: == the logits of the same model with its weights rounded to float16 (storage is the only
difference). gemv: equal to its NumPy twin on odd shapes, float16 widening exact incl. subnormals.
"""
import copy

import numpy as np
import pytest

import tinygrad_lm as tg
from tinygrad_lm.kernels import api as kernels
from tinygrad_lm.generation.decoding import generate
from tinygrad_lm.generation.decoder import Decoder
from tinygrad_lm.kernels.gemv import gemv_numpy
from tinygrad_lm.models import GPT, GPTConfig


# ---- kernels.gemv --------------------------------------------------------------------------------
@pytest.mark.parametrize("O,C,R", [(1, 1, 1), (5, 7, 1), (33, 100, 2), (64, 16, 1), (130, 80, 3),
                                   (257, 192, 1), (40, 129, 4)])
@pytest.mark.parametrize("dtype", [np.float32, np.float16])
def test_gemv_matches_numpy_twin(O, C, R, dtype):
    rng = np.random.default_rng(O * 1000 + C)
    W = (rng.standard_normal((O, C)) * 0.1).astype(dtype)
    x = rng.standard_normal((R, C)).astype(np.float32)
    y = kernels.gemv(W, x)
    assert y.shape == (R, O) and y.dtype == np.float32
    ref = x.astype(np.float64) @ W.astype(np.float64).T
    np.testing.assert_allclose(y, ref, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(y, gemv_numpy(W, x), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(kernels.gemv(W, x[0]), y[0], rtol=1e-6, atol=1e-6)   # 1-D x


def test_gemv_float16_widening_is_exact_for_every_kind_of_half():
    bits = np.array([0, 1, 0x3FF, 0x400, 0x7BFF, 0x8001, 0xFBFF, 0x3C00, 0x3555, 0xB4CD], dtype=np.uint16)
    W = np.concatenate([bits, bits, bits[:7]]).view(np.float16).reshape(1, -1)   # 27: 16-wide + tail
    for j in range(W.shape[1]):                                                  # pick column j
        e = np.zeros((1, W.shape[1]), dtype=np.float32)
        e[0, j] = 1.0
        assert kernels.gemv(W, e)[0, 0] == np.float32(W[0, j]), f"column {j}: bits {W.view(np.uint16)[0, j]:#x}"


def test_gemv_reads_a_read_only_weight_in_place():
    W = np.random.default_rng(5).standard_normal((300, 48)).astype(np.float16)     # e.g. an mmap'd checkpoint
    W.flags.writeable = False
    x = np.ones((1, 48), dtype=np.float32)
    np.testing.assert_allclose(kernels.gemv(W, x), x @ W.astype(np.float32).T, rtol=1e-5, atol=1e-4)


def test_gemv_rejects_bad_inputs():
    W = np.zeros((3, 4), dtype=np.float32)
    with pytest.raises(ValueError, match="C = 4"):
        kernels.gemv(W, np.zeros((1, 5), dtype=np.float32))
    with pytest.raises(ValueError, match="float32"):
        kernels.gemv(W, np.zeros((1, 4), dtype=np.float64))
    with pytest.raises(TypeError, match="float32 or float16"):
        kernels.gemv(W.astype(np.float64), np.zeros((1, 4), dtype=np.float32))


# ---- Decoder --------------------------------------------------------------------------------------
def _model(bias=True, seed=0):
    tg.manual_seed(seed)
    m = GPT(GPTConfig(vocab_size=37, block_size=24, n_layer=2, n_head=4, n_embd=48, bias=bias))
    rng = np.random.default_rng(seed)
    for p in m.parameters():                    # non-zero biases / LayerNorm gains: test them too
        p.data[...] += (0.05 * rng.standard_normal(p.shape)).astype(np.float32)
    return m.eval()


def _round_stored_matrices(model):
    """Round what Decoder(weights="float16") stores in float16: wte and the block matrices (wpe,
    biases and LayerNorm stay float32)."""
    for name, p in model.named_parameters():
        if p.ndim == 2 and "wpe" not in name:
            p.data[...] = p.data.astype(np.float16).astype(np.float32)
    return model


def _reference_logits(model, ids):
    with tg.no_grad():
        return model(np.array([ids]))[0].data[0]                  # (T, V)


@pytest.mark.parametrize("bias", [True, False])
def test_decoder_float32_equals_model_forward_at_every_step(bias):
    model = _model(bias)
    ids = [3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8]
    ref = _reference_logits(model, ids)                           # (12, V)
    dec = Decoder(model)
    np.testing.assert_allclose(dec.forward(ids[:5], all_logits=True), ref[:5], rtol=1e-4, atol=1e-4)
    for t in range(5, 9):                                         # one token at a time
        np.testing.assert_allclose(dec.forward([ids[t]]), ref[t], rtol=1e-4, atol=1e-4,
                                   err_msg=f"one-token step at position {t}")
    np.testing.assert_allclose(dec.forward(ids[9:]), ref[-1], rtol=1e-4, atol=1e-4,
                               err_msg="3 new tokens after a filled cache (offset causal mask)")
    assert dec.length == len(ids)


def test_decoder_float16_equals_model_with_rounded_weights():
    model = _model()
    rounded = _round_stored_matrices(copy.deepcopy(model))
    ids = [7, 7, 2, 30, 11, 0, 36]
    ref = _reference_logits(rounded, ids)
    dec = Decoder(model, weights="float16")
    assert dec.wte.dtype == np.float16
    np.testing.assert_allclose(dec.forward(ids[:4]), ref[3], rtol=1e-4, atol=1e-4)
    for t in range(4, len(ids)):
        np.testing.assert_allclose(dec.forward([ids[t]]), ref[t], rtol=1e-4, atol=1e-4)
    assert dec.nbytes() * 2 == Decoder(model).nbytes()


@pytest.mark.parametrize("weights", ["float32", "float16"])
def test_stream_with_decoder_matches_uncached_greedy(weights):
    model = _model()
    if weights == "float16":                                      # so both paths use the same weights
        _round_stored_matrices(model)
    prompt = [1, 2, 3]
    slow = generate(model, prompt, 30, temperature=0.0, use_cache=False)   # 30 > block 24: window slides
    fast = generate(model, prompt, 30, temperature=0.0, weights=weights)
    np.testing.assert_array_equal(fast, slow)


def test_decoder_errors_name_the_problem():
    model = _model()
    dec = Decoder(model)
    with pytest.raises(ValueError, match="block_size"):
        dec.forward(list(range(25)))
    with pytest.raises(ValueError, match=r"\[0, 37\)"):
        dec.forward([37])
    with pytest.raises(ValueError, match="'float16' or 'int8'"):
        Decoder(model, weights="int4")
    big = _model()
    big.transformer.h[0].mlp.c_fc.weight.data[0, 0] = 1e6
    with pytest.raises(ValueError, match="mlp.c_fc.weight.*65504"):
        Decoder(big, weights="float16")
    with pytest.raises(ValueError, match="use_cache"):
        generate(model, [1], 3, weights="float32", use_cache=False)


def test_a_decoder_is_reused_across_stream_calls():
    model = _model()
    dec = Decoder(model)
    first = generate(dec, [1, 2, 3], 8, temperature=0.0)
    again = generate(dec, [1, 2, 3], 8, temperature=0.0)       # the cache is reset, not appended to
    np.testing.assert_array_equal(first, again)
    np.testing.assert_array_equal(first, generate(model, [1, 2, 3], 8, temperature=0.0))
    with pytest.raises(ValueError, match="holds float32"):
        generate(dec, [1], 2, weights="float16")


@pytest.mark.parametrize("n", [0, 5, 16, 1000, 70_001])
def test_float16_to_float32_equals_astype(n):
    a = np.random.default_rng(n).standard_normal(n).astype(np.float16)
    a[:3] = np.array([0, 6e-8, -65504], dtype=np.float16)[:min(3, n)]
    out = kernels.float16_to_float32(a.reshape(-1, 1) if n % 2 else a)
    np.testing.assert_array_equal(out.reshape(-1), a.astype(np.float32))
    with pytest.raises(TypeError, match="float16"):
        kernels.float16_to_float32(np.zeros(3, dtype=np.float32))


def test_skinny_matmul_against_a_transposed_weight_uses_gemv_and_is_exact_enough():
    rng = np.random.default_rng(3)
    W = rng.standard_normal((700, 300)).astype(np.float32)        # (O, C): big enough for the kernels
    x = rng.standard_normal((1, 1, 300)).astype(np.float32)       # (B, T, C) with B*T = 1
    y = kernels.matmul(x, W.T)
    assert y.shape == (1, 1, 700)
    np.testing.assert_allclose(y, x.astype(np.float64) @ W.T.astype(np.float64), rtol=1e-4, atol=1e-4)


def test_truncate_rolls_the_cache_back_to_a_prefix():
    model = _model()
    dec = Decoder(model, "float32")
    prompt, a, b = [1, 2, 3, 4], [5, 6], [7, 8, 9]
    dec.forward(prompt)
    dec.forward(a)
    dec.truncate(len(prompt))                                  # forget a, continue from the prompt
    got = dec.forward(b)
    dec.reset()
    want = dec.forward(prompt + b)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)
    with pytest.raises(ValueError, match="truncate"):
        dec.truncate(len(prompt) + len(b) + 1)
