"""Pretrained models by name or path, with their tokenizer: our shipped models and local Hugging Face GPT-2s.

    from tinygrad_lm.models.pretrained import load
    model, tok, info = load("tinystories-3m")        # shipped in data/pretrained/tinystories-3m/
    model, tok, info = load("gpt2")                  # from the local Hugging Face cache, if downloaded
    model, tok, info = load("path/to/model_dir")     # any directory with config.json + model.safetensors

Names are resolved by checkpoints/hub.py (nothing is ever downloaded); the model is built by
GPT.from_pretrained (models/gpt.py + the weight mapping in models/gpt2_hf.py).
Tokenizers: tokenizer.bpe (ours), or GPT-2's vocab.json + merges.txt (Hugging Face names) /
encoder.json + vocab.bpe (OpenAI names).
Does not handle: downloading, sharded checkpoints, models other than GPT-2-shaped ones.
"""
import json
import os
import shutil
import tempfile

from ..checkpoints.hub import REGISTRY, SHIPPED_DIR, list_models, resolve  # noqa: F401  (re-exported)
from ..checkpoints.safetensors import CheckpointError
from ..tokenizers import ByteLevelBPE
from ..tokenizers.gpt2 import load_gpt2
from .gpt import GPT


def load_tokenizer(directory: str):
    """The tokenizer stored next to a model: tokenizer.bpe, vocab.json + merges.txt, or encoder.json + vocab.bpe."""
    ours = os.path.join(directory, "tokenizer.bpe")
    if os.path.isfile(ours):
        return ByteLevelBPE.load(ours)
    if all(os.path.isfile(os.path.join(directory, f)) for f in ("encoder.json", "vocab.bpe")):
        return load_gpt2(directory)
    if all(os.path.isfile(os.path.join(directory, f)) for f in ("vocab.json", "merges.txt")):
        with tempfile.TemporaryDirectory() as tmp:          # same files, OpenAI's names
            shutil.copy(os.path.join(directory, "vocab.json"), os.path.join(tmp, "encoder.json"))
            shutil.copy(os.path.join(directory, "merges.txt"), os.path.join(tmp, "vocab.bpe"))
            return load_gpt2(tmp)
    raise FileNotFoundError(f"no tokenizer in {directory}: looked for tokenizer.bpe, vocab.json + merges.txt, "
                            f"encoder.json + vocab.bpe")


def load_model(name_or_path: str):
    """A GPT (eval mode, float32) from a shipped name, a Hugging Face cache name, or a directory."""
    return GPT.from_pretrained(name_or_path)


def load(name_or_path: str):
    """-> (model, tokenizer, info). info: directory, lowercase (lowercase prompts first), eos_token_id."""
    directory = resolve(name_or_path)
    model = GPT.from_pretrained(directory)
    tok = load_tokenizer(directory)
    with open(os.path.join(directory, "config.json"), encoding="utf-8") as f:
        hf = json.load(f)                                # valid: GPT.from_pretrained has read it
    extra = hf.get("tglm", {})
    if not isinstance(extra, dict):
        raise CheckpointError(f"{directory}/config.json: 'tglm' must be an object, got {type(extra).__name__}")
    eos = extra.get("eos_token_id", hf.get("eos_token_id"))
    V = model.config.vocab_size
    if eos is not None and (isinstance(eos, bool) or not isinstance(eos, int) or not 0 <= eos < V):
        raise CheckpointError(f"{directory}/config.json: eos_token_id {eos!r} is not an id of the model's "
                              f"vocabulary (0..{model.config.vocab_size - 1})")
    info = {"directory": directory, "lowercase": bool(extra.get("lowercase", False)), "eos_token_id": eos}
    if tok.vocab_size > model.config.vocab_size:
        raise ValueError(f"{directory}: tokenizer has {tok.vocab_size} ids but the model only "
                         f"{model.config.vocab_size} embeddings")
    return model, tok, info
