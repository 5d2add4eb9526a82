"""Character-level tokenizer: one id per distinct character, as in char-rnn.

    tok = CharTokenizer.from_text(open("input.txt").read())     # tiny Shakespeare: 65 characters
    ids = tok.encode("ROMEO:")                                  # int64 array (T,)
    tok.decode(ids) == "ROMEO:"

The vocabulary is the sorted set of characters of the training text (sorted, so the same text
always gives the same ids). `to_config()` / `from_config()` store it as a plain string in a
checkpoint's JSON config.
Handles: any Unicode characters; an optional `unk` character for text outside the vocabulary.
Does not handle: normalization, special tokens, byte fallback (see tokenizers/bpe.py for bytes).
"""
import numpy as np


class UnknownCharacterError(KeyError, ValueError):
    """Text holds characters outside the vocabulary. A KeyError (a lookup failed) and a ValueError
    (bad input); its message prints without the quotes KeyError adds."""

    def __str__(self):
        return str(self.args[0]) if self.args else ""


class CharTokenizer:
    def __init__(self, chars, unk=None):
        chars = "".join(chars)
        if len(set(chars)) != len(chars):
            raise ValueError("CharTokenizer: the vocabulary has repeated characters")
        if not chars:
            raise ValueError("CharTokenizer: empty vocabulary")
        if unk is not None and unk not in chars:
            raise ValueError(f"CharTokenizer: unk character {unk!r} is not in the vocabulary")
        self.chars = chars
        self.unk = unk
        self.stoi = {c: i for i, c in enumerate(chars)}

    @classmethod
    def from_text(cls, text: str, unk=None) -> "CharTokenizer":
        """Vocabulary = sorted distinct characters of `text` (plus `unk` if given)."""
        chars = set(text) | ({unk} if unk is not None else set())
        return cls(sorted(chars), unk=unk)

    @property
    def vocab_size(self) -> int:
        return len(self.chars)

    def __len__(self):
        return len(self.chars)

    def encode(self, text: str) -> np.ndarray:
        """str -> int64 ids (T,). Unknown characters map to `unk`, or raise UnknownCharacterError
        (a KeyError) naming them."""
        if not isinstance(text, str):
            raise TypeError(f"CharTokenizer.encode: expected a str, got {type(text).__name__}"
                            + ("; decode bytes first (data.decode('utf-8'))" if isinstance(text, (bytes, bytearray))
                               else ""))
        stoi = self.stoi
        if self.unk is None:
            missing = set(text) - stoi.keys()
            if missing:
                shown = "".join(sorted(missing))[:20]
                raise UnknownCharacterError(
                    f"CharTokenizer.encode: {len(missing)} character(s) not in the vocabulary: {shown!r}; "
                    f"build the vocabulary from this text (CharTokenizer.from_text) or pass unk=")
            return np.fromiter((stoi[c] for c in text), dtype=np.int64, count=len(text))
        u = stoi[self.unk]
        return np.fromiter((stoi.get(c, u) for c in text), dtype=np.int64, count=len(text))

    def decode(self, ids) -> str:
        """ids (any int sequence or array) -> str."""
        ids = np.asarray(getattr(ids, "data", ids)).reshape(-1)          # Tensors too
        if ids.size and not np.issubdtype(ids.dtype, np.integer):
            raise TypeError(f"CharTokenizer.decode: ids must be integers, got dtype {ids.dtype} "
                            f"(logits or probabilities? take argmax or sample an id first)")
        if ids.size and (ids.min() < 0 or ids.max() >= len(self.chars)):
            raise ValueError(f"CharTokenizer.decode: ids must be in [0, {len(self.chars)}), "
                             f"got min {ids.min()}, max {ids.max()}")
        chars = self.chars
        return "".join(chars[i] for i in ids.tolist())

    def to_config(self) -> dict:
        """JSON-able description stored in checkpoints; tokenizers.from_config reads it back."""
        return {"kind": "char", "chars": self.chars, "unk": self.unk}

    @classmethod
    def from_config(cls, cfg: dict) -> "CharTokenizer":
        if cfg.get("kind", cfg.get("type")) != "char":          # "type": checkpoints written before 2026-12
            raise ValueError(f"CharTokenizer.from_config: not a char tokenizer config: {cfg.get('kind')!r}")
        return cls(cfg["chars"], unk=cfg.get("unk"))

    def __repr__(self):
        return f"CharTokenizer(vocab_size={self.vocab_size})"
