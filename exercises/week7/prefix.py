# Generated from solutions/week7/prefix.py by `tglm course build`: fill in the parts that raise NotImplementedError.
# Your edits are safe: the build refuses to overwrite this file unless --force; the reference is solutions/week7/prefix.py.
"""Week 7: the input of a prefix captioner (ClipCap, Mokady et al. 2021), in NumPy.

An image embedding is mapped to k vectors of the decoder's width ("prefix"), which the GPT reads as if
they were the embeddings of k words in front of the caption:
    x      = [prefix ; wte(ids)]                     (B, k + T, C)
    labels = [-100] * k  +  ids[1:]  +  [-100]       (B, k + T), then -100 wherever the label is <pad>
ids = <bos> w1 .. wn <eos> <pad> ..: position k + i holds token i and must predict token i + 1, so the
labels are the ids shifted left by one. The k prefix positions predict nothing (-100, ignored by the
cross-entropy): the last of them would predict <bos>, which is always given.
Legend: B batch, k prefix length, T caption tokens, C width.
Library version (autograd, with the mapping MLP and the GPT): tinygrad_lm/models/captioner.py.
"""
import numpy as np


def prefix_inputs(prefix, token_emb, ids, pad_id=0):
    """Task 7.12: the decoder input and the labels of prefix captioning.

    TODO: prefix (B, k, C), token_emb (B, T, C) (the embeddings of ids), ids (B, T) int. Return
    (x (B, k + T, C), labels (B, k + T) int64) as in the module docstring. ValueError if B, T or C
    disagree.

    APPROACH: stuck? `tglm hint 7.12` shows the approach one step at a time.

    EXAMPLE: k = 2, ids = [[1, 5, 2, 0]] (<bos> w <eos> <pad>), pad 0:
             labels = [[-100, -100, 5, 2, -100, -100]].

    HINT: labels = ids (not shifted) teaches the model to copy its input; labels on the prefix
    positions (e.g. <bos>) or on padding add loss terms that have nothing to do with the caption.
    """
    raise NotImplementedError("Week 7, task 7.12: the decoder input and the labels of prefix captioning.")
