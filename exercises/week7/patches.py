# Generated from solutions/week7/patches.py by `tglm course build`: fill in the parts that raise NotImplementedError.
# Your edits are safe: the build refuses to overwrite this file unless --force; the reference is solutions/week7/patches.py.
"""Week 7: the patch embedding of a Vision Transformer (Dosovitskiy et al. 2021), in NumPy.

A ViT reads an image as a sentence of patches: cut it into P x P squares, flatten each square's
3 * P * P values into a vector, and project every vector with one shared matrix to the model width C:
    patches = patchify(x, P)          (B, L, C_in*P*P)     L = (H/P) * (W/P), row-major patch order
    tokens  = patches @ W^T + b       (B, L, C)
Inside a patch the values are ordered channel, then row, then column, which is the order of
W.reshape(C, C_in*P*P) for a conv weight W (C, C_in, P, P): the patch embedding IS a convolution with
kernel_size = stride = P (tinygrad_lm/models/vision.py PatchEmbedding uses nn.Conv2d).
Legend: B batch, C_in image channels, H, W image size, P patch size, L patches, C model width.
Not here: the [CLS] token and position embeddings (models/vision.py ViT adds them).
"""
import numpy as np


def patchify(x, P):
    """Task 7.11: cut images into flattened P x P patches (the ViT's "words").

    TODO: x (B, C_in, H, W) with H and W multiples of P (else ValueError). Return (B, L, C_in*P*P):
    patch number l = row * (W // P) + col covers x[:, :, row*P:(row+1)*P, col*P:(col+1)*P], flattened
    in (channel, row in patch, column in patch) order.

    APPROACH: stuck? `tglm hint 7.11` shows the approach one step at a time.

    EXAMPLE: one 1-channel 4x4 image arange(16) with P = 2: patch 0 is [0, 1, 4, 5], patch 1 is
             [2, 3, 6, 7], patch 2 is [8, 9, 12, 13].

    HINT: reshaping (B, C, H, W) straight to (B, L, C*P*P) without the transpose mixes rows of different
    patches: patch 0 would come out as [0, 1, 2, 3].
    """
    raise NotImplementedError('Week 7, task 7.11: cut images into flattened P x P patches (the ViT\'s "words").')


def patch_embed(x, W, b):
    """A conv weight W (C, C_in, P, P) and bias b (C,) applied as a ViT patch embedding -> (B, L, C)."""
    C, _, P, _ = W.shape
    return patchify(x, P) @ np.asarray(W).reshape(C, -1).T + b       # (B, L, C)
