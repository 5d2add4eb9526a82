"""Tensor construction, dtype rules, factories, conveniences, comparisons and casts."""
import numpy as np
import pytest

import tinygrad_lm as tg
from tinygrad_lm import Tensor


def test_dtype_rules():
    assert Tensor([1.0, 2.0]).dtype == np.float32
    assert Tensor(np.zeros(3)).dtype == np.float32              # float64 data -> float32
    assert Tensor(np.zeros(3), dtype=np.float64).dtype == np.float64
    assert Tensor([1, 2]).dtype == np.int64
    assert Tensor(np.array([1, 2], dtype=np.int32)).dtype == np.int64
    assert Tensor([True]).dtype == np.bool_
    with pytest.raises(TypeError):
        Tensor(np.array(["a"]))


def test_scalar_operands_keep_float32():
    x = tg.randn(3)
    for y in (x + 1, x * 0.5, 2.0 - x, 1 / (x.abs() + 1), x + np.float64(1.5), x * np.array(2.0),
              x ** 2, (x.abs() + 1) ** 0.5, 2 ** x, x.clamp(-1, 1)):
        assert y.dtype == np.float32, y
    i = Tensor([1, 2])
    assert (i * 0.5).dtype == np.float32                        # int tensor * Python float
    assert (i + 1).dtype == np.int64
    assert (i.float() + 1).dtype == np.float32


def test_factories():
    tg.manual_seed(0)
    a = tg.randn(2, 3)
    tg.manual_seed(0)
    b = tg.randn((2, 3))
    np.testing.assert_array_equal(a.data, b.data)
    assert a.dtype == np.float32 and a.shape == (2, 3)
    assert tg.zeros(2, 3).data.sum() == 0 and tg.ones((4,)).data.sum() == 4
    assert tg.zeros(2, dtype=np.float64).dtype == np.float64
    assert tg.full((2, 2), 7.0).data.tolist() == [[7, 7], [7, 7]]
    assert tg.arange(5).dtype == np.int64 and tg.arange(5).data.tolist() == [0, 1, 2, 3, 4]
    assert tg.arange(0.0, 1.0, 0.5).dtype == np.float32
    assert tg.eye(3).data.trace() == 3
    r = tg.rand(100)
    assert r.dtype == np.float32 and 0 <= r.data.min() and r.data.max() < 1
    ri = tg.randint(0, 5, (3, 4))
    assert ri.dtype == np.int64 and ri.data.max() < 5
    assert tg.zeros_like(a).shape == a.shape and tg.ones_like(a).dtype == np.float32
    assert tg.randn(2, requires_grad=True).requires_grad
    from tinygrad_lm.ops.creation import tensor
    assert tensor([1.0]).dtype == np.float32


def test_tensor_module_not_shadowed():
    import tinygrad_lm.tensor as T          # a package-level tensor() would shadow this module
    assert T.Tensor is Tensor


def test_conveniences():
    x = Tensor(np.arange(6.0).reshape(2, 3))
    assert x.shape == (2, 3) and x.ndim == 2 and x.size == 6 and len(x) == 2
    assert x.numpy() is x.data
    assert Tensor([[5.0]]).item() == 5.0
    assert x.T.shape == (3, 2)
    assert "requires_grad=True" in repr(Tensor([1.0], requires_grad=True))
    d = x.detach()
    assert d.data is x.data and not d.requires_grad
    assert Tensor([1.0], requires_grad=True).requires_grad_(False).requires_grad is False


def test_comparisons_return_bool_without_grad():
    x = tg.randn(4, requires_grad=True)
    for m in (x > 0, x >= 0, x < 0, x <= 0, x == x, x != 0, x > tg.zeros(4)):
        assert m.dtype == np.bool_ and not m.requires_grad
    assert bool(Tensor(1.0) > 0)
    with pytest.raises(ValueError, match="ambiguous"):
        bool(x > 0)


def test_tensor_hashable_despite_eq():
    a, b = tg.randn(2), tg.randn(2)
    s = {a, b}
    assert len(s) == 2 and a in s
    d = {a: 1}
    assert d[a] == 1


def test_casts():
    x = Tensor([1.5, -2.5], requires_grad=True)
    assert x.float() is x
    d = x.double()
    assert d.dtype == np.float64 and d.requires_grad
    (d * 2).sum().backward()
    assert x.grad.dtype == np.float32 and x.grad.tolist() == [2, 2]
    assert x.long().dtype == np.int64 and not x.long().requires_grad
    assert x.astype(np.float64).dtype == np.float64


def test_reductions_without_grad():
    x = Tensor([[1.0, 5.0], [7.0, 2.0]])
    assert x.argmax(axis=1).data.tolist() == [1, 0]
    assert x.argmin().item() == 0
    assert (x > 4).any().item() and not (x > 4).all().item()


def test_matmul_accepts_numpy_right_and_left():
    x = tg.randn(2, 3, requires_grad=True)
    w = np.ones((3, 4), dtype=np.float32)
    y = x @ w
    assert y.shape == (2, 4) and y.dtype == np.float32
    z = np.ones((5, 2), dtype=np.float32) @ x
    assert isinstance(z, Tensor) and z.shape == (5, 3)


def test_pytorch_spellings_dim_keepdim():
    x = tg.randn(2, 3, 4)
    assert x.sum(dim=1, keepdim=True).shape == (2, 1, 4)
    assert x.mean(dim=-1).shape == (2, 3)
    assert x.max(dim=0).shape == (3, 4) and x.var(dim=2, keepdim=True).shape == (2, 3, 1)
    assert x.softmax(dim=1).shape == x.shape
    assert tg.cat([x, x], dim=2).shape == (2, 3, 8) and tg.stack([x, x], dim=0).shape == (2, 2, 3, 4)
    assert len(x.split(2, dim=-1)) == 2 and len(x.chunk(3, dim=1)) == 3


def test_mean_var_of_ints_are_float32():
    i = Tensor([1, 2, 4])
    assert i.mean().dtype == np.float32 and abs(i.mean().item() - 7 / 3) < 1e-6
    assert i.var().dtype == np.float32


def test_item_assignment_is_a_clear_error():
    x = tg.randn(3)
    with pytest.raises(TypeError, match="item assignment"):
        x[0] = 1.0


def test_iteration_yields_rows_with_grad():
    x = tg.randn(3, 2, requires_grad=True)
    rows = list(x)
    assert len(rows) == 3 and rows[0].shape == (2,)
    sum(r.sum() for r in rows).backward()
    np.testing.assert_array_equal(x.grad, 1)


def test_float_with_int_tensor_stays_float32():
    x = tg.randn(3, requires_grad=True)
    i = Tensor([1, 2, 3])
    m = Tensor([True, False, True])
    for y in (x * i, i * x, x + i, i - x, x / i, i / (x.abs() + 1), x * m, tg.where(m, x, i)):
        assert y.dtype == np.float32, y
    (x * i + i / (x.abs() + 1)).sum().backward()
    assert x.grad.dtype == np.float32
    assert (i / Tensor([2, 2, 2])).dtype == np.float32     # int / int -> float32, not float64
