"""Week 7 autograder: a LoRA linear layer (tasks 7.3, 7.4), compared with tinygrad_lm/nn/lora.py (loralib's semantics)."""
import math

import numpy as np
import pytest

import tinygrad_lm as tg
from tinygrad_lm import nn
from tinygrad_lm.course import assert_close, load
from tinygrad_lm.tensor import Tensor

mod = load("week7.lora")


def layer(C=64, O=24, r=8, alpha=16, seed=0, bias=True):
    tg.manual_seed(seed)
    base = nn.Linear(C, O, bias=bias)
    tg.manual_seed(seed + 1)
    return base, mod.LoRALinear(base, r=r, alpha=alpha)


def x_of(seed, *shape):
    return Tensor(np.random.default_rng(seed).standard_normal(shape).astype(np.float32), requires_grad=True)


def randomise(lora, seed=3):
    r = np.random.default_rng(seed)
    lora.lora_A.data[...] = r.standard_normal(lora.lora_A.shape) * 0.1
    lora.lora_B.data[...] = r.standard_normal(lora.lora_B.shape) * 0.1


@pytest.mark.task("7.3", points=3, title="LoRALinear: initialisation and forward")
def test_lora_init_and_forward():
    base, lora = layer()
    A, B = lora.lora_A.data, lora.lora_B.data
    assert A.shape == (8, 64) and B.shape == (24, 8), "lora_A is (r, C) and lora_B is (O, r)"
    if not np.any(A) and np.any(B):
        pytest.fail("lora_A is zero and lora_B random: the other way round. B = 0 makes the layer start equal to the "
                    "base; with A = 0 instead, B gets no gradient at the first step (dL/dB is proportional to A x)")
    assert not np.any(B), "lora_B must start at zero (so B @ A = 0 and the wrapped model equals the base)"
    bound = 1 / math.sqrt(64)
    if np.abs(A).max() > bound + 1e-7:
        pytest.fail(f"lora_A has values up to {np.abs(A).max():.3f}, beyond 1/sqrt(C) = {bound:.3f}: loralib's "
                    "kaiming_uniform_(a=sqrt(5)) bound is sqrt(6 / ((1 + 5) C)) = 1/sqrt(C), not sqrt(6 / C)")
    assert np.abs(A).max() > 0.9 * bound and abs(A.mean()) < 0.02, \
        f"lora_A should fill U(-1/sqrt(C), 1/sqrt(C)) = U(-{bound:.3f}, {bound:.3f}); got values in " \
        f"[{A.min():.3f}, {A.max():.3f}]"
    A_again = layer()[1].lora_A.data
    assert np.array_equal(A, A_again), "use the library's generator (rng()): the same seed must give the same lora_A"

    x = x_of(0, 2, 5, 64)
    assert_close(lora(x).data, base(x).data, atol=1e-6, name="a fresh LoRALinear's output (B = 0: equal to the base)")
    randomise(lora)
    y = lora(x)
    W, b = base.weight.data, base.bias.data
    low = (x.data @ lora.lora_A.data.T) @ lora.lora_B.data.T
    want = x.data @ W.T + b + low * 2.0                                 # alpha / r = 16 / 8
    if np.allclose(y.data, x.data @ W.T + b + low * 0.5, atol=1e-4):
        pytest.fail("the LoRA path is scaled by r / alpha; the scaling is alpha / r")
    if np.allclose(y.data, x.data @ W.T + b + low, atol=1e-4):
        pytest.fail("the LoRA path is not scaled: multiply it by self.scaling = alpha / r")
    assert_close(y.data, want, atol=1e-4, name="LoRALinear(x) = x W^T + b + (x A^T B^T) * alpha / r")
    assert y.shape == (2, 5, 24)

    ref = nn.LoRALinear(nn.Linear(64, 24), r=8, alpha=16)             # the library's layer, same weights
    for k in ("weight", "bias", "lora_A", "lora_B"):
        getattr(ref, k).data[...] = getattr(lora, k).data
    dy = np.random.default_rng(5).standard_normal((2, 5, 24)).astype(np.float32)
    x2 = x_of(0, 2, 5, 64)
    ref(x2).backward(dy)
    lora.zero_grad()
    x.grad = None
    lora(x).backward(dy)
    for k in ("lora_A", "lora_B", "weight", "bias"):
        g = getattr(lora, k).grad
        assert g is not None, f"no gradient reached {k}: build the output from Tensor operations (F.linear)"
        assert_close(g, getattr(ref, k).grad, atol=1e-4, name=f"d loss / d {k}")
    assert_close(x.grad, x2.grad, atol=1e-4, name="d loss / d x")
    base2, lora2 = layer(bias=False)
    randomise(lora2)
    x3 = x_of(1, 3, 64)
    assert_close(lora2(x3).data, x3.data @ base2.weight.data.T +
                 (x3.data @ lora2.lora_A.data.T @ lora2.lora_B.data.T) * 2.0, atol=1e-4,
                 name="LoRALinear on a Linear without bias")


@pytest.mark.task("7.4", points=3, title="LoRALinear: merge and unmerge")
def test_merge_unmerge():
    base, lora = layer()
    randomise(lora)
    W0 = base.weight.data.copy()
    x = x_of(2, 4, 64)
    before = lora(x).data.copy()
    out = lora.merge()
    assert out is lora, "merge() returns self"
    assert lora.merged is True, "merge() sets merged = True"
    delta = (lora.lora_B.data @ lora.lora_A.data) * lora.scaling
    if np.allclose(base.weight.data, W0 + delta / lora.scaling, atol=1e-6):
        pytest.fail("merge added B @ A without the scaling alpha / r")
    assert_close(base.weight.data, W0 + delta, atol=1e-6, name="W after merge (W + B @ A * alpha / r)",
                 hint="merge must change the wrapped Linear's weight in place (self.weight IS base.weight)")
    after = lora(x).data
    if np.allclose(after, before + (x.data @ lora.lora_A.data.T @ lora.lora_B.data.T) * lora.scaling, atol=1e-4):
        pytest.fail("after merge() forward still adds the LoRA path: the update is counted twice. Once merged, "
                    "return only the plain Linear's output")
    assert_close(after, before, atol=1e-5, name="the output after merge() (must equal the unmerged output)")
    lora.merge()
    assert_close(base.weight.data, W0 + delta, atol=1e-6, name="W after merging twice",
                 hint="merging a merged layer must change nothing (check self.merged)")
    lora.unmerge()
    assert lora.merged is False, "unmerge() sets merged = False"
    assert_close(base.weight.data, W0, atol=1e-6, name="W after merge + unmerge (the original W)")
    assert_close(lora(x).data, before, atol=1e-5, name="the output after unmerge()")
    lora.unmerge()
    assert_close(base.weight.data, W0, atol=1e-6, name="W after unmerging an unmerged layer (must not change)")
