"""The classic autograd bugs, each made impossible and tested.

node used twice, accumulation across backward() calls and zero_grad, 10,000-op-deep graphs,
int/bool tensors never receiving gradients, requires_grad=False inputs, no_grad not recording,
backward() argument checks, diamond-shaped graphs.
"""
import numpy as np
import pytest

import tinygrad_lm as tg
import tinygrad_lm.functional as F
from tinygrad_lm import Tensor, no_grad


def test_node_used_twice_mul():
    x = Tensor([3.0], requires_grad=True)
    (x * x).backward()
    assert x.grad.tolist() == [6.0]


def test_node_used_twice_add():
    a = Tensor([1.0, 2.0], requires_grad=True)
    (a + a).sum().backward()
    assert a.grad.tolist() == [2.0, 2.0]


def test_diamond_graph():
    x = Tensor(2.0, requires_grad=True)
    y = x * 3
    z = y * y + y.exp()          # y used by two ops, which meet again in z
    z.backward()
    np.testing.assert_allclose(x.grad, 3 * (2 * 6.0 + np.exp(6.0)), rtol=1e-6)


def test_intermediate_used_in_many_places():
    x = tg.randn(4, requires_grad=True)
    h = x.tanh()
    out = (h * 2 + h.sum() + h[1:].mean() + h * h).sum()
    out.backward()
    hd = np.tanh(x.data.astype(np.float64))
    dh = 2 + 4 + np.r_[0, np.ones(3) * 4 / 3] + 2 * hd   # scalars broadcast over 4 elements
    np.testing.assert_allclose(x.grad, dh * (1 - hd ** 2), rtol=1e-5)


def test_gradients_accumulate_like_pytorch():
    w = Tensor([1.0, 2.0], requires_grad=True)
    (w * 3).sum().backward()
    (w * 3).sum().backward()
    assert w.grad.tolist() == [6.0, 6.0]
    w.zero_grad()
    assert w.grad is None
    (w * 3).sum().backward()
    assert w.grad.tolist() == [3.0, 3.0]


def test_leaf_grad_is_a_private_copy():
    """The upstream gradient array passed to backward() must not alias the leaf's .grad."""
    w = Tensor(np.zeros(3), requires_grad=True)
    g = np.ones(3, dtype=np.float32)
    (w * 1).backward(g)
    w.grad += 5
    assert g.tolist() == [1, 1, 1]
    w2 = Tensor(np.zeros(3), requires_grad=True)
    w2.backward(g)  # a leaf itself
    w2.grad += 1
    assert g.tolist() == [1, 1, 1]


def test_deep_graph_10000_ops():
    x = Tensor(1.0, requires_grad=True)
    y = x
    for _ in range(10_000):
        y = y * 1.0001
    y.backward()
    np.testing.assert_allclose(x.grad, 1.0001 ** 10_000, rtol=1e-3)
    del y  # freeing a 10,000-deep chain must not hit the recursion limit either


def test_deep_graph_mixed_ops():
    x = tg.randn(3, requires_grad=True)
    y = x
    for i in range(3000):
        y = (y + 0.001).tanh() if i % 2 else y * 0.999 + x * 0.001
    y.sum().backward()
    assert np.all(np.isfinite(x.grad))


def test_int_and_bool_tensors_never_get_gradients():
    with pytest.raises(TypeError, match="floating"):
        Tensor([1, 2, 3], requires_grad=True)
    with pytest.raises(TypeError, match="floating"):
        Tensor([True, False], requires_grad=True)
    x = tg.randn(3, requires_grad=True)
    i = Tensor([0, 1, 2])
    m = Tensor([True, False, True])
    y = (x * i + x * m.float() + x[i]).sum()
    y.backward()
    assert i.grad is None and m.grad is None and not i.requires_grad
    assert x.grad is not None
    assert not (x > 0).requires_grad and (x > 0).dtype == np.bool_
    assert not x.argmax().requires_grad
    assert not x.long().requires_grad


def test_requires_grad_false_inputs_get_no_grad():
    a = tg.randn(2, 3, requires_grad=True)
    b = tg.randn(3, 4)
    (a @ b).sum().backward()
    assert b.grad is None and a.grad is not None


def test_no_grad_does_not_record():
    a = tg.randn(3, requires_grad=True)
    with no_grad():
        y = (a * 2).exp().sum()
    assert not y.requires_grad and y._parents == () and y._backward is None
    with pytest.raises(RuntimeError, match="does not require grad"):
        y.backward()

    @no_grad()
    def f(t):
        return t * 2
    assert not f(a).requires_grad
    assert tg.is_grad_enabled()
    assert (a * 2).requires_grad


def test_no_grad_restores_on_exception():
    with pytest.raises(ZeroDivisionError):
        with no_grad():
            1 / 0
    assert tg.is_grad_enabled()


def test_detach_cuts_graph_and_shares_memory():
    a = tg.randn(3, requires_grad=True)
    d = (a * 2).detach()
    assert not d.requires_grad
    y = (a * d).sum()
    y.backward()
    np.testing.assert_allclose(a.grad, d.data)   # d treated as a constant


def test_backward_argument_checks():
    a = tg.randn(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="one-element"):
        (a * 2).backward()
    with pytest.raises(ValueError, match="grad shape"):
        (a * 2).backward(np.ones(4))
    (a * 2).backward(np.ones(3))
    assert a.grad.tolist() == [2, 2, 2]


def test_non_leaf_has_no_grad():
    a = tg.randn(3, requires_grad=True)
    h = a * 2
    h.sum().backward()
    assert h.grad is None and not h.is_leaf and a.is_leaf


def test_backward_twice_through_same_graph():
    """Like PyTorch: the graph is freed by backward() unless retain_graph=True."""
    a = tg.randn(2, 3, requires_grad=True)
    loss = F.cross_entropy(a, np.array([0, 2]))
    loss.backward(retain_graph=True)
    g1 = a.grad.copy()
    loss.backward()
    np.testing.assert_allclose(a.grad, 2 * g1, rtol=1e-6)
    with pytest.raises(RuntimeError, match="second time"):
        loss.backward()


def test_graph_freed_after_backward_releases_arrays():
    import gc
    import weakref
    a = tg.randn(64, 64, requires_grad=True)
    h = (a @ a).tanh()
    ref = weakref.ref(h.data)
    loss = (h * 2).sum()
    del h
    loss.backward()
    gc.collect()
    assert ref() is None, "the tanh output saved for backward should be released after backward()"


def test_shared_subgraph_needs_retain_graph_or_one_backward():
    a = tg.randn(3, requires_grad=True)
    h = a.exp()
    l1, l2 = h.sum(), (h * h).sum()
    (l1 + l2).backward()                                   # the usual way: one backward
    np.testing.assert_allclose(a.grad, np.exp(a.data) * (1 + 2 * np.exp(a.data)), rtol=1e-5)
    a.grad = None
    h = a.exp()
    l1, l2 = h.sum(), (h * h).sum()
    l1.backward()
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        l2.backward()


def test_engine_rejects_wrong_dtype_gradients():
    """An op that returns a float64 gradient for a float32 input is caught, never silently cast."""
    a = tg.randn(3, requires_grad=True)
    bad = Tensor._make(a.data * 2, (a,), lambda g: (g.astype(np.float64) * 2,), "bad_op")
    with pytest.raises(RuntimeError, match="bad_op"):
        bad.sum().backward()


def test_summed_gradients_are_private():
    """A leaf fed by several paths keeps the engine's own sum; nothing else aliases it."""
    a = tg.randn(3, requires_grad=True)
    b = tg.randn(3, requires_grad=True)
    s = a + b                                 # one gradient array handed to both a and b
    (s * 2 + s + a).sum().backward()          # a: 3 + 1 (two paths), b: 3
    np.testing.assert_allclose(a.grad, 4)
    np.testing.assert_allclose(b.grad, 3)
    a.grad += 100                             # must not leak into b.grad
    np.testing.assert_allclose(b.grad, 3)
    assert not np.shares_memory(a.grad, b.grad)
