"""Autoregressive decoding for GPT-style models: greedy, temperature, top-k, top-p, repetition
penalty, stop tokens, a KV cache, and streaming (a generator that yields each token as it comes).

    for token_id in stream(model, prompt_ids, max_new_tokens=100, temperature=0.8, top_k=40):
        print(tokenizer.decode([token_id]), end="", flush=True)

With the KV cache (default) the prompt is fed once and then one token per step; each step costs
O(T) attention instead of re-running the whole O(T^2) context. The output is identical to decoding
without the cache (tests/test_decoding.py checks it). When the context would pass block_size the
cache is refilled from the last block_size tokens at every step (a sliding window, exactly what
the uncached path computes, only no longer cheaper). Local attention layers (GPTConfig.attn_window
= w, GPT-3's banded layers) read only the last w cached positions at each step (models/gpt.py,
decoder.py): O(w) per token instead of O(T) in those layers, the same tokens as without the cache.

Faster: weights="float32", "float16" or "int8" decodes with generation.Decoder (the same math without
autograd: matrix-vector kernels, a preallocated cache, optionally float16 weight storage), 2-4x
faster for GPT-2-sized models where reading the weights is the whole cost.

Repetition penalty (Keskar et al. 2019, as in Hugging Face): a logit l of a token already present
in prompt or output becomes l / penalty if l > 0 else l * penalty.
The filters and the sampler themselves live in sampling.py (shared with the RNN weeks).
Does not handle: beam search (generation/beam.py), batched generation of different-length prompts.
"""
import numpy as np

from ..models.gpt import KVCache
from .sampling import sample
from ..tensor import no_grad


def apply_repetition_penalty(logits: np.ndarray, previous_ids, penalty: float) -> np.ndarray:
    """logits (V,) float; divide positive / multiply negative logits of already-seen ids by penalty."""
    if penalty <= 0:
        raise ValueError(f"repetition_penalty must be > 0, got {penalty}")
    if penalty == 1.0 or len(previous_ids) == 0:
        return logits
    out = np.array(logits, dtype=np.float64, copy=True)
    seen = np.unique(np.asarray(previous_ids, dtype=np.int64))
    vals = out[seen]
    out[seen] = np.where(vals > 0, vals / penalty, vals * penalty)
    return out


def stream(model, prompt_ids, max_new_tokens: int = 100, temperature: float = 1.0, top_k=None, top_p=None,
           repetition_penalty: float = 1.0, stop_tokens=(), use_cache: bool = True, rng=None, weights=None):
    """Yield new token ids one at a time (int). Stops after max_new_tokens or at a stop token
    (the stop token is yielded, then generation ends). temperature 0 = greedy.
    weights: None runs the model itself (GPT.forward with a KVCache); "float32" / "float16" / "int8" builds
    an generation.Decoder for this call (always cached). `model` may also be a Decoder, built once
    and reused across calls (building a float16 one converts every weight: ~0.3 s for GPT-2); build
    it once the weights are final (a float16 Decoder is a copy)."""
    from .decoder import Decoder
    if isinstance(model, Decoder):
        if weights is not None and weights != model.weights:
            raise ValueError(f"stream: the Decoder holds {model.weights} weights, weights={weights!r} asked")
        weights = model.weights
    ids = [int(i) for i in np.asarray(prompt_ids).reshape(-1)]
    if not ids:
        raise ValueError("generate: the prompt must contain at least one token")
    stop = {int(s) for s in stop_tokens}
    if weights is not None and not use_cache:
        raise ValueError("stream: weights='float32'/'float16' decodes with a KV cache; use_cache=False "
                         "needs weights=None")
    if weights is None:
        next_logits, was_training = _model_logits(model, use_cache), model.training
        model.eval()
    else:
        dec = model if isinstance(model, Decoder) else Decoder(model, weights)
        next_logits, was_training = _decoder_logits(dec), None
    try:
        with no_grad():
            for _ in range(max_new_tokens):
                last = next_logits(ids)                                            # (V,)
                last = apply_repetition_penalty(last, ids, repetition_penalty)
                nxt = int(sample(last, temperature, top_k, top_p, rng))
                ids.append(nxt)
                yield nxt
                if nxt in stop:
                    return
    finally:
        if was_training is not None:
            model.train(was_training)


def _model_logits(model, use_cache):
    """ids -> next-token logits (V,) from the model itself. With the cache only the ids it does not
    hold yet are fed; when the window would pass block_size it is refilled from the last block."""
    block = model.config.block_size
    cache, fed = None, 0                          # fed: how many of `ids` the cache holds

    def next_logits(ids):
        nonlocal cache, fed
        if use_cache and cache is not None and cache.length + len(ids) - fed <= block:
            logits, _ = model(np.array([ids[fed:]], dtype=np.int64), kv_cache=cache)
        elif use_cache:                           # first step, or the window slid: refill
            cache = KVCache(model.config.n_layer)
            logits, _ = model(np.array([ids[-block:]], dtype=np.int64), kv_cache=cache)
        else:
            logits, _ = model(np.array([ids[-block:]], dtype=np.int64))
        fed = len(ids)
        return logits.data[0, -1]
    return next_logits


def _decoder_logits(dec):
    """The same for an generation.Decoder, which holds its own cache."""
    block, fed = dec.config.block_size, 0

    def next_logits(ids):
        nonlocal fed
        if fed and dec.length + len(ids) - fed <= block:
            last = dec.forward(ids[fed:])                                  # (V,)
        else:                                                              # first step, or the window slid
            dec.reset()
            last = dec.forward(ids[-block:])                               # (V,)
        fed = len(ids)
        return last
    return next_logits


def generate(model, prompt_ids, max_new_tokens: int = 100, **kwargs) -> np.ndarray:
    """All new token ids at once, as an int64 array (same arguments as `stream`)."""
    return np.array(list(stream(model, prompt_ids, max_new_tokens, **kwargs)), dtype=np.int64)


def stream_text(model, tok, prompt: str, max_new_tokens: int, **sampling):
    """Yield decoded text pieces as tokens are generated (complete characters only)."""
    prompt_ids = [int(i) for i in np.asarray(tok.encode(prompt)).reshape(-1)]
    if not prompt_ids:
        raise ValueError("the prompt encodes to no tokens; give at least one character (e.g. a newline)")
    new, shown = [], ""
    for tid in stream(model, prompt_ids, max_new_tokens, **sampling):
        new.append(tid)
        text = tok.decode(new)
        if text.endswith("\ufffd"):              # an unfinished UTF-8 sequence: wait for the next token
            continue
        yield text[len(shown):]
        shown = text
    text = tok.decode(new) if new else ""
    if len(text) > len(shown):
        yield text[len(shown):]
