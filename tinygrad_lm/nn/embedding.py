"""Embedding: a lookup table of learned vectors, one row per token id.

Legend: B batch, T time, V num_embeddings (vocabulary), C embedding_dim.
    weight (V, C), ids int (B, T) -> out (B, T, C) = weight[ids]
The gather and its scatter-add backward are the `embedding` op (tinygrad_lm/ops/embedding.py).
Init as PyTorch: weight ~ N(0, 1) (GPT-2 uses N(0, 0.02): re-init with nn.init.normal_).
Does not handle: padding_idx, max_norm, sparse gradients.
"""
import numpy as np

from .. import functional as F
from . import init
from .module import Module, Parameter


class Embedding(Module):
    def __init__(self, num_embeddings: int, embedding_dim: int, dtype=np.float32):
        super().__init__()
        if not all(isinstance(n, (int, np.integer)) and not isinstance(n, bool) for n in (num_embeddings, embedding_dim)):
            raise TypeError(f"Embedding sizes must be integers, got ({num_embeddings!r}, {embedding_dim!r})")
        if num_embeddings <= 0 or embedding_dim <= 0:
            raise ValueError(f"Embedding needs positive sizes, got ({num_embeddings}, {embedding_dim})")
        self.num_embeddings, self.embedding_dim = int(num_embeddings), int(embedding_dim)
        self.weight = Parameter(np.empty((num_embeddings, embedding_dim), dtype=dtype), dtype=dtype)  # (V, C)
        init.normal_(self.weight)

    def forward(self, ids):
        return F.embedding(ids, self.weight)                     # (B, T) -> (B, T, C)

    def extra_repr(self):
        return f"{self.num_embeddings}, {self.embedding_dim}"
