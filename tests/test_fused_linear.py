"""The one-node Linear op (ops/linear.py): gradcheck, equality with x @ W.T + b, errors.
Legend: B batch, T time, C in features, O out features."""
import numpy as np
import pytest

from tinygrad_lm import Tensor
from tinygrad_lm import functional as F
from tinygrad_lm.gradcheck import gradcheck
from tinygrad_lm.ops.linear import linear


@pytest.mark.parametrize("x_shape", [(3, 4), (2, 3, 4), (4,), (2, 1, 3, 4)])
def test_gradcheck_with_bias(x_shape):
    rng = np.random.default_rng(0)
    x, W, b = rng.standard_normal(x_shape), rng.standard_normal((5, 4)), rng.standard_normal(5)
    assert gradcheck(linear, x, W, b)


def test_gradcheck_without_bias():
    rng = np.random.default_rng(1)
    assert gradcheck(lambda x, W: linear(x, W), rng.standard_normal((2, 3, 4)), rng.standard_normal((5, 4)))


@pytest.mark.parametrize("bias", [True, False])
def test_matches_separate_ops_float32(bias):
    rng = np.random.default_rng(2)
    B, T, C, O = 4, 33, 48, 80                       # big enough for the Numba matmul
    xs = rng.standard_normal((B, T, C)).astype(np.float32)
    Ws = rng.standard_normal((O, C)).astype(np.float32)
    bs = rng.standard_normal(O).astype(np.float32)
    g = rng.standard_normal((B, T, O)).astype(np.float32)
    res = []
    for fused in (True, False):
        x, W = Tensor(xs, requires_grad=True), Tensor(Ws, requires_grad=True)
        b = Tensor(bs, requires_grad=True) if bias else None
        if fused:
            y = F.linear(x, W, b)
        else:
            y = x @ W.T
            y = y + b if bias else y
        y.backward(g)
        res.append((y.data, x.grad, W.grad, b.grad if bias else None))
    for name, a, r in zip(("y", "dx", "dW", "db"), res[0], res[1]):
        if a is None:
            continue
        assert a.dtype == np.float32 and a.shape == r.shape, name
        np.testing.assert_allclose(a, r, rtol=1e-4, atol=1e-4, err_msg=f"fused linear {name} != x @ W.T + b")


def test_no_grad_for_input_only_weights():
    rng = np.random.default_rng(3)
    x = Tensor(rng.standard_normal((2, 3)).astype(np.float32))           # no grad
    W = Tensor(rng.standard_normal((4, 3)).astype(np.float32), requires_grad=True)
    F.linear(x, W).sum().backward()
    np.testing.assert_allclose(W.grad, np.broadcast_to(x.data.sum(0), (4, 3)), rtol=1e-5)


def test_errors():
    W = Tensor(np.zeros((5, 4), dtype=np.float32))
    with pytest.raises(ValueError, match="last dim must be C = 4"):
        linear(Tensor(np.zeros((2, 3), dtype=np.float32)), W)
    with pytest.raises(TypeError, match="floating dtype"):
        linear(Tensor(np.zeros((2, 4))).double(), W)
    with pytest.raises(ValueError, match="bias must be"):
        linear(Tensor(np.zeros((2, 4), dtype=np.float32)), W, Tensor(np.zeros(4, dtype=np.float32)))
