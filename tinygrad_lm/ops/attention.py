"""Scaled dot-product attention as ONE autograd node (forward and backward side by side).

    att = (q @ k^T) / sqrt(D)          scores             (B, H, Tq, Tk)
    att = att masked where a query may not look (causal: key position > query position)
    p   = softmax(att, over keys)                         (B, H, Tq, Tk)
    y   = p @ v                                           (B, H, Tq, D)

Backward (dy is dL/dy):
    dv   = p^T @ dy                                       (B, H, Tk, D)
    dp   = dy @ v^T                                       (B, H, Tq, Tk)
    datt = p * (dp - sum(dp * p, over keys))  / sqrt(D)   softmax backward, masked entries have p = 0
    dq   = datt @ k,   dk = datt^T @ q

Building attention from separate Tensor ops (matmul, masked_fill, softmax, matmul) gives the same
numbers through ~8 graph nodes and several temporaries; one node saves the Python overhead and
memory traffic. The matmuls run on the Numba kernels and the softmax on the fused row kernel.
With a KV cache the queries are the last Tq of Tk positions, so query i sits at key position
i + (Tk - Tq): the causal mask is offset by that amount.

Local (banded) attention, GPT-3's "locally banded sparse" layers: `window=w` lets the query at
position t see keys t - w < s <= t only (w >= 1, causal only; w >= T is dense causal):
    hidden(t, s) = s > t  or  t - s >= w
In scaled_dot_product_attention the keys left of every query's band (s < Tk - Tq - w + 1) are
sliced off before the products (a KV-cached step reads only the last w keys, O(w) per token;
their gradient is zero); in self_attention_qkv the fused kernel skips everything outside the band.

`self_attention_qkv(qkv, n_head, causal)` is the training fast path: it takes the packed
(B, T, 3C) output of c_attn and returns (B, T, C) with heads side by side, with no split,
reshape or transpose nodes in between (kernels/attention.py: causal scores skip the upper
triangle (and with a window everything left of the band), one (b, h) per thread work unit).
The model uses it whenever there is no KV cache.

Legend: B batch, H heads, Tq queries, Tk keys, D head size, T time, C channels (H * D).
Does not handle: attention dropout (GPT-2 fine-tuning here uses dropout 0 on attention weights),
arbitrary user masks other than causal + key padding.
"""
import numpy as np

from ..kernels import api as kernels
from ..tensor import Tensor


def _causal_mask(Tq: int, Tk: int, window: int = None) -> np.ndarray:
    """True where query i (at key position t = i + Tk - Tq) may NOT look at key j: j > t, and
    with a window also t - j >= window."""
    q_pos = np.arange(Tk - Tq, Tk)[:, None]            # (Tq, 1)
    j = np.arange(Tk)[None, :]                         # (1, Tk)
    hidden = j > q_pos                                 # (Tq, Tk)
    if window is not None:
        hidden |= q_pos - j >= window                  # left of the band
    return hidden


def _band_start(Tq: int, Tk: int, window) -> int:
    """The first key any of the Tq last queries may see (0 without a window)."""
    return 0 if window is None else max(0, Tk - Tq - window + 1)


def attention_probs(q: np.ndarray, k: np.ndarray, causal: bool, window: int = None) -> np.ndarray:
    """softmax(q k^T / sqrt(D)) with the causal (and band, if window) mask, on plain arrays.
    With a window, pass only the keys from _band_start on to skip the work left of the band."""
    window = kernels.check_window(window, causal)
    D = q.shape[-1]
    scale = q.dtype.type(1.0 / np.sqrt(D))
    att = kernels.matmul(q, np.swapaxes(k, -1, -2))   # (B, H, Tq, Tk)
    att *= scale
    if causal and (q.shape[-2] > 1 or (window is not None and k.shape[-2] > window)):
        mask = _causal_mask(q.shape[-2], k.shape[-2], window)
        att[..., mask] = -np.inf                       # the softmax kernel maps -inf to exactly 0
    return kernels.softmax(att)


def scaled_dot_product_attention(q: Tensor, k: Tensor, v: Tensor, causal: bool = True,
                                 window: int = None) -> Tensor:
    """y = softmax(q k^T / sqrt(D) + mask) v for q (B, H, Tq, D), k and v (B, H, Tk, D).
    window w (causal only): query t sees keys t - w < s <= t; keys left of every band are not read."""
    qa, ka, va = q.data, k.data, v.data
    if qa.ndim != 4 or ka.shape != va.shape or qa.shape[:2] != ka.shape[:2] or qa.shape[3] != ka.shape[3]:
        raise ValueError(f"attention expects q (B, H, Tq, D) and k, v (B, H, Tk, D); "
                         f"got q {qa.shape}, k {ka.shape}, v {va.shape}")
    if not (qa.dtype == ka.dtype == va.dtype):
        raise TypeError(f"attention: q, k, v dtypes differ: {qa.dtype}, {ka.dtype}, {va.dtype}")
    if causal and qa.shape[2] > ka.shape[2]:
        raise ValueError(f"causal attention needs Tq <= Tk, got Tq={qa.shape[2]}, Tk={ka.shape[2]}")
    D = qa.shape[-1]
    window = kernels.check_window(window, causal)
    Tk = ka.shape[2]
    lo = _band_start(qa.shape[2], Tk, window)          # keys before lo are outside every band
    ka, va = ka[:, :, lo:], va[:, :, lo:]              # (B, H, Tk - lo, D) views
    p = attention_probs(qa, ka, causal, window)        # (B, H, Tq, Tk - lo)
    y = kernels.matmul(p, va)                          # (B, H, Tq, D)

    def backward(dy):                                  # dy (B, H, Tq, D)
        dv = kernels.matmul(np.swapaxes(p, -1, -2), dy)                 # (B, H, Tk - lo, D)
        dp = kernels.matmul(dy, np.swapaxes(va, -1, -2))                # (B, H, Tq, Tk - lo)
        datt = p * (dp - (dp * p).sum(axis=-1, keepdims=True))          # softmax backward
        datt *= datt.dtype.type(1.0 / np.sqrt(D))
        dq = kernels.matmul(datt, ka)                                   # (B, H, Tq, D)
        dk = kernels.matmul(np.swapaxes(datt, -1, -2), qa)              # (B, H, Tk - lo, D)
        if lo:                                                          # skipped keys: zero gradient
            pad = ((0, 0), (0, 0), (lo, 0), (0, 0))
            dk, dv = np.pad(dk, pad), np.pad(dv, pad)                   # (B, H, Tk, D)
        return dq, dk, dv

    return Tensor._make(y, (q, k, v), backward, "attention")


def self_attention_qkv(qkv: Tensor, n_head: int, causal: bool = True, window: int = None) -> Tensor:
    """Multi-head self-attention from the packed projections: qkv (B, T, 3C) -> y (B, T, C).

    The same numbers as splitting qkv into q, k, v, reshaping each to (B, H, T, D), calling
    scaled_dot_product_attention and putting the heads back side by side, in one graph node.
    window w (causal only): banded attention, position t sees t - w < s <= t; the kernel skips the
    rest (O(T w) instead of O(T^2)).
    """
    x = qkv.data
    if x.ndim != 3 or x.shape[2] % 3 or n_head <= 0 or (x.shape[2] // 3) % n_head:
        raise ValueError(f"self_attention_qkv expects qkv (B, T, 3C) with C divisible by n_head; "
                         f"got shape {x.shape}, n_head={n_head}")
    if x.dtype.kind != "f":
        raise TypeError(f"self_attention_qkv: qkv must be floating point, got {x.dtype}")
    H = int(n_head)
    window = kernels.check_window(window, causal)
    y, p = kernels.attention_qkv_forward(x, H, causal, window)  # (B, T, C), (B, H, T, T)

    def backward(dy):                                           # dy (B, T, C) -> dqkv (B, T, 3C)
        return (kernels.attention_qkv_backward(dy, x, p, H, causal, window),)

    return Tensor._make(y, (qkv,), backward, "attention_qkv")


def attention_reference(q: Tensor, k: Tensor, v: Tensor, causal: bool = True, window: int = None) -> Tensor:
    """The same attention from separate Tensor ops (autograd does the backward); the test twin.
    With a window every score is computed and then masked (the definition, not the fast way)."""
    D = q.shape[-1]
    att = (q @ k.transpose(-2, -1)) * (1.0 / np.sqrt(D))            # (B, H, Tq, Tk)
    if causal:
        att = att.masked_fill(_causal_mask(q.shape[-2], k.shape[-2], window), -np.inf)
    return att.softmax(axis=-1) @ v                                  # (B, H, Tq, D)
