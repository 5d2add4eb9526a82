# Generated from solutions/week7/contrastive.py by `tglm course build`: fill in the parts that raise NotImplementedError.
# Your edits are safe: the build refuses to overwrite this file unless --force; the reference is solutions/week7/contrastive.py.
"""Week 7: CLIP's contrastive loss (Radford et al. 2021), forward and backward, in NumPy.

A batch holds B (image, caption) pairs. Each encoder gives one vector per item; after L2 normalisation
the (B, B) matrix of cosine similarities, times a learnable scale s = exp(t) (CLIP clamps s at 100),
holds the logits: row i scores every caption for image i, column j every image for caption j. The right
answer is on the diagonal, so the loss is cross-entropy with targets 0, 1, ..., B-1 in both directions:

    I = x / ||x||,  T = y / ||y||                           (B, E) unit rows
    s = min(exp(t), 100)
    Z = s I T^T                                             (B, B)
    L = ( mean_i -log softmax(Z[i, :])[i] + mean_j -log softmax(Z[:, j])[j] ) / 2

Backward (P_r = row softmax of Z, P_c = column softmax of Z, Id the identity):
    dL/dZ = ( (P_r - Id) + (P_c - Id) ) / (2B)              (B, B)
    dL/dI = s dZ T,  dL/dT = s dZ^T I                        (B, E)
    dL/dt = sum(dZ * Z)         (Z = exp(t) I T^T, so dZ/dt = Z; 0 when the clamp is active)
The normalisation's own backward (from I to x) is the library's job (models/clip.py l2_normalize).
Legend: B batch, E embedding size.
Library version (autograd, with the encoders): tinygrad_lm/models/clip.py.
Not here: the normalisation backward, duplicate captions in a batch (see the trainer).
"""
import numpy as np


def clip_loss(image_feats, text_feats, t):
    """Task 7.5: CLIP's symmetric contrastive loss of a batch.

    TODO: image_feats, text_feats: (B, E) float arrays (NOT yet normalised); t: the log-scale (float).
    Return the loss (a float). Normalise rows to unit length, s = min(exp(t), 100), Z = s I T^T,
    then the mean of the two cross-entropies (over rows and over columns) with the diagonal as targets.
    Raise ValueError if the shapes differ or are not 2-D.

    APPROACH: stuck? `tglm hint 7.5` shows the approach one step at a time.

    EXAMPLE: with B = 2, I = T = identity rows and t = log(10): Z = [[10, 0], [0, 10]];
             each row's loss = log(1 + e^-10) = 4.54e-5, so L = 4.54e-5.

    HINT: a loss that uses only the rows (image -> text) is half of CLIP's; the column direction asks
    "which image is this caption's?" and needs a softmax down each COLUMN.
    """
    raise NotImplementedError("Week 7, task 7.5: CLIP's symmetric contrastive loss of a batch.")


def clip_loss_backward(I, T, t):
    """Task 7.6: gradients of the contrastive loss w.r.t. the UNIT embeddings and the log-scale t.

    TODO: I, T: (B, E) unit-norm rows (already normalised); t: float. With s = min(exp(t), 100) and
    Z = s I T^T, return (dI (B, E), dT (B, E), dt float) for L = (CE over rows + CE over columns) / 2.
    dt is 0 when exp(t) > 100 (the clamp cuts the gradient).

    APPROACH: stuck? `tglm hint 7.6` shows the approach one step at a time.

    EXAMPLE: B = 1: Z is 1x1, both softmaxes are [[1]], dZ = 0, so every gradient is 0 (a batch of one
             has no negatives: nothing to learn).

    HINT: the column softmax normalises down each column (axis=0); the gradient of the column loss
    w.r.t. Z is (P_c - Id) / B, NOT transposed: Z[i, j] is the same number in both losses.
    """
    raise NotImplementedError("Week 7, task 7.6: gradients of the contrastive loss w.r.t. the UNIT embeddings and the log-scale t.")
