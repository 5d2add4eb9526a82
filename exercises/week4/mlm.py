# Generated from solutions/week4/mlm.py by `tglm course build`: fill in the parts that raise NotImplementedError.
# Your edits are safe: the build refuses to overwrite this file unless --force; the reference is solutions/week4/mlm.py.
"""Week 4, part 2: the masked-language-model objective (BERT), in NumPy and Tensor ops.

A GPT predicts the NEXT token, so it may only look left (causal mask). A masked LM hides some
tokens and predicts them from BOTH sides, with the same blocks minus the causal mask. BERT's
recipe (Devlin et al. 2019, section 3.1):
    - pick 15% of the positions at random;
    - of the picked positions, 80% become [MASK], 10% a random token, 10% stay as they are;
    - the loss is the cross-entropy at the picked positions ONLY; targets are -100 elsewhere.
Why not always [MASK]? [MASK] never appears when the model is used later; the random / unchanged
10%s force the model to keep a good representation of every token it sees.

Legend: B batch, T time, V vocab (including the [MASK] id), N = B * T.
Not here: the encoder itself (tinygrad_lm/models/mlm.py), padding, whole-word masking.
"""
import numpy as np

import tinygrad_lm.functional as F

IGNORE_INDEX = -100


def mask_tokens(ids, mask_id, vocab_size, rng, mask_prob=0.15):
    """Task 4.12: BERT masking: ids (B, T) int -> (inputs, targets), both int64 (B, T).

    TODO: pick each position independently with probability mask_prob, except positions whose id
    is mask_id (never pick a [MASK]). targets = the original id at picked positions, -100 elsewhere.
    inputs = ids, except at picked positions: with probability 0.8 mask_id, with 0.1 a random id
    drawn uniformly from 0 .. vocab_size-1 other than mask_id, with 0.1 the original id.

    APPROACH: stuck? `tglm hint 4.12` shows the approach one step at a time.

    EXAMPLE: for 100,000 positions: ~15,000 targets are not -100; of them ~12,000 inputs are
    [MASK], ~1,500 are another token, ~1,500 keep their id (plus the random ones that hit it).

    HINT: use only `rng` for randomness (the tests pass a seeded np.random.Generator), never
    np.random.* directly; do not modify `ids` in place.
    """
    raise NotImplementedError("Week 4, task 4.12: BERT masking: ids (B, T) int -> (inputs, targets), both int64 (B, T).")


def masked_lm_loss(logits, targets):
    """Task 4.13: the mean cross-entropy over the picked positions only.

    TODO: logits (B, T, V) Tensor, targets (B, T) int array with -100 at positions without a loss
    -> a scalar Tensor: mean over the K positions with targets != -100 of -log softmax(logits)[target].
    Raise ValueError if no position is picked (K = 0: the mean would divide by zero).

    APPROACH: stuck? `tglm hint 4.13` shows the approach one step at a time.

    EXAMPLE: with targets all -100 except one position whose probability of its target is 0.25,
    the loss is log(4) = 1.386, whatever the other positions hold.

    HINT: do not use F.cross_entropy here (that is what the tests compare against). Indexing a
    Tensor with an int array (t[idx]) is differentiable: unpicked rows get zero gradient.
    """
    raise NotImplementedError("Week 4, task 4.13: the mean cross-entropy over the picked positions only.")
