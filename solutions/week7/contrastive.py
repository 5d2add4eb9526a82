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

    APPROACH: I = x / norm(x, axis=1, keepdims=True), the same for T. Z = s * I @ T.T.
    Row log-softmax: Z - logsumexp(Z, axis=1); take the diagonal; the image->text loss is minus its
    mean. Column direction: the same on Z.T. Return the average of the two. Subtract the row max
    before exp (logsumexp) so s = 100 does not overflow.

    EXAMPLE: with B = 2, I = T = identity rows and t = log(10): Z = [[10, 0], [0, 10]];
             each row's loss = log(1 + e^-10) = 4.54e-5, so L = 4.54e-5.

    HINT: a loss that uses only the rows (image -> text) is half of CLIP's; the column direction asks
    "which image is this caption's?" and needs a softmax down each COLUMN.
    """
    ### BEGIN SOLUTION
    x, y = np.asarray(image_feats, np.float64), np.asarray(text_feats, np.float64)
    if x.ndim != 2 or x.shape != y.shape:
        raise ValueError(f"clip_loss: image and text features must both be (B, E), got {x.shape} and {y.shape}")
    I = x / np.linalg.norm(x, axis=1, keepdims=True)                    # (B, E)
    T = y / np.linalg.norm(y, axis=1, keepdims=True)                    # (B, E)
    s = min(np.exp(t), 100.0)
    Z = s * I @ T.T                                                     # (B, B)

    def ce_diag(logits):                                                # mean_i -log softmax(row i)[i]
        m = logits.max(axis=1, keepdims=True)
        lse = m[:, 0] + np.log(np.exp(logits - m).sum(axis=1))
        return float(np.mean(lse - np.diag(logits)))

    return (ce_diag(Z) + ce_diag(Z.T)) / 2
    ### END SOLUTION


def clip_loss_backward(I, T, t):
    """Task 7.6: gradients of the contrastive loss w.r.t. the UNIT embeddings and the log-scale t.

    TODO: I, T: (B, E) unit-norm rows (already normalised); t: float. With s = min(exp(t), 100) and
    Z = s I T^T, return (dI (B, E), dT (B, E), dt float) for L = (CE over rows + CE over columns) / 2.
    dt is 0 when exp(t) > 100 (the clamp cuts the gradient).

    APPROACH: P_r = softmax of Z along axis 1; P_c = softmax of Z along axis 0. dZ = ((P_r - Id) +
    (P_c - Id)) / (2B). Then dI = s * dZ @ T, dT = s * dZ.T @ I, dt = sum(dZ * Z) (or 0 if clamped).

    EXAMPLE: B = 1: Z is 1x1, both softmaxes are [[1]], dZ = 0, so every gradient is 0 (a batch of one
             has no negatives: nothing to learn).

    HINT: the column softmax normalises down each column (axis=0); the gradient of the column loss
    w.r.t. Z is (P_c - Id) / B, NOT transposed: Z[i, j] is the same number in both losses.
    """
    ### BEGIN SOLUTION
    I, T = np.asarray(I, np.float64), np.asarray(T, np.float64)
    B = I.shape[0]
    clamped = np.exp(t) > 100.0
    s = 100.0 if clamped else np.exp(t)
    Z = s * I @ T.T                                                     # (B, B)
    Pr = np.exp(Z - Z.max(axis=1, keepdims=True))
    Pr /= Pr.sum(axis=1, keepdims=True)                                 # row softmax
    Pc = np.exp(Z - Z.max(axis=0, keepdims=True))
    Pc /= Pc.sum(axis=0, keepdims=True)                                 # column softmax
    eye = np.eye(B)
    dZ = ((Pr - eye) + (Pc - eye)) / (2 * B)                            # (B, B)
    dI = s * dZ @ T                                                     # (B, E)
    dT = s * dZ.T @ I                                                   # (B, E)
    dt = 0.0 if clamped else float((dZ * Z).sum())
    return dI, dT, dt
    ### END SOLUTION
