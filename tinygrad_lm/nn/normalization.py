"""LayerNorm: normalize each vector over its last axis, then scale and shift (learned).

Legend: B batch, T time, C normalized_shape.
    y = (x - mean(x)) / sqrt(var(x) + eps) * weight + bias      x (..., C), weight/bias (C,)
Mean and (biased) variance are per row, over C. The forward and backward are one fused op
(F.layer_norm -> tinygrad_lm.kernels.layer_norm.layer_norm_forward / _backward).
Init as PyTorch: weight = 1, bias = 0.
Does not handle: normalizing over several trailing dims, RMSNorm, BatchNorm.
"""
import numpy as np

from .. import functional as F
from .module import Module, Parameter


class LayerNorm(Module):
    def __init__(self, normalized_shape, eps: float = 1e-5, elementwise_affine: bool = True, bias: bool = True,
                 dtype=np.float32):
        super().__init__()
        if not isinstance(normalized_shape, int):
            shape = tuple(normalized_shape)
            if len(shape) != 1:
                raise NotImplementedError(f"LayerNorm over several dims {shape} is not supported; "
                                          "normalize the last dim only")
            normalized_shape = shape[0]
        if not isinstance(normalized_shape, (int, np.integer)) or normalized_shape <= 0:
            raise ValueError(f"LayerNorm needs a positive integer size, got {normalized_shape!r}")
        self.normalized_shape = (int(normalized_shape),)
        self.eps = float(eps)
        C = self.normalized_shape[0]
        self.weight = Parameter(np.ones(C, dtype=dtype), dtype=dtype) if elementwise_affine else None     # (C,)
        self.bias = Parameter(np.zeros(C, dtype=dtype), dtype=dtype) if elementwise_affine and bias else None
        for name in ("weight", "bias"):
            if getattr(self, name) is None:
                self.register_parameter(name, None)

    def forward(self, x):
        if x.shape[-1:] != self.normalized_shape:
            raise ValueError(f"LayerNorm({self.normalized_shape[0]}): input's last dim must be "
                             f"{self.normalized_shape[0]}, got input shape {tuple(x.shape)}")
        return F.layer_norm(x, None, self.weight, self.bias, self.eps)   # (..., C)

    def extra_repr(self):
        return (f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.weight is not None}"
                + ("" if self.weight is None or self.bias is not None else ", bias=False"))
