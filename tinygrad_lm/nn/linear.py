"""Linear (fully connected) layer and Identity.

Legend: B batch, T time, C in_features, O out_features.
    y = x @ W.T + b        x (..., C), W (O, C) as PyTorch stores it, b (O,) -> y (..., O)
Any leading dims work: (B, T, C) -> (B, T, O). Forward and backward are those of the matmul and
add ops (tinygrad_lm/ops), whose (B, T, C) @ (C, O) backward computes dW as one 2-D product.
Init is PyTorch's default: W, b ~ U(-1/sqrt(C), 1/sqrt(C)) (kaiming_uniform_ with a=sqrt(5)).
Does not handle: bias-only or low-rank variants, quantization.
"""
import math

import numpy as np

from .. import functional as F
from . import init
from .module import Module, Parameter


class Linear(Module):
    def __init__(self, in_features: int, out_features: int, bias: bool = True, dtype=np.float32):
        super().__init__()
        if not all(isinstance(n, (int, np.integer)) and not isinstance(n, bool) for n in (in_features, out_features)):
            raise TypeError(f"Linear sizes must be integers, got in_features={in_features!r}, "
                            f"out_features={out_features!r}")
        if in_features <= 0 or out_features <= 0:
            raise ValueError(f"Linear needs positive sizes, got in_features={in_features}, out_features={out_features}")
        self.in_features, self.out_features = int(in_features), int(out_features)
        self.weight = Parameter(np.empty((out_features, in_features), dtype=dtype), dtype=dtype)   # (O, C)
        self.bias = Parameter(np.empty(out_features, dtype=dtype), dtype=dtype) if bias else None  # (O,)
        if not bias:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))       # = U(-1/sqrt(C), 1/sqrt(C))
        if self.bias is not None:
            bound = 1.0 / math.sqrt(self.in_features)
            init.uniform_(self.bias, -bound, bound)

    def forward(self, x):
        if not hasattr(x, "shape"):
            raise TypeError(f"Linear expects a Tensor or NumPy array of shape (..., {self.in_features}), "
                            f"got {type(x).__name__}")
        if x.shape[-1:] != (self.in_features,):
            raise ValueError(f"Linear(in_features={self.in_features}, out_features={self.out_features}): "
                             f"input's last dim must be {self.in_features}, got input shape {tuple(x.shape)}")
        if np.dtype(x.dtype).kind != "f":
            raise TypeError(f"Linear(in_features={self.in_features}, out_features={self.out_features}): input must be "
                            f"floating point, got dtype {x.dtype} (token ids? embed them with nn.Embedding first; "
                            f"numbers? cast with .astype(np.float32))")
        return F.linear(x, self.weight, self.bias)               # (..., C) -> (..., O)

    def extra_repr(self):
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"


class Identity(Module):
    """Returns its input (a placeholder, e.g. to switch a layer off)."""

    def forward(self, x):
        return x
