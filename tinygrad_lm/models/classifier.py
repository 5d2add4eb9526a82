"""GPTClassifier: a (pretrained) GPT body + a linear head over one pooled vector per sequence.

    gpt, tok, _ = models.pretrained.load("course-base-8m")
    clf = GPTClassifier(gpt, num_classes=3, pooling="last")       # shares gpt's weights (no copy)
    ids, lengths = pad_batch([tok.encode(t) for t in texts], pad_id=0, max_len=64)
    logits, loss = clf(ids, lengths, targets=y)                     # (B, K), scalar

Legend: B batch, T time (padded), C channels (n_embd), K classes.
    h = ln_f(blocks(wte[idx] + wpe[0..T-1]))                                        (B, T, C)
    pooled[b] = sum_t w[b, t] h[b, t]                                               (B, C)
        last: w[b, t] = 1 if t == len_b - 1 else 0        (GPT-2 / HF GPT2ForSequenceClassification)
        mean: w[b, t] = 1 / len_b if t < len_b else 0     (mean over the real, non-pad tokens)
    logits = pooled @ W^T + b,  W (K, C)                                            (B, K)
Both poolings are one weighted sum, so a single differentiable path (mul + sum) serves both.

Padding: sequences are RIGHT-padded. The attention is causal, so position t sees only 0..t and the
pad tokens after a sequence's end cannot change any of its real positions: no attention mask is
needed, and the pad id is irrelevant (any valid id). (Left padding would need one.)

Parameter names: the classifier holds the GPT's `transformer` ModuleDict itself, so its parameters
keep GPT's names ("transformer.h.0.attn.c_attn.weight", ...) and nn.freeze / nn.apply_lora /
nn.layerwise_lr_groups patterns work unchanged; the head is "score.weight" / "score.bias" (HF's
name). The LM head (tied to wte) is not used.
Does not handle: bidirectional encoders' [CLS] pooling, attention pooling, multi-label heads,
sequences longer than block_size (truncate before: pad_batch(max_len=...)).
"""
import numpy as np

from .. import nn
from .. import functional as F
from ..tensor import Tensor
from .gpt import GPT

POOLINGS = ("last", "mean")


def pad_batch(seqs, pad_id: int = 0, max_len: int = None, truncate: str = "right"):
    """Token-id lists -> (ids (B, T) int64 right-padded with pad_id, lengths (B,) int64).
    T = the longest (truncated) sequence; truncate 'right' keeps each sequence's start, 'left' its end.
    Empty sequences are refused (there is no token to pool)."""
    if truncate not in ("right", "left"):
        raise ValueError(f"pad_batch: truncate must be 'right' or 'left', got {truncate!r}")
    if max_len is not None and max_len < 1:
        raise ValueError(f"pad_batch: max_len must be >= 1, got {max_len}")
    seqs = [list(s) for s in seqs]
    if not seqs or any(len(s) == 0 for s in seqs):
        raise ValueError("pad_batch: need at least one sequence and no empty ones (an empty text has no token to pool)")
    if max_len is not None:
        seqs = [s[:max_len] if truncate == "right" else s[-max_len:] for s in seqs]
    lengths = np.array([len(s) for s in seqs], dtype=np.int64)                  # (B,)
    ids = np.full((len(seqs), int(lengths.max())), pad_id, dtype=np.int64)      # (B, T)
    for i, s in enumerate(seqs):
        ids[i, :len(s)] = s
    return ids, lengths


def pooling_weights(lengths, T: int, pooling: str = "last", dtype=np.float32) -> np.ndarray:
    """w (B, T): the pooling as weights over time (see the module docstring)."""
    if pooling not in POOLINGS:
        raise ValueError(f"pooling must be one of {POOLINGS}, got {pooling!r}")
    lengths = np.asarray(lengths, dtype=np.int64)
    if lengths.ndim != 1 or lengths.size == 0 or lengths.min() < 1 or lengths.max() > T:
        raise ValueError(f"lengths must be a (B,) array of ints in [1, T={T}], got {lengths!r}")
    t = np.arange(T)[None, :]                                                   # (1, T)
    if pooling == "last":
        return (t == (lengths[:, None] - 1)).astype(dtype)                      # (B, T) one-hot
    return ((t < lengths[:, None]) / lengths[:, None]).astype(dtype)            # (B, T) rows sum to 1


class GPTClassifier(nn.Module):
    """A GPT body (shared, not copied) + nn.Linear(C, K) on the pooled hidden state."""

    def __init__(self, gpt: GPT, num_classes: int, pooling: str = "last", head_bias: bool = True):
        super().__init__()
        if not isinstance(gpt, GPT):
            raise TypeError(f"GPTClassifier wraps a models.GPT, got {type(gpt).__name__}")
        if not isinstance(num_classes, (int, np.integer)) or num_classes < 2:
            raise ValueError(f"GPTClassifier: num_classes must be an int >= 2, got {num_classes!r}")
        if pooling not in POOLINGS:
            raise ValueError(f"GPTClassifier: pooling must be one of {POOLINGS}, got {pooling!r}")
        self.config = gpt.config
        self.pooling = pooling
        self.num_classes = int(num_classes)
        self.transformer = gpt.transformer                                      # same Parameters as gpt
        self.score = nn.Linear(gpt.config.n_embd, self.num_classes, bias=head_bias)   # W (K, C)
        nn.init.normal_(self.score.weight, 0.0, 0.02)
        if head_bias:
            nn.init.zeros_(self.score.bias)

    def hidden_states(self, idx) -> Tensor:
        """idx (B, T) -> ln_f(blocks(embeddings)) (B, T, C): GPT.forward without the LM head."""
        idx = np.asarray(idx.data if isinstance(idx, Tensor) else idx)
        if idx.ndim != 2 or idx.dtype.kind not in "iu":
            raise ValueError(f"GPTClassifier expects idx as an int array (B, T), got shape {idx.shape} "
                             f"dtype {idx.dtype}")
        B, T = idx.shape
        if T > self.config.block_size:
            raise ValueError(f"sequence of length {T} is longer than block_size {self.config.block_size}; "
                             f"truncate first (pad_batch(..., max_len={self.config.block_size}))")
        if idx.size and (idx.min() < 0 or idx.max() >= self.config.vocab_size):
            raise ValueError(f"token ids must be in [0, {self.config.vocab_size}), got range "
                             f"[{idx.min()}, {idx.max()}]")
        tr = self.transformer
        x = tr.drop(tr.wte(idx) + tr.wpe(np.arange(T, dtype=np.int64)))       # (B, T, C)
        for i, block in enumerate(tr.h):
            x = block(x, None, i)                                               # (B, T, C)
        return tr.ln_f(x)                                                       # (B, T, C)

    def pool(self, h: Tensor, lengths) -> Tensor:
        """h (B, T, C), lengths (B,) -> pooled (B, C) = sum_t w[b, t] h[b, t]."""
        B, T, C = h.shape
        lengths = np.asarray(lengths)
        if lengths.shape != (B,):
            raise ValueError(f"lengths must have shape (B,) = ({B},), got {lengths.shape}")
        w = pooling_weights(lengths, T, self.pooling, dtype=h.dtype)            # (B, T)
        return (h * w[:, :, None]).sum(axis=1)                                  # (B, C)

    def features(self, idx, lengths=None) -> Tensor:
        """The pooled vectors (B, C) the head sees (lengths None = no padding: all T tokens real)."""
        idx = np.asarray(idx.data if isinstance(idx, Tensor) else idx)
        if lengths is None:
            lengths = np.full(idx.shape[0], idx.shape[1], dtype=np.int64)
        return self.pool(self.hidden_states(idx), lengths)

    def forward(self, idx, lengths=None, targets=None):
        """-> (logits (B, K), mean cross-entropy or None). targets (B,) int class ids."""
        logits = self.score(self.features(idx, lengths))                        # (B, K)
        if targets is None:
            return logits, None
        targets = np.asarray(targets)
        if targets.shape != (logits.shape[0],):
            raise ValueError(f"targets must be (B,) = ({logits.shape[0]},) class ids, got shape {targets.shape}")
        return logits, F.cross_entropy(logits, targets)

    def predict(self, idx, lengths=None) -> np.ndarray:
        """(B,) argmax class ids (call clf.eval() first if the body has dropout)."""
        logits, _ = self.forward(idx, lengths)
        return logits.data.argmax(axis=1)
