"""Gradient clipping: rescale all gradients together when their global norm is too large.

    total = || concat(all grads) ||_p        (p = 2 by default; p = inf is the max |g|)
    if total > max_norm:  every grad *= max_norm / (total + 1e-6)

The norm is returned, which is the number to log: spikes in it are the first sign of a diverging
run. A non-finite norm (NaN/inf in some gradient) raises by default, naming the offending tensor,
because scaling by NaN would silently destroy the weights. Note: PyTorch's default is
error_if_nonfinite=False; here False means "warn and leave the gradients unscaled".
"""
import math
import warnings

import numpy as np


def _grads(parameters):
    if hasattr(parameters, "grad") and hasattr(parameters, "data"):
        parameters = [parameters]
    return [p.grad for p in parameters if p.grad is not None]


def clip_grad_norm_(parameters, max_norm: float, norm_type: float = 2.0,
                    error_if_nonfinite: bool = True) -> float:
    """Scale the gradients of `parameters` in place so their global norm is at most max_norm.

    Returns the total norm BEFORE clipping, as a Python float.
    """
    max_norm, norm_type = float(max_norm), float(norm_type)
    if max_norm < 0:
        raise ValueError(f"clip_grad_norm_: max_norm must be >= 0, got {max_norm}")
    grads = _grads(parameters)
    if not grads:
        return 0.0
    if norm_type == math.inf:
        per = [float(np.abs(g).max()) if g.size else 0.0 for g in grads]
        total = max(per)
    elif norm_type == 2.0:
        flat = [g.reshape(-1) for g in grads]                 # views when contiguous
        per = [float(np.dot(f, f)) for f in flat]             # BLAS dot, in the grad's own dtype
        total = math.sqrt(sum(per))
    elif norm_type > 0:
        per = [float((np.abs(g) ** norm_type).sum()) for g in grads]
        total = sum(per) ** (1.0 / norm_type)
    else:
        raise ValueError(f"clip_grad_norm_: norm_type must be > 0 or inf, got {norm_type}")

    if not math.isfinite(total):
        bad = next((i for i, g in enumerate(grads) if not np.isfinite(g).all()), None)
        where = (f"gradient #{bad} (shape {grads[bad].shape}) contains NaN or inf"
                 if bad is not None else "the squared sum overflowed")
        msg = (f"clip_grad_norm_: the total gradient norm is {total}: {where}. The loss probably "
               f"diverged (learning rate too high?) or the input has NaN/inf.")
        if error_if_nonfinite:
            raise RuntimeError(msg + " Pass error_if_nonfinite=False to only warn.")
        warnings.warn(msg + " Gradients were left unscaled.", RuntimeWarning, stacklevel=2)
        return total

    coef = max_norm / (total + 1e-6)
    if coef < 1.0:
        for g in grads:
            g *= coef                 # python float * float32 array stays float32
    return total


def clip_grad_value_(parameters, clip_value: float) -> None:
    """Clamp every gradient element into [-clip_value, clip_value], in place."""
    clip_value = float(clip_value)
    for g in _grads(parameters):
        np.clip(g, -clip_value, clip_value, out=g)
