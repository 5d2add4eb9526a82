"""Fused layer normalization over the last axis, through kernels.layer_norm_forward/backward.

Shapes: x (..., C) (e.g. (B, T, C)) is viewed as (N, C) rows; weight (C,), bias (C,).
y = (x - mean) / sqrt(var + eps) * weight + bias, with the biased variance (as PyTorch).
One graph node instead of ~10 elementwise ones: the kernel saves mean and rstd per row, and its
backward returns dx, dweight, dbias together.
Does not: normalizing over several trailing axes, RMSNorm.
"""
import numpy as np

from ..kernels import api as kernels
from ..tensor import Tensor
from ._common import _make


def layer_norm(x: Tensor, weight: Tensor = None, bias: Tensor = None, eps: float = 1e-5) -> Tensor:
    X = x.data
    if X.ndim < 1:
        raise ValueError("layer_norm: input needs at least 1 dim (..., C)")
    C = X.shape[-1]
    dtype = X.dtype
    for name, p in (("weight", weight), ("bias", bias)):
        if p is not None and p.data.shape != (C,):
            raise ValueError(f"layer_norm: {name} shape {p.data.shape} does not match input's last dim: "
                             f"expected ({C},) for input {X.shape}")
        if p is not None and p.data.dtype != dtype:
            raise TypeError(f"layer_norm: {name} dtype {p.data.dtype} != input dtype {dtype}")
    W = weight.data if weight is not None else np.ones(C, dtype=dtype)
    Bb = bias.data if bias is not None else np.zeros(C, dtype=dtype)
    X2 = np.ascontiguousarray(X.reshape(-1, C))                      # (N, C)
    y, mean, rstd = kernels.layer_norm_forward(X2, W, Bb, eps)        # (N, C), (N,), (N,)
    y = y.reshape(X.shape)
    parents = (x,) + tuple(p for p in (weight, bias) if p is not None)

    def backward(g):
        dx, dw, db = kernels.layer_norm_backward(np.ascontiguousarray(g.reshape(-1, C)), X2, W, mean, rstd)
        grads = [dx.reshape(X.shape) if x.requires_grad else None]
        if weight is not None:
            grads.append(dw if weight.requires_grad else None)
        if bias is not None:
            grads.append(db if bias.requires_grad else None)
        return tuple(grads)
    return _make(y, parents, backward, "layer_norm")
