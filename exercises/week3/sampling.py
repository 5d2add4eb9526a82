# Generated from solutions/week3/sampling.py by `tglm course build`: fill in the parts that raise NotImplementedError.
# Your edits are safe: the build refuses to overwrite this file unless --force; the reference is solutions/week3/sampling.py.
"""Week 3, part 4: turning a model's logits into text: temperature, top-k, and priming.

    probs = softmax(logits / temperature)      temperature < 1 sharpens, > 1 flattens, -> 0 is argmax
    top-k: keep the k most likely tokens, renormalize, and draw from those only
Priming: run the model over a prompt ("ROMEO:") first, so its hidden state holds the context,
then sample one token at a time, feeding each sampled token back in.

Scope: one distribution (V,) at a time; the library version, tinygrad_lm.generation.sampling, also does
batches (B, V), top-p, and is shared with the GPT weeks.
Shapes: V vocabulary size.
"""
import numpy as np


def temperature_top_k_probs(logits, temperature=1.0, top_k=None):
    """Task 3.10: the sampling distribution for given logits, temperature and top-k.

    TODO: logits (V,) float array  ->  probs (V,) float64 that sum to 1, where
      * temperature == 0 means greedy: probability 1 at the argmax (the first one on ties);
      * otherwise probs = softmax(logits / temperature);
      * with top_k (an int, or None for no limit), every token whose logit is below the k-th
        largest logit gets probability 0 (ties with the k-th largest are kept), the rest are
        renormalized.

    APPROACH: stuck? `tglm hint 3.10` shows the approach one step at a time.

    EXAMPLE: logits [1, 2, 3], temperature 1  ->  [0.090, 0.245, 0.665];
             temperature 0.5  ->  [0.016, 0.117, 0.867]; top_k 2  ->  [0, 0.269, 0.731].

    HINT: compute in float64 (`np.asarray(logits, dtype=np.float64)`); exp(-inf) = 0 handles the
    removed tokens without special cases. top_k >= V keeps everything.
    """
    raise NotImplementedError("Week 3, task 3.10: the sampling distribution for given logits, temperature and top-k.")


def sample_token(probs, rng):
    """Draw one id from probs (V,) with a numpy Generator (inverse CDF: the same u, the same id)."""
    u = rng.random()
    return int(min(np.searchsorted(np.cumsum(probs), u * np.sum(probs), side="right"), len(probs) - 1))


def generate(step, prime_ids, n, temperature=1.0, top_k=None, rng=None):
    """Task 3.11: prime the model with prime_ids, then sample n new ids one at a time.

    TODO: step(ids, state) -> (logits (V,) for the LAST id, new_state) runs the model on a 1-D int
    array of ids starting from `state` (None = fresh). Return the n sampled ids as a list of int
    (without the prime).

    APPROACH: stuck? `tglm hint 3.11` shows the approach one step at a time.

    EXAMPLE: with temperature 0, a model that always predicts "previous id + 1" and prime [3]
    gives [4, 5, 6] for n = 3.

    HINT: feed the prime ONCE, then only the newly sampled token with the carried state: feeding
    the whole text again each step repeats the prime in the model's memory.
    """
    raise NotImplementedError("Week 3, task 3.11: prime the model with prime_ids, then sample n new ids one at a time.")
