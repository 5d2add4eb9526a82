"""A plain-NumPy GPT-2 forward with a KV cache: the reference `tglm bench --only gpt2` decodes against.

    ref = NumpyGPT2.from_model(model)         # copies the weights into picoGPT's layout (x @ w, w (C_in, C_out))
    logits = ref.forward(prompt_ids)          # (V,) next-token logits after the prompt
    logits = ref.forward([next_id])           # (V,) one more token, attending to the cache

This is picoGPT's code (github.com/jaymody/picoGPT, gpt2.py: gelu, softmax, layer_norm, linear, ffn,
attention, mha, transformer_block, gpt2) with one addition, a KV cache: each layer keeps the keys and
values of the tokens seen so far, (S, C) each, and a new token attends to them instead of re-running
the whole prefix. It is what a NumPy programmer writes without a framework: no autograd, no Numba,
every product a numpy.matmul (OpenBLAS), so it measures what our Decoder must beat.
Shapes: T new tokens, S = cached + new, C channels, H heads, V vocab.
Math (float32 or float64, whatever dtype the weights have):
    gelu(x) = 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))            (GPT-2's tanh approximation)
    layer_norm(x) = g (x - mean) / sqrt(var + 1e-5) + b                     (over the last axis)
    attention(q, k, v, mask) = softmax(q k^T / sqrt(D) + mask) v,  mask[i, j] = -1e10 where j > i + S - T
One change to picoGPT's lines: math.sqrt instead of np.sqrt for the two constants. Under NumPy 2's
promotion rules (NEP 50) np.sqrt(64) is a float64 scalar that turns every float32 activation after it
into float64, and the LM head product then ran ~40x slower (float64 activations times float32 weights);
a Python float keeps the weights' dtype, as picoGPT intended under NumPy 1.
Omissions: batch 1 only, no sampling (the caller takes the argmax), no window sliding past block_size,
no dropout, no real GPT-2 checkpoint loading (this machine has none: the benchmark uses random weights
of GPT-2's shapes; speed does not depend on the values).
"""
import math

import numpy as np


def gelu(x):
    return 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))


def softmax(x):
    exp_x = np.exp(x - np.max(x, axis=-1, keepdims=True))
    return exp_x / np.sum(exp_x, axis=-1, keepdims=True)


def layer_norm(x, g, b, eps: float = 1e-5):
    mean = np.mean(x, axis=-1, keepdims=True)
    variance = np.var(x, axis=-1, keepdims=True)
    return g * (x - mean) / np.sqrt(variance + eps) + b


def linear(x, w, b):                                   # [m, in], [in, out], [out] -> [m, out]
    return x @ w + b


def ffn(x, c_fc, c_proj):                              # [T, C] -> [T, C]
    return linear(gelu(linear(x, **c_fc)), **c_proj)


def attention(q, k, v, mask):                          # [T, D], [S, D], [S, D], [T, S] -> [T, D]
    return softmax(q @ k.T / math.sqrt(q.shape[-1]) + mask) @ v


def mha(x, c_attn, c_proj, n_head, cache):             # [T, C] -> [T, C]; cache: [K (S0, C), V (S0, C)]
    x = linear(x, **c_attn)                            # [T, 3C]
    q, k, v = np.split(x, 3, axis=-1)                  # 3 x [T, C]
    k = cache[0] = np.concatenate([cache[0], k])       # [S, C]: the cached keys plus the new ones
    v = cache[1] = np.concatenate([cache[1], v])       # [S, C]
    T, S = q.shape[0], k.shape[0]
    mask = (1 - np.tri(T, S, S - T, dtype=x.dtype)) * -1e10   # [T, S]: new token i sees keys <= S - T + i
    heads = [attention(qh, kh, vh, mask) for qh, kh, vh in
             zip(*(np.split(a, n_head, axis=-1) for a in (q, k, v)))]    # H x [T, D]
    return linear(np.hstack(heads), **c_proj)          # [T, C]


def transformer_block(x, mlp, attn, ln_1, ln_2, n_head, cache):
    x = x + mha(layer_norm(x, **ln_1), **attn, n_head=n_head, cache=cache)
    return x + ffn(layer_norm(x, **ln_2), **mlp)


def gpt2(inputs, wte, wpe, blocks, ln_f, n_head, caches):   # [T] new ids -> [T, V] logits
    start = caches[0][0].shape[0]
    x = wte[inputs] + wpe[start:start + len(inputs)]       # [T, C]
    for block, cache in zip(blocks, caches):
        x = transformer_block(x, **block, n_head=n_head, cache=cache)
    return layer_norm(x, **ln_f) @ wte.T                   # [T, V] (the LM head is the tied embedding)


class NumpyGPT2:
    """picoGPT's parameters plus the per-layer caches; the same reset()/forward() as generation.Decoder."""

    def __init__(self, params: dict, n_head: int):
        self.params, self.n_head = params, n_head
        self.reset()

    def reset(self) -> None:
        C, dtype = self.params["wte"].shape[1], self.params["wte"].dtype
        self.caches = [[np.zeros((0, C), dtype), np.zeros((0, C), dtype)] for _ in self.params["blocks"]]

    def forward(self, ids, all_logits: bool = False):
        logits = gpt2(np.asarray(ids, dtype=np.int64).reshape(-1), **self.params, n_head=self.n_head,
                      caches=self.caches)
        return logits if all_logits else logits[-1]

    def nbytes(self) -> int:
        """Bytes of weight matrices read per token (the same count as Decoder.nbytes)."""
        return self.params["wte"].nbytes + sum(b[m][l]["w"].nbytes for b in self.params["blocks"]
                                               for m, l in (("attn", "c_attn"), ("attn", "c_proj"),
                                                            ("mlp", "c_fc"), ("mlp", "c_proj")))

    @classmethod
    def from_model(cls, model, dtype=np.float32):
        """picoGPT's parameter tree from a tinygrad_lm GPT: Linear weights (O, C) become GPT-2's (C, O)
        contiguous copies (the layout of the released checkpoint, what picoGPT multiplies), in `dtype`."""
        sd, cfg = model.state_dict(), model.config
        C = cfg.n_embd
        get = lambda name: np.array(sd[name], dtype=dtype)                    # noqa: E731 (a copy)
        bias = lambda name, n: get(name) if name in sd else np.zeros(n, dtype)  # noqa: E731 (bias=False models)
        lin = lambda p: {"w": np.ascontiguousarray(get(p + ".weight").T),     # noqa: E731
                         "b": bias(p + ".bias", sd[p + ".weight"].shape[0])}
        ln = lambda p: {"g": get(p + ".weight"), "b": bias(p + ".bias", C)}  # noqa: E731
        blocks = [{"ln_1": ln(f"transformer.h.{i}.ln_1"), "ln_2": ln(f"transformer.h.{i}.ln_2"),
                   "attn": {"c_attn": lin(f"transformer.h.{i}.attn.c_attn"),
                            "c_proj": lin(f"transformer.h.{i}.attn.c_proj")},
                   "mlp": {"c_fc": lin(f"transformer.h.{i}.mlp.c_fc"), "c_proj": lin(f"transformer.h.{i}.mlp.c_proj")}}
                  for i in range(cfg.n_layer)]
        params = {"wte": get("transformer.wte.weight"), "wpe": get("transformer.wpe.weight"),
                  "blocks": blocks, "ln_f": ln("transformer.ln_f")}
        return cls(params, cfg.n_head)
