# Generated from solutions/week4/attention.py by `tglm course build`: fill in the parts that raise NotImplementedError.
# Your edits are safe: the build refuses to overwrite this file unless --force; the reference is solutions/week4/attention.py.
"""Week 4, part 2: self-attention, the one new idea of the Transformer, in plain NumPy.

Each position asks a question (query q), offers a label (key k) and carries content (value v).
Attention compares every query with every key, turns the scores into weights with a softmax and
averages the values with those weights:

    scores = q @ k^T / sqrt(D)        (..., Tq, Tk)   how much query i matches key j
    scores[i, j] = -inf  where j > i  (causal: a position may not look at the future)
    weights = softmax(scores)         (..., Tq, Tk)   each row sums to 1
    y = weights @ v                   (..., Tq, D)

Multi-head attention runs H small attentions side by side: the C channels are cut into H heads
of D = C / H channels, each head attends on its own, and the heads are put back side by side.
At generation time a KV cache keeps the keys and values of past positions, so a new token
computes only its own q, k, v and attends over the cache (task 4.9).

Legend: B batch, T time, C channels, H heads, D head size (C // H), Tq queries, Tk keys.
Scope: forward passes on NumPy arrays (float32 in, float32 out). The library's fused version with
its backward is tinygrad_lm/ops/attention.py; tests compare your results with it.
Not here: dropout on the attention weights, padding masks, flash-attention style tiling.
"""
import numpy as np


def attention(q, k, v, causal=True):
    """Task 4.7: scaled dot-product attention with an optional causal mask.

    TODO: q (..., Tq, D), k and v (..., Tk, D) -> y (..., Tq, D), same dtype as q.
    scores = q @ k^T / sqrt(D); if causal, query i may only see keys j <= i + (Tk - Tq) (the last
    Tq positions of Tk: with Tq == Tk this is j <= i); softmax over the keys; y = weights @ v.

    APPROACH: stuck? `tglm hint 4.7` shows the approach one step at a time.

    EXAMPLE: with T = 3 and causal=True, y[..., 0, :] == v[..., 0, :] (the first position sees only itself).

    HINT: -inf becomes exactly 0 after exp; the row max is never -inf because key 0 is always
    visible. Keep float32: scale by D ** -0.5 (a Python float); a NumPy float64 scalar such as
    1 / np.sqrt(D) upcasts a float32 array to float64 under NumPy 2.
    """
    raise NotImplementedError("Week 4, task 4.7: scaled dot-product attention with an optional causal mask.")


def split_heads(x, n_head):
    """Task 4.8: cut the channels into heads: x (B, T, C) -> (B, H, T, D) with D = C // H.

    TODO: head h gets channels h*D ... (h+1)*D - 1. Raise ValueError if C is not divisible by n_head.

    APPROACH: stuck? `tglm hint 4.8` shows the approach one step at a time.

    EXAMPLE: x of shape (2, 5, 12), n_head 3 -> shape (2, 3, 5, 4), and
             split_heads(x, 3)[b, h, t] == x[b, t, 4*h : 4*h + 4]

    HINT: reshape to (B, H, T, D) directly is WRONG (it mixes time and channels): the reshape must
    keep T where it is; only the transpose moves it.
    """
    raise NotImplementedError("Week 4, task 4.8: cut the channels into heads: x (B, T, C) -> (B, H, T, D) with D = C // H.")


def merge_heads(x):
    """Task 4.8: the inverse of split_heads: x (B, H, T, D) -> (B, T, C) with C = H * D.

    TODO: put the heads back side by side along the channels.

    APPROACH: stuck? `tglm hint 4.8` shows the approach one step at a time.

    EXAMPLE: merge_heads(split_heads(x, 3)) equals x.

    HINT: after a transpose the array is not contiguous; reshape copies when it must (np.reshape
    does that for you), so no extra call is needed.
    """
    raise NotImplementedError("Week 4, task 4.8: the inverse of split_heads: x (B, H, T, D) -> (B, T, C) with C = H * D.")


def attention_step(q_new, k_new, v_new, cache):
    """Task 4.9: one KV-cached attention step.

    TODO: `cache` is a dict {"k": array or None, "v": array or None} holding the keys and values of
    the positions seen so far, each (B, H, T_past, D). Append k_new, v_new (B, H, T_new, D) along the
    time axis (store the results back in the dict), then attend the T_new new queries over ALL
    keys/values with the causal mask and return y (B, H, T_new, D).

    APPROACH: stuck? `tglm hint 4.9` shows the approach one step at a time.

    EXAMPLE: feeding a sequence one token at a time (T_new = 1 each step) gives, row by row, the same
    result as attention(q, k, v, causal=True) over the whole sequence at once.

    HINT: the cache grows by T_new per call; do not append k_new twice, and do not mask the past.
    """
    raise NotImplementedError("Week 4, task 4.9: one KV-cached attention step.")
