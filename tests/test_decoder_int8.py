"""int8 weight-only decoding and the plain-NumPy GPT-2 reference of `tglm bench --only gpt2`.

kernels.quantize_int8: symmetric per-row scales, |W - s Q| <= s / 2. kernels.gemv with int8 W equals
its NumPy twin (both code paths: <= 2 rows in registers, more rows through a widened row) and the
float32 product within the quantization bound; also under NUMBA_DISABLE_JIT=1 (a subprocess).
Decoder(weights="int8") == GPT.forward of the same model with its matrices replaced by s Q.
benchmarks.numpy_gpt2 (float64) == Decoder float32 == GPT.forward, so the benchmark compares like with like.
"""
import copy
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import tinygrad_lm as tg
from tinygrad_lm.benchmarks.numpy_gpt2 import NumpyGPT2
from tinygrad_lm.generation.decoder import Decoder
from tinygrad_lm.generation.decoding import generate
from tinygrad_lm.kernels import api as kernels
from tinygrad_lm.kernels.gemv import gemv_int8_numpy
from tinygrad_lm.models import GPT, GPTConfig

ROOT = Path(__file__).resolve().parents[1]


# ---- quantize_int8 / gemv on int8 ------------------------------------------------------------------
def test_quantize_int8_per_row_scales_and_rounding_bound():
    rng = np.random.default_rng(0)
    W = (rng.standard_normal((6, 50)) * np.array([1e-3, 0.02, 1, 30, 0, 0.5])[:, None]).astype(np.float32)
    Q, s = kernels.quantize_int8(W)
    assert Q.dtype == np.int8 and s.dtype == np.float32 and s.shape == (6,)
    assert s[4] == 0 and not Q[4].any()                                # an all-zero row stays exact
    live = s > 0
    np.testing.assert_array_equal(np.abs(Q[live]).max(axis=1), 127)    # each row's max maps to +-127
    err = np.abs(W - kernels.dequantize_int8(Q, s))
    assert (err <= s[:, None] / 2 * (1 + 1e-5) + 1e-12).all(), "rounding error above s / 2: truncation instead of round?"
    with pytest.raises(ValueError, match="inf or nan"):
        kernels.quantize_int8(np.array([[1.0, np.nan]], dtype=np.float32))
    with pytest.raises(TypeError, match="2-D float"):
        kernels.quantize_int8(np.zeros(3, dtype=np.float32))


@pytest.mark.parametrize("O,C,R", [(1, 1, 1), (5, 7, 1), (33, 100, 2), (64, 16, 1), (130, 80, 3),
                                   (257, 192, 1), (40, 129, 4), (300, 768, 1)])
def test_gemv_int8_matches_twin_and_float32_within_quantization_error(O, C, R):
    rng = np.random.default_rng(O * 1000 + C)
    W = (rng.standard_normal((O, C)) * 0.1).astype(np.float32)
    x = rng.standard_normal((R, C)).astype(np.float32)
    Q, s = kernels.quantize_int8(W)
    y = kernels.gemv(Q, x, scale=s)
    assert y.shape == (R, O) and y.dtype == np.float32
    exact = x.astype(np.float64) @ kernels.dequantize_int8(Q, s).astype(np.float64).T
    np.testing.assert_allclose(y, exact, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(y, gemv_int8_numpy(Q, s, x), rtol=1e-5, atol=1e-5)
    bound = np.abs(x).sum(axis=1)[:, None] * s[None, :] / 2             # (R, O): sum_c |x_c| s / 2
    assert (np.abs(y - x.astype(np.float64) @ W.T.astype(np.float64)) <= bound + 1e-5).all()
    np.testing.assert_allclose(kernels.gemv(Q, x[0], scale=s), y[0], rtol=1e-6, atol=1e-6)   # 1-D x


def test_gemv_int8_rejects_a_missing_or_misshapen_scale():
    Q = np.zeros((3, 4), dtype=np.int8)
    x = np.zeros((1, 4), dtype=np.float32)
    with pytest.raises(TypeError, match="per-row scale"):
        kernels.gemv(Q, x)
    with pytest.raises(TypeError, match="per-row scale"):
        kernels.gemv(Q.astype(np.float32), x, scale=np.ones(3, np.float32))
    with pytest.raises(ValueError, match=r"scale must have shape \(3,\)"):
        kernels.gemv(Q, x, scale=np.ones(4, np.float32))


def test_gemv_int8_numpy_backend_runs_the_twin():
    from tinygrad_lm.kernels import gemv as gemv_module
    rng = np.random.default_rng(3)
    Q, s = kernels.quantize_int8(rng.standard_normal((300, 48)).astype(np.float32))
    x = rng.standard_normal((1, 48)).astype(np.float32)
    old, kernel = kernels.use("numpy"), gemv_module.gemv_i8_kernel
    try:
        gemv_module.gemv_i8_kernel = None                                  # calling it would raise TypeError
        np.testing.assert_allclose(kernels.gemv(Q, x, scale=s), gemv_int8_numpy(Q, s, x), rtol=1e-6)
    finally:
        kernels.use(old)
        gemv_module.gemv_i8_kernel = kernel


_NOJIT = """
import numpy as np
from tinygrad_lm.kernels import api as kernels
from tinygrad_lm.kernels import _jit
from tinygrad_lm.kernels.gemv import gemv_int8_numpy
assert _jit.JIT_DISABLED
rng = np.random.default_rng(1)
for O, C, R in [(70, 40, 1), (33, 35, 3)]:
    W = rng.standard_normal((O, C)).astype(np.float32)
    x = rng.standard_normal((R, C)).astype(np.float32)
    Q, s = kernels.quantize_int8(W)
    np.testing.assert_allclose(kernels.gemv(Q, x, scale=s), gemv_int8_numpy(Q, s, x), rtol=1e-5, atol=1e-5)
print("OK")
"""


def test_gemv_int8_runs_with_numba_disabled():
    env = dict(os.environ, PYTHONPATH=str(ROOT), NUMBA_DISABLE_JIT="1")
    r = subprocess.run([sys.executable, "-c", _NOJIT], env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and "OK" in r.stdout, r.stderr[-3000:]


# ---- Decoder(weights="int8") --------------------------------------------------------------------------
def _model(bias=True, seed=0, block_size=24):
    tg.manual_seed(seed)
    m = GPT(GPTConfig(vocab_size=37, block_size=block_size, n_layer=2, n_head=4, n_embd=48, bias=bias))
    rng = np.random.default_rng(seed)
    for p in m.parameters():                    # non-zero biases / LayerNorm gains: test them too
        p.data[...] += (0.05 * rng.standard_normal(p.shape)).astype(np.float32)
    return m.eval()


def _dequantized(model):
    """The model with what Decoder(weights="int8") stores as int8 replaced by s[:, None] * Q
    (wte and the block matrices; wpe, biases and LayerNorm stay float32)."""
    model = copy.deepcopy(model)
    for name, p in model.named_parameters():
        if p.ndim == 2 and "wpe" not in name:
            p.data[...] = kernels.dequantize_int8(*kernels.quantize_int8(p.data))
    return model


def _logits(model, ids):
    with tg.no_grad():
        return model(np.array([ids]))[0].data[0]                  # (T, V)


@pytest.mark.parametrize("bias", [True, False])
def test_decoder_int8_equals_model_with_dequantized_weights(bias):
    model = _model(bias)
    ids = [7, 7, 2, 30, 11, 0, 36, 5, 9]
    ref = _logits(_dequantized(model), ids)
    dec = Decoder(model, weights="int8")
    np.testing.assert_allclose(dec.forward(ids[:4], all_logits=True), ref[:4], rtol=1e-4, atol=1e-4)
    for t in range(4, 7):
        np.testing.assert_allclose(dec.forward([ids[t]]), ref[t], rtol=1e-4, atol=1e-4, err_msg=f"step {t}")
    np.testing.assert_allclose(dec.forward(ids[7:]), ref[-1], rtol=1e-4, atol=1e-4)
    f32 = Decoder(model)
    assert dec.nbytes() < f32.nbytes() / 3.5                        # int8 + one float32 scale per row
    diff = np.abs(_logits(model, ids) - ref).max()
    assert 0 < diff < 0.05, f"int8 logits moved by {diff}: the quantization error should be small but non-zero"


def test_decoder_int8_long_prompt_takes_the_matmul_path():
    model = _model(block_size=72)
    ids = list(np.random.default_rng(2).integers(0, 37, 70))       # 70 > SKINNY rows: dequantize + matmul
    ref = _logits(_dequantized(model), ids)
    dec = Decoder(model, weights="int8")
    np.testing.assert_allclose(dec.forward(ids[:69], all_logits=True), ref[:69], rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(dec.forward(ids[69:]), ref[69], rtol=1e-4, atol=1e-4)


def test_stream_with_int8_decoder_matches_uncached_greedy_of_the_dequantized_model():
    model = _model()
    slow = generate(_dequantized(model), [1, 2, 3], 30, temperature=0.0, use_cache=False)   # window slides
    fast = generate(model, [1, 2, 3], 30, temperature=0.0, weights="int8")
    np.testing.assert_array_equal(fast, slow)


def test_decoder_int8_refuses_non_finite_weights():
    model = _model()
    model.transformer.h[1].attn.c_proj.weight.data[0, 0] = np.inf
    with pytest.raises(ValueError, match="c_proj.weight.*inf or nan"):
        Decoder(model, weights="int8")


# ---- the NumPy reference of the benchmark -----------------------------------------------------------
@pytest.mark.parametrize("bias", [True, False])
def test_numpy_reference_float64_equals_decoder_float32(bias):
    model = _model(bias)
    ids = [3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8]
    ref, dec = NumpyGPT2.from_model(model, np.float64), Decoder(model)
    full = _logits(model, ids)                                      # (12, V)
    np.testing.assert_allclose(ref.forward(ids[:5], all_logits=True), full[:5], rtol=1e-5, atol=1e-5)
    dec.forward(ids[:5])
    for t in range(5, 9):                                           # one token at a time, against the cache
        a, b = ref.forward([ids[t]]), dec.forward([ids[t]])
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5, err_msg=f"step {t}")
    np.testing.assert_allclose(ref.forward(ids[9:]), dec.forward(ids[9:]), rtol=1e-5, atol=1e-5,
                               err_msg="3 new tokens after a filled cache (offset causal mask)")
    assert ref.nbytes() == 2 * NumpyGPT2.from_model(model, np.float32).nbytes() == 2 * dec.nbytes()


def test_numpy_reference_float32_stays_float32():
    model = _model()
    ref = NumpyGPT2.from_model(model, np.float32)
    assert ref.forward([1, 2, 3]).dtype == np.float32                 # np.sqrt(D) would promote to float64


def test_quant_ppl_decoder_loss_equals_the_models_own_window_loss():
    from tinygrad_lm.benchmarks.quant_ppl import decoder_loss
    from tinygrad_lm.training.course_base_eval import window_loss
    model = _model()
    ids = np.random.default_rng(4).integers(0, 37, 3 * 20 + 5)
    loss, n = decoder_loss(Decoder(model), ids, 20, chunk=7)             # 3 windows, fed 7 tokens at a time
    ref = window_loss(model, ids, 20)
    assert n == ref["tokens"] == 60
    assert abs(loss - ref["loss"]) < 1e-5


def test_gpt2_bench_lockstep_runs_every_contender_token_by_token():
    from tinygrad_lm.benchmarks.gpt2 import _greedy, _lockstep
    tg.manual_seed(1)
    model = GPT(GPTConfig(vocab_size=128, block_size=24, n_layer=1, n_head=2, n_embd=32)).eval()   # prompt ids 100..115
    makers = {"numpy": lambda n: _greedy(NumpyGPT2.from_model(model), n),
              "float32": lambda n: _greedy(Decoder(model), n), "int8": lambda n: _greedy(Decoder(model, "int8"), n)}
    out = _lockstep(makers, 5)
    assert all(len(out[k][0]) == len(out[k][1]) == len(out[k][2]) == 5 for k in makers)
    assert out["numpy"][2] == out["float32"][2]                       # the same greedy tokens
