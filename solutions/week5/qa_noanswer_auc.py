"""Week 5 QA diagnostic: how well does a reader's no-answer probability separate unanswerable questions?

    python -m solutions.week5.qa_noanswer_auc --checkpoint runs/week5/span-qa-samepara/best.safetensors \
        --dev-json runs/week5/span-qa-samepara/dev_squad_v2.json

ROC AUC of na_prob (= sigmoid(null score - best span score), solutions/week5/extractive_qa.py) for the label
"unanswerable": the probability that a random unanswerable question gets a higher na_prob than a random
answerable one (Mann-Whitney U / (n1 n0), ties counted half). 0.5 = no separation, whatever the threshold.
Computed on the held-out training article (answerable + the same-paragraph made-up kinds of
datasets/qa_negatives.py, each kind alone too) by answering it, and on the dev subset from the na_probs an
earlier `extractive_qa evaluate` wrote (dev is only read, never used to choose anything).
Without --checkpoint it prints only, for the held-out set and dev, the mean number of question content
words absent from the paragraph (qa_features' question feature value 4) and the questions holding
not / never / n't, answerable vs unanswerable: which cues the made-up negatives share with SQuAD 2.0's.
`--impl exercises` answers with YOUR best_span (task 5.11), as extractive_qa.py does.
Does not handle: the lexical prior (reader alone).
"""
import argparse
import json
import re
import sys

import numpy as np

from tinygrad_lm.course.proxy import pop_impl
from tinygrad_lm.datasets.qa_features import question_word_match
from tinygrad_lm.datasets.squad import load_squad_v2_dev
from tinygrad_lm.training.loop import write_json

HELD_KINDS = ("entity", "negation", "antonym")


def auc(na: dict, records) -> float:
    """ROC AUC of na[id] for r["is_impossible"] over records (average ranks on ties)."""
    y = np.array([bool(r["is_impossible"]) for r in records])
    s = np.array([float(na[r["id"]]) for r in records])
    n1, n0 = int(y.sum()), int((~y).sum())
    if n1 == 0 or n0 == 0:
        raise ValueError(f"auc needs both answerable and unanswerable records, got {n0} and {n1}")
    _, inv, counts = np.unique(s, return_inverse=True, return_counts=True)
    first = np.concatenate([[0], np.cumsum(counts)[:-1]])
    ranks = (first + (counts + 1) / 2.0)[inv]                     # 1-based average ranks
    return float((ranks[y].sum() - n1 * (n1 + 1) / 2.0) / (n1 * n0))


NEGATION = re.compile(r"\b(not|never|n't)\b", re.IGNORECASE)


def absent_words(question: str, context: str) -> int:
    """Question content words whose lowercase form and Porter stem are both absent from the paragraph
    (qa_features' question feature, value 4)."""
    return int((question_word_match(question, context)[1] == 4).sum())


def cue_stats(records) -> dict:
    """{answerable|unanswerable: {n, mean absent content words, questions with a negation word}}."""
    out = {}
    for name, imp in (("answerable", False), ("unanswerable", True)):
        rs = [r for r in records if bool(r["is_impossible"]) == imp]
        out[name] = {"n": len(rs), "mean_absent_content_words":
                     round(float(np.mean([absent_words(r["question"], r["context"]) for r in rs])), 2),
                     "with_negation_word": sum(bool(NEGATION.search(r["question"])) for r in rs)}
    return out


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m solutions.week5.qa_noanswer_auc")
    p.add_argument("--checkpoint", default=None, help="an `extractive_qa train` checkpoint (none: cue statistics)")
    p.add_argument("--dev-json", default=None, help="its `extractive_qa evaluate` output (na_probs on dev)")
    p.add_argument("--out", default=None)
    args = p.parse_args(pop_impl(sys.argv[1:] if argv is None else argv))    # --impl exercises: your best_span
    from solutions.week5.extractive_qa import answer_all, data_splits, load_span_qa
    if args.checkpoint is None:
        res = {"held_out": cue_stats(data_splits(200, HELD_KINDS)[2]), "dev": cue_stats(load_squad_v2_dev())}
        print(json.dumps(res, indent=1))
        return 0
    model, tok, cfg = load_span_qa(args.checkpoint)
    targs = argparse.Namespace(**cfg["extractive_qa"])
    _, _, held_all = data_splits(int(getattr(targs, "held_out_limit", 200)), HELD_KINDS)
    _, na = answer_all(model, tok, held_all, int(cfg["sep_id"]), targs, "held-out questions")
    res = {"checkpoint": args.checkpoint, "held_out_auc": auc(na, held_all), "held_out_auc_by_kind": {
        k: auc(na, [r for r in held_all if not r["is_impossible"] or r.get("neg_kind") == k]) for k in HELD_KINDS}}
    if args.dev_json:
        with open(args.dev_json, encoding="utf-8") as f:
            res["dev_auc"] = auc(json.load(f)["na_probs"], load_squad_v2_dev())
    print(json.dumps(res, indent=1))
    if args.out:
        write_json(args.out, res)
    return 0


if __name__ == "__main__":
    sys.exit(main())
