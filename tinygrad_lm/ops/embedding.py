"""Embedding lookup: out = weight[ids], with a fast scatter-add backward.

Shapes: weight (V, C), ids int (B, T) (any shape works) -> out (B, T, C).
Forward is a row gather (np.take). Backward adds each upstream row dout[b, t] into
dweight[ids[b, t]]: a token that appears 50 times gets 50 rows added. `np.add.at` does that
correctly but slowly (it handles arbitrary fancy indices element by element), so float32
gradients go through a small Numba loop over rows instead; `scatter_add_rows_numpy` is its NumPy
twin (used for float64 and as the reference in the equality test).
Does not: padding_idx, max_norm, sparse gradients.
"""
import numba
import numpy as np

from .. import kernels
from ..tensor import Tensor
from ._common import _make


def scatter_add_rows_numpy(dweight: np.ndarray, ids: np.ndarray, rows: np.ndarray) -> None:
    """NumPy twin: dweight[ids[n]] += rows[n] for every n, repeats included. ids (N,), rows (N, C)."""
    np.add.at(dweight, ids, rows)


@numba.njit(cache=True)
def _scatter_add_rows_numba(dweight, ids, rows):
    # Sequential on purpose: two rows with the same id would race under prange. Each row add is
    # a contiguous C-length loop that LLVM vectorizes; the whole pass reads `rows` once.
    for n in range(ids.shape[0]):
        r = ids[n]
        for c in range(rows.shape[1]):
            dweight[r, c] += rows[n, c]


def scatter_add_rows(dweight: np.ndarray, ids: np.ndarray, rows: np.ndarray) -> None:
    """dweight (V, C) += scatter of rows (N, C) at ids (N,). float32 -> Numba, else the twin
    (also with TGLM_KERNELS=numpy or NUMBA_DISABLE_JIT=1, where the loop would run as Python)."""
    if (dweight.dtype == np.float32 and rows.dtype == np.float32 and kernels.backend() == "numba"
            and not numba.config.DISABLE_JIT):
        _scatter_add_rows_numba(dweight, np.ascontiguousarray(ids), np.ascontiguousarray(rows))
    else:
        scatter_add_rows_numpy(dweight, ids, rows)


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
        scatter_add_rows(dW, ids_arr.reshape(-1).astype(np.int64, copy=False), g.reshape(-1, C))
        return (dW,)
    return _make(out, (weight,), backward, "embedding")
