"""CLIP (Radford et al. 2021): an image encoder and a text encoder trained so that matching
(image, caption) pairs have the most similar embeddings in the batch; then zero-shot classification
by text prompts and image <-> text retrieval.

    I = normalize(W_i image_encoder(images))          (B, E)   unit rows
    T = normalize(W_t text_encoder(captions))         (B, E)
    s = min(exp(t), 100)                              t learnable, init log(1 / 0.07): temperature 0.07
    logits = s * I @ T^T                              (B, B)   entry (i, j): image i vs caption j
    loss = ( CE(logits, arange(B)) + CE(logits^T, arange(B)) ) / 2      symmetric cross-entropy
Row i asks "which of the B captions is image i's?", column j "which image is caption j's?".
The clamp at 100 is CLIP's (they clip the parameter; here exp(t) is clamped, so its gradient is 0 above).
A batch must not hold two examples with the same caption (they would be each other's "wrong" answers):
the trainer (training/multimodal.py) draws batches of distinct canonical captions.

TextEncoder: token + position embeddings -> n_layer pre-LN Blocks (models/gpt.py; causal=False: every
word sees the whole caption; causal=True, CLIP's choice: each word sees only the words before it, so
"circle" after "red" is a different vector from "circle" after "blue") -> LayerNorm -> the features at the <eos> token (CLIP's choice; <eos> has
seen every word, and "red circle above blue square" differs from "blue circle above red square").
Zero-shot classification: class c's embedding is the normalised mean of its prompts' embeddings
(prompt ensembling); predict argmax_c I . T_c. Retrieval: rank the gallery by cosine similarity.
Legend: B batch, T caption tokens, C text channels, D image features, E joint embedding.
Binding: trained on random batches, CLIP becomes a "bag of words" (Yuksekgonul et al. 2023): almost no
wrong caption in a batch has the right words in the wrong places, so nothing asks the model which
colour goes with which shape. Swapped-attribute captions as extra negatives (NegCLIP) do ask.
Does not handle: image augmentation, large-batch tricks (gradient caching), multi-positive targets.
"""
import math

import numpy as np

from .. import functional as F
from .. import nn
from ..ops.join import cat
from ..tensor import Tensor, no_grad
from .config import GPTConfig
from .gpt import Block
from .vision import SmallCNN, ViT


def l2_normalize(x: Tensor, eps: float = 1e-8) -> Tensor:
    """Rows to unit length: x / ||x||   (B, E) -> (B, E)."""
    return x / ((x * x).sum(axis=-1, keepdims=True) + eps).sqrt()


def clip_loss(image_emb: Tensor, text_emb: Tensor, scale, negative_emb: Tensor = None) -> Tensor:
    """Symmetric InfoNCE over the batch: unit embeddings (B, E) each, scale s (a scalar Tensor or float).

    negative_emb (N, E): extra captions that describe NO image of the batch (NegCLIP, Yuksekgonul et al.
    2023: the batch's own captions with two objects' attributes swapped). They join the image->text
    direction as more wrong answers, (B, B + N) logits; the text->image direction stays (B, B)."""
    if image_emb.shape != text_emb.shape or len(image_emb.shape) != 2:
        raise ValueError(f"clip_loss: image and text embeddings must both be (B, E), got {image_emb.shape} "
                         f"and {text_emb.shape}")
    B = image_emb.shape[0]
    logits = (image_emb @ text_emb.T) * scale                        # (B, B)
    labels = np.arange(B)
    i2t = logits if negative_emb is None else \
        cat([logits, (image_emb @ negative_emb.T) * scale], axis=1)   # (B, B + N)
    return (F.cross_entropy(i2t, labels) + F.cross_entropy(logits.T, labels)) * 0.5


class TextEncoder(nn.Module):
    def __init__(self, vocab_size: int, max_len: int, out_dim: int = 128, n_layer: int = 2, n_head: int = 4,
                 n_embd: int = 64, eos_id: int = 2, causal: bool = False):
        super().__init__()
        self.eos_id = int(eos_id)
        cfg = GPTConfig(vocab_size=vocab_size, block_size=max_len, n_layer=n_layer, n_head=n_head, n_embd=n_embd)
        self.config = cfg
        self.wte = nn.Embedding(vocab_size, n_embd)
        self.wpe = nn.Embedding(max_len, n_embd)
        self.blocks = nn.ModuleList([Block(cfg, causal=causal) for _ in range(n_layer)])
        self.ln = nn.LayerNorm(n_embd)
        self.head = nn.Linear(n_embd, out_dim)
        for name, p in self.named_parameters():
            if name.endswith(".weight") and "ln" not in name.split(".")[-2]:
                nn.init.normal_(p, 0.0, 0.02)

    def forward(self, ids) -> Tensor:
        ids = np.asarray(ids)
        if ids.ndim != 2 or ids.dtype.kind not in "iu":
            raise ValueError(f"TextEncoder: ids must be (B, T) int, got shape {ids.shape} dtype {ids.dtype}")
        B, T = ids.shape
        if T > self.config.block_size:
            raise ValueError(f"TextEncoder: {T} tokens, more than max_len {self.config.block_size}")
        eos = (ids == self.eos_id).argmax(axis=1)                           # (B,) first <eos>
        if not (ids[np.arange(B), eos] == self.eos_id).all():
            raise ValueError("TextEncoder: every caption needs an <eos> token (datasets.shapes.encode_batch adds it)")
        x = self.wte(ids) + self.wpe(np.arange(T))                          # (B, T, C)
        for block in self.blocks:
            x = block(x)                                                    # (B, T, C) (padding is attended;
        x = self.ln(x)                                                      #  <eos> fixes the length)
        return self.head(x[np.arange(B), eos])                              # (B, E)


class CLIP(nn.Module):
    def __init__(self, vocab_size: int, max_len: int, embed_dim: int = 128, encoder: str = "cnn",
                 cnn_width: int = 32, n_layer: int = 2, n_head: int = 4, n_embd: int = 64, eos_id: int = 2,
                 text_causal: bool = False):
        super().__init__()
        self.settings = dict(vocab_size=vocab_size, max_len=max_len, embed_dim=embed_dim, encoder=encoder,
                             cnn_width=cnn_width, n_layer=n_layer, n_head=n_head, n_embd=n_embd, eos_id=eos_id,
                             text_causal=text_causal)
        if encoder == "cnn":
            self.visual = SmallCNN(out_dim=embed_dim, width=cnn_width)
        elif encoder == "vit":
            self.visual = ViT(out_dim=embed_dim, n_layer=n_layer, n_head=n_head, n_embd=n_embd)
        else:
            raise ValueError(f"CLIP: encoder must be 'cnn' or 'vit', got {encoder!r}")
        self.text = TextEncoder(vocab_size, max_len, embed_dim, n_layer, n_head, n_embd, eos_id, text_causal)
        self.logit_scale = nn.Parameter(np.array(math.log(1 / 0.07), np.float32))   # t; s = exp(t)

    def scale(self) -> Tensor:
        return F.clamp(self.logit_scale.exp(), max=100.0)                  # s = min(exp(t), 100)

    def encode_image(self, images) -> Tensor:
        return l2_normalize(self.visual(images))                           # (B, E)

    def encode_text(self, ids) -> Tensor:
        return l2_normalize(self.text(ids))                                # (B, E)

    def forward(self, images, ids, negative_ids=None):
        """-> (logits_per_image (B, B), loss); negative_ids (N, T): captions of no image (see clip_loss)."""
        I, T = self.encode_image(images), self.encode_text(ids)
        N = self.encode_text(negative_ids) if negative_ids is not None and len(negative_ids) else None
        s = self.scale()
        return (I @ T.T) * s, clip_loss(I, T, s, N)

    @no_grad()
    def embed_images(self, images, batch_size: int = 256) -> np.ndarray:
        """(N, 3, H, W) -> (N, E) unit rows, without autograd, in chunks."""
        return np.concatenate([self.encode_image(images[i:i + batch_size]).data
                               for i in range(0, len(images), batch_size)]) if len(images) else np.zeros((0, 0))

    @no_grad()
    def embed_texts(self, ids, batch_size: int = 512) -> np.ndarray:
        return np.concatenate([self.encode_text(ids[i:i + batch_size]).data for i in range(0, len(ids), batch_size)])


def zero_shot_classify(image_emb: np.ndarray, prompt_emb: np.ndarray) -> np.ndarray:
    """image_emb (N, E) unit rows; prompt_emb (K, P, E): P prompts for each of K classes.
    Class embedding = normalised mean of its prompts; returns the predicted class (N,)."""
    cls = prompt_emb.mean(axis=1)                                           # (K, E)
    cls = cls / np.linalg.norm(cls, axis=1, keepdims=True)
    return (image_emb @ cls.T).argmax(axis=1)                               # (N,)


def recall_at_k(sim: np.ndarray, relevant: np.ndarray, k: int = 1) -> float:
    """sim (Q, G) query-gallery similarities; relevant (Q, G) bool (several may be right, e.g. equal
    captions). Share of queries with a relevant item among their top k (ties broken by index)."""
    if sim.shape != relevant.shape:
        raise ValueError(f"recall_at_k: sim {sim.shape} and relevant {relevant.shape} must have one shape")
    top = np.argsort(-sim, axis=1, kind="stable")[:, :k]                    # (Q, k)
    return float(np.take_along_axis(relevant, top, axis=1).any(axis=1).mean())


# ---- files: a run's checkpoint or a shipped directory (config.json + model.safetensors) ---------------

def read_weights(name_or_path: str, kind: str):
    """-> (settings dict, {name: array}) of a "clip" or "captioner" model, from a training checkpoint
    (<run>/best.safetensors) or a directory / shipped name holding config.json + model.safetensors."""
    import json
    import os

    from ..checkpoints.checkpoint import read_checkpoint
    from ..checkpoints.hub import resolve
    from ..checkpoints.safetensors import load_file
    if str(name_or_path).endswith(".safetensors") and os.path.isfile(name_or_path) and \
            not os.path.isfile(os.path.join(os.path.dirname(name_or_path), "config.json")):
        ck = read_checkpoint(name_or_path)
        cfg = ck["config"] or {}
        tensors = ck["model"]
    else:
        where = resolve(name_or_path)
        with open(os.path.join(where, "config.json"), encoding="utf-8") as f:
            cfg = json.load(f)
        tensors = load_file(os.path.join(where, "model.safetensors"))
    if cfg.get("kind") != kind:
        raise ValueError(f"{name_or_path}: holds a {cfg.get('kind', 'non-multimodal')!r} model, not a {kind!r} one "
                         f"(`tglm train {kind}` writes one)")
    return cfg[kind], tensors


def export(model, kind: str, out_dir: str, extra: dict = None) -> None:
    """Write out_dir/config.json ({"kind", kind: settings, **extra}) + model.safetensors (float32)."""
    import json
    import os

    from ..checkpoints.safetensors import save_file
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "config.json"), "w", encoding="utf-8") as f:
        json.dump({"kind": kind, kind: model.settings, **(extra or {})}, f, indent=1)
    save_file({k: np.ascontiguousarray(v, np.float32) for k, v in model.state_dict().items()},
              os.path.join(out_dir, "model.safetensors"), metadata={"kind": kind})
