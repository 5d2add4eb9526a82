# Generated from solutions/week3/tbptt.py by `tglm course build`: fill in the parts that raise NotImplementedError.
# Your edits are safe: the build refuses to overwrite this file unless --force; the reference is solutions/week3/tbptt.py.
"""Week 3, part 3: truncated backpropagation through time (TBPTT) with hidden-state carry-over.

A text of a million characters cannot be one sequence: BPTT would keep a million steps of
activations. Instead:
  1. cut the token stream into B contiguous "lanes" (row b of the batch reads lane b);
  2. feed the lanes T tokens at a time: window k+1 continues window k in every lane;
  3. carry the hidden state (h, c) from one window to the next, so the model still *sees* the
     whole past, but DETACH it, so the gradient stops at the window boundary (truncation).
Forgetting the detach makes every backward() run through all previous windows (slower each step,
and memory grows without bound); resetting the state instead of carrying it makes every window
start from zero context.

Scope: the batching (task 3.8) and one training step with carry + detach (task 3.9); the library versions are
tinygrad_lm.datasets.lm_batches.TBPTTBatches / detach_state and the loop in tinygrad_lm/training/char_lm.py.
Shapes: N tokens, B batch (lanes), T window length, V vocabulary.
"""
import numpy as np

import tinygrad_lm.functional as F
from tinygrad_lm.datasets.lm_batches import detach_state as detach   # .detach() of every Tensor in None / h / (h, c)
from tinygrad_lm.optim import clip_grad_norm_


def tbptt_batches(ids, batch_size, seq_len):
    """Task 3.8: cut a token stream into consecutive (x, y) windows for truncated BPTT.

    TODO: ids (N,) int array  ->  list of (x, y) pairs, each (B, T) int64 (the last pair may be
    shorter in T), where y is x shifted by one token, and row b of window k+1 continues row b of
    window k exactly.

    APPROACH: stuck? `tglm hint 3.8` shows the approach one step at a time.

    EXAMPLE: ids = 0..12 (N=13), B=2, T=2  ->  lanes [[0..5], [6..11]] (token 12 dropped),
    x windows [[0,1],[6,7]], [[2,3],[8,9]], [[4],[10]]; y windows [[1,2],[7,8]], [[3,4],[9,10]], [[5],[11]].

    HINT: do NOT cut the stream into consecutive chunks of B*T (row b of the next batch would not
    continue row b of this one, and carrying the state would feed the wrong context).
    """
    raise NotImplementedError("Week 3, task 3.8: cut a token stream into consecutive (x, y) windows for truncated BPTT.")


def tbptt_step(model, x, y, state, optimizer, max_norm=1.0):
    """Task 3.9: one truncated-BPTT training step.

    TODO: model(ids (T, B), state) -> (logits (T, B, V), new_state) is a char-level LM that takes
    TIME-MAJOR ids; x, y are one (B, T) window from tbptt_batches; state is the (detached) state
    from the previous window or None. Do one optimizer step on the mean cross-entropy of the
    window and return (loss as a Python float, the new state DETACHED).

    APPROACH: stuck? `tglm hint 3.9` shows the approach one step at a time.

    HINT: transpose both x and y (x.T, y.T) or neither: the logits at (t, b) must meet the target
    y[b, t]. Return the state of THIS window (not the one you were given), detached.
    """
    raise NotImplementedError("Week 3, task 3.9: one truncated-BPTT training step.")
