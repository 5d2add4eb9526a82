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

    APPROACH: x = np.concatenate([prefix, token_emb], axis=1). labels = full((B, k + T), -100);
    labels[:, k : k + T - 1] = ids[:, 1:]; then labels[labels == pad_id] = -100.

    EXAMPLE: k = 2, ids = [[1, 5, 2, 0]] (<bos> w <eos> <pad>), pad 0:
             labels = [[-100, -100, 5, 2, -100, -100]].

    HINT: labels = ids (not shifted) teaches the model to copy its input; labels on the prefix
    positions (e.g. <bos>) or on padding add loss terms that have nothing to do with the caption.
    """
    ### BEGIN SOLUTION
    prefix, token_emb, ids = np.asarray(prefix), np.asarray(token_emb), np.asarray(ids)
    B, k, C = prefix.shape
    if token_emb.shape[:2] != ids.shape or token_emb.shape[0] != B or token_emb.shape[2] != C:
        raise ValueError(f"prefix_inputs: prefix {prefix.shape}, token_emb {token_emb.shape} and ids {ids.shape} "
                         f"disagree on B, T or C")
    T = ids.shape[1]
    x = np.concatenate([prefix, token_emb], axis=1)                  # (B, k + T, C)
    labels = np.full((B, k + T), -100, np.int64)
    labels[:, k:k + T - 1] = ids[:, 1:]                              # position k + i predicts token i + 1
    labels[labels == pad_id] = -100
    return x, labels
    ### END SOLUTION
