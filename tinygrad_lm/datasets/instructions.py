"""Instruction data: LLMs-from-scratch's 1,100 examples (data/instruction_data/) and Dolly rows 10001-15010
(data/dolly_5k/).

Handles: `load_instruction_data(split)` with the book's deterministic split (ch. 7: no shuffle, the first 85%
train, the next 10% test, the remaining 5% validation: 935 / 110 / 55 examples), and `load_dolly()` with the
rows whose passage was lost removed (`lost_context`): every `input` is empty in this file, so an instruction
that refers to a passage ("the passage below", "this text", "based on the reference", ...) cannot be answered
from what is shipped. The filter is the regex given in data/dolly_5k/SOURCE.md.
Records are {"instruction", "input", "output"}.

Does not handle: prompt formatting (Alpaca template) for fine-tuning (week 8), the Dolly category field (lost
upstream), the preference data (not shipped).
"""
import json
import re

from ..paths import DATA_DIR

INSTRUCTION_FILE = DATA_DIR / "instruction_data" / "instruction-data.json"
DOLLY_FILE = DATA_DIR / "dolly_5k" / "dolly_rows10001-15010.jsonl"
SPLITS = ("train", "test", "val")
LOST_CONTEXT = re.compile(r"passage|paragraph|reference text|the text|this text|given text|following text|article|"
                          r"from the text|based on (this|the)|provided|below|above", re.IGNORECASE)


def _need(path):
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing: copy /work/shared/data/{path.parent.name} (with SOURCE.md) "
                                f"into data/")


def split_sizes(n: int) -> tuple:
    """(train, test, val) sizes of the book's split: int(0.85 n), int(0.1 n), the rest."""
    train, test = int(n * 0.85), int(n * 0.1)
    return train, test, n - train - test


def load_instruction_data(split: str = None) -> list:
    """All 1,100 examples (split=None) or one of "train" (935), "test" (110), "val" (55)."""
    if split is not None and split not in SPLITS:
        raise ValueError(f"unknown split {split!r}; use one of {SPLITS} or None for all examples")
    _need(INSTRUCTION_FILE)
    data = json.load(open(INSTRUCTION_FILE, encoding="utf-8"))
    if split is None:
        return data
    n_train, n_test, _ = split_sizes(len(data))
    bounds = {"train": (0, n_train), "test": (n_train, n_train + n_test), "val": (n_train + n_test, len(data))}
    lo, hi = bounds[split]
    return data[lo:hi]


def lost_context(record: dict) -> bool:
    """True if the instruction refers to a passage that this copy of Dolly does not contain."""
    return not record.get("input") and bool(LOST_CONTEXT.search(record["instruction"]))


def load_dolly(keep_lost_context: bool = False) -> list:
    """Dolly rows 10001-15010; by default without the rows whose context was lost (see lost_context)."""
    _need(DOLLY_FILE)
    rows = [json.loads(line) for line in open(DOLLY_FILE, encoding="utf-8") if line.strip()]
    return rows if keep_lost_context else [r for r in rows if not lost_context(r)]
