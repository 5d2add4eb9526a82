"""Sentence vectors from a GPT: mean-pooled hidden states (week 8's dense retriever, week 4's idea).

    vecs = mean_pooled_states(model, tok, ["how do I resume training?", ...])    # (N, C) float32

vec(text) = mean_t h_L[t]: the final LayerNorm's output (the vector the LM head reads) averaged over
the text's tokens (at most block_size of them: longer texts keep their start). A causal model's
state at t has seen only tokens <= t, so the mean weights early words more; no pooling fixes that
without training (SGPT-style position-weighted means, contrastive fine-tuning are not done here).
Legend: N texts, T tokens, C channels.
Does not handle: batching texts of different lengths together (one forward per text), training.
"""
import numpy as np

from ..tensor import no_grad


def hidden_states(model, ids) -> np.ndarray:
    """The last layer's normalised states of one token sequence: (T, C) float32."""
    ids = np.asarray(ids, dtype=np.int64).reshape(1, -1)                       # (1, T)
    T = ids.shape[1]
    if T == 0 or T > model.config.block_size:
        raise ValueError(f"hidden_states: need 1..{model.config.block_size} tokens, got {T}")
    with no_grad():
        x = model.hidden_states(ids)                                            # (1, T, C)
    return np.asarray(x.data[0], dtype=np.float32)


def mean_pooled_states(model, tok, texts, max_tokens=None) -> np.ndarray:
    """(N, C): one mean-pooled vector per text (see the module docstring). Empty texts are refused."""
    if isinstance(texts, str):
        raise TypeError("mean_pooled_states: texts is one string; pass a list of strings")
    limit = min(max_tokens or model.config.block_size, model.config.block_size)
    was_training = model.training
    model.eval()
    try:
        out = []
        for i, text in enumerate(texts):
            ids = tok.encode_ordinary(text)[:limit]
            if not ids:
                raise ValueError(f"mean_pooled_states: text {i} encodes to no tokens")
            out.append(hidden_states(model, ids).mean(axis=0))                  # (C,)
    finally:
        model.train(was_training)
    return np.stack(out).astype(np.float32)
