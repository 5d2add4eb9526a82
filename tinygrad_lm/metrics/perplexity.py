"""Perplexity done right: sliding-window NLL for fixed-context models, perplexity, bits per byte / char.

A model with a context of `window` tokens cannot condition on the whole text. Cutting the text into
disjoint chunks gives the first tokens of every chunk almost no context and a pessimistic score. The
sliding window of Hugging Face's "Perplexity of fixed-length models" moves a window of `window` tokens by
`stride`, and each window scores only the tokens that no earlier window scored:

    for begin in 0, stride, 2 stride, ...:
        end = min(begin + window, n)
        score ids[t] for t in [max(prev_end, begin + 1), end), from the context ids[begin:t]
        prev_end = end;  stop when end == n
    (the first window scores all but its first token: a token needs at least one token of context)

So every token t >= 1 is scored exactly once, with at least window - stride tokens of context when the
text has them. stride == window is the disjoint-chunk score (each chunk's first token is then unscored,
as in Hugging Face's loop, where the label shift drops it); stride == 1 gives each token the full
window - 1 tokens of context (one model call per token). stride < window scores len(ids) - 1 tokens.
(Hugging Face's example subtracts one token per window from its count even when the window lost no
label; we count the tokens actually scored.)

Documents: with eot_id given, the ids are split before every end-of-text token (the token opens the next
document, as GPT-2 was trained: <|endoftext|> doubles as beginning-of-text), and no context crosses a
document boundary; each document of length n contributes n - 1 scored tokens (stride < window).
split_documents=False scores the stream as one text.

The lesson: perplexity = exp(mean NLL per token) depends on what a token is. A character model and a
BPE model of the same text divide the same total NLL by different token counts, so their perplexities
cannot be compared: a tokenizer with longer tokens has fewer, harder tokens and a higher perplexity
for the same quality. The total NLL of the text can be compared, normalised by something all models
share: bits per byte = NLL_nats / (ln 2 x bytes of UTF-8 text) (bits per character for character-level
work). Count the bytes of the text whose tokens were scored; the one unscored first token of each
document is negligible on long texts.

logprob_fn(ids (B, T) int64) -> (B, T, V) log-probabilities, position t predicting token t + 1 (so this
module never imports a model). Legend: B windows per call, T window length, V vocabulary, n text length.
Handles: any window / stride <= window, batching of equal-length windows, documents split at an id.
Does not handle: stride > window (tokens would go unscored: refused), models that need a BOS token
prepended (prepend it yourself), per-token outputs (sum only).
"""
import math
from typing import NamedTuple

import numpy as np


class NLL(NamedTuple):
    nll: float          # total negative log-likelihood in nats
    n_tokens: int       # how many tokens were scored


def window_spans(n: int, window: int, stride: int):
    """[(begin, end, first_scored)] of the windows over a text of n tokens (Hugging Face's loop)."""
    if int(window) < 2:
        raise ValueError(f"window must be at least 2 tokens (one of context, one scored), got {window}")
    if not 1 <= int(stride) <= int(window):
        raise ValueError(f"stride must be in [1, window={window}], got {stride} "
                         "(a stride larger than the window would leave tokens unscored)")
    spans, prev_end = [], 0
    for begin in range(0, n, stride):
        end = min(begin + window, n)
        first = max(prev_end, begin + 1)
        if first < end:
            spans.append((begin, end, first))
        prev_end = end
        if end == n:
            break
    return spans


def _check_logprobs(lp, B: int, T: int, max_id: int):
    lp = np.asarray(lp)
    if lp.ndim != 3 or lp.shape[:2] != (B, T):
        raise ValueError(f"logprob_fn must return (B, T, V) = ({B}, {T}, V) log-probabilities, got shape {lp.shape}")
    if lp.shape[2] <= max_id:
        raise ValueError(f"logprob_fn returned V={lp.shape[2]} classes but the ids go up to {max_id}")
    lse = np.logaddexp.reduce(lp[:, -1].astype(np.float64), axis=-1)         # (B,) should be 0
    if not np.all(np.abs(lse) < 1e-3):
        raise ValueError(f"logprob_fn returned values whose log-sum-exp over V is {lse.max():.4g}, not 0: these are "
                         "logits or probabilities, not log-probabilities; apply log_softmax over the last axis")
    return lp


def _score_document(logprob_fn, doc: np.ndarray, window: int, stride: int, batch_size: int) -> NLL:
    spans = window_spans(len(doc), window, stride)
    total, count = 0.0, 0
    i = 0
    while i < len(spans):                                          # batch consecutive equal-length windows
        T = spans[i][1] - spans[i][0]
        group = [spans[i]]
        while (len(group) < batch_size and i + len(group) < len(spans)
               and spans[i + len(group)][1] - spans[i + len(group)][0] == T):
            group.append(spans[i + len(group)])
        x = np.stack([doc[b:e] for b, e, _ in group])              # (B, T)
        lp = _check_logprobs(logprob_fn(x), len(group), T, int(x.max()))
        for row, (b, e, first) in enumerate(group):
            t = np.arange(first, e)                                # scored positions in the text
            total -= float(lp[row, t - 1 - b, doc[t]].astype(np.float64).sum())  # position t-1 predicts t
            count += len(t)
        i += len(group)
    return NLL(total, count)


def sliding_window_nll(logprob_fn, ids, window: int, stride: int, eot_id: int = None,
                       split_documents: bool = True, batch_size: int = 1) -> NLL:
    """Total NLL (nats) and scored-token count of ids under a model with a `window`-token context.

    logprob_fn: ids (B, T) int64 -> (B, T, V) log-probabilities (position t predicts token t + 1).
    window: the model's context length; stride: how far each window moves (1 <= stride <= window).
    eot_id: end-of-text id; the text is split before each one unless split_documents=False.
    batch_size: windows of equal length sent to logprob_fn together (the result does not change).
    """
    ids = np.asarray(ids)
    if ids.ndim != 1 or (ids.size and ids.dtype.kind not in "iu"):
        raise ValueError(f"ids must be a 1-D array of int token ids, got shape {ids.shape} dtype {ids.dtype}")
    if int(batch_size) < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")
    window_spans(2, window, stride)                                # validates window and stride
    ids = ids.astype(np.int64)
    if eot_id is not None and split_documents:
        cuts = np.flatnonzero(ids == eot_id)                       # each eot opens a document
        bounds = np.unique(np.concatenate([[0], cuts, [len(ids)]]))
        docs = [ids[a:b] for a, b in zip(bounds[:-1], bounds[1:])]
    else:
        docs = [ids]
    total, count = 0.0, 0
    for doc in docs:
        if len(doc) >= 2:
            nll, n = _score_document(logprob_fn, doc, int(window), int(stride), int(batch_size))
            total, count = total + nll, count + n
    return NLL(total, count)


def perplexity(nll: float, n_tokens: int) -> float:
    """exp(total NLL / tokens): only comparable between models that share a tokenizer."""
    if n_tokens <= 0:
        raise ValueError(f"perplexity needs at least one scored token, got n_tokens={n_tokens}")
    return math.exp(nll / n_tokens)


def bits_per_byte(nll_nats: float, n_bytes: int) -> float:
    """NLL in bits per UTF-8 byte of the scored text: nats / (ln 2 x bytes). Comparable across tokenizers."""
    if n_bytes <= 0:
        raise ValueError(f"bits_per_byte needs a positive byte count (len(text.encode('utf-8'))), got {n_bytes}")
    return nll_nats / (math.log(2) * n_bytes)


def bits_per_char(nll_nats: float, n_chars: int) -> float:
    """NLL in bits per character (Unicode code point): nats / (ln 2 x characters)."""
    if n_chars <= 0:
        raise ValueError(f"bits_per_char needs a positive character count (len(text)), got {n_chars}")
    return nll_nats / (math.log(2) * n_chars)
