"""gradcheck: compare autograd's gradients with float64 central differences.

The VJP trick: instead of the full Jacobian, draw one random upstream gradient dout (the shape of
fn's output) and compare, for every element i of every input,
    numerical[i] = sum(dout * (f(x + h e_i) - f(x - h e_i))) / 2h
    analytic[i]  = x.grad[i] after f(x).backward(dout)
An element passes when |analytic - numerical| <= atol + rtol * |numerical|.

Inputs: Tensors or arrays. Floating inputs are copied to float64 tensors that require grad
(integer / bool inputs, e.g. target ids, are passed through unchanged). fn must be deterministic
(reseed inside fn if it uses dropout) and return one Tensor.
Does not: second derivatives, complex numbers, checking inputs that are not passed as arguments
(to check a module's parameters, pass them in and assign them inside fn).
"""
import numpy as np

from .tensor import Tensor, no_grad


def _as_input(x):
    if isinstance(x, Tensor):
        arr = x.data
    else:
        arr = np.asarray(x)
    if arr.dtype.kind == "f":
        return Tensor(np.array(arr, dtype=np.float64), requires_grad=True, dtype=np.float64), True
    return (x if isinstance(x, Tensor) else Tensor(arr)), False


def gradcheck(fn, *inputs, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-4, seed: int = 0) -> bool:
    """Return True if fn's analytic gradients match central differences; else raise AssertionError."""
    xs, checked = zip(*(_as_input(x) for x in inputs)) if inputs else ((), ())
    if not any(checked):
        raise ValueError("gradcheck: no floating-point input to check")
    out = fn(*xs)
    if not isinstance(out, Tensor):
        raise TypeError(f"gradcheck: fn must return a Tensor, got {type(out).__name__}")
    if out.data.dtype != np.float64:
        raise AssertionError(f"gradcheck: fn returned dtype {out.data.dtype} for float64 inputs; "
                             f"some op does not keep float64 (a hard-coded float32 somewhere?)")
    dout = np.random.default_rng(seed).standard_normal(out.shape)      # local rng: library rng untouched
    if not out.requires_grad:
        raise AssertionError("gradcheck: the output does not require grad (was it computed under no_grad, "
                             "or from .data / numpy arrays instead of the input tensors?)")
    out.backward(dout)

    for k, (x, check) in enumerate(zip(xs, checked)):
        if not check:
            continue
        analytic = x.grad if x.grad is not None else np.zeros_like(x.data)
        if analytic.dtype != np.float64:
            raise AssertionError(f"gradcheck: input {k} got a gradient of dtype {analytic.dtype}, expected float64")
        numerical = np.zeros_like(x.data)
        flat, nflat = x.data.reshape(-1), numerical.reshape(-1)     # views (x.data is our own copy)
        with no_grad():
            for i in range(flat.size):
                orig = flat[i]
                flat[i] = orig + eps
                fp = float((dout * fn(*xs).data).sum())
                flat[i] = orig - eps
                fm = float((dout * fn(*xs).data).sum())
                flat[i] = orig
                nflat[i] = (fp - fm) / (2 * eps)
        err = np.abs(analytic - numerical)
        bad = err > atol + rtol * np.abs(numerical)
        if bad.any():
            idx = np.unravel_index(int(np.argmax(np.where(bad, err, -1))), x.shape)
            rel = err[idx] / max(abs(numerical[idx]), 1e-12)
            raise AssertionError(
                f"gradcheck failed for input {k} (shape {x.shape}): {int(bad.sum())} of {bad.size} elements differ\n"
                f"  worst at index {tuple(int(i) for i in idx)}: expected (numerical) {numerical[idx]:.6g}, "
                f"got (analytic) {analytic[idx]:.6g}, abs diff {err[idx]:.3g}, rel diff {rel:.3g}\n"
                f"  tolerance: atol={atol}, rtol={rtol}, eps={eps}")
    return True
