"""Inverted dropout: in training, zero each element with probability p and scale the survivors by
1/(1-p), so the expected value is unchanged and evaluation needs no rescaling.

The mask comes from tinygrad_lm.random.rng() (seeded by tinygrad_lm.manual_seed), as float32
uniforms so no float64 array of the input's size is ever made. Backward multiplies by the same
scaled mask. training=False or p=0 returns the input itself (no op recorded).
Does not: dropout2d / alpha dropout.
"""
import numpy as np

from .. import random as _random
from ..tensor import Tensor
from ._common import _make


def dropout(a: Tensor, p: float = 0.5, training: bool = True) -> Tensor:
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability must be in [0, 1], got {p}")
    if not training or p == 0.0:
        return a
    x = a.data
    if p == 1.0:
        mask = np.zeros(x.shape, dtype=x.dtype)
    else:
        keep = _random.rng().random(x.shape, dtype=np.float32) >= p   # (...) bool
        mask = np.multiply(keep, x.dtype.type(1.0 / (1.0 - p)), dtype=x.dtype)  # inverted scaling
    out = x * mask
    return _make(out, (a,), lambda g: (g * mask,), "dropout")
