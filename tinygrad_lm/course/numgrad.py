"""A reference numerical gradient for autograder tests of hand-written backward passes.

    grad[i] = sum(dout * (f(x + h e_i) - f(x - h e_i))) / (2 h)

i.e. the vector-Jacobian product a backward pass computes, with a (random) upstream gradient dout.
Tests use this copy, not the learner's own `numerical_gradient` (week 2, task 2.1), so a bug there
does not fail every other task. Use float64 inputs: with h = 1e-6 the error is ~1e-9.
Does not handle: functions of several inputs at once (wrap them: `lambda v: f(v, W, b)`), Tensors
(see tinygrad_lm.gradcheck for autograd ops).
"""
import numpy as np


def numerical_vjp(f, x: np.ndarray, dout, h: float = 1e-6) -> np.ndarray:
    """Central-difference gradient of sum(dout * f(x)) with respect to x (perturbed in place, restored)."""
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h
        plus = np.array(f(x), copy=True)        # copy: f may return a view of x
        x[i] = old - h
        minus = np.array(f(x), copy=True)
        x[i] = old
        grad[i] = np.sum(dout * (plus - minus)) / (2 * h)
    return grad
