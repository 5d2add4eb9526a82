"""Embedding lookup: out = weight[ids], with a fast scatter-add backward.

Shapes: weight (V, C), ids int (B, T) (any shape works) -> out (B, T, C).
Forward is a row gather (np.take). Backward adds each upstream row dout[b, t] into
dweight[ids[b, t]]: a token that appears 50 times gets 50 rows added. That scatter-add is
kernels/embedding.py (a Numba loop over rows for float32; `np.add.at`, its twin, otherwise).
Does not: padding_idx, max_norm, sparse gradients.
"""
import numpy as np

from ..kernels import api as kernels
from ..tensor import Tensor
from ._common import _make


def embedding(ids, weight: Tensor) -> Tensor:
    """weight (V, C), ids int (...) -> (..., C)."""
    ids_arr = ids.data if isinstance(ids, Tensor) else np.asarray(ids)
    W = weight.data
    if W.ndim != 2:
        raise ValueError(f"embedding: weight must be (V, C), got shape {W.shape}")
    if ids_arr.dtype.kind not in "iu":
        raise TypeError(f"embedding: ids must be an integer tensor, got dtype {ids_arr.dtype}")
    V, C = W.shape
    if ids_arr.size:
        lo, hi = int(ids_arr.min()), int(ids_arr.max())
        if lo < 0 or hi >= V:
            raise IndexError(f"embedding: ids must be in [0, {V}) for a weight of shape {W.shape}, "
                             f"got values in [{lo}, {hi}]")
    out = np.take(W, ids_arr, axis=0)                       # (B, T, C)

    def backward(g):
        dW = np.zeros((V, C), dtype=W.dtype)                 # (V, C)
        kernels.scatter_add_rows(dW, ids_arr.reshape(-1).astype(np.int64, copy=False), g.reshape(-1, C))
        return (dW,)
    return _make(out, (weight,), backward, "embedding")
