"""Fast GPT decoding: the same math as GPT.forward with a KV cache, without autograd, weights frozen.

    from tinygrad_lm.generation.decoder import Decoder
    dec = Decoder(model)                      # float32: the model's own weights, not copied
    dec = Decoder(model, weights="float16")   # a float16 copy: half the bytes to read per token
    dec = Decoder(model, weights="int8")      # int8 + one scale per output row: a quarter of the bytes
    logits = dec.forward(prompt_ids)          # (V,) next-token logits after the prompt
    logits = dec.forward([next_id])           # (V,) one more token, attending to the cache

Why a separate path: generating one token multiplies one row vector by every weight matrix once.
That is 2 flops per weight read, so the speed is set by how fast memory streams the weights, not
by arithmetic: GPT-2 124M holds 124M float32 weights = 497 MB, and this 2-core machine streams about
25 GB/s, so no float32 implementation can pass ~50 tokens/s here. The Decoder therefore
  * runs every one-row product through kernels.gemv (each weight row read once, on all cores),
    while GPT.forward builds graph nodes and goes through the general matmul;
  * keeps K and V in arrays preallocated for the whole window (L, H, block_size, D), written in
    place, instead of concatenating a growing cache at every step;
  * can store the weights as float16 (weights="float16"): 248 MB per token, about twice the
    tokens/s. Only storage is rounded (relative error <= 2^-11 per weight); activations, the
    cache, LayerNorm, softmax and every sum stay float32;
  * or as int8 with one float32 scale per output row (weights="int8", kernels.quantize_int8:
    s = max|W[o]| / 127, Q = round(W / s), |W - s Q| <= s / 2): 124 MB per token for GPT-2, a quarter
    of float32. The gemv kernel widens the int8 weights in registers and multiplies each finished
    dot by its row's scale; activations and sums stay float32 (weight-only quantization). The tied
    embedding is quantized per vocabulary row, so the lookup and the LM head read the same int8 table.
With weights="float32" the logits equal GPT.forward's up to float32 summation order (tested to
1e-4); with "float16" they equal those of the model with its weights rounded to float16, and with
"int8" those of the model with its matrices replaced by s[:, None] * Q (tests/test_decoder_int8.py).
Shapes: T new tokens, S = tokens in the cache after them, C channels, H heads, D = C / H, V vocab.
A local attention layer (GPTConfig.attn_window = w) reads only the last w cached keys per query.
Omissions: batch 1 only; causal GPT only (not the MLM encoder); no dropout (inference); a window
longer than block_size is the caller's job (decoding.stream refills the cache from the last
block_size tokens).
"""
import numpy as np

from ..kernels import api as kernels
from ..ops.attention import attention_probs
from ..kernels.gelu import gelu_forward

SKINNY = 64                        # up to this many new rows: kernels.gemv (each weight read once)


def float16_weights(w: np.ndarray, name: str) -> np.ndarray:
    """w rounded to float16; refuses values float16 cannot hold (|w| > 65504 or not finite)."""
    if not np.abs(w).max(initial=0.0) <= 65504.0:                 # also False for NaN
        raise ValueError(f"Decoder(weights='float16'): {name} has values float16 cannot store "
                         f"(max |w| = {np.abs(w).max():.3g}, limit 65504); use weights='float32'")
    return w.astype(np.float16)


class Int8Weight:
    """A weight matrix stored as int8 Q (O, C) and a float32 scale (O,) per row: W ~ scale[:, None] * Q."""

    def __init__(self, w: np.ndarray, name: str):
        if not np.isfinite(w).all():
            raise ValueError(f"Decoder(weights='int8'): {name} has inf or nan values; use weights='float32'")
        self.q, self.scale = kernels.quantize_int8(w)                  # (O, C) int8, (O,) float32
        self.shape, self.dtype = self.q.shape, self.q.dtype
        self.nbytes = self.q.nbytes + self.scale.nbytes

    def __getitem__(self, ids):                                       # the embedding lookup: rows as float32
        return self.q[ids].astype(np.float32) * self.scale[ids][..., None]

    def dequantize(self) -> np.ndarray:                               # (O, C) float32 (a long prompt's matmul)
        return kernels.dequantize_int8(self.q, self.scale)


class Decoder:
    """KV-cached inference for a causal tinygrad_lm GPT (see the module docstring)."""

    def __init__(self, model, weights: str = "float32"):
        if weights not in ("float32", "float16", "int8"):
            raise ValueError(f"Decoder: weights must be 'float32', 'float16' or 'int8', got {weights!r}")
        cfg = model.config
        self.config, self.weights = cfg, weights
        self.n_head, self.C = cfg.n_head, cfg.n_embd
        sd = model.state_dict()                               # {name: array}, no copies
        # The Decoder reads the plain GPT weights only: an unmerged LoRA path or an adapter would be ignored.
        extra = [n for n, m in model.named_modules() if getattr(m, "merged", None) is False or ".adapter" in n
                 or n.endswith("adapter")]
        if extra:
            raise ValueError(f"Decoder: {extra[0]} holds LoRA / adapter weights that the fast path would silently "
                             f"ignore: nn.merge_lora(model) first (adapters cannot be merged; decode with the "
                             f"model itself, weights=None)")
        for name, a in sd.items():
            if a.dtype != np.float32:
                raise TypeError(f"Decoder: parameter {name} is {a.dtype}; the model must be float32")

        def matrix(name):                                     # (O, C) as stored, maybe rounded
            w = sd[name]
            if weights == "int8":
                return Int8Weight(w, name)
            return float16_weights(w, name) if weights == "float16" else w

        zeros = np.zeros(self.C, dtype=np.float32)           # LayerNorm bias of a bias=False model
        self.wte = matrix("transformer.wte.weight")           # (V, C): embedding AND the LM head
        self.wpe = sd["transformer.wpe.weight"]               # (block, C) float32: one row per step
        self.layers = []
        for i in range(cfg.n_layer):
            p = f"transformer.h.{i}."
            self.layers.append({                              # Linear biases may be None
                "ln1_w": sd[p + "ln_1.weight"], "ln1_b": sd.get(p + "ln_1.bias", zeros),
                "W_qkv": matrix(p + "attn.c_attn.weight"), "b_qkv": sd.get(p + "attn.c_attn.bias"),
                "W_proj": matrix(p + "attn.c_proj.weight"), "b_proj": sd.get(p + "attn.c_proj.bias"),
                "ln2_w": sd[p + "ln_2.weight"], "ln2_b": sd.get(p + "ln_2.bias", zeros),
                "W_fc": matrix(p + "mlp.c_fc.weight"), "b_fc": sd.get(p + "mlp.c_fc.bias"),
                "W_out": matrix(p + "mlp.c_proj.weight"), "b_out": sd.get(p + "mlp.c_proj.bias")})
        self.lnf_w, self.lnf_b = sd["transformer.ln_f.weight"], sd.get("transformer.ln_f.bias", zeros)
        D = self.C // self.n_head
        shape = (cfg.n_layer, self.n_head, cfg.block_size, D)
        self.k_cache = np.zeros(shape, dtype=np.float32)     # (L, H, block, D)
        self.v_cache = np.zeros(shape, dtype=np.float32)     # (L, H, block, D)
        self.length = 0                                       # tokens held in the cache
        self.windows = [cfg.layer_window(i) for i in range(cfg.n_layer)]   # None, or w for a local layer

    def reset(self) -> None:
        """Forget the cache (the arrays are reused)."""
        self.length = 0

    def truncate(self, n: int) -> None:
        """Keep only the first n cached tokens (roll back to a shared prefix, e.g. to score several replies
        after one prompt); the next forward continues from position n."""
        if not 0 <= int(n) <= self.length:
            raise ValueError(f"Decoder.truncate: n must be in [0, {self.length}] (tokens cached), got {n}")
        self.length = int(n)

    def nbytes(self) -> int:
        """Bytes of weights read per generated token (the number that sets the speed)."""
        mats = [self.wte] + [L[k] for L in self.layers for k in ("W_qkv", "W_proj", "W_fc", "W_out")]
        return sum(m.nbytes for m in mats)

    # ---- pieces ----------------------------------------------------------------------------------
    @staticmethod
    def _linear(x, W, b):
        """x (T, C) float32 @ W^T (+ b); W (O, C) float32, float16 or Int8Weight -> (T, O) float32."""
        if x.shape[0] <= SKINNY:
            y = kernels.gemv(W.q, x, scale=W.scale) if isinstance(W, Int8Weight) else kernels.gemv(W, x)  # (T, O)
        else:                                                                # the prompt: a real matmul
            W32 = (W if W.dtype == np.float32 else W.dequantize() if isinstance(W, Int8Weight)
                   else kernels.float16_to_float32(W))
            y = kernels.matmul(x, W32.T)                                     # (T, O)
        if b is not None:
            y += b
        return y

    @staticmethod
    def _layer_norm(x, w, b):
        return kernels.layer_norm_forward(x, w, b, 1e-5)[0]                # (T, C)

    # ---- the forward pass ------------------------------------------------------------------------
    def forward(self, ids, all_logits: bool = False) -> np.ndarray:
        """Feed T new token ids (after the cached ones) -> logits (V,) for the last position, or
        (T, V) for every new position with all_logits=True."""
        ids = np.asarray(ids, dtype=np.int64).reshape(-1)                   # (T,)
        T, start, cfg = ids.size, self.length, self.config
        if T == 0:
            raise ValueError("Decoder.forward: no token ids given")
        if start + T > cfg.block_size:
            raise ValueError(f"Decoder.forward: {start} cached + {T} new tokens exceed block_size "
                             f"{cfg.block_size}; reset() and feed the last {cfg.block_size} tokens")
        if ids.min() < 0 or ids.max() >= cfg.vocab_size:
            raise ValueError(f"token ids must be in [0, {cfg.vocab_size}), got range [{ids.min()}, {ids.max()}]")
        H, C = self.n_head, self.C
        D, S = C // H, start + T
        x = self.wte[ids].astype(np.float32) + self.wpe[start:S]            # (T, C)
        for li, L in enumerate(self.layers):
            h = self._layer_norm(x, L["ln1_w"], L["ln1_b"])                  # (T, C)
            qkv = self._linear(h, L["W_qkv"], L["b_qkv"])                    # (T, 3C)
            q, k, v = (qkv[:, j * C:(j + 1) * C].reshape(T, H, D).transpose(1, 0, 2) for j in range(3))
            self.k_cache[li, :, start:S] = k                                 # (H, T, D) into the cache
            self.v_cache[li, :, start:S] = v
            w = self.windows[li]                                             # local layer: keys > start - w only
            lo = 0 if w is None else max(0, start - w + 1)
            K, V = self.k_cache[li, :, lo:S], self.v_cache[li, :, lo:S]       # (H, S - lo, D) views
            p = attention_probs(q[None], K[None], causal=True, window=w)[0]  # (H, T, S - lo), query i sees <= start+i
            y = np.matmul(p, V).transpose(1, 0, 2).reshape(T, C)             # (T, C) heads side by side
            x = x + self._linear(y, L["W_proj"], L["b_proj"])                # (T, C)
            h = self._layer_norm(x, L["ln2_w"], L["ln2_b"])                  # (T, C)
            x = x + self._linear(gelu_forward(self._linear(h, L["W_fc"], L["b_fc"])),
                                 L["W_out"], L["b_out"])                      # (T, C)
        self.length = S
        if not all_logits:
            x = x[-1:]                                                        # (1, C): only the next token
        x = self._layer_norm(x, self.lnf_w, self.lnf_b)                       # (T or 1, C)
        logits = self._linear(x, self.wte, None)                              # (T or 1, V)
        return logits if all_logits else logits[0]
