"""The course-assistant question/answer set (week 8): questions about this course and library, each
answered from one passage of the course documents (retrieval/chunker.py ids).

    from tinygrad_lm.datasets.course_assistant import load_course_assistant
    train = load_course_assistant("train")    # [{"id", "question", "answer", "source", "chunk_id", "passage"}]
    test = load_course_assistant("test")      # never trained on

data/course_assistant/pairs.txt is the hand-written source, one pair a line: `chunk id | question | answer`.
`python -m tinygrad_lm.datasets.course_assistant` rebuilds train.jsonl / test.jsonl from it: every chunk id
must exist in the current documents (its passage is stored beside the pair, so the set stays checkable
when the documents change later), then a source-stratified split: per source file, the pairs are
shuffled with random.Random(0) and round(TEST_SHARE * n) of them go to test (a file with one pair
stays in train). Duplicate questions are refused (the same question in train and test would leak).
Does not handle: paraphrased duplicates (checked by eye only), answers drawn from several passages.
"""
import json
import random
import sys
from collections import defaultdict

from ..paths import DATA_DIR

DIR = DATA_DIR / "course_assistant"
TEST_SHARE = 0.25
SPLITS = ("train", "test")


def read_pairs(path=None) -> list:
    """[(chunk_id, question, answer)] from pairs.txt (lines starting with '#' are comments)."""
    path = path or DIR / "pairs.txt"
    out = []
    for n, line in enumerate(open(path, encoding="utf-8").read().split("\n"), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = [p.strip() for p in line.split(" | ")]
        if len(parts) != 3 or not all(parts):
            raise ValueError(f"{path}:{n}: expected 'chunk id | question | answer', got {line[:80]!r}")
        out.append(tuple(parts))
    return out


def build(chunks=None, seed: int = 0) -> dict:
    """{"train": [...], "test": [...]} from pairs.txt and the current chunks (see the module docstring)."""
    from ..retrieval.chunker import course_chunks
    by_id = {c.id: c for c in (chunks if chunks is not None else course_chunks())}
    pairs = read_pairs()
    missing = [cid for cid, _, _ in pairs if cid not in by_id]
    if missing:
        raise ValueError(f"{len(missing)} chunk ids are not in the documents, e.g. {missing[:3]}")
    seen = {}
    for cid, q, _ in pairs:
        if q.lower() in seen:
            raise ValueError(f"duplicate question {q!r} ({seen[q.lower()]} and {cid})")
        seen[q.lower()] = cid
    by_source = defaultdict(list)
    for i, (cid, q, a) in enumerate(pairs):
        c = by_id[cid]
        by_source[c.path].append({"id": f"ca{i:03d}", "question": q, "answer": a, "source": c.path,
                                  "chunk_id": cid, "passage": c.text})
    rng = random.Random(seed)
    split = {"train": [], "test": []}
    for source in sorted(by_source):
        rows = by_source[source][:]
        rng.shuffle(rows)
        k = round(TEST_SHARE * len(rows)) if len(rows) > 1 else 0
        split["test"] += rows[:k]
        split["train"] += rows[k:]
    for s in split.values():
        s.sort(key=lambda r: r["id"])
    return split


def load_course_assistant(split: str = "train") -> list:
    """The rows of data/course_assistant/<split>.jsonl."""
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, got {split!r}")
    path = DIR / f"{split}.jsonl"
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing: run python -m tinygrad_lm.datasets.course_assistant")
    return [json.loads(line) for line in open(path, encoding="utf-8") if line.strip()]


def main(argv=None):
    split = build()
    for name, rows in split.items():
        with open(DIR / f"{name}.jsonl", "w", encoding="utf-8") as f:
            for r in rows:
                f.write(json.dumps(r, ensure_ascii=False) + "\n")
    sources = len({r["source"] for rows in split.values() for r in rows})
    print(f"train {len(split['train'])}  test {len(split['test'])}  ({sources} source files) -> {DIR}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
