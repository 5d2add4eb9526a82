"""Every op: float64 gradcheck (incl. a broadcasting case), and float32 in -> float32 out and grads.

Each CASE is (name, fn, inputs); inputs are NumPy arrays (float ones are checked, int ones are
passed through as ids/targets/masks). The same table drives both tests, so an op added here is
gradchecked AND dtype-checked.
"""
import numpy as np
import pytest

import tinygrad_lm as tg
import tinygrad_lm.functional as F
from tinygrad_lm import Tensor, gradcheck

R = np.random.default_rng(1234)


def n(*shape):
    return R.standard_normal(shape)


def pos(*shape):
    return R.random(shape) + 0.5


def distinct(*shape):
    """Values with no ties (max/min gradients are well defined there)."""
    return R.permutation(int(np.prod(shape))).reshape(shape) * 0.1 + R.random(shape) * 0.01


CASES = [
    # arithmetic, broadcasting both sides, Python-scalar r-ops
    ("add", lambda a, b: a + b, [n(3, 4), n(3, 4)]),
    ("add_broadcast", lambda a, b: a + b, [n(2, 3, 4), n(3, 1)]),
    ("add_broadcast_left", lambda a, b: a + b, [n(4), n(2, 3, 4)]),
    ("radd_scalar", lambda a: 2.5 + a + 1, [n(3, 4)]),
    ("sub_broadcast", lambda a, b: a - b, [n(3, 1), n(1, 4)]),
    ("rsub_scalar", lambda a: 1.0 - a, [n(3, 4)]),
    ("mul_broadcast", lambda a, b: a * b, [n(2, 3, 4), n(4)]),
    ("mul_scalar", lambda a: 3 * a * 0.5, [n(3)]),
    ("div_broadcast", lambda a, b: a / b, [n(2, 3), pos(2, 1)]),
    ("rdiv_scalar", lambda a: 2.0 / a, [pos(3, 4)]),
    ("neg", lambda a: -a, [n(3, 4)]),
    ("pow_scalar", lambda a: a ** 3, [n(3, 4)]),
    ("pow_square", lambda a: a ** 2, [n(3, 4)]),
    ("pow_frac", lambda a: a ** 1.5, [pos(3, 4)]),
    ("rpow", lambda a: 2 ** a, [n(3, 4)]),
    ("node_used_twice", lambda a: a * a + a, [n(3, 4)]),
    # unary
    ("exp", lambda a: a.exp(), [n(3, 4)]),
    ("log", lambda a: a.log(), [pos(3, 4)]),
    ("sqrt", lambda a: a.sqrt(), [pos(3, 4)]),
    ("abs", lambda a: a.abs(), [n(3, 4)]),
    ("tanh", lambda a: F.tanh(a), [n(3, 4)]),
    ("sigmoid", lambda a: F.sigmoid(a), [n(3, 4) * 5]),
    ("relu", lambda a: F.relu(a), [n(3, 4)]),
    ("gelu", lambda a: F.gelu(a), [n(3, 4) * 2]),
    ("clamp", lambda a: a.clamp(-0.5, 0.7), [n(5, 4)]),
    ("clamp_min", lambda a: a.clamp(min=0.1), [n(5, 4)]),
    # reductions
    ("sum_all", lambda a: a.sum(), [n(3, 4)]),
    ("sum_axis", lambda a: a.sum(axis=1), [n(2, 3, 4)]),
    ("sum_axes_keepdims", lambda a: a.sum(axis=(0, 2), keepdims=True), [n(2, 3, 4)]),
    ("mean_axis", lambda a: a.mean(axis=-1), [n(2, 3, 4)]),
    ("mean_broadcast_back", lambda a: a - a.mean(axis=-1, keepdims=True), [n(2, 3, 4)]),
    ("max_axis", lambda a: a.max(axis=1), [distinct(3, 4)]),
    ("max_all", lambda a: a.max(), [distinct(3, 4)]),
    ("min_keepdims", lambda a: a.min(axis=0, keepdims=True), [distinct(3, 4)]),
    ("var_unbiased", lambda a: a.var(axis=-1), [n(3, 5)]),
    ("var_biased_keepdims", lambda a: a.var(axis=(0, 1), keepdims=True, correction=0), [n(2, 3, 4)]),
    ("std", lambda a: a.std(axis=0), [n(4, 3)]),
    # matmul
    ("matmul_2d", lambda a, b: a @ b, [n(3, 4), n(4, 5)]),
    ("matmul_linear_3d", lambda a, b: a @ b, [n(2, 3, 4), n(4, 5)]),
    ("matmul_batched", lambda a, b: a @ b, [n(2, 3, 4), n(2, 4, 5)]),
    ("matmul_broadcast_batch", lambda a, b: a @ b, [n(2, 1, 3, 4), n(3, 4, 2)]),
    ("matmul_2d_by_batched", lambda a, b: a @ b, [n(3, 4), n(2, 4, 5)]),
    ("matmul_vec_right", lambda a, b: a @ b, [n(2, 3, 4), n(4)]),
    ("matmul_vec_left", lambda a, b: a @ b, [n(4), n(4, 3)]),
    ("matmul_dot", lambda a, b: a @ b, [n(4), n(4)]),
    # movement
    ("reshape", lambda a: a.reshape(4, -1) * 1.0, [n(2, 3, 2)]),
    ("view_tuple", lambda a: a.view((3, 4)), [n(2, 6)]),
    ("transpose_swap", lambda a: a.transpose(0, 2), [n(2, 3, 4)]),
    ("transpose_perm", lambda a: a.transpose(0, 2, 1, 3), [n(2, 3, 4, 2)]),
    ("permute", lambda a: a.permute(2, 0, 1), [n(2, 3, 4)]),
    ("T", lambda a: a.T, [n(3, 4)]),
    ("squeeze_unsqueeze", lambda a: a.unsqueeze(1).squeeze(2), [n(3, 1, 4)]),
    ("flatten", lambda a: a.flatten(1), [n(2, 3, 4)]),
    ("expand", lambda a: a.expand(2, 3, 4), [n(3, 1)]),
    # join
    ("cat", lambda a, b: tg.cat([a, b], axis=1), [n(2, 3), n(2, 2)]),
    ("cat_same_twice", lambda a: tg.cat([a, a, a], axis=0), [n(2, 3)]),
    ("stack", lambda a, b: tg.stack([a, b], axis=1), [n(2, 3), n(2, 3)]),
    ("split_int", lambda a: a.split(2, axis=-1)[1] * 2 + a.split(2, axis=-1)[0], [n(3, 4)]),
    ("split_sizes", lambda a: a.split([1, 3], axis=0)[1], [n(4, 2)]),
    ("chunk_qkv", lambda a: (lambda q, k, v: q * k + v)(*a.chunk(3, axis=-1)), [n(2, 6)]),
    # indexing
    ("getitem_basic", lambda a: a[1:, None, ..., ::2], [n(3, 4)]),
    ("getitem_int", lambda a: a[1] * a[-1, 2], [n(3, 4)]),
    ("getitem_int_array_repeats", lambda a, i: a[i], [n(4, 3), np.array([0, 2, 0, 0])]),
    ("getitem_pair_arrays", lambda a, i, j: a[i, j], [n(4, 3), np.array([0, 1, 1, 3]), np.array([2, 0, 0, 1])]),
    ("getitem_bool_mask", lambda a, m: a[m], [n(3, 4), R.random((3, 4)) > 0.5]),
    # where / masked_fill
    ("where_broadcast", lambda a, b, c: tg.where(c, a, b), [n(2, 3), n(3), R.random((2, 3)) > 0.5]),
    ("where_scalar", lambda a, c: tg.where(c, a, 0.0), [n(2, 3), R.random((2, 3)) > 0.5]),
    ("masked_fill_causal", lambda a: a.masked_fill(np.triu(np.ones((3, 3), dtype=bool), 1), -1e9).softmax(-1),
     [n(2, 3, 3)]),
    # nn ops
    ("softmax_last", lambda a: F.softmax(a), [n(2, 3, 5)]),
    ("softmax_axis0", lambda a: F.softmax(a, axis=0), [n(3, 4)]),
    ("log_softmax", lambda a: F.log_softmax(a, dim=-1), [n(2, 3, 5)]),
    ("log_softmax_axis1", lambda a: F.log_softmax(a, axis=1), [n(2, 3, 5)]),
    ("cross_entropy_2d", lambda a, t: F.cross_entropy(a, t), [n(4, 5), np.array([0, 4, 2, 2])]),
    ("cross_entropy_3d_ignore", lambda a, t: F.cross_entropy(a, t, ignore_index=-100),
     [n(2, 3, 5), np.array([[0, 1, -100], [4, -100, 2]])]),
    ("cross_entropy_scaled", lambda a, t: F.cross_entropy(a, t) * 3.0, [n(3, 4), np.array([1, 2, 3])]),
    ("layer_norm", lambda x, w, b: F.layer_norm(x, 5, w, b), [n(2, 3, 5), n(5), n(5)]),
    ("layer_norm_no_affine", lambda x: F.layer_norm(x), [n(4, 6)]),
    ("embedding", lambda w, i: F.embedding(i, w), [n(5, 3), np.array([[0, 1, 1], [4, 0, 0]])]),
    ("dropout", lambda a: (tg.manual_seed(3), F.dropout(a, 0.3))[1], [n(4, 5)]),
    ("dropout_eval", lambda a: F.dropout(a, 0.3, training=False) * 1.0, [n(4, 5)]),
    ("linear", lambda x, w, b: F.linear(x, w, b), [n(2, 3, 4), n(5, 4), n(5)]),
    ("mse_loss", lambda a, b: F.mse_loss(a, b), [n(3, 4), n(3, 4)]),
    ("bce_logits", lambda a, y: F.binary_cross_entropy_with_logits(a, y), [n(6), (R.random(6) > 0.5) * 1.0]),
    ("nll_loss", lambda a, t: F.nll_loss(F.log_softmax(a), t), [n(3, 4), np.array([0, 3, 3])]),
    # a small composite: a GPT-ish block piece
    ("composite_mlp", lambda x, w1, w2: F.gelu(F.layer_norm(x) @ w1) @ w2, [n(2, 3, 4), n(4, 8), n(8, 4)]),
]

IDS = [c[0] for c in CASES]


def _float_inputs(xs, dtype):
    out = []
    for x in xs:
        if x.dtype.kind == "f":
            out.append(Tensor(x.astype(dtype), requires_grad=True, dtype=dtype))
        else:
            out.append(Tensor(x))
    return out


@pytest.mark.parametrize("name,fn,xs", CASES, ids=IDS)
def test_gradcheck(name, fn, xs):
    assert gradcheck(fn, *xs)


@pytest.mark.parametrize("name,fn,xs", CASES, ids=IDS)
def test_float32_stays_float32(name, fn, xs):
    ts = _float_inputs(xs, np.float32)
    out = fn(*ts)
    assert out.dtype == np.float32, f"{name}: float32 inputs gave output dtype {out.dtype}"
    out.backward(np.ones(out.shape, dtype=np.float32))
    for k, t in enumerate(ts):
        if t.requires_grad:
            assert t.grad is not None, f"{name}: input {k} got no gradient"
            assert t.grad.dtype == np.float32, f"{name}: input {k} grad dtype {t.grad.dtype}"
            assert t.grad.shape == t.shape
        else:
            assert t.grad is None, f"{name}: int/bool input {k} received a gradient"


@pytest.mark.parametrize("name,fn,xs", CASES, ids=IDS)
def test_float32_matches_float64(name, fn, xs):
    """The float32 path (Numba kernels) computes the same values as the float64 path (NumPy twins)."""
    o32 = fn(*_float_inputs(xs, np.float32)).data
    o64 = fn(*_float_inputs(xs, np.float64)).data
    np.testing.assert_allclose(o32, o64, rtol=1e-4, atol=1e-4, err_msg=name)


# ---- forward values against NumPy -------------------------------------------------------
def test_forward_values():
    a, b = n(2, 3), n(3)
    A, B = Tensor(a), Tensor(b)
    np.testing.assert_allclose((A + B).data, (a + b).astype(np.float32), rtol=1e-6)
    np.testing.assert_allclose((A * B - 1 / (B.abs() + 1)).data, a * b - 1 / (np.abs(b) + 1), rtol=1e-5)
    np.testing.assert_allclose(A.var(axis=1).data, a.var(axis=1, ddof=1), rtol=1e-5)
    np.testing.assert_allclose(A.max(axis=0).data, a.max(axis=0), rtol=1e-6)
    s = F.softmax(A).data
    np.testing.assert_allclose(s.sum(-1), 1, rtol=1e-6)
    np.testing.assert_allclose(F.gelu(Tensor([0.0, 1.0, -2.0])).data, [0.0, 0.841192, -0.0454023], atol=1e-5)
    np.testing.assert_allclose(F.sigmoid(Tensor([-1000.0, 0.0, 1000.0])).data, [0, 0.5, 1])
    assert F.relu(Tensor([-1.0, 2.0])).data.tolist() == [0.0, 2.0]


def test_sigmoid_extremes_no_warnings():
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        y = F.sigmoid(Tensor([-1e4, -50.0, 50.0, 1e4], requires_grad=True))
        y.sum().backward()
    assert np.all(np.isfinite(y.data))


def test_max_ties_split_evenly():
    x = Tensor([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]], requires_grad=True)
    x.max(axis=1).sum().backward()
    np.testing.assert_allclose(x.grad, [[0, 0.5, 0.5], [1 / 3, 1 / 3, 1 / 3]], rtol=1e-6)


def test_cross_entropy_value_and_ignore():
    logits = np.log(np.array([[0.5, 0.25, 0.25], [0.1, 0.8, 0.1]], dtype=np.float32))
    loss = F.cross_entropy(Tensor(logits), np.array([0, -100]))
    np.testing.assert_allclose(loss.item(), -np.log(0.5), rtol=1e-6)
    loss = F.cross_entropy(Tensor(logits), np.array([0, 1]))
    np.testing.assert_allclose(loss.item(), -(np.log(0.5) + np.log(0.8)) / 2, rtol=1e-6)
    x = Tensor(logits, requires_grad=True)
    with pytest.raises(ValueError, match="no targets"):      # all ignored: an undefined mean, not 0
        F.cross_entropy(x, np.array([-100, -100]))


def test_dropout_statistics_and_seed():
    tg.manual_seed(0)
    x = Tensor(np.ones((200, 200), dtype=np.float32), requires_grad=True)
    y = F.dropout(x, 0.25)
    assert y.dtype == np.float32
    zero = float((y.data == 0).mean())
    assert abs(zero - 0.25) < 0.02
    np.testing.assert_allclose(y.data[y.data != 0], 1 / 0.75, rtol=1e-6)
    assert abs(float(y.data.mean()) - 1.0) < 0.03
    tg.manual_seed(0)
    np.testing.assert_array_equal(F.dropout(x, 0.25).data, y.data)
    assert F.dropout(x, 0.25, training=False) is x
    assert np.all(F.dropout(x, 1.0).data == 0)


def test_embedding_kernel_matches_twin():
    from tinygrad_lm.kernels.embedding import scatter_add_rows_kernel, scatter_add_rows_numpy
    rng = np.random.default_rng(0)
    for V, C, N in [(1, 1, 1), (7, 3, 50), (50, 127, 333)]:
        ids = rng.integers(0, V, N)
        rows = rng.standard_normal((N, C)).astype(np.float32)
        a = np.zeros((V, C), np.float32)
        b = np.zeros((V, C), np.float32)
        scatter_add_rows_kernel(a, ids, rows)
        scatter_add_rows_numpy(b, ids, rows)
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)


def test_split_qkv_like_attention():
    x = tg.randn(2, 3, 12, requires_grad=True)
    q, k, v = x.split(4, axis=-1)
    assert q.shape == k.shape == v.shape == (2, 3, 4)
    (q * 1 + k * 2 + v * 3).sum().backward()
    np.testing.assert_array_equal(x.grad[..., :4], 1)
    np.testing.assert_array_equal(x.grad[..., 8:], 3)


# ---- clear errors ------------------------------------------------------------------------
def test_matmul_shape_error_names_both_shapes():
    with pytest.raises(ValueError, match=r"\(3, 4\) @ \(5, 2\)"):
        tg.randn(3, 4) @ tg.randn(5, 2)
    with pytest.raises(ValueError, match="batch dims"):
        tg.randn(2, 3, 4) @ tg.randn(3, 4, 2)


def test_cross_entropy_errors():
    with pytest.raises(ValueError, match=r"logits shape \(4, 5\) and targets shape \(3,\)"):
        F.cross_entropy(tg.randn(4, 5), np.array([0, 1, 2]))
    with pytest.raises(TypeError, match="integer class ids"):
        F.cross_entropy(tg.randn(4, 5), np.zeros(4, dtype=np.float32))
    with pytest.raises(IndexError, match="outside"):
        F.cross_entropy(tg.randn(2, 5), np.array([0, 5]))


def test_embedding_errors():
    w = tg.randn(5, 3, requires_grad=True)
    with pytest.raises(IndexError, match=r"\[0, 5\)"):
        F.embedding(np.array([0, 5]), w)
    with pytest.raises(TypeError, match="integer"):
        F.embedding(np.array([0.0, 1.0]), w)


def test_other_errors():
    with pytest.raises(ValueError, match="cannot reshape"):
        tg.randn(2, 3).reshape(4, 2)
    with pytest.raises(ValueError, match="must match"):
        tg.cat([tg.randn(2, 3), tg.randn(3, 3)], axis=1)
    with pytest.raises(ValueError, match="add up"):
        tg.randn(4).split([1, 2])
    with pytest.raises(ValueError, match="weight shape"):
        F.layer_norm(tg.randn(2, 4), None, tg.randn(3))
    with pytest.raises(TypeError, match="scalar exponent"):
        tg.randn(2) ** tg.randn(2, requires_grad=True)


def test_gelu_kernels_match_twins():
    from tinygrad_lm.kernels import gelu as G
    rng = np.random.default_rng(0)
    for shape in [(1,), (3, 127), (5000,), (2, 3, 1031)]:
        x = (rng.standard_normal(shape) * 4).astype(np.float32)
        x.reshape(-1)[:2] = [60.0, -60.0][: x.size]
        g = rng.standard_normal(shape).astype(np.float32)
        out = np.empty_like(x)
        G.gelu_kernel(x.reshape(-1), out.reshape(-1))
        np.testing.assert_allclose(out, G.gelu_numpy(x.astype(np.float64)), rtol=1e-5, atol=1e-6)
        dx = np.empty_like(x)
        G.gelu_backward_kernel(x.reshape(-1), g.reshape(-1), dx.reshape(-1))
        np.testing.assert_allclose(dx, G.gelu_backward_numpy(x.astype(np.float64), g), rtol=1e-4, atol=1e-5)


def test_gelu_large_goes_through_kernel_and_agrees():
    """Sizes >= gelu.SMALL use the kernel; a non-contiguous upstream gradient is handled."""
    rng = np.random.default_rng(1)
    x64 = rng.standard_normal((8, 1024)) * 3
    x = Tensor(x64, requires_grad=True)
    y = F.gelu(x)
    assert y.dtype == np.float32
    g = rng.standard_normal((1024, 8)).astype(np.float32).T          # non-contiguous (8, 1024)
    y.backward(g)
    np.testing.assert_allclose(y.data, F.gelu(Tensor(x64, dtype=np.float64)).data, rtol=1e-5, atol=1e-6)
    from tinygrad_lm.kernels.gelu import gelu_backward_numpy
    np.testing.assert_allclose(x.grad, gelu_backward_numpy(x64, g.astype(np.float64)), rtol=1e-4, atol=1e-5)
