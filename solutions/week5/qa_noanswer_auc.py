"""Week 5 QA diagnostic: how well does a reader's no-answer probability separate unanswerable questions?

    python -m solutions.week5.qa_noanswer_auc --checkpoint runs/week5/span-qa-samepara/best.safetensors \
        --dev-json runs/week5/span-qa-samepara/dev_squad_v2.json

ROC AUC of na_prob (= sigmoid(null score - best span score), solutions/week5/extractive_qa.py) for the label
"unanswerable": the probability that a random unanswerable question gets a higher na_prob than a random
answerable one (Mann-Whitney U / (n1 n0), ties counted half). 0.5 = no separation, whatever the threshold.
Computed on the held-out training article (answerable + the same-paragraph made-up kinds of
datasets/qa_negatives.py, or --held-kinds written: the questions written against it; each kind alone too) by answering it, and on the dev subset from the na_probs an
earlier `extractive_qa evaluate` wrote (dev is only read, never used to choose anything).
Without --checkpoint it prints only, for the held-out set and dev, the mean number of question content
words absent from the paragraph (qa_features' question feature value 4) and the questions holding
not / never / n't, answerable vs unanswerable: which cues the made-up negatives share with SQuAD 2.0's.
`--impl exercises` answers with YOUR best_span (task 5.11), as extractive_qa.py does.
--needed (with --dev-json): what separation the reader WOULD need. If na_prob were binormal (answerable
~ N(0, 1), unanswerable ~ N(d, 1), AUC = Phi(d / sqrt 2)) and independent of how good the span is, answering
question i exactly when its score is below t gives the expected overall F1
    (n_ans * mean HasAns F1 * Phi(t) + n_unans * Phi(d - t)) / n,
maximised over t (an ORACLE threshold: a bound, not a result). For the reader's own never-abstaining HasAns F1
(and a few better ones) it prints that bound per AUC: the AUC at which overall F1 could reach a goal.
Does not handle: the lexical prior (reader alone).
"""
import argparse
import json
import re
import sys

from statistics import NormalDist

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


def oracle_f1_at_auc(mean_hasans_f1: float, n_ans: int, n_unans: int, auc_value: float) -> float:
    """Best expected overall F1 (0-100) over thresholds t when na scores are binormal with this ROC AUC
    and independent of span quality: max_t (n_ans * F1 * Phi(t) + n_unans * Phi(d - t)) / n, d = sqrt(2)
    Phi^-1(AUC). AUC 0.5 gives max(always abstain, always answer); AUC -> 1 gives n_unans + n_ans F1."""
    if not 0.5 <= auc_value < 1.0:
        raise ValueError(f"oracle_f1_at_auc: auc must be in [0.5, 1), got {auc_value}")
    if not 0.0 <= mean_hasans_f1 <= 1.0:
        raise ValueError(f"oracle_f1_at_auc: mean_hasans_f1 is a fraction in [0, 1], got {mean_hasans_f1}")
    nd = NormalDist()
    d = np.sqrt(2.0) * nd.inv_cdf(auc_value)
    ts = np.linspace(-10.0, d + 10.0, 8001)                      # answer when the score is below t
    cdf = np.vectorize(nd.cdf)
    value = (n_ans * mean_hasans_f1 * cdf(ts) + n_unans * cdf(d - ts)) / (n_ans + n_unans)
    return float(100.0 * value.max())


NEEDED_AUCS = (0.6, 0.63, 0.7, 0.8, 0.9, 0.92, 0.95, 0.99)


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
    p.add_argument("--held-kinds", default=",".join(HELD_KINDS),
                   help="kinds of the held-out unanswerable questions (extractive_qa's --held-neg-kinds, e.g. written)")
    p.add_argument("--needed", action="store_true", help="with --dev-json: the oracle overall F1 bound per AUC "
                   "for the reader's never-abstaining HasAns F1 (no checkpoint needed)")
    p.add_argument("--out", default=None)
    args = p.parse_args(pop_impl(sys.argv[1:] if argv is None else argv))    # --impl exercises: your best_span
    from solutions.week5.extractive_qa import answer_all, data_splits, load_span_qa, parse_kinds
    held_kinds = parse_kinds(p, "--held-kinds", args.held_kinds)
    if args.needed:
        if not args.dev_json:
            p.error("--needed reads the never-abstaining HasAns F1 from --dev-json")
        with open(args.dev_json, encoding="utf-8") as f:
            never = json.load(f)["never_abstain"]
        dev = load_squad_v2_dev()
        n_ans = sum(not r["is_impossible"] for r in dev)
        f1s = (never["HasAns_f1"] / 100.0, 0.3, 0.4, 0.6)
        table = {f"{f:.4f}": {str(a): round(oracle_f1_at_auc(f, n_ans, len(dev) - n_ans, a), 2) for a in NEEDED_AUCS}
                 for f in f1s}
        print(f"oracle overall F1 bound by na_prob AUC (dev: {n_ans} answerable, {len(dev) - n_ans} unanswerable)")
        print("HasAns F1 | " + " | ".join(f"AUC {a}" for a in NEEDED_AUCS))
        for f, row in table.items():
            print(f"{100 * float(f):9.2f} | " + " | ".join(f"{v:8.2f}" for v in row.values()))
        if args.out:
            write_json(args.out, {"dev_json": args.dev_json, "bound": table})
        return 0
    if args.checkpoint is None:
        res = {"held_out": cue_stats(data_splits(200, held_kinds)[2]), "dev": cue_stats(load_squad_v2_dev())}
        print(json.dumps(res, indent=1))
        return 0
    model, tok, cfg = load_span_qa(args.checkpoint)
    targs = argparse.Namespace(**cfg["extractive_qa"])
    _, _, held_all = data_splits(int(getattr(targs, "held_out_limit", 200)), held_kinds)
    _, na = answer_all(model, tok, held_all, int(cfg["sep_id"]), targs, "held-out questions")
    res = {"checkpoint": args.checkpoint, "held_out_auc": auc(na, held_all), "held_out_auc_by_kind": {
        k: auc(na, [r for r in held_all if not r["is_impossible"] or r.get("neg_kind") == k]) for k in held_kinds}}
    if args.dev_json:
        with open(args.dev_json, encoding="utf-8") as f:
            res["dev_auc"] = auc(json.load(f)["na_probs"], load_squad_v2_dev())
    print(json.dumps(res, indent=1))
    if args.out:
        write_json(args.out, res)
    return 0


if __name__ == "__main__":
    sys.exit(main())
