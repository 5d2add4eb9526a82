"""Fused self-attention from packed qkv (attention.self_attention_qkv, kernels/attention.py).

Checks: Numba kernels == NumPy twins on odd shapes (causal and not); the op == the unfused chain
split -> reshape -> transpose -> scaled_dot_product_attention -> transpose -> reshape, values and
gradients; float64 central-difference gradcheck; clear errors on bad shapes; the malloc tuning.
Legend: B batch, T time, C channels, H heads, D head size.
"""
import numpy as np
import pytest

from tinygrad_lm import Tensor
from tinygrad_lm.ops.attention import scaled_dot_product_attention, self_attention_qkv
from tinygrad_lm.gradcheck import gradcheck
from tinygrad_lm.kernels import _alloc
from tinygrad_lm.kernels import attention as KA


def _unfused(qkv: Tensor, H: int, causal: bool) -> Tensor:
    B, T, C3 = qkv.shape
    C = C3 // 3
    D = C // H
    q, k, v = qkv.split(C, axis=2)                                     # each (B, T, C)
    q, k, v = (t.reshape(B, T, H, D).transpose(1, 2) for t in (q, k, v))   # (B, H, T, D)
    y = scaled_dot_product_attention(q, k, v, causal=causal)          # (B, H, T, D)
    return y.transpose(1, 2).reshape(B, T, C)                          # (B, T, C)


SHAPES = [(1, 1, 1, 1), (2, 5, 3, 4), (3, 7, 2, 3), (2, 17, 4, 8)]   # B, T, H, D


@pytest.mark.parametrize("causal", [True, False])
@pytest.mark.parametrize("B,T,H,D", SHAPES)
def test_kernels_match_numpy_twins(B, T, H, D, causal):
    rng = np.random.default_rng(1)
    C = H * D
    qkv = rng.standard_normal((B, T, 3 * C)).astype(np.float32)        # (B, T, 3C)
    dy = rng.standard_normal((B, T, C)).astype(np.float32)             # (B, T, C)
    y = np.empty((B, T, C), dtype=np.float32)
    p = np.empty((B, H, T, T), dtype=np.float32)
    KA.attention_qkv_forward_kernel(qkv, H, causal, 1, y, p)
    y_ref, p_ref = KA.attention_qkv_forward_numpy(qkv.astype(np.float64), H, causal)
    np.testing.assert_allclose(y, y_ref, rtol=1e-5, atol=1e-5, err_msg="forward kernel y != twin")
    seen = np.tril(np.ones((T, T), dtype=bool)) if causal else np.ones((T, T), dtype=bool)
    np.testing.assert_allclose(p[..., seen], p_ref[..., seen], rtol=1e-5, atol=1e-6,
                               err_msg="forward kernel p != twin (lower triangle)")
    d = np.full((B, T, 3 * C), np.nan, dtype=np.float32)              # every element must be written
    KA.attention_qkv_backward_kernel(dy, qkv, p, H, causal, 1, d)
    d_ref = KA.attention_qkv_backward_numpy(dy.astype(np.float64), qkv.astype(np.float64), p_ref, H)
    np.testing.assert_allclose(d, d_ref, rtol=1e-4, atol=1e-5, err_msg="backward kernel dqkv != twin")


@pytest.mark.parametrize("causal", [True, False])
def test_op_matches_unfused_chain_float32(causal):
    rng = np.random.default_rng(2)
    B, T, H, D = 2, 9, 3, 4
    x = rng.standard_normal((B, T, 3 * H * D)).astype(np.float32)
    dy = rng.standard_normal((B, T, H * D)).astype(np.float32)
    outs, grads = [], []
    for fn in (self_attention_qkv, _unfused):
        qkv = Tensor(x, requires_grad=True)
        y = fn(qkv, H, causal)
        y.backward(dy)
        outs.append(y.data)
        grads.append(qkv.grad)
    assert outs[0].dtype == np.float32 and grads[0].dtype == np.float32
    np.testing.assert_allclose(outs[0], outs[1], rtol=1e-5, atol=1e-6, err_msg="fused y != unfused y")
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-4, atol=1e-5,
                               err_msg="fused dqkv != unfused dqkv")


def test_op_float32_big_enough_for_threads():
    rng = np.random.default_rng(3)
    B, T, H, D = 4, 64, 2, 16                                          # above the 1-thread cut-off
    x = rng.standard_normal((B, T, 3 * H * D)).astype(np.float32)
    a, b = Tensor(x, requires_grad=True), Tensor(x, requires_grad=True)
    dy = rng.standard_normal((B, T, H * D)).astype(np.float32)
    self_attention_qkv(a, H).backward(dy)
    _unfused(b, H, True).backward(dy)
    np.testing.assert_allclose(a.grad, b.grad, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("causal", [True, False])
def test_gradcheck_float64(causal):
    rng = np.random.default_rng(4)
    x = rng.standard_normal((2, 4, 3 * 2 * 3))                        # B=2, T=4, H=2, D=3
    assert gradcheck(lambda q: self_attention_qkv(q, 2, causal), x)


def test_float32_retain_graph_twice():
    rng = np.random.default_rng(5)
    qkv = Tensor(rng.standard_normal((1, 6, 12)).astype(np.float32), requires_grad=True)
    y = self_attention_qkv(qkv, 2)
    dy = np.ones((1, 6, 4), dtype=np.float32)
    y.backward(dy, retain_graph=True)
    g1 = qkv.grad.copy()
    y.backward(dy)
    np.testing.assert_allclose(qkv.grad, 2 * g1, rtol=1e-6)


def test_rejects_bad_shapes():
    with pytest.raises(ValueError, match=r"qkv \(B, T, 3C\)"):
        self_attention_qkv(Tensor(np.zeros((2, 3, 10), dtype=np.float32)), 2)      # 10 not 3C
    with pytest.raises(ValueError, match="divisible by n_head"):
        self_attention_qkv(Tensor(np.zeros((2, 3, 12), dtype=np.float32)), 3)      # C=4, H=3
    with pytest.raises(ValueError):
        self_attention_qkv(Tensor(np.zeros((3, 12), dtype=np.float32)), 2)         # not (B, T, 3C)


def test_malloc_tune_is_idempotent():
    first = _alloc.tune()
    assert isinstance(first, bool) and _alloc.tune() is first
