"""Masked language model: a BERT-style Transformer ENCODER trained to fill in hidden tokens.

Architecture: exactly GPT's pieces (models/gpt.py) without the causal mask — token + learned
position embeddings -> n_layer pre-LayerNorm blocks whose attention sees the WHOLE sequence (left
and right context) -> final LayerNorm -> logits = x @ wte^T (LM head tied to the token embedding).

Objective (Devlin et al. 2019, BERT section 3.1): pick 15% of the positions; of those, 80% are
replaced by [MASK], 10% by a random token, 10% are left unchanged; the loss is the cross-entropy
at the picked positions only (targets are -100 everywhere else, ignored by F.cross_entropy).
The random/unchanged 10%s keep the model from learning "only [MASK] positions matter": it must
build a good representation of every token, since any token might be asked about.

    inputs, targets = mask_tokens(ids, mask_id=V - 1, vocab_size=V, rng=rng)   # (B, T), (B, T)
    logits, loss = model(inputs, targets)                                      # (B, T, V), scalar

The [MASK] token is an ordinary id of the vocabulary (by convention here: the last id, one past the
base tokenizer's ids; see training/lm.py). fill_mask(model, tok, mask_id, text) shows the top-k
guesses for each [MASK] written in a text. Ids listed in `special_ids` are never picked or used as
random replacements (the [MASK] id itself never is).

Legend: B batch, T time, C channels (n_embd), V vocab (including [MASK]).
Does not handle: next-sentence prediction, segment (token type) embeddings, padding masks, the
extra MLM head transform (dense + GELU + LayerNorm) and output bias of the original BERT, whole-word
masking.
"""
import numpy as np

from ..tensor import no_grad
from .gpt import GPT, GPTConfig

IGNORE_INDEX = -100
MASK = "[MASK]"                  # how a mask is written in text given to fill_mask


def mask_tokens(ids, mask_id: int, vocab_size: int, rng: np.random.Generator, mask_prob: float = 0.15,
                special_ids=()):
    """BERT masking of int ids (any shape) -> (inputs, targets), both int64, same shape.

    Each position (except special ids) is picked with probability mask_prob. targets holds the
    original id at picked positions and -100 elsewhere. At picked positions inputs holds [MASK] with
    probability 0.8, a uniformly random non-special id with 0.1, the original id with 0.1.
    """
    ids = np.asarray(ids)
    if ids.dtype.kind not in "iu":
        raise ValueError(f"mask_tokens: ids must be integers, got dtype {ids.dtype}")
    if not 0.0 <= mask_prob <= 1.0:
        raise ValueError(f"mask_tokens: mask_prob must be in [0, 1], got {mask_prob}")
    if not 0 <= mask_id < vocab_size:
        raise ValueError(f"mask_tokens: mask_id {mask_id} must be in [0, vocab_size={vocab_size})")
    ids = ids.astype(np.int64)
    special = np.array(sorted({int(mask_id), *map(int, special_ids)}), dtype=np.int64)
    candidates = ~np.isin(ids, special)                                  # never pick [MASK] itself
    picked = (rng.random(ids.shape) < mask_prob) & candidates
    targets = np.where(picked, ids, IGNORE_INDEX).astype(np.int64)
    action = rng.random(ids.shape)                                       # one draw per position
    to_mask = picked & (action < 0.8)
    to_random = picked & (action >= 0.8) & (action < 0.9)
    # random replacements drawn from the ordinary (non-special) ids only
    ordinary = np.setdiff1d(np.arange(vocab_size, dtype=np.int64), special)
    random_ids = ordinary[rng.integers(0, len(ordinary), size=ids.shape)]
    inputs = np.where(to_mask, mask_id, np.where(to_random, random_ids, ids)).astype(np.int64)
    return inputs, targets


class MaskedLM(GPT):
    """A bidirectional encoder with a tied MLM head. Same parameter names and init as GPT.

    forward(idx (B, T), targets (B, T) with -100 at unpicked positions) -> (logits (B, T, V), loss).
    """

    def __init__(self, config: GPTConfig):
        super().__init__(config, causal=False)

    def forward(self, idx, targets=None, kv_cache=None):
        if kv_cache is not None:
            raise ValueError("MaskedLM is bidirectional: every position sees the whole sequence, so there is "
                             "no KV cache (re-run the full sequence instead)")
        return super().forward(idx, targets)


def encode_with_masks(tok, text: str, mask_id: int) -> np.ndarray:
    """Encode text in which the literal "[MASK]" stands for the mask id -> int64 ids (T,)."""
    out = []
    for i, piece in enumerate(text.split(MASK)):
        if i:
            out.append(np.array([mask_id], dtype=np.int64))
        if piece:
            out.append(np.asarray(tok.encode(piece), dtype=np.int64))
    return np.concatenate(out) if out else np.zeros(0, dtype=np.int64)


@no_grad()
def fill_mask(model, tok, mask_id, text: str, top_k: int = 5):
    """-> list over [MASK] positions of [(token string, probability), ...] (top_k, most likely first),
    and the text with every [MASK] replaced by its most likely token."""
    ids = encode_with_masks(tok, text, mask_id)
    where = np.flatnonzero(ids == mask_id)
    if len(where) == 0:
        raise ValueError(f"the text has no {MASK}")
    T = model.config.block_size
    if where[-1] - where[0] >= T:
        raise ValueError(f"the masks span {where[-1] - where[0] + 1} tokens, more than the model's "
                         f"block size {T}")
    # a longer text is cut to the T-token window centred on the masks (the model sees no further)
    start = int(np.clip((where[0] + where[-1]) // 2 - T // 2, 0, max(0, len(ids) - T)))
    window = ids[start:start + T]
    logits = model(window[None, :])[0].data[0, where - start].astype(np.float64)   # (M, V)
    logits[:, mask_id] = -np.inf                                          # [MASK] is never an answer
    probs = np.exp(logits - logits.max(axis=-1, keepdims=True))
    probs /= probs.sum(axis=-1, keepdims=True)
    preds, filled = [], ids.copy()
    for m, row in zip(where, probs):
        top = np.argsort(-row, kind="stable")[:top_k]
        preds.append([(tok.decode([int(i)]), float(row[i])) for i in top])
        filled[m] = top[0]
    return preds, tok.decode(filled.tolist())
