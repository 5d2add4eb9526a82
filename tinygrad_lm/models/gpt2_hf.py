"""Hugging Face GPT-2 checkpoints <-> our GPT: load and export real weights, no torch needed.

A Hugging Face GPT-2 model directory holds config.json + model.safetensors (read with our own
tinygrad_lm/checkpoints/safetensors.py). Mapping its tensors onto models/gpt.py:

    HF name (prefix "transformer." present or absent)     HF shape        ours
    wte.weight, wpe.weight, ln_*.weight/bias              same            same
    h.{i}.attn.c_attn.weight   (fused q, k, v: Conv1D)    (C, 3C)         (3C, C)  transposed
    h.{i}.attn.c_proj.weight   (Conv1D)                   (C, C)          (C, C)   transposed
    h.{i}.mlp.c_fc.weight      (Conv1D)                   (C, 4C)         (4C, C)  transposed
    h.{i}.mlp.c_proj.weight    (Conv1D)                   (4C, C)         (C, 4C)  transposed
    lm_head.weight             tied to wte: skipped (an untied, different lm_head is an error)
    h.{i}.attn.bias, h.{i}.attn.masked_bias               causal-mask buffers of old checkpoints: ignored

Conv1D computes x @ W + b with W (in, out); our Linear computes x @ W.T + b with W (out, in), so
every Conv1D weight is transposed once at load (and back at export). The fused c_attn keeps its
[q | k | v] column order, which is exactly what our c_attn.split(C) expects. config.json keys:
n_layer, n_head, n_embd, n_positions (n_ctx in very old files), vocab_size. Works for gpt2,
gpt2-medium/large/xl and distilgpt2 (6 layers, same names).

Export writes what `GPT2LMHeadModel.save_pretrained` writes: "transformer."-prefixed names, Conv1D
(in, out) shapes, no lm_head (tied), float32 or float16, plus a config.json a `transformers` user
can open. A model with local attention layers (GPTConfig.attn_window) also writes our keys
attn_window / local_layers, read back here; transformers ignores them (it would run every layer dense).

Legend: C channels (n_embd).
Does not handle: sharded checkpoints (model-0000x-of-0000y.safetensors), pytorch_model.bin
(pickle: never loaded here), downloading (see pretrained.py for where we look), GPT-2 variants
with different blocks (scale_attn_by_inverse_layer_idx, cross-attention, untied heads).
"""
import json
import os

import numpy as np

from ..checkpoints.safetensors import CheckpointError, describe, load_file, save_file
from ..checkpoints.shapes import compare_shapes, gpt_shapes
from .config import GPTConfig

CONV1D = ("attn.c_attn.weight", "attn.c_proj.weight", "mlp.c_fc.weight", "mlp.c_proj.weight")
IGNORED = (".attn.bias", ".attn.masked_bias")                    # old causal-mask buffers


def config_from_hf(hf: dict, where: str = "config.json"):
    """A GPTConfig from a Hugging Face GPT-2 config dict (raises on options our GPT does not have)."""
    missing = [k for k in ("n_layer", "n_head", "n_embd", "vocab_size") if k not in hf]
    if missing:
        raise CheckpointError(f"{where}: missing GPT-2 key(s) {missing} (found {sorted(hf)[:12]})")
    if hf.get("model_type", "gpt2") != "gpt2":
        raise CheckpointError(f"{where}: model_type {hf['model_type']!r} is not 'gpt2'")
    act = hf.get("activation_function", "gelu_new")
    if act not in ("gelu_new", "gelu_pytorch_tanh"):
        raise CheckpointError(f"{where}: activation_function {act!r}; our GPT uses the tanh GELU (gelu_new)")
    for flag in ("scale_attn_by_inverse_layer_idx", "add_cross_attention"):
        if hf.get(flag):
            raise CheckpointError(f"{where}: {flag}=true is not supported by models/gpt.py")
    if not hf.get("scale_attn_weights", True):
        raise CheckpointError(f"{where}: scale_attn_weights=false is not supported (we scale by 1/sqrt(D))")
    eps = float(hf.get("layer_norm_epsilon", 1e-5))
    if abs(eps - 1e-5) > 1e-12:
        raise CheckpointError(f"{where}: layer_norm_epsilon {eps} differs from our LayerNorm's 1e-5")
    block = hf.get("n_positions", hf.get("n_ctx"))
    if block is None:
        raise CheckpointError(f"{where}: needs n_positions (or n_ctx)")
    sizes = {"vocab_size": hf["vocab_size"], "n_positions": block, "n_layer": hf["n_layer"],
             "n_head": hf["n_head"], "n_embd": hf["n_embd"]}
    for key, v in sizes.items():
        if type(v) is not int or v <= 0:
            raise CheckpointError(f"{where}: {key} must be a positive integer, got {v!r}")
    if hf.get("n_inner") not in (None, 4 * sizes["n_embd"]):
        raise CheckpointError(f"{where}: n_inner={hf['n_inner']!r}; our GPT's MLP is "
                              f"4 * n_embd = {4 * sizes['n_embd']}")
    local = {k: hf[k] for k in ("attn_window", "local_layers") if k in hf}   # ours (config_to_hf)
    try:
        return GPTConfig(vocab_size=sizes["vocab_size"], block_size=block, n_layer=sizes["n_layer"],
                         n_head=sizes["n_head"], n_embd=sizes["n_embd"], dropout=0.0, bias=True, **local)
    except ValueError as e:                          # e.g. n_embd not divisible by n_head
        raise CheckpointError(f"{where}: {e}") from None


def config_to_hf(config, extra: dict = None) -> dict:
    """Our GPTConfig -> a Hugging Face GPT-2 config.json dict."""
    hf = {"architectures": ["GPT2LMHeadModel"], "model_type": "gpt2", "activation_function": "gelu_new",
          "vocab_size": config.vocab_size, "n_positions": config.block_size, "n_ctx": config.block_size,
          "n_embd": config.n_embd, "n_layer": config.n_layer, "n_head": config.n_head, "n_inner": None,
          "layer_norm_epsilon": 1e-5, "initializer_range": 0.02, "resid_pdrop": 0.0, "embd_pdrop": 0.0,
          "attn_pdrop": 0.0, "tie_word_embeddings": True, "scale_attn_weights": True}
    if getattr(config, "attn_window", None) is not None:     # local layers: our keys (transformers ignores them)
        hf.update(attn_window=config.attn_window, local_layers=config.local_layers)
    hf.update(extra or {})
    return hf


def hf_to_ours(tensors: dict, where: str = "model.safetensors") -> dict:
    """HF GPT-2 tensors -> our state dict names and (out, in) Linear layout, float32."""
    out = {}
    for name, arr in tensors.items():
        key = name[len("transformer."):] if name.startswith("transformer.") else name
        if key.endswith(IGNORED):
            continue
        if key == "lm_head.weight":
            continue                                   # checked against wte below
        arr = np.asarray(arr, dtype=np.float32)
        if key.endswith(CONV1D):
            if arr.ndim != 2:
                raise CheckpointError(f"{where}: {name} should be a 2-d Conv1D weight, got shape {arr.shape}")
            arr = np.ascontiguousarray(arr.T)          # Conv1D (in, out) -> Linear (out, in)
        out["transformer." + key] = arr
    head = tensors.get("lm_head.weight")
    if head is not None and "transformer.wte.weight" in out:
        if head.shape != out["transformer.wte.weight"].shape or not np.array_equal(
                np.asarray(head, dtype=np.float32), out["transformer.wte.weight"]):
            raise CheckpointError(f"{where}: lm_head.weight differs from wte.weight (an untied head); "
                                  f"our GPT ties the LM head to the token embedding")
    return out


def ours_to_hf(model, dtype=np.float32) -> dict:
    """Our GPT's weights -> HF GPT2LMHeadModel tensors (transformer.* names, Conv1D (in, out))."""
    out = {}
    for name, arr in model.state_dict().items():
        arr = np.asarray(arr)
        if name.endswith(CONV1D):
            arr = arr.T                                 # Linear (out, in) -> Conv1D (in, out)
        out[name] = np.ascontiguousarray(arr, dtype=dtype)
    return out


def load_weights(model, tensors: dict, where: str = "model.safetensors") -> None:
    """Copy HF GPT-2 tensors into `model`, reporting every missing / unexpected / mis-shaped name."""
    ours = hf_to_ours(tensors, where)
    target = model.state_dict()
    missing = [k for k in target if k not in ours]
    unexpected = [k for k in ours if k not in target]
    shapes = [f"{k}: file {ours[k].shape} vs model {target[k].shape}"
              for k in target if k in ours and ours[k].shape != target[k].shape]
    if missing or unexpected or shapes:
        parts = []
        if missing:
            parts.append(f"missing {len(missing)}: {missing[:6]}")
        if unexpected:
            parts.append(f"unexpected {len(unexpected)}: {unexpected[:6]}")
        if shapes:
            parts.append("shape mismatch (after the Conv1D transpose): " + "; ".join(shapes[:6]))
        raise CheckpointError(f"{where} does not fit GPT(n_layer={model.config.n_layer}, "
                              f"n_embd={model.config.n_embd}, vocab={model.config.vocab_size}): " + " | ".join(parts))
    model.load_state_dict(ours)


def read_config(directory) -> dict:
    path = os.path.join(directory, "config.json")
    if not os.path.isfile(path):
        raise FileNotFoundError(f"{path} not found (a GPT-2 model directory needs config.json + model.safetensors)")
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except json.JSONDecodeError as e:
        raise CheckpointError(f"{path}: not valid JSON ({e})") from None


def check_file_shapes(config, header: dict, where: str = "model.safetensors") -> None:
    """Compare the shapes `config` implies with a file's header {HF name: (dtype, shape)} (from
    safetensors.describe: no tensor data read), BEFORE a model is built: an untrusted config.json
    that claims a huge model next to a tiny file fails here instead of allocating the model first."""
    stored = {}
    for name, (_, shape) in header.items():
        key = name[len("transformer."):] if name.startswith("transformer.") else name
        if key.endswith(IGNORED) or key == "lm_head.weight":
            continue
        stored["transformer." + key] = tuple(shape[::-1]) if key.endswith(CONV1D) and len(shape) == 2 else tuple(shape)
    implied = gpt_shapes(config.vocab_size, config.block_size, config.n_layer, config.n_embd, bias=config.bias)
    compare_shapes(implied, stored, where, f"config (n_layer={config.n_layer}, n_embd={config.n_embd}, "
                                           f"vocab={config.vocab_size}, n_positions={config.block_size}; "
                                           f"shapes after the Conv1D transpose)")


def read_pretrained(directory):
    """config.json + model.safetensors in `directory` -> (GPTConfig, HF tensors, weights path).
    The config is checked against the file's tensor shapes before any data is read (see
    check_file_shapes). GPT.from_pretrained builds the model and calls load_weights."""
    hf = read_config(directory)
    weights = os.path.join(directory, "model.safetensors")
    if not os.path.isfile(weights):
        others = [f for f in ("pytorch_model.bin", "model.safetensors.index.json", "tf_model.h5")
                  if os.path.exists(os.path.join(directory, f))]
        hint = (f" (found {others}: we only read a single model.safetensors, never pickle files; "
                f"convert with transformers' save_pretrained(safe_serialization=True))" if others else "")
        raise FileNotFoundError(f"{weights} not found{hint}")
    config = config_from_hf(hf, os.path.join(directory, "config.json"))
    check_file_shapes(config, describe(weights), weights)
    return config, load_file(weights), weights


def save_pretrained(model, directory, dtype=np.float32, extra_config: dict = None) -> None:
    """Write config.json + model.safetensors in the Hugging Face GPT-2 layout."""
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, "config.json"), "w", encoding="utf-8") as f:
        json.dump(config_to_hf(model.config, extra_config), f, indent=2)
    save_file(ours_to_hf(model, dtype), os.path.join(directory, "model.safetensors"), metadata={"format": "pt"})
