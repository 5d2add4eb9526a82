"""Extractive question answering: a span head (start / end logits) on a bidirectional encoder.

    model = SpanQA(config)                          # encoder = MaskedLM's network (GPT without the causal mask)
    start, end, loss = model(ids, start_pos, end_pos, allowed)     # (B, T), (B, T), scalar

The head (Devlin et al. 2019, section 4.2): one linear map of each final hidden state h_t (after ln_f)
to two numbers,  [start_t, end_t] = h_t W + b,  W (C, 2).  P(start = t) = softmax over the window's
ALLOWED positions of start_t (the context tokens and [CLS] at 0; the question, separators and padding get
-1e9 added), the same for the end; the loss is the mean of the two cross-entropies,
    loss = (CE(start, s*) + CE(end, e*)) / 2,
with (s*, e*) = (0, 0) when the window holds no answer.
Prediction for one question over its windows (`predict`):
    span score = max over windows and valid (s, e) of start_s + end_e     (s <= e, e - s + 1 <= max_answer)
    null score = min over windows of start_0 + end_0                      (the [CLS] score, as run_squad.py)
    na_score   = null score - best span score;   answer "" when na_score > threshold (chosen on held-out data).

Lexical features (`SpanQA(config, lexical_features=True)`; Chen et al. 2017, DrQA, section 3.2): the four
small integers of datasets/qa_features.py per position (exact / lowercase / stem match with a question word,
term frequency, distance to the nearest match, sentence rank; 0 outside the context) each index a learned
(size, C) table, and their sum is added to the encoder's input:
    x = wte(idx) + wpe(t) + sum_k E_k[feats[:, :, k]]                     (B, T, C)
The tables start at zero, so at step 0 the model is exactly the encoder without features.
question_features=True (with lexical_features) adds a fifth table, lex_4, for the question tokens' qmatch
(is the question word in the paragraph? datasets/qa_features.question_token_features): feats is (B, T, 5).
A checkpoint without it loads with strict=False and the zero table leaves its function unchanged.

Legend: B batch, T tokens, C channels (n_embd), K features (4, or 5 with question_features).
Does not handle: padding masks (see datasets/squad_windows.py: windows are batched by padded length),
n-best lists, answer-length priors beyond max_answer.
"""
import numpy as np

from .. import functional as F
from .. import nn
from ..optim import AdamW, weight_decay_groups
from ..datasets.qa_features import FEATURE_SIZES, QUESTION_FEATURE_SIZE
from ..tensor import Tensor, no_grad
from .config import GPTConfig
from .gpt import GPT
from .mlm import MaskedLM

NEG = -1e9


def span_logits(h, weight, bias):
    """h (B, T, C) @ weight (C, 2) + bias (2,) -> start (B, T), end (B, T)."""
    x = h @ weight + bias                                                   # (B, T, 2)
    return x[:, :, 0], x[:, :, 1]


def span_loss(start, end, start_pos, end_pos, allowed):
    """Mean of the start and end cross-entropies over allowed positions.
    start, end (B, T) Tensors; start_pos, end_pos (B,) int; allowed (B, T) bool (position 0 always allowed)."""
    bias = np.where(np.asarray(allowed, dtype=bool), 0.0, NEG).astype(start.data.dtype)     # (B, T)
    return (F.cross_entropy(start + bias, np.asarray(start_pos)) +
            F.cross_entropy(end + bias, np.asarray(end_pos))) * 0.5


class SpanQA(nn.Module):
    """encoder: the MaskedLM network (its LM head unused); qa: the (C, 2) start/end head.
    causal=True keeps GPT's causal mask instead (an ablation: each token sees the question and the context
    to its left only, as in a decoder used as a span reader; [CLS] at position 0 then sees nothing but
    itself, so its null score is a constant and the no-answer threshold acts on the span score alone).
    lexical_features=True adds one embedding table per DrQA feature (lex_0 .. lex_3, zero-initialised);
    forward then needs feats (B, T, K)."""

    def __init__(self, config: GPTConfig, causal: bool = False, lexical_features: bool = False,
                 question_features: bool = False):
        super().__init__()
        if question_features and not lexical_features:
            raise ValueError("SpanQA: question_features=True needs lexical_features=True (they share feats)")
        self.config, self.causal, self.lexical_features = config, causal, lexical_features
        self.question_features = question_features
        if lexical_features:
            sizes = FEATURE_SIZES + ((QUESTION_FEATURE_SIZE,) if question_features else ())
            self.lex = nn.ModuleList([nn.Embedding(n, config.n_embd) for n in sizes])
            for table in self.lex:
                table.weight.data[...] = 0.0
        self.encoder = GPT(config, causal=True) if causal else MaskedLM(config)
        self.qa_weight = nn.Parameter(np.random.default_rng(0).normal(0.0, 0.02, (config.n_embd, 2))
                                      .astype(np.float32))
        self.qa_bias = nn.Parameter(np.zeros(2, dtype=np.float32))

    def hidden(self, idx, feats=None) -> Tensor:
        """idx (B, T) [, feats (B, T, K)] -> final hidden states (B, T, C) (GPT.forward without the LM head)."""
        idx = np.asarray(idx)
        if idx.ndim != 2 or idx.dtype.kind not in "iu":
            raise ValueError(f"SpanQA expects idx as an int array (B, T), got shape {idx.shape} dtype {idx.dtype}")
        B, T = idx.shape
        if T > self.config.block_size:
            raise ValueError(f"window of {T} tokens is longer than block_size {self.config.block_size}")
        tr = self.encoder.transformer
        x = tr.wte(idx) + tr.wpe(np.arange(T, dtype=np.int64))                  # (B, T, C)
        if self.lexical_features:
            if feats is None:
                raise ValueError(f"SpanQA(lexical_features=True) needs feats (B, T, {len(self.lex)}): "
                                 f"make_windows(..., features=True, question_features={self.question_features})")
            feats = np.asarray(feats)
            if feats.shape != (B, T, len(self.lex)) or feats.dtype.kind not in "iu":
                raise ValueError(f"feats must be an int array of shape {(B, T, len(self.lex))}, got {feats.shape} "
                                 f"{feats.dtype}")
            for k, table in enumerate(self.lex):
                x = x + table(feats[:, :, k])                                    # (B, T, C)
        x = tr.drop(x)
        for i, block in enumerate(tr.h):
            x = block(x, None, i)                                                # (B, T, C)
        return tr.ln_f(x)                                                        # (B, T, C)

    def forward(self, idx, start_pos=None, end_pos=None, allowed=None, feats=None):
        start, end = span_logits(self.hidden(idx, feats), self.qa_weight, self.qa_bias)  # (B, T) each
        if start_pos is None:
            return start, end, None
        if allowed is None:
            raise ValueError("SpanQA: give `allowed` (B, T) with the targets: the positions a span may use")
        return start, end, span_loss(start, end, start_pos, end_pos, allowed)

    def configure_optimizers(self, weight_decay=0.01, learning_rate=1e-4, betas=(0.9, 0.999)):
        """AdamW; matrices decay, biases and LayerNorm gains do not."""
        return AdamW(weight_decay_groups(self, weight_decay), lr=learning_rate, betas=betas)


def best_span(start, end, max_answer: int = 30):
    """Best (s, e, score) with s <= e < s + max_answer over 1-D score arrays (first maximum on ties)."""
    start, end = np.asarray(start, dtype=np.float64), np.asarray(end, dtype=np.float64)
    T = len(start)
    if T == 0:
        return None
    scores = start[:, None] + end[None, :]                                  # (T, T)
    s_idx, e_idx = np.arange(T)[:, None], np.arange(T)[None, :]
    scores = np.where((e_idx >= s_idx) & (e_idx - s_idx < max_answer), scores, -np.inf)
    flat = int(np.argmax(scores))
    s, e = divmod(flat, T)
    return s, e, float(scores[s, e])


def predict(windows, starts, ends, context: str, max_answer: int = 30, best_span=best_span):
    """One question: its windows (datasets/squad_windows.make_windows) and their logits (lists of (T,) arrays)
    -> (answer text of the best span, na_score = null score - best span score).
    best_span(start, end, max_answer) -> (s, e, score) can be swapped (the week-5 exercise's)."""
    best, null = None, np.inf
    for w, st, en in zip(windows, starts, ends):
        null = min(null, float(st[0] + en[0]))
        a, n = w["ctx_offset"], len(w["starts"])
        found = best_span(st[a:a + n], en[a:a + n], max_answer) if n else None
        if found is not None and (best is None or found[2] > best[0]):
            s, e, score = found
            best = (score, int(w["starts"][s]), int(w["ends"][e]))
    if best is None:
        return "", np.inf
    return context[best[1]:best[2]].strip(), null - best[0]


@no_grad()
def window_logits(model, windows, batch_size: int = 16):
    """Logits of every window, batched by padded length -> (starts, ends): lists of (T,) float arrays."""
    was = model.training
    model.eval()
    starts, ends = [None] * len(windows), [None] * len(windows)
    by_len = {}
    for i, w in enumerate(windows):
        by_len.setdefault(len(w["ids"]), []).append(i)
    for idxs in by_len.values():
        for k in range(0, len(idxs), batch_size):
            chunk = idxs[k:k + batch_size]
            feats = np.stack([windows[i]["feats"] for i in chunk]) if getattr(model, "lexical_features", False) else None
            st, en, _ = model(np.stack([windows[i]["ids"] for i in chunk]), feats=feats)
            for j, i in enumerate(chunk):
                starts[i], ends[i] = st.data[j].copy(), en.data[j].copy()
    model.train(was)
    return starts, ends


def allowed_mask(windows) -> np.ndarray:
    """(B, T) bool: [CLS] and the context tokens of each window (all of the same padded length T)."""
    T = len(windows[0]["ids"])
    out = np.zeros((len(windows), T), dtype=bool)
    for b, w in enumerate(windows):
        out[b, 0] = True
        out[b, w["ctx_offset"]:w["ctx_offset"] + len(w["starts"])] = True
    return out
