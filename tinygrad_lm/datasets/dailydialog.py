"""DailyDialog (data/dailydialog/): the validation and test dialogues as records and as plain text.

Handles: `load_dailydialog(split)` for "validation" / "test" (1,000 dialogues each; the official train split is
not shipped), `detokenize_turn` (DailyDialog writes "I ' m fine ." -> "I'm fine."; the same rules as the week-4
fine-tuning project), `dialogue_text(record, lowercase, speakers)` ("A: ...\\nB: ..."), and `dailydialog_key`, the
first-two-turn key shared with datasets/dialogsum.py to find dialogues that also appear in DialogSum.

Does not handle: emotion / act classification targets (kept in the records, unused here), the train split.
"""
import json
import re

from ..paths import DATA_DIR
from .dialogsum import overlap_key

SPLITS = ("validation", "test")


def load_dailydialog(split: str) -> list:
    """-> list of {"id", "topic", "turns": [{"speaker", "text", "emotion", "act"}, ...]} in file order."""
    if split not in SPLITS:
        raise ValueError(f"unknown DailyDialog split {split!r}; use one of {SPLITS} (train is not shipped)")
    path = DATA_DIR / "dailydialog" / f"{split}.jsonl"
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing: copy /work/shared/data/dailydialog (with SOURCE.md) into data/")
    return [json.loads(line) for line in open(path, encoding="utf-8") if line.strip()]


def detokenize_turn(text: str) -> str:
    """Undo DailyDialog's spaced punctuation: 'sir .' -> 'sir.', "I ' m" -> "I'm", "do n't" -> "don't"."""
    t = re.sub(r" ([,.?!;:%])", r"\1", text.strip())
    t = re.sub(r" ([’']) ?", r"\1", t).replace(" n't", "n't")
    return t


def dialogue_text(record: dict, lowercase: bool = False, speakers=("A: ", "B: ")) -> str:
    """A dialogue as alternating speaker lines, punctuation detokenized."""
    lines = [speakers[i % 2] + detokenize_turn(t["text"]) for i, t in enumerate(record["turns"])]
    text = "\n".join(lines)
    return text.lower() if lowercase else text


def dailydialog_key(record: dict) -> str:
    """The first-two-turn overlap key (see dialogsum.overlap_key) of a DailyDialog record."""
    return overlap_key([t["text"] for t in record["turns"]])
