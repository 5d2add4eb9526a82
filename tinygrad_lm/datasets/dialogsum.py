"""DialogSum (dialogue summarization, data/dialogsum/): train/dev/test records and the DailyDialog overlap.

Handles: `load_dialogsum(split)` for "train" (12,460 dialogues in four part files, one `summary` each),
"dev" (500, one `summary`) and "test" (500, three references `summary1..3`), each record a dict with
`fname`, `dialogue` (turns joined by "\\n", speakers written "#Person1#:"), `summaries` (list of str) and
`topics`; `dialogue_turns(text)` (speaker tags removed) and `overlap_key(turns)`, the key data/dialogsum/SOURCE.md
uses to find dialogues shared with DailyDialog: the first two turns, lowercased, non-alphanumerics removed.
`overlapping(records, keys)` returns the records whose key is in a set of keys.

Does not handle: ROUGE / evaluation (see metrics/), fuzzy matching beyond the first two turns (a
dialogue that DialogSum edited in its first two turns is not detected).
"""
import json
import re

from ..paths import DATA_DIR

SPLITS = ("train", "dev", "test")
TRAIN_PARTS = 4
_SPEAKER = re.compile(r"^\s*#Person\d+#\s*:\s*")
_NON_ALNUM = re.compile(r"[^0-9a-z]+")


def _files(split):
    folder = DATA_DIR / "dialogsum"
    if split == "train":
        return [folder / f"dialogsum.train.part{i:02d}.jsonl" for i in range(TRAIN_PARTS)]
    return [folder / f"dialogsum.{split}.jsonl"]


def load_dialogsum(split: str) -> list:
    """-> list of {"fname", "dialogue", "summaries": [str, ...], "topics": [str, ...]} in file order."""
    if split not in SPLITS:
        raise ValueError(f"unknown DialogSum split {split!r}; use one of {SPLITS}")
    out = []
    for path in _files(split):
        if not path.exists():
            raise FileNotFoundError(f"{path} is missing: copy /work/shared/data/dialogsum (with SOURCE.md) "
                                    f"into data/dialogsum/")
        for line in open(path, encoding="utf-8"):
            if not line.strip():
                continue
            r = json.loads(line)
            if "summary" in r:
                summaries, topics = [r["summary"]], [r.get("topic", "")]
            else:                                              # test: summary1..3 / topic1..3
                summaries = [r[f"summary{i}"] for i in (1, 2, 3)]
                topics = [r[f"topic{i}"] for i in (1, 2, 3)]
            out.append({"fname": r["fname"], "dialogue": r["dialogue"], "summaries": summaries, "topics": topics})
    return out


def dialogue_turns(dialogue: str) -> list:
    """'#Person1#: Hi.\\n#Person2#: Hello.' -> ['Hi.', 'Hello.'] (empty lines dropped)."""
    return [_SPEAKER.sub("", t).strip() for t in dialogue.split("\n") if t.strip()]


def normalize_turn(text: str) -> str:
    """Lowercase and drop everything that is not [0-9a-z]: 'I ' m fine .' and "I'm fine." agree."""
    return _NON_ALNUM.sub("", text.lower())


def overlap_key(turns) -> str:
    """The first two turns, normalized and joined by '|' (the DialogSum/DailyDialog matching rule)."""
    if len(turns) == 0:
        raise ValueError("a dialogue with no turns has no overlap key")
    return "|".join(normalize_turn(t) for t in list(turns)[:2])


def record_key(record: dict) -> str:
    """overlap_key of a DialogSum record."""
    return overlap_key(dialogue_turns(record["dialogue"]))


def overlapping(records, keys) -> list:
    """The DialogSum records whose first-two-turn key is in `keys` (a set of overlap_key values)."""
    keys = set(keys)
    return [r for r in records if record_key(r) in keys]
