# Generated from solutions/week4/transformer.py by `tglm course build`: fill in the parts that raise NotImplementedError.
# Your edits are safe: the build refuses to overwrite this file unless --force; the reference is solutions/week4/transformer.py.
"""Week 4, part 2: the Transformer block and where a position comes from, with Tensor ops.

Attention by itself does not know the ORDER of its inputs: permute the tokens and each output is
permuted the same way. Order is put in by adding a position vector to each token's embedding,
either fixed sinusoids (Vaswani et al. 2017) or a learned table wpe (GPT-2, BERT):

    x = wte[idx] + wpe[0 .. T-1]                                        (B, T, C)

A GPT-2 block (pre-LayerNorm) then mixes information across positions (attention) and within
each position (MLP), each inside a residual connection:

    x = x + c_proj(attention(split_heads(c_attn(ln_1(x)))))            (B, T, C)
    x = x + mlp_c_proj(gelu(mlp_c_fc(ln_2(x))))                         (B, T, C)

Everything here is built from Tensor ops (matmul, reshape, transpose, masked_fill, softmax,
F.layer_norm, F.gelu), so autograd gives the backward pass for free; the tests compare your block
with the library's fused one (tinygrad_lm/models/gpt.py Block) with the same weights, forward AND
gradients.

Legend: B batch, T time, C channels, H heads, D head size, V vocab.
Not here: dropout, the KV cache (attention.py, task 4.9), rotary or relative position encodings.
"""
import numpy as np

import tinygrad_lm.functional as F


def sinusoidal_positions(T, C):
    """Task 4.10: the fixed sinusoidal position encodings of "Attention Is All You Need".

    TODO: return a float32 array P of shape (T, C) with, for position t and i = 0 .. C/2 - 1,
        P[t, 2i]     = sin(t / 10000^(2i / C))
        P[t, 2i + 1] = cos(t / 10000^(2i / C))
    Raise ValueError if C is odd.

    APPROACH: stuck? `tglm hint 4.10` shows the approach one step at a time.

    EXAMPLE: P[0] == [0, 1, 0, 1, ...]; every row has norm sqrt(C / 2).

    HINT: compute in float64 and cast once at the end with .astype(np.float32).
    """
    raise NotImplementedError('Week 4, task 4.10: the fixed sinusoidal position encodings of "Attention Is All You Need".')


def embed(idx, wte, wpe, start=0):
    """Task 4.10: token + learned position embeddings, as GPT-2 and BERT do.

    TODO: idx (B, T) int array, wte (V, C) and wpe (T_max, C) Tensors -> x (B, T, C) Tensor:
    x[b, t] = wte[idx[b, t]] + wpe[start + t]. Gradients must reach wte and wpe.
    Raise ValueError if start + T > T_max (the model has no position vector that far).

    APPROACH: stuck? `tglm hint 4.10` shows the approach one step at a time.

    EXAMPLE: embed([[2, 2]], wte, wpe) -> the two rows differ by wpe[1] - wpe[0] exactly.

    HINT: `start` is where a KV-cached generation continues: the 11th token gets wpe[10], not wpe[0].
    """
    raise NotImplementedError("Week 4, task 4.10: token + learned position embeddings, as GPT-2 and BERT do.")


def transformer_block(x, p, n_head, causal=True):
    """Task 4.11: a GPT-2 (pre-LayerNorm) transformer block from Tensor ops.

    TODO: x (B, T, C) Tensor; p a dict of Tensors named as in the library's Block (PyTorch Linear
    layout: weight (out, in), y = x @ W.T + b):
        "ln_1.weight", "ln_1.bias", "attn.c_attn.weight" (3C, C), "attn.c_attn.bias" (3C,),
        "attn.c_proj.weight" (C, C), "attn.c_proj.bias", "ln_2.weight", "ln_2.bias",
        "mlp.c_fc.weight" (4C, C), "mlp.c_fc.bias", "mlp.c_proj.weight" (C, 4C), "mlp.c_proj.bias".
    Return the block's output (B, T, C):
        h = F.layer_norm(x, None, ln_1.weight, ln_1.bias)
        q, k, v = split of F.linear(h, c_attn.weight, c_attn.bias) into three (B, T, C) Tensors
        per head (B, H, T, D): att = q @ k^T / sqrt(D), masked (causal), softmax, @ v
        x = x + F.linear(merged heads, c_proj.weight, c_proj.bias)
        x = x + F.linear(F.gelu(F.linear(F.layer_norm(x, ...ln_2...), c_fc...)), mlp.c_proj...)

    APPROACH: stuck? `tglm hint 4.11` shows the approach one step at a time.

    EXAMPLE: with causal=True, changing x[:, -1] does not change the output at positions 0 .. T-2.

    HINT: do not call the library's scaled_dot_product_attention or the Block: this task is to
    build them. The order of q, k, v in c_attn's output is q first, then k, then v.
    """
    raise NotImplementedError("Week 4, task 4.11: a GPT-2 (pre-LayerNorm) transformer block from Tensor ops.")
