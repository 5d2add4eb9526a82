"""GPT: a decoder-only Transformer language model, the full definition in one file.

Architecture (GPT-2): token + learned position embeddings -> n_layer pre-LayerNorm blocks
[x = x + attn(ln_1(x)); x = x + mlp(ln_2(x))] -> final LayerNorm -> logits = x @ wte^T (the LM head
shares the token embedding matrix). Causal multi-head self-attention; MLP = Linear(C, 4C) -> GELU
(tanh approximation) -> Linear(4C, C). Initialisation as GPT-2: N(0, 0.02) weights, zero biases,
residual projections (attn.c_proj, mlp.c_proj) scaled by 1/sqrt(2 n_layer).

Parameter names match Hugging Face GPT-2 one to one (transformer.wte.weight,
transformer.h.0.attn.c_attn.weight, ...), except that our Linear stores weight (out, in) where
GPT-2's Conv1D stores (in, out): loading real weights transposes those (see models/gpt2_hf.py).

Incremental decoding: forward(idx, kv_cache=cache) feeds only the new tokens; each attention
layer appends its keys/values to the cache, so a generated token costs O(T) instead of O(T^2).

Local layers (config.attn_window = w, GPT-3's alternating dense / banded layers, see config.py):
such a layer's query t sees keys t - w < s <= t; training runs the banded fused kernel (O(T w)),
a KV-cached step reads only the last w cached keys (the cache itself keeps every position).

Legend: B batch, T time, C channels (n_embd), V vocab, H heads, D head size (C // H).
Does not handle: attention dropout, flash attention, rotary embeddings, grouped-query attention.
"""
import math

import numpy as np

from .. import nn
from .. import functional as F
from ..ops.attention import scaled_dot_product_attention, self_attention_qkv
from ..optim import AdamW, weight_decay_groups
from ..tensor import Tensor
from ..checkpoints.hub import resolve
from .config import GPTConfig
from .gpt2_hf import load_weights, read_pretrained


class KVCache:
    """Per-layer keys and values of the tokens seen so far: k, v each (B, H, T, D)."""

    def __init__(self, n_layer: int):
        self.k = [None] * n_layer
        self.v = [None] * n_layer

    @property
    def length(self) -> int:
        return 0 if self.k[0] is None else self.k[0].shape[2]

    def update(self, layer: int, k: np.ndarray, v: np.ndarray):
        if self.k[layer] is not None:
            k = np.concatenate([self.k[layer], k], axis=2)   # (B, H, T_old + T_new, D)
            v = np.concatenate([self.v[layer], v], axis=2)
        self.k[layer], self.v[layer] = k, v
        return k, v


class SelfAttention(nn.Module):
    """Multi-head self-attention: causal=True (GPT) lets position t see 0..t; causal=False lets every
    position see every other (the masked-LM encoder); window=w (causal only) lets t see t-w+1..t."""

    def __init__(self, config: GPTConfig, causal: bool = True, window: int = None):
        super().__init__()
        C = config.n_embd
        self.n_head = config.n_head
        self.causal = causal
        if window is not None and not causal:
            raise ValueError(f"attn_window={window} needs a causal model (GPT-3's local layers are causal); "
                             f"this is a bidirectional encoder")
        self.window = window
        self.c_attn = nn.Linear(C, 3 * C, bias=config.bias)   # q, k, v for all heads at once
        self.c_proj = nn.Linear(C, C, bias=config.bias)
        self.resid_dropout = nn.Dropout(config.dropout)

    def forward(self, x: Tensor, kv_cache: KVCache = None, layer: int = 0) -> Tensor:
        B, T, C = x.shape
        H, D = self.n_head, C // self.n_head
        qkv = self.c_attn(x)                                         # (B, T, 3C)
        if kv_cache is None:                                         # training: one fused node
            y = self_attention_qkv(qkv, H, causal=self.causal, window=self.window)   # (B, T, C)
            return self.resid_dropout(self.c_proj(y))
        q, k, v = qkv.split(C, axis=2)                               # each (B, T, C)
        q = q.reshape(B, T, H, D).transpose(1, 2)                    # (B, H, T, D)
        k = k.reshape(B, T, H, D).transpose(1, 2)                    # (B, H, T, D)
        v = v.reshape(B, T, H, D).transpose(1, 2)                    # (B, H, T, D)
        k_all, v_all = kv_cache.update(layer, k.data, v.data)        # (B, H, T_total, D); inference: no grad
        k, v = Tensor(k_all, dtype=k_all.dtype), Tensor(v_all, dtype=v_all.dtype)
        y = scaled_dot_product_attention(q, k, v, causal=self.causal, window=self.window)  # (B, H, T, D)
        y = y.transpose(1, 2).reshape(B, T, C)                       # (B, T, C) heads side by side
        return self.resid_dropout(self.c_proj(y))


class MLP(nn.Module):
    def __init__(self, config: GPTConfig):
        super().__init__()
        C = config.n_embd
        self.c_fc = nn.Linear(C, 4 * C, bias=config.bias)
        self.c_proj = nn.Linear(4 * C, C, bias=config.bias)
        self.dropout = nn.Dropout(config.dropout)

    def forward(self, x: Tensor) -> Tensor:
        return self.dropout(self.c_proj(F.gelu(self.c_fc(x))))      # (B, T, C)


class Block(nn.Module):
    """Pre-LayerNorm transformer block; causal=False for a bidirectional encoder (models/mlm.py)."""

    def __init__(self, config: GPTConfig, causal: bool = True, window: int = None):
        super().__init__()
        self.ln_1 = nn.LayerNorm(config.n_embd, bias=config.bias)
        self.attn = SelfAttention(config, causal=causal, window=window)
        self.ln_2 = nn.LayerNorm(config.n_embd, bias=config.bias)
        self.mlp = MLP(config)

    def forward(self, x: Tensor, kv_cache: KVCache = None, layer: int = 0) -> Tensor:
        x = x + self.attn(self.ln_1(x), kv_cache, layer)             # (B, T, C)
        return x + self.mlp(self.ln_2(x))                            # (B, T, C)


class GPT(nn.Module):
    """The GPT-2 architecture: token + position embeddings, n_layer pre-LN blocks, a final LayerNorm
    and an LM head tied to the token embedding. causal=False builds the same network as a
    bidirectional encoder (models/mlm.py)."""

    def __init__(self, config: GPTConfig, causal: bool = True):
        super().__init__()
        self.config = config
        self.causal = causal
        self.transformer = nn.ModuleDict(dict(
            wte=nn.Embedding(config.vocab_size, config.n_embd),
            wpe=nn.Embedding(config.block_size, config.n_embd),
            drop=nn.Dropout(config.dropout),
            h=nn.ModuleList([Block(config, causal=causal, window=config.layer_window(i))
                             for i in range(config.n_layer)]),
            ln_f=nn.LayerNorm(config.n_embd, bias=config.bias),
        ))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """GPT-2 init: N(0, 0.02), zero biases, residual projections N(0, 0.02 / sqrt(2 n_layer))."""
        proj_std = 0.02 / math.sqrt(2 * self.config.n_layer)
        for name, p in self.named_parameters():
            if name.endswith("c_proj.weight"):
                nn.init.normal_(p, 0.0, proj_std)
            elif name.endswith(".weight") and ".ln_" not in name and "ln_f" not in name:
                nn.init.normal_(p, 0.0, 0.02)
            elif name.endswith(".bias"):
                nn.init.zeros_(p)

    def num_parameters(self, *, trainable_only: bool = False, non_embedding: bool = True) -> int:
        """Module.num_parameters, minus the position embeddings unless non_embedding=False (nanoGPT's
        count: the token embedding is tied to the LM head, so it counts as a weight)."""
        n = super().num_parameters(trainable_only=trainable_only)
        return n - self.transformer.wpe.weight.size if non_embedding else n

    def resize_token_embeddings(self, new_vocab_size: int) -> None:
        """Grow the vocabulary (new special tokens, e.g. a chat template): rows V..new-1 of the token
        embedding (and so of the tied LM head) start as the MEAN of the existing rows, a neutral guess
        that keeps the new tokens' logits near the average instead of random (Hewitt 2021). Existing
        rows are kept exactly, so the model's outputs on old tokens do not change. Shrinking is refused."""
        old = self.transformer.wte.weight.data                                   # (V, C)
        V = old.shape[0]
        if int(new_vocab_size) < V:
            raise ValueError(f"resize_token_embeddings: {new_vocab_size} < the current {V} tokens (cannot shrink)")
        if int(new_vocab_size) == V:
            return
        extra = np.repeat(old.mean(axis=0, keepdims=True), int(new_vocab_size) - V, axis=0)
        self.transformer.wte.weight = nn.Parameter(np.concatenate([old, extra]).astype(old.dtype))
        self.transformer.wte.num_embeddings = int(new_vocab_size)
        self.config.vocab_size = int(new_vocab_size)

    def forward(self, idx, targets=None, kv_cache: KVCache = None):
        """idx (B, T) int token ids -> (logits (B, T, V), loss or None).

        targets (B, T) int, -100 where no loss is wanted (ignored in the mean).
        kv_cache: for incremental decoding; positions continue from the cache's length.
        """
        x = self.hidden_states(idx, kv_cache)                                   # (B, T, C)
        logits = x @ self.transformer.wte.weight.T                               # (B, T, V)
        if targets is None:
            return logits, None
        B, T = x.shape[0], x.shape[1]
        loss = F.cross_entropy(logits.reshape(B * T, -1), np.asarray(targets).reshape(B * T))
        return logits, loss

    def hidden_states(self, idx, kv_cache: KVCache = None) -> Tensor:
        """idx (B, T) int token ids -> the final LayerNorm's output (B, T, C), the vector the LM head reads
        (with autograd: sentence encoders pool it, generation/embed.py and week 8's ICT retriever)."""
        idx = np.asarray(idx.data if isinstance(idx, Tensor) else idx)
        if idx.ndim != 2 or idx.dtype.kind not in "iu":
            raise ValueError(f"GPT expects idx as an int array (B, T), got shape {idx.shape} dtype {idx.dtype}")
        B, T = idx.shape
        start = 0 if kv_cache is None else kv_cache.length
        if start + T > self.config.block_size:
            raise ValueError(f"sequence of length {start + T} is longer than block_size {self.config.block_size}")
        if idx.size and (idx.min() < 0 or idx.max() >= self.config.vocab_size):
            raise ValueError(f"token ids must be in [0, {self.config.vocab_size}), got range "
                             f"[{idx.min()}, {idx.max()}]")
        pos = np.arange(start, start + T, dtype=np.int64)                       # (T,)
        tr = self.transformer
        x = tr.drop(tr.wte(idx) + tr.wpe(pos))                                   # (B, T, C)
        for i, block in enumerate(tr.h):
            x = block(x, kv_cache, i)                                            # (B, T, C)
        return tr.ln_f(x)                                                        # (B, T, C)

    def configure_optimizers(self, weight_decay: float = 0.1, learning_rate: float = 6e-4,
                             betas=(0.9, 0.95), eps: float = 1e-8):
        """AdamW with two groups: matrices (ndim >= 2) decay, biases and LayerNorm gains do not."""
        return AdamW(weight_decay_groups(self, weight_decay), lr=learning_rate, betas=betas, eps=eps)

    @classmethod
    def from_pretrained(cls, name_or_path: str) -> "GPT":
        """A shipped model name (data/pretrained/), a local Hugging Face GPT-2 ("gpt2" in the hub cache)
        or a directory with config.json + model.safetensors; float32, eval mode; never downloads.
        Names: checkpoints/hub.py; the HF tensor layout: models/gpt2_hf.py."""
        config, tensors, where = read_pretrained(resolve(name_or_path))
        model = cls(config)
        load_weights(model, tensors, where)
        model.eval()
        return model
