"""gradcheck itself: passes correct gradients, catches wrong ones with a readable message."""
import numpy as np
import pytest

from tinygrad_lm import Tensor, gradcheck


def _broken_square(x: Tensor) -> Tensor:
    """x^2 with a wrong backward (3x instead of 2x) at one element."""
    out = x.data ** 2

    def backward(g):
        d = 2 * x.data
        d.reshape(-1)[-1] *= 1.5
        return (g * d,)
    return Tensor._make(out, (x,), backward, "broken_square")


def test_passes_on_correct_gradient():
    rng = np.random.default_rng(0)
    assert gradcheck(lambda a, b: (a * b).exp().sum(axis=0), rng.standard_normal((3, 2)), rng.standard_normal(2))


def test_fails_with_readable_message():
    x = np.arange(1.0, 7.0).reshape(2, 3)
    with pytest.raises(AssertionError) as e:
        gradcheck(lambda a, b: a + _broken_square(b), np.ones(3), x)
    msg = str(e.value)
    assert "input 1" in msg and "(2, 3)" in msg and "(1, 2)" in msg
    assert "expected (numerical)" in msg and "got (analytic)" in msg


def test_inputs_are_not_modified_and_ints_pass_through():
    x = np.array([[0.5, -1.0, 2.0]])
    t = np.array([2])
    x0 = x.copy()
    from tinygrad_lm.functional import cross_entropy
    assert gradcheck(lambda a, tt: cross_entropy(a, tt), x, t)
    np.testing.assert_array_equal(x, x0)
    tens = Tensor(x, dtype=np.float64)
    gradcheck(lambda a: a * 2, tens)
    np.testing.assert_array_equal(tens.data, x0)
    assert tens.grad is None


def test_requires_a_float_input_and_tensor_output():
    with pytest.raises(ValueError, match="no floating"):
        gradcheck(lambda i: i, np.array([1, 2]))
    with pytest.raises(TypeError, match="must return a Tensor"):
        gradcheck(lambda a: a.data, np.ones(2))


def test_catches_float32_leak_and_detached_output():
    with pytest.raises(AssertionError, match="dtype float32"):
        gradcheck(lambda a: a.float(), np.ones(2))
    with pytest.raises(AssertionError, match="does not require grad"):
        gradcheck(lambda a: Tensor(a.data * 2, dtype=np.float64), np.ones(2))


def test_unused_input_has_zero_gradient():
    assert gradcheck(lambda a, b: a * 2, np.ones(2), np.ones(3))
