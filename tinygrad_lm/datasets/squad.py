"""SQuAD records: the v1.1 TRAIN subset (data/squad_v1_train_subset/) and the v2.0 DEV subset (data/squad_v2_dev_subset/).

Handles: `load_squad_v1_train()` and `load_squad_v2_dev()`, both returning flat question records
{"id", "title", "paragraph_index", "context", "question", "answers": {"text": [...], "answer_start": [...]},
"is_impossible"} (v1.1 has no unanswerable questions, so is_impossible is always False there), and
`paragraphs(records)`, the distinct contexts in first-seen order with their titles.

Does not handle: the full SQuAD files (not shipped), plausible_answers of unanswerable v2 questions (dropped
upstream), answer normalization / EM-F1 (see metrics/).
"""
import json

from ..paths import DATA_DIR

V1_FILE = DATA_DIR / "squad_v1_train_subset" / "squad_v1.1_train_first12articles.json"
V2_FILE = DATA_DIR / "squad_v2_dev_subset" / "qa.jsonl"


def _need(path):
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing: copy /work/shared/data/{path.parent.name} (with SOURCE.md) "
                                f"into data/")


def load_squad_v1_train() -> list:
    """The 4,370 questions of the first 12 SQuAD v1.1 train articles, flattened in file order."""
    _need(V1_FILE)
    data = json.load(open(V1_FILE, encoding="utf-8"))["data"]
    out = []
    for article in data:
        for pi, para in enumerate(article["paragraphs"]):
            for qa in para["qas"]:
                out.append({"id": qa["id"], "title": article["title"], "paragraph_index": pi,
                            "context": para["context"], "question": qa["question"],
                            "answers": {"text": [a["text"] for a in qa["answers"]],
                                        "answer_start": [a["answer_start"] for a in qa["answers"]]},
                            "is_impossible": False})
    return out


def load_squad_v2_dev() -> list:
    """The 1,407 questions (705 answerable, 702 unanswerable) of the SQuAD 2.0 dev subset, in file order."""
    _need(V2_FILE)
    return [json.loads(line) for line in open(V2_FILE, encoding="utf-8") if line.strip()]


def paragraphs(records) -> list:
    """Distinct (title, context) pairs in first-seen order."""
    seen, out = set(), []
    for r in records:
        if r["context"] not in seen:
            seen.add(r["context"])
            out.append((r["title"], r["context"]))
    return out
