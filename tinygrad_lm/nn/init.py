"""Weight initialization, in place, with the library's seeded generator (tinygrad_lm.random.rng()).

Same names and formulas as torch.nn.init (the numbers differ: a different random generator):
    uniform_(t, a, b), normal_(t, mean, std), constant_ / zeros_ / ones_,
    xavier_uniform_ / xavier_normal_:   std = gain * sqrt(2 / (fan_in + fan_out))
    kaiming_uniform_ / kaiming_normal_: std = gain / sqrt(fan)   (fan_in by default)
    trunc_normal_: normal, values outside [a, b] redrawn.
For a weight of shape (out, in) (Linear), fan_in = in and fan_out = out; for more dims the
trailing dims are the "receptive field" as in PyTorch. PyTorch's default Linear init is
kaiming_uniform_(w, a=sqrt(5)), i.e. U(-1/sqrt(fan_in), 1/sqrt(fan_in)).

Numbers are drawn directly in the tensor's dtype (float32 draws for float32 weights: no float64
temporaries). Does not handle: orthogonal_, sparse_, dirac_ inits.
"""
import math

import numpy as np

from ..random import rng


def _arr(t) -> np.ndarray:
    arr = t.data if hasattr(t, "data") and not isinstance(t, np.ndarray) else t
    if not isinstance(arr, np.ndarray) or arr.dtype.kind != "f":
        raise TypeError(f"init: expected a floating Tensor/Parameter, got {type(t).__name__}")
    return arr


def calculate_gain(nonlinearity: str, param=None) -> float:
    """The gain that keeps activations' variance stable through `nonlinearity` (PyTorch's table)."""
    if nonlinearity in ("linear", "identity", "sigmoid", "conv1d", "conv2d"):
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else float(param)
        return math.sqrt(2.0 / (1 + slope ** 2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"calculate_gain: unknown nonlinearity {nonlinearity!r}")


def fan_in_and_fan_out(t) -> tuple:
    shape = _arr(t).shape
    if len(shape) < 2:
        raise ValueError(f"fan in / fan out need a tensor with >= 2 dims, got shape {shape}")
    receptive = int(np.prod(shape[2:])) if len(shape) > 2 else 1
    return shape[1] * receptive, shape[0] * receptive


def uniform_(t, a: float = 0.0, b: float = 1.0):
    arr = _arr(t)
    arr[...] = rng().random(arr.shape, dtype=arr.dtype)
    arr *= b - a
    arr += a
    return t


def normal_(t, mean: float = 0.0, std: float = 1.0):
    arr = _arr(t)
    arr[...] = rng().standard_normal(arr.shape, dtype=arr.dtype)
    arr *= std
    arr += mean
    return t


def trunc_normal_(t, mean: float = 0.0, std: float = 1.0, a: float = -2.0, b: float = 2.0):
    """Normal(mean, std) restricted to [a, b] (absolute bounds, as PyTorch) by redrawing outliers."""
    arr = _arr(t)
    normal_(arr, mean, std)
    bad = (arr < a) | (arr > b)
    while bad.any():
        arr[bad] = rng().standard_normal(int(bad.sum()), dtype=arr.dtype) * std + mean
        bad = (arr < a) | (arr > b)
    return t


def constant_(t, value: float):
    _arr(t).fill(value)
    return t


def zeros_(t):
    return constant_(t, 0.0)


def ones_(t):
    return constant_(t, 1.0)


def xavier_uniform_(t, gain: float = 1.0):
    fan_in, fan_out = fan_in_and_fan_out(t)
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))      # uniform(-b, b) has std b / sqrt(3)
    return uniform_(t, -bound, bound)


def xavier_normal_(t, gain: float = 1.0):
    fan_in, fan_out = fan_in_and_fan_out(t)
    return normal_(t, 0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)))


def _kaiming_std(t, a, mode, nonlinearity):
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"mode must be 'fan_in' or 'fan_out', got {mode!r}")
    fan_in, fan_out = fan_in_and_fan_out(t)
    return calculate_gain(nonlinearity, a) / math.sqrt(fan_in if mode == "fan_in" else fan_out)


def kaiming_uniform_(t, a: float = 0.0, mode: str = "fan_in", nonlinearity: str = "leaky_relu"):
    bound = math.sqrt(3.0) * _kaiming_std(t, a, mode, nonlinearity)
    return uniform_(t, -bound, bound)


def kaiming_normal_(t, a: float = 0.0, mode: str = "fan_in", nonlinearity: str = "leaky_relu"):
    return normal_(t, 0.0, _kaiming_std(t, a, mode, nonlinearity))
