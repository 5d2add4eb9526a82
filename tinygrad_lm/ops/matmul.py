"""Matrix multiplication `a @ b` with autograd, forward AND backward through kernels.matmul.

Shapes: (..., M, K) @ (..., K, N) -> (..., M, N) with broadcast batch dims; 1-D operands follow
NumPy/PyTorch: (K,) @ (K, N) -> (N,), (M, K) @ (K,) -> (M,), (K,) @ (K,) -> ().
Backward: dA = dOut @ B^T, dB = A^T @ dOut, each summed over the batch dims that were broadcast.
The common Linear-layer case x (B, T, C) @ W (C, N) computes dW as ONE 2-D product
(B*T, C)^T @ (B*T, N) instead of B batched products followed by a sum.
Does not: integer matmul with gradients, sparse operands (see tinygrad_lm/ops/sparse.py).
"""
import numpy as np

from ..kernels import api as kernels
from ..tensor import Tensor
from ._common import _make, unbroadcast


def _check(a: np.ndarray, b: np.ndarray):
    if a.ndim == 0 or b.ndim == 0:
        raise ValueError(f"matmul: both operands need at least 1 dim, got shapes {a.shape} and {b.shape}")
    ka = a.shape[-1]
    kb = b.shape[0] if b.ndim == 1 else b.shape[-2]
    if ka != kb:
        raise ValueError(f"matmul: shapes {a.shape} @ {b.shape} do not match: inner dims {ka} != {kb} "
                         f"(a's last dim must equal b's second-to-last dim)")
    if a.ndim > 2 and b.ndim > 2:
        try:
            np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
        except ValueError:
            raise ValueError(f"matmul: batch dims of {a.shape} and {b.shape} do not broadcast") from None
    if a.dtype != b.dtype:
        raise TypeError(f"matmul: dtypes differ: {a.dtype} @ {b.dtype} (cast one with .float() / .double())")
    if a.dtype.kind != "f":
        raise TypeError(f"matmul: needs floating tensors, got {a.dtype} (cast with .float())")


def _swap(x):
    return np.swapaxes(x, -1, -2)


def matmul(a: Tensor, b: Tensor) -> Tensor:
    if not isinstance(b, Tensor):
        b = Tensor(np.asarray(b, dtype=a.data.dtype))
    A, B = a.data, b.data
    _check(A, B)
    # promote 1-D operands to matrices; remember to drop the added dim again
    A2 = A[None, :] if A.ndim == 1 else A                         # (1, K)
    B2 = B[:, None] if B.ndim == 1 else B                         # (K, 1)
    out = kernels.matmul(A2, B2)                                   # (..., M, N)
    if A.ndim == 1:
        out = out[..., 0, :]
    if B.ndim == 1:
        out = out[..., 0]
    out = np.asarray(out)

    def backward(g):
        # put the dropped 1-D dims back so g is (..., M, N)
        G = g
        if B.ndim == 1:
            G = G[..., None]
        if A.ndim == 1:
            G = G[..., None, :]
        G = np.ascontiguousarray(G)
        dA = dB = None
        if a.requires_grad:
            if B2.ndim == 2 and G.ndim == 2:
                dA = kernels.matmul(G, _swap(B2))                   # (M, N) @ (N, K)
            else:
                dA = unbroadcast(kernels.matmul(G, _swap(B2)), A2.shape)
            dA = dA.reshape(A.shape)
        if b.requires_grad:
            if B2.ndim == 2 and A2.ndim > 2:
                # (B, T, K) @ (K, N): fold the batch into rows -> one (K, BT) @ (BT, N) product
                K = A2.shape[-1]
                dB = kernels.matmul(_swap(A2.reshape(-1, K)), G.reshape(-1, G.shape[-1]))
            elif A2.ndim == 2 and G.ndim == 2:
                dB = kernels.matmul(_swap(A2), G)                   # (K, M) @ (M, N)
            else:
                dB = unbroadcast(kernels.matmul(_swap(A2), G), B2.shape)
            dB = dB.reshape(B.shape)
        return dA, dB
    return _make(out, (a, b), backward, "matmul")


def rmatmul(a: Tensor, b) -> Tensor:       # b @ a with b an array
    return matmul(Tensor(np.asarray(b, dtype=a.data.dtype)), a)


Tensor.__matmul__ = matmul
Tensor.__rmatmul__ = rmatmul
Tensor.matmul = matmul
