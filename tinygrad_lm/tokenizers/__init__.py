"""Tokenizers: text <-> integer ids.

ByteLevelBPE (bpe.py) trains, encodes and decodes byte-level BPE and loads GPT-2's files
(gpt2.py: load_gpt2). The character tokenizer of the RNN weeks lives in char.py. Each tokenizer describes itself with
to_config() (stored in checkpoints); from_config() below builds it back.
"""
from .bpe import ByteLevelBPE
from .char import CharTokenizer
from .gpt2 import load_gpt2
from .patterns import CL100K_PATTERN, GPT2_PATTERN

KINDS = {"char": CharTokenizer, "bpe": ByteLevelBPE}


def train_tokenizer(kind: str, text: str, vocab_size: int = None):
    """A char tokenizer (vocab = the characters of the text) or a byte-level BPE of vocab_size trained on it."""
    if kind == "char":
        return CharTokenizer.from_text(text)
    if kind == "bpe":
        return ByteLevelBPE.train(text, vocab_size)
    raise ValueError(f"tokenizer must be one of {sorted(KINDS)}, got {kind!r}")


def from_config(cfg: dict):
    """The tokenizer described by tok.to_config() (as stored in a training checkpoint's config)."""
    kind = cfg.get("kind", cfg.get("type")) if isinstance(cfg, dict) else None
    if kind not in KINDS:
        raise ValueError(f"not a tokenizer config: kind {kind!r} (expected one of {sorted(KINDS)})")
    return KINDS[kind].from_config(cfg)


__all__ = ["ByteLevelBPE", "CharTokenizer", "load_gpt2", "GPT2_PATTERN", "CL100K_PATTERN", "train_tokenizer",
           "from_config"]
