"""The affine map of a Linear layer, y = x @ W^T + b, as ONE graph node.

Shapes: x (..., C) (usually (B, T, C)), weight W (O, C) as in PyTorch, bias b (O,) or None
-> y (..., O). All leading dims are folded into N = B*T rows, so every product is one 2-D matmul:
    forward   y  = x2 @ W^T  (+ b added by the matmul kernel, block by block)  (N, O)
    backward  dx = g2 @ W                                                   (N, C)
              dW = g2^T @ x2     (already (O, C): no transposed copy)       (O, C)
              db = sum of g2 over rows  (kernels.column_sum: on all threads)  (O,)
Built from separate ops (x @ W.T, then + b) the same step makes three nodes (transpose, matmul,
add), a second (N, O) array for the sum, and a transposed (C, O) dW that the engine has to copy.
The matmuls run on kernels.matmul (which reads the transposed operands in place).
Does not: integer inputs, weight of other shapes than (O, C), bias without weight.
"""
import numpy as np

from ..kernels import api as kernels
from ..tensor import Tensor
from ._common import _make


def linear(x: Tensor, weight: Tensor, bias: Tensor = None) -> Tensor:
    """y = x @ weight.T + bias; x (..., C), weight (O, C), bias (O,) or None -> (..., O)."""
    X, W = x.data, weight.data
    if W.ndim != 2:
        raise ValueError(f"linear: weight must be (O, C), got shape {W.shape}")
    O, C = W.shape
    if X.ndim == 0 or X.shape[-1] != C:
        raise ValueError(f"linear: input's last dim must be C = {C} for weight (O, C) = {W.shape}, "
                         f"got input shape {X.shape}")
    if X.dtype != W.dtype or X.dtype.kind != "f":
        raise TypeError(f"linear: input and weight must share a floating dtype, got {X.dtype} and {W.dtype}")
    if bias is not None and (bias.data.shape != (O,) or bias.data.dtype != W.dtype):
        raise ValueError(f"linear: bias must be ({O},) {W.dtype}, got {bias.data.shape} {bias.data.dtype}")
    lead = X.shape[:-1]
    X2 = X.reshape(-1, C)                                        # (N, C), a view when possible
    y = kernels.matmul(X2, W.T, None if bias is None else bias.data)   # (N, O), + b fused in the kernel
    parents = (x, weight) if bias is None else (x, weight, bias)

    def backward(g):                                             # g (..., O)
        G2 = np.ascontiguousarray(g.reshape(-1, O))              # (N, O)
        dx = kernels.matmul(G2, W).reshape(X.shape) if x.requires_grad else None    # (..., C)
        dW = kernels.matmul(G2.T, X2) if weight.requires_grad else None             # (O, C)
        if bias is None:
            return dx, dW
        db = kernels.column_sum(G2) if bias.requires_grad else None                   # (O,), all threads
        return dx, dW, db

    return _make(y.reshape(lead + (O,)), parents, backward, "linear")


Tensor.linear = linear
