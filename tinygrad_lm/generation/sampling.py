"""Sampling the next token from a model's logits: temperature, top-k, top-p, and a generate loop.

Legend: V vocabulary size, B batch. Logits are (V,) or (B, V) NumPy arrays (or Tensors).
    probs = softmax(logits / temperature), then
    top_k: keep the k largest probabilities; top_p (nucleus): keep the smallest set of largest
    probabilities whose sum reaches p; renormalize what is kept and draw one id per row.
temperature = 0 means greedy (argmax). Ties in top-k keep every logit equal to the k-th largest
(so the result does not depend on sort order); the ids themselves come from a seeded Generator.
`generate_from_step` is model-agnostic: it only needs a `step(ids, state) -> (logits, state)` function, so
the RNN weeks (state = hidden state) and the GPT weeks (state = a KV cache or the context) share it.
Does not handle: beam search, repetition penalties, min-p, logit bias.
"""
import numpy as np

from .. import random as _random


def _logits_array(logits):
    x = getattr(logits, "data", logits)
    x = np.asarray(x)
    if x.ndim not in (1, 2) or x.shape[-1] == 0:
        raise ValueError(f"sampling: logits must be (V,) or (B, V), got shape {x.shape}")
    x = x.astype(np.float64)                     # probabilities of rare tokens need the precision
    if np.isnan(x).any():
        raise ValueError(f"sampling: the logits contain NaN (first at index {tuple(np.argwhere(np.isnan(x))[0])}): "
                         f"the model's weights or activations diverged (learning rate too high? no clipping?)")
    return x


def top_k_filter(logits, k: int):
    """Set every logit below the k-th largest (per row) to -inf. k >= V keeps everything."""
    x = _logits_array(logits)
    if k is None:
        return x
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)):
        raise TypeError(f"top_k must be an int (or None for no limit), got {type(k).__name__} {k!r}")
    if k < 1:
        raise ValueError(f"top_k must be >= 1 (or None for no limit), got {k}")
    if k >= x.shape[-1]:
        return x
    kth = np.partition(x, -k, axis=-1)[..., -k:].min(axis=-1, keepdims=True)    # k-th largest
    return np.where(x < kth, -np.inf, x)


def top_p_filter(logits, p: float):
    """Nucleus filter: keep the most likely tokens until their probability sum reaches p."""
    x = _logits_array(logits)
    if p is None:
        return x
    if not 0.0 < p <= 1.0:                                    # also catches NaN
        raise ValueError(f"top_p must be in (0, 1] (or None for no limit), got {p}")
    if p == 1.0:
        return x
    probs = softmax(x)
    order = np.argsort(-probs, axis=-1, kind="stable")
    sorted_p = np.take_along_axis(probs, order, axis=-1)
    before = np.cumsum(sorted_p, axis=-1) - sorted_p          # mass of the tokens ranked above
    drop_sorted = before >= p                                 # the top token is always kept
    drop = np.zeros_like(drop_sorted)
    np.put_along_axis(drop, order, drop_sorted, axis=-1)
    return np.where(drop, -np.inf, x)


def softmax(x):
    z = x - x.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def probs_from_logits(logits, temperature: float = 1.0, top_k=None, top_p=None) -> np.ndarray:
    """The distribution sample() draws from: float64 (V,) or (B, V), rows sum to 1."""
    x = _logits_array(logits)
    if not temperature >= 0 or temperature == np.inf:      # also catches NaN
        raise ValueError(f"temperature must be a finite number >= 0, got {temperature}")
    if temperature == 0:                                   # greedy: all mass on the argmax
        out = np.zeros_like(x)
        np.put_along_axis(out, x.argmax(axis=-1)[..., None], 1.0, axis=-1)
        return out
    x = x / temperature
    x = top_k_filter(x, top_k) if top_k is not None else x
    x = top_p_filter(x, top_p) if top_p is not None else x
    if np.isneginf(x.max(axis=-1)).any():
        raise ValueError("sampling: every logit of a row is -inf, there is nothing to sample from")
    return softmax(x)


def sample(logits, temperature: float = 1.0, top_k=None, top_p=None, rng=None):
    """Draw one id per row: logits (V,) -> int, (B, V) -> int64 array (B,)."""
    probs = probs_from_logits(logits, temperature, top_k, top_p)
    rng = _random.rng() if rng is None else rng
    rows = probs.reshape(-1, probs.shape[-1])
    u = rng.random(len(rows))
    cdf = np.cumsum(rows, axis=-1)
    ids = np.minimum((cdf < (u * cdf[:, -1])[:, None]).sum(axis=-1), rows.shape[-1] - 1)   # inverse CDF
    return int(ids[0]) if probs.ndim == 1 else ids.astype(np.int64)


def generate_from_step(step, prime_ids, max_new_tokens: int, temperature: float = 1.0, top_k=None, top_p=None,
             rng=None, state=None, stop_id=None):
    """Prime a model with `prime_ids`, then sample `max_new_tokens` ids one at a time.

    step(ids (T,) int64 array, state) -> (logits of the LAST position (V,), new state).
    The prime is fed in one call (an RNN runs over it and keeps its hidden state); after that,
    each sampled id is fed back alone. Returns the new ids (not the prime) as an int64 array.
    """
    prime = np.asarray(prime_ids).reshape(-1)
    if prime.size and not np.issubdtype(prime.dtype, np.integer):
        raise TypeError(f"generate_from_step: prime_ids must be integer token ids, got dtype {prime.dtype} "
                        f"(encode the text with the tokenizer first)")
    prime_ids = prime.astype(np.int64)
    if prime_ids.size == 0:
        raise ValueError("generate_from_step: the prime must have at least one token (e.g. a newline)")
    out = []
    logits, state = step(prime_ids, state)
    for _ in range(max_new_tokens):
        nxt = sample(logits, temperature, top_k, top_p, rng)
        out.append(nxt)
        if stop_id is not None and nxt == stop_id:
            break
        logits, state = step(np.array([nxt], dtype=np.int64), state)
    return np.array(out, dtype=np.int64)
