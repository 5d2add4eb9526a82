"""Week 4 autograder, part 2: positions and the transformer block (tasks 4.10-4.11).

The block is compared with the library's Block (tinygrad_lm/models/gpt.py) holding the same weights:
outputs and the gradients of x and of every weight.

Typical mistakes (docs/course/mistakes.md, mutation-tested by tests/test_mutants.py) fail with a first
line that names them; where a mistake shows in only some inputs, every test of the task runs a shared
screen first, so the mistake costs the whole task.
"""
import numpy as np
import pytest

import tinygrad_lm as tg
from tinygrad_lm.course import assert_close, assert_equal, load
from tinygrad_lm.models.gpt import Block, GPTConfig

mod = load("week4.transformer")


# ---- 4.10 ---------------------------------------------------------------------------------------
@pytest.mark.task("4.10", points=1, title="sinusoidal_positions, embed")
def test_sinusoidal_positions():
    P = mod.sinusoidal_positions(50, 16)
    assert_equal(tuple(P.shape), (50, 16), name="sinusoidal_positions(50, 16).shape")
    assert_equal(np.asarray(P).dtype, np.dtype(np.float32), name="dtype", hint="cast once with .astype(np.float32)")
    assert_close(P[0], np.tile([0.0, 1.0], 8), atol=1e-6, name="P[0]", hint="sin(0) = 0 in even, cos(0) = 1 in odd columns")
    assert_close(P[7, 4], np.sin(7 / 10000 ** (4 / 16)), atol=1e-6, name="P[7, 4] = sin(7 / 10000^(4/16))",
                 hint="column 2i uses the exponent 2i / C, i.e. the column index itself over C")
    assert_close(P[7, 5], np.cos(7 / 10000 ** (4 / 16)), atol=1e-6, name="P[7, 5] = cos(7 / 10000^(4/16))")
    with pytest.raises(ValueError):
        mod.sinusoidal_positions(4, 5)


@pytest.mark.task("4.10", points=1)
def test_embed_tokens_plus_positions():
    rng = np.random.default_rng(0)
    wte = tg.Tensor(rng.standard_normal((11, 6)).astype(np.float32), requires_grad=True)
    wpe = tg.Tensor(rng.standard_normal((8, 6)).astype(np.float32), requires_grad=True)
    idx = np.array([[2, 2, 5], [0, 10, 2]])
    x = mod.embed(idx, wte, wpe)
    assert_close(x, wte.data[idx] + wpe.data[:3][None], name="embed(idx, wte, wpe) (2, 3, 6)")
    x2 = mod.embed(idx, wte, wpe, start=4)
    x2_np = np.asarray(getattr(x2, "data", x2))
    if x2_np.shape == (2, 3, 6) and np.allclose(x2_np, wte.data[idx] + wpe.data[:3][None]):
        raise AssertionError("embed(..., start=4) used positions 0..2 instead of start..start+T-1 = 4..6\n"
                             "  hint: a KV-cached generation continues at `start`: token t gets wpe[start + t]")
    assert_close(x2, wte.data[idx] + wpe.data[4:7][None], name="embed(..., start=4)",
                 hint="token t gets wpe[start + t]")
    (x * x).sum().backward()
    assert wte.grad is not None and wpe.grad is not None, "gradients must reach wte and wpe: use F.embedding"
    assert_close(wpe.grad[3:], np.zeros((5, 6), np.float32), name="wpe.grad of unused positions")
    with pytest.raises(ValueError):
        mod.embed(np.zeros((1, 6), np.int64), wte, wpe, start=3)


# ---- 4.11 ---------------------------------------------------------------------------------------
def _check_block(causal, seed):
    tg.manual_seed(seed)
    cfg = GPTConfig(vocab_size=10, block_size=8, n_layer=2, n_head=2, n_embd=8)
    block = Block(cfg, causal=causal)
    rng = np.random.default_rng(seed)
    for p in block.parameters():                       # non-trivial LayerNorm gains and biases too
        p.data[...] = rng.standard_normal(p.shape).astype(np.float32) * 0.3
    x_np = rng.standard_normal((2, 6, 8)).astype(np.float32)
    dy = rng.standard_normal((2, 6, 8)).astype(np.float32)
    params = dict(block.named_parameters())
    x = tg.Tensor(x_np, requires_grad=True)
    y = mod.transformer_block(x, params, 2, causal=causal)
    ref_y, ref_dx, ref_grads = _ref(block, x_np, dy)
    assert_close(y, ref_y, atol=1e-4, rtol=1e-3,
                 name=f"transformer_block(causal={causal}) vs the library Block",
                 hint="pre-LN: x + attn(ln_1(x)), then x + mlp(ln_2(x)); q, k, v in that order in c_attn; "
                      "merge heads back to (B, T, C) before c_proj")
    y.backward(dy)
    assert_close(x.grad, ref_dx, atol=1e-4, rtol=1e-3, name="dL/dx",
                 hint="build everything from Tensor ops (no .data / NumPy in the middle), or the graph breaks")
    for name, g in ref_grads.items():
        assert_close(params[name].grad, g, atol=1e-4, rtol=1e-3, name=f"dL/d{name}")


def _ref(block, x_np, dy):
    for p in block.parameters():
        p.grad = None
    x = tg.Tensor(x_np, requires_grad=True)
    y = block(x)
    y.backward(dy)
    grads = {n: p.grad.copy() for n, p in block.named_parameters()}
    for p in block.parameters():
        p.grad = None
    return y.data, x.grad, grads


@pytest.mark.task("4.11", points=3, title="transformer_block (pre-LN GPT-2 block from Tensor ops)")
def test_block_matches_library_causal():
    _check_block(True, 0)


@pytest.mark.task("4.11", points=3)
def test_block_matches_library_bidirectional():
    _check_block(False, 1)
