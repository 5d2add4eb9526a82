"""Prefix captioning (ClipCap, Mokady et al. 2021): a frozen CLIP image embedding becomes k "prefix"
embeddings that a GPT decoder reads before the caption, as if they were the embeddings of k words.

    e = CLIP image embedding (frozen)                          (B, E)
    prefix = MLP(e) = W2 tanh(W1 e + b1) + b2, reshaped         (B, k, C)
    x = [prefix ; wte(<bos> w1 .. wn)] + wpe(0 .. k+n)          (B, k + T, C)
    logits = GPT blocks -> ln_f -> x @ wte^T                    (B, k + T, V)
    labels: -100 at the k prefix positions (nothing to predict there; the last prefix position would
            predict <bos>, which is always given), then w1 .. wn, <eos>, -100 on padding:
            position k + i (token i of the input) predicts token i + 1.
Only the mapping MLP and the GPT train; the CLIP image encoder is frozen: a copy of it lives in
the captioner (`visual`, requires_grad False) so one checkpoint captions an image, and the trainer
computes its features once per image. Two decoders:
  decoder=None              a small GPT trained from scratch on the captions' 19-word vocabulary
                            (ids = datasets/shapes.encode: <pad> 0, <bos> 1, <eos> 2, then words)
  decoder="course-base-8m"  a PRETRAINED GPT with its own BPE tokenizer, as in ClipCap; decoder_tune
                            "frozen" trains only the mapping (ClipCap's frozen-GPT variant), "lora" adds
                            LoRA (r = lora_r) on the attention projections, "full" tunes the whole GPT.
                            Captions are BPE ids: <|endoftext|> opens and closes them (GPT-2's habit),
                            "\n" pads (a caption never holds one, so its labels can be dropped safely).
Decoding: greedy, no KV cache (captions are <= 12 words).
Legend: B batch, E CLIP embedding, k prefix length, C GPT channels, T caption tokens, V vocabulary.
Does not handle: beam search, a transformer mapping network (ClipCap's other mapping).
"""
import numpy as np

from .. import functional as F
from .. import nn
from ..ops.join import cat
from ..tensor import Tensor, no_grad
from .clip import CLIP, l2_normalize, read_weights
from .config import GPTConfig
from .gpt import GPT
from .vision import SmallCNN

DECODER_TUNE = ("frozen", "lora", "full")


def prefix_inputs(prefix: Tensor, token_emb: Tensor, ids: np.ndarray, pad_id: int = 0):
    """-> (x (B, k + T, C), labels (B, k + T) int64).

    prefix (B, k, C), token_emb (B, T, C) = wte(ids), ids (B, T) = <bos> w1 .. wn <eos> <pad>..."""
    B, k, C = prefix.shape
    ids = np.asarray(ids)
    if token_emb.shape[:2] != ids.shape or token_emb.shape[0] != B or token_emb.shape[2] != C:
        raise ValueError(f"prefix_inputs: prefix {prefix.shape}, token embeddings {token_emb.shape} and ids "
                         f"{ids.shape} must agree on B, T and C")
    x = cat([prefix, token_emb], axis=1)                                  # (B, k + T, C)
    labels = np.full((B, k + ids.shape[1]), -100, np.int64)
    labels[:, k:-1] = ids[:, 1:]                                          # position k+i predicts token i+1
    labels[labels == pad_id] = -100                                       # no loss on padding
    return x, labels


class PrefixCaptioner(nn.Module):
    def __init__(self, vocab_size: int, max_len: int, embed_dim: int = 128, prefix_len: int = 4,
                 n_layer: int = 2, n_head: int = 4, n_embd: int = 128, pad_id: int = 0, bos_id: int = 1,
                 eos_id: int = 2, cnn_width: int = 32, features: str = "embedding", decoder: str = None,
                 decoder_tune: str = "full", lora_r: int = 8):
        super().__init__()
        if features not in ("embedding", "grid"):
            raise ValueError(f"PrefixCaptioner: features must be 'embedding' or 'grid', got {features!r}")
        self.settings = dict(vocab_size=vocab_size, max_len=max_len, embed_dim=embed_dim, prefix_len=prefix_len,
                             n_layer=n_layer, n_head=n_head, n_embd=n_embd, pad_id=pad_id, bos_id=bos_id,
                             eos_id=eos_id, cnn_width=cnn_width, features=features, decoder=decoder,
                             decoder_tune=decoder_tune, lora_r=lora_r)
        self.features = features
        self.visual = SmallCNN(out_dim=embed_dim, width=cnn_width)          # CLIP's, frozen
        self.visual.requires_grad_(False)
        if features == "grid":                                              # the 4x4 feature map, flattened
            embed_dim = 2 * cnn_width * (self.visual.image_size // 8) ** 2
        self.k, self.C = int(prefix_len), int(n_embd)
        self.pad_id, self.bos_id, self.eos_id, self.max_len = pad_id, bos_id, eos_id, max_len
        self.tokenizer = None                                               # BPE of a pretrained decoder
        if decoder is not None:
            self._pretrained_decoder(decoder, decoder_tune, lora_r)          # sets gpt, C, ids, max_len
        else:
            if decoder_tune != "full":
                raise ValueError(f"PrefixCaptioner: decoder_tune={decoder_tune!r} needs a pretrained decoder; "
                                 f"the scratch GPT always trains fully")
            self.gpt = GPT(GPTConfig(vocab_size=vocab_size, block_size=self.k + max_len, n_layer=n_layer,
                                     n_head=n_head, n_embd=n_embd))
        hidden = self.k * self.C // 2
        self.mapper = nn.Sequential(nn.Linear(embed_dim, hidden), nn.Tanh(), nn.Linear(hidden, self.k * self.C))

    def _pretrained_decoder(self, name: str, tune: str, r: int) -> None:
        from ..datasets import shapes
        from ..nn.finetuning import freeze
        from ..nn.lora import apply_lora
        from .pretrained import load
        if tune not in DECODER_TUNE:
            raise ValueError(f"PrefixCaptioner: decoder_tune must be one of {DECODER_TUNE}, got {tune!r}")
        self.gpt, self.tokenizer, info = load(name)
        if info["eos_token_id"] is None:
            raise ValueError(f"PrefixCaptioner: decoder {name!r} needs an <|endoftext|> id (eos_token_id)")
        cfg = self.gpt.config
        self.C = cfg.n_embd
        self.bos_id = self.eos_id = int(info["eos_token_id"])
        self.pad_id = int(self.tokenizer.encode("\n")[-1])
        # the longest caption the grammar allows, in BPE tokens: two objects of the longest words + relation
        longest = max(len(self.tokenizer.encode(" " + shapes.describe({"size": z, "colour": c, "shape": s})))
                      for z in shapes.SIZES for c in shapes.COLOUR_NAMES for s in shapes.SHAPES)
        rel = max(len(self.tokenizer.encode(" " + r_)) for r_ in shapes.RELATIONS)
        self.max_len = 2 * longest + rel + 2                                   # + <bos> and <eos>
        if self.k + self.max_len > cfg.block_size:
            raise ValueError(f"PrefixCaptioner: prefix {self.k} + captions {self.max_len} tokens exceed the "
                             f"decoder's context {cfg.block_size}")
        if tune == "frozen":
            freeze(self.gpt)
        elif tune == "lora":
            apply_lora(self.gpt, ("attn.c_attn", "attn.c_proj"), r=r, alpha=2 * r)   # freezes the rest
        self.settings.update(vocab_size=cfg.vocab_size, max_len=self.max_len, n_layer=cfg.n_layer,
                             n_head=cfg.n_head, n_embd=cfg.n_embd, pad_id=self.pad_id, bos_id=self.bos_id,
                             eos_id=self.eos_id)

    # ---- captions <-> decoder ids ----------------------------------------------------------------------
    def encode_captions(self, captions) -> np.ndarray:
        """N caption strings -> (N, max_len) int64 decoder ids: <bos> caption <eos>, padded with pad_id."""
        from ..datasets import shapes
        if self.tokenizer is None:
            return shapes.encode_batch(captions, self.max_len)
        out = np.full((len(captions), self.max_len), self.pad_id, np.int64)
        for i, c in enumerate(captions):
            shapes.encode(c)                                                   # the grammar's words only
            ids = [self.bos_id] + [int(t) for t in self.tokenizer.encode(" " + c)] + [self.eos_id]
            if len(ids) > self.max_len:
                raise ValueError(f"caption {c!r} has {len(ids)} tokens, more than {self.max_len}")
            out[i, :len(ids)] = ids
        return out

    def decode_ids(self, ids) -> str:
        """One row of decoder ids -> caption text (stops at <eos>, skips <bos> and padding)."""
        from ..datasets.shapes import decode
        if self.tokenizer is None:
            return decode(ids)
        ids = [int(t) for t in ids]
        start = 1 if ids and ids[0] == self.bos_id else 0
        out = []
        for t in ids[start:]:
            if t in (self.eos_id, self.pad_id):                                # "\n" ends a caption too
                break
            out.append(t)
        return self.tokenizer.decode(out).strip()

    def forward(self, image_emb, ids):
        """image_emb (B, E) CLIP embeddings, ids (B, T) -> (logits (B, k + T, V), loss)."""
        image_emb = image_emb if isinstance(image_emb, Tensor) else Tensor(np.asarray(image_emb, np.float32))
        B = image_emb.shape[0]
        prefix = self.mapper(image_emb).reshape(B, self.k, self.C)            # (B, k, C)
        tr = self.gpt.transformer
        x, labels = prefix_inputs(prefix, tr.wte(ids), ids, self.pad_id)      # (B, k + T, C), (B, k + T)
        logits = self._decode(x)                                              # (B, k + T, V)
        V = logits.shape[-1]
        loss = F.cross_entropy(logits.reshape(-1, V), labels.reshape(-1))
        return logits, loss

    def _decode(self, x: Tensor) -> Tensor:
        tr = self.gpt.transformer
        T = x.shape[1]
        h = x + tr.wpe(np.arange(T))                                          # (B, k + T, C)
        for block in tr.h:
            h = block(h)
        return tr.ln_f(h) @ tr.wte.weight.T                                   # (B, k + T, V)

    @no_grad()
    def embed_images(self, images, batch_size: int = 256) -> np.ndarray:
        """(N, 3, 32, 32) -> (N, E) unit CLIP embeddings of the frozen encoder, or with features="grid" its
        feature map before the last linear layer (N, 2w * 16): more of what the image holds, e.g. where
        each colour is, than the one pooled vector (LLaVA likewise feeds the encoder's grid features)."""
        f = self.visual.features if self.features == "grid" else lambda x: l2_normalize(self.visual(x))
        out = [f(images[i:i + batch_size]).data for i in range(0, len(images), batch_size)]
        return np.concatenate(out) if out else np.zeros((0, self.mapper[0].in_features), np.float32)

    def caption(self, images) -> list:
        """(N, 3, 32, 32) images -> N caption strings (greedy)."""
        return [self.decode_ids(row) for row in self.generate(self.embed_images(images))]

    @no_grad()
    def generate(self, image_emb: np.ndarray, max_tokens: int = None) -> np.ndarray:
        """Greedy captions for (B, E) embeddings -> ids (B, <= max_len) starting with <bos>."""
        emb = Tensor(np.asarray(image_emb, np.float32))
        B = emb.shape[0]
        prefix = self.mapper(emb).reshape(B, self.k, self.C)                  # (B, k, C)
        ids = np.full((B, 1), self.bos_id, np.int64)
        done = np.zeros(B, bool)
        for _ in range((max_tokens or self.max_len) - 1):
            x = cat([prefix, self.gpt.transformer.wte(ids)], axis=1)          # (B, k + t, C)
            nxt = self._decode(x).data[:, -1].argmax(axis=-1)                 # (B,)
            nxt = np.where(done, self.pad_id, nxt)
            ids = np.concatenate([ids, nxt[:, None]], axis=1)
            done |= nxt == self.eos_id
            if done.all():
                break
        return ids


def load_model(name_or_path: str, kind: str):
    """A CLIP ("clip") or PrefixCaptioner ("captioner") from read_weights, in eval mode."""
    settings, tensors = read_weights(name_or_path, kind)
    model = (CLIP if kind == "clip" else PrefixCaptioner)(**settings)
    shapes = {k: v.shape for k, v in model.state_dict().items()}
    # safetensors files written by export store a 0-d tensor (the CLIP logit scale) as (1,)
    model.load_state_dict({k: np.asarray(v, np.float32).reshape(shapes[k]) if k in shapes and np.size(v) ==
                           int(np.prod(shapes[k])) else np.asarray(v, np.float32) for k, v in tensors.items()})
    model.eval()
    return model
