# Generated from solutions/week4/decoding.py by `tglm course build`: fill in the parts that raise NotImplementedError.
# Your edits are safe: the build refuses to overwrite this file unless --force; the reference is solutions/week4/decoding.py.
"""Week 4, part 2: choosing the next token from a model's logits: greedy, temperature, top-k, top-p.

A language model gives logits (V,) for the next token. Decoding turns them into a choice:
    greedy        all probability on the argmax (temperature 0): deterministic, often repetitive;
    temperature   softmax(logits / temperature): < 1 sharpens, > 1 flattens the distribution;
    top-k         keep the k most likely tokens, renormalize (cuts the long tail of nonsense);
    top-p         "nucleus": keep the most likely tokens until their total probability reaches p,
                  renormalize (the kept set adapts: small when the model is sure, large when not).
The filters are applied in that order: temperature, then top-k, then top-p.
Sampling itself is then one line, rng.choice(V, p=probs); the library's version (with a KV cache
and streaming) is tinygrad_lm/generation/sampling.py + decoding.py, and the tests compare with it.

Legend: V vocab.
Not here: beam search, repetition penalty, min-p.
"""
import numpy as np


def next_token_probs(logits, temperature=1.0, top_k=None, top_p=None):
    """Task 4.14: the distribution to sample the next token from: float64 (V,), sums to 1.

    TODO: logits (V,) -> probabilities (V,).
      - temperature == 0: greedy, probability 1 on the argmax (the FIRST one on ties), 0 elsewhere;
      - otherwise z = logits / temperature (float64), then
      - top_k (if not None): every z below the k-th largest becomes -inf (ties with the k-th largest
        are kept, so more than k tokens may survive);
      - top_p (if not None): sort the probabilities softmax(z) in decreasing order; keep a token if
        the mass of the tokens ranked ABOVE it is < top_p (the most likely token is always kept);
        the others become -inf;
      - return softmax(z).

    APPROACH: stuck? `tglm hint 4.14` shows the approach one step at a time.

    EXAMPLE: logits log([0.5, 0.3, 0.15, 0.05]), top_p=0.75 -> [0.625, 0.375, 0, 0]
             (0.5 < 0.75 so the 2nd token is kept; 0.8 >= 0.75 so the 3rd is dropped).

    HINT: a stable softmax subtracts the max first; exp(-inf) is exactly 0, which is what removes
    the filtered tokens.
    """
    raise NotImplementedError("Week 4, task 4.14: the distribution to sample the next token from: float64 (V,), sums to 1.")
