"""Load OpenAI GPT-2's tokenizer files (encoder.json + vocab.bpe) into a ByteLevelBPE.

encoder.json maps token strings (in GPT-2's byte-to-unicode alphabet, see bytes_unicode.py) to
ids; vocab.bpe lists the 50,000 merges in rank order ("Ġ t" = merge ' ' + 't'). GPT-2's ids are
256 byte tokens (in the alphabet's order, so byte '!' is id 0, not 33), then merge i = id 256 + i,
then <|endoftext|> = 50256. We check all of that while loading, so a wrong or edited file fails
loudly instead of silently producing different ids.

Handles: loading and consistency checks. Does not handle: downloading (files ship in data/gpt2_bpe).
"""
import json
from pathlib import Path

from .bpe import ByteLevelBPE
from .bytes_unicode import bytes_to_unicode

DEFAULT_DIR = Path(__file__).resolve().parents[2] / "data" / "gpt2_bpe"


def load_gpt2(directory=None) -> ByteLevelBPE:
    """ByteLevelBPE identical to GPT-2's tokenizer (ids match tiktoken's "gpt2" encoding)."""
    directory = Path(directory) if directory is not None else DEFAULT_DIR
    enc_path, bpe_path = directory / "encoder.json", directory / "vocab.bpe"
    for p in (enc_path, bpe_path):
        if not p.is_file():
            raise FileNotFoundError(f"GPT-2 tokenizer file missing: {p} (expected encoder.json and "
                                    f"vocab.bpe in {directory}; see data/gpt2_bpe/SOURCE.md)")
    try:
        encoder = json.loads(enc_path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as e:
        raise ValueError(f"{enc_path}: not valid JSON ({e})") from None
    lines = bpe_path.read_text(encoding="utf-8").split("\n")
    if not lines or not lines[0].startswith("#version"):
        raise ValueError(f"{bpe_path}: first line should be '#version: 0.2', got {lines[0][:40]!r}")
    merge_lines = [ln for ln in lines[1:] if ln]

    b2u = bytes_to_unicode()
    try:
        byte_ids = [encoder[b2u[b]] for b in range(256)]
    except KeyError as e:
        raise ValueError(f"{enc_path}: byte token {e.args[0]!r} is missing") from None
    merges = []
    for i, line in enumerate(merge_lines):
        parts = line.split(" ")
        if len(parts) != 2:
            raise ValueError(f"{bpe_path}: line {i + 2}: expected 'A B', got {line!r}")
        a, b = parts
        try:
            ia, ib, new = encoder[a], encoder[b], encoder[a + b]
        except KeyError as e:
            raise ValueError(f"{bpe_path}: line {i + 2}: token {e.args[0]!r} not in encoder.json") from None
        if new != 256 + i:
            raise ValueError(f"{bpe_path}: line {i + 2}: merge {line!r} makes id {new} in encoder.json, "
                             f"expected {256 + i} (merge ids must follow rank order)")
        merges.append((ia, ib))
    specials = {s: i for s, i in encoder.items() if i >= 256 + len(merges)}
    tok = ByteLevelBPE(merges, pattern="gpt2", special_tokens=specials, byte_ids=byte_ids)
    if len(tok.vocab) != len(encoder):
        raise ValueError(f"{enc_path}: {len(encoder)} entries but merges + bytes + specials give {len(tok.vocab)}")
    return tok
