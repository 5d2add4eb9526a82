# Generated from solutions/week5/local_attention.py by `tglm course build`: fill in the parts that raise NotImplementedError.
# Your edits are safe: the build refuses to overwrite this file unless --force; the reference is solutions/week5/local_attention.py.
"""Week 5: GPT-3's "locally banded" attention: each position attends only to the last w positions.

GPT-3 (Brown et al. 2020, section 2.1) alternates dense layers with "locally banded sparse attention"
(Child et al. 2019): in a local layer, position t may attend to positions t - w + 1 ... t only (the
band of width w below and on the diagonal), not to the whole past. Cost per layer drops from
O(T^2) to O(T w), and a stack of local layers still sees far back: each layer reaches w - 1 more
positions. The mask, True where attention is allowed, for T = 5, w = 2:

        k: 0 1 2 3 4
    q 0:   1 0 0 0 0
    q 1:   1 1 0 0 0
    q 2:   0 1 1 0 0
    q 3:   0 0 1 1 0
    q 4:   0 0 0 1 1

Attention with a mask: scores = q k^T / sqrt(D); disallowed scores become -inf before the softmax,
so they get probability exactly 0. w >= T gives ordinary causal attention.

Legend: B batch, H heads, T time, D head size, w window.
Library version: `self_attention_qkv(qkv, n_head, window=w)` in tinygrad_lm/ops/attention.py, whose
fused kernel (tinygrad_lm/kernels/attention.py) loops over keys max(0, t - w + 1) .. t only, forward
and backward, and equals this file's masked attention (tests/test_local_attention.py); a model gets
GPT-3's alternating layers with GPTConfig(attn_window=w, local_layers="alternate"). The saving:
`tglm bench --only local_attention`.
Not here: the strided pattern of sparse transformers, skipping the computation outside the band
(this file computes the full T x T scores and masks them: the saving needs the library's kernel).
"""
import numpy as np


def local_causal_mask(T, window):
    """Task 5.3: the (T, T) boolean mask of banded causal attention: True where query t may see key s.

    TODO: allowed[t, s] = (s <= t) and (t - s < window). window >= 1 (window 1 = only itself).

    APPROACH: stuck? `tglm hint 5.3` shows the approach one step at a time.

    EXAMPLE: local_causal_mask(3, 2) == [[1,0,0],[1,1,0],[0,1,1]] (as bools)

    HINT: "the last w positions" INCLUDES the position itself: t - s ranges over 0 .. w - 1.
    """
    raise NotImplementedError("Week 5, task 5.3: the (T, T) boolean mask of banded causal attention: True where query t may see key s.")


def local_attention(q, k, v, window):
    """Task 5.4: attention restricted to the band: q, k, v (B, H, T, D) -> (B, H, T, D), float64.

    TODO: scores = q @ k^T / sqrt(D) (B, H, T, T); where local_causal_mask(T, window) is False put
    -inf; softmax over the last axis (subtract the row max first); return probs @ v.

    EXAMPLE: window >= T equals ordinary causal attention; window = 1 returns v itself (each position
             attends only to itself).

    HINT: np.where(mask, scores, -np.inf) broadcasts a (T, T) mask over (B, H, T, T) scores.
    """
    raise NotImplementedError("Week 5, task 5.4: attention restricted to the band: q, k, v (B, H, T, D) -> (B, H, T, D), float64.")
