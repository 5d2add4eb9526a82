"""SQuAD v2.0 exact match and F1, re-implemented to give the numbers of the official evaluate-v2.0.py.

Answers are compared after normalize_answer: lower-case; drop every ASCII punctuation character
(string.punctuation); replace the whole words a, an, the by a space; collapse white space.
For one question with gold answers g_1 .. g_k (those that normalize to something non-empty; none
left, i.e. an unanswerable question, means the single gold answer "") and prediction p:

    exact = max_i [normalize(g_i) == normalize(p)]                                   (0 or 1)
    F1    = max_i F1(tokens(g_i), tokens(p)),  tokens = normalize(s).split()
            common = multiset intersection of the two token lists
            P = |common| / |tokens(p)|,  R = |common| / |tokens(g_i)|,  F1 = 2 P R / (P + R)
            if either token list is empty: F1 = 1 if both are empty else 0; if common is empty: 0.

With no-answer probabilities na_probs[qid], a question whose na_prob > na_prob_thresh is treated as
answered "no answer": it scores 1 if it is unanswerable, else 0 (for both metrics). The totals are
percentages: exact = 100 * mean exact over all questions, same for f1; "HasAns_*" and "NoAns_*"
restrict the mean to answerable / unanswerable questions (a split with no questions is left out,
like the script). When na_probs is given, best_exact / best_f1 and their thresholds are added: the
best score over thresholds, predicting "" for every question whose na_prob exceeds the threshold
(the script's find_best_thresh).

Datasets accepted: the official JSON ({"data": [{"paragraphs": [{"qas": [...]}]}]}, or its "data"
list), the shipped flat records of data/squad_v2_dev_subset/qa.jsonl ({"id", "answers": {"text":
[...]}, ...}), or a path to either file.
Differences from the script, all on bad input: a missing prediction (the script prints it and then
crashes in the HasAns/NoAns split), a missing na_prob, a duplicate question id or an empty dataset
raise ValueError naming the problem.
Does not handle: the script's precision-recall plots (--out-image-dir); SQuAD v1.1's script (it
differs only in having no unanswerable questions and no splits).
"""
import collections
import json
import re
import string
from pathlib import Path

_PUNCTUATION = frozenset(string.punctuation)
_ARTICLES = re.compile(r"\b(a|an|the)\b", re.UNICODE)


def normalize_answer(s: str) -> str:
    """Lower-case, remove punctuation, remove articles, fix white space (in the script's order)."""
    s = s.lower()
    s = "".join(ch for ch in s if ch not in _PUNCTUATION)
    s = _ARTICLES.sub(" ", s)
    return " ".join(s.split())


def answer_tokens(s: str) -> list:
    return normalize_answer(s).split() if s else []


def compute_exact(gold: str, pred: str) -> int:
    return int(normalize_answer(gold) == normalize_answer(pred))


def compute_f1(gold: str, pred: str) -> float:
    """Token-overlap F1 of one gold answer and one prediction (see the module docstring)."""
    g, p = answer_tokens(gold), answer_tokens(pred)
    if not g or not p:
        return int(g == p)                       # no-answer on either side: 1 only if both are empty
    same = sum((collections.Counter(g) & collections.Counter(p)).values())
    if same == 0:
        return 0
    precision, recall = 1.0 * same / len(p), 1.0 * same / len(g)
    return (2 * precision * recall) / (precision + recall)


def gold_answers(dataset) -> dict:
    """{qid: [answer texts]} in dataset order (an empty list for an unanswerable question)."""
    if isinstance(dataset, (str, Path)):
        dataset = _load(Path(dataset))
    if isinstance(dataset, dict):
        if "data" not in dataset:
            raise ValueError("squad_v2: a dict dataset must be the official JSON with a 'data' key")
        dataset = dataset["data"]
    out = {}

    def add(qid, texts):
        if qid in out:
            raise ValueError(f"squad_v2: question id {qid!r} occurs twice in the dataset")
        out[qid] = list(texts)

    for item in dataset:
        if "paragraphs" in item:                                    # official: article -> paragraphs -> qas
            for paragraph in item["paragraphs"]:
                for qa in paragraph["qas"]:
                    add(qa["id"], [a["text"] for a in qa["answers"]])
        elif "id" in item and "answers" in item:                    # shipped flat record
            answers = item["answers"]
            add(item["id"], answers["text"] if isinstance(answers, dict) else [a["text"] for a in answers])
        else:
            raise ValueError(f"squad_v2: cannot read dataset item with keys {sorted(item)[:6]}; expected an "
                             f"official article ('paragraphs') or a qa.jsonl record ('id', 'answers')")
    if not out:
        raise ValueError("squad_v2: the dataset has no questions")
    return out


def _load(path: Path):
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".jsonl":
        return [json.loads(line) for line in text.splitlines() if line.strip()]
    return json.loads(text)


def raw_scores(golds: dict, predictions: dict):
    """({qid: exact}, {qid: F1}) before any no-answer threshold, max over the gold answers."""
    missing = [q for q in golds if q not in predictions]
    if missing:
        raise ValueError(f"squad_v2: no prediction for {len(missing)} of {len(golds)} questions "
                         f"(first: {missing[:3]}); predict '' for 'no answer'")
    exact, f1 = {}, {}
    for qid, texts in golds.items():
        pred = predictions[qid]
        if not isinstance(pred, str):
            raise TypeError(f"squad_v2: prediction for {qid!r} must be a str, got {type(pred).__name__}")
        gold = [t for t in texts if normalize_answer(t)] or [""]
        exact[qid] = max(compute_exact(g, pred) for g in gold)
        f1[qid] = max(compute_f1(g, pred) for g in gold)
    return exact, f1


def apply_no_answer_threshold(scores: dict, na_probs: dict, has_answer: dict, thresh: float) -> dict:
    """na_prob > thresh -> the question counts as answered "no answer" (1.0 if unanswerable, else 0.0)."""
    return {q: float(not has_answer[q]) if na_probs[q] > thresh else s for q, s in scores.items()}


def _mean_dict(exact: dict, f1: dict, qids: list) -> dict:
    n = len(qids)
    return {"exact": 100.0 * sum(exact[q] for q in qids) / n, "f1": 100.0 * sum(f1[q] for q in qids) / n,
            "total": n}


def best_threshold(predictions: dict, scores: dict, na_probs: dict, has_answer: dict):
    """(best score in %, its threshold): sweep questions by increasing na_prob (the script's find_best_thresh).

    Start from "every question is predicted no-answer" (score = number of unanswerable questions);
    un-abstaining on question q adds its score if answerable, -1 if unanswerable and the prediction
    is non-empty, 0 if the prediction is "".
    """
    current = best = sum(1 for q in has_answer if not has_answer[q])
    thresh = 0.0
    for q in sorted(na_probs, key=lambda k: na_probs[k]):
        if q not in scores:
            continue
        current += scores[q] if has_answer[q] else (-1 if predictions[q] else 0)
        if current > best:
            best, thresh = current, na_probs[q]
    return 100.0 * best / len(scores), thresh


def squad_v2(dataset, predictions: dict, na_probs: dict = None, na_prob_thresh: float = 1.0) -> dict:
    """{exact, f1, total, HasAns_exact, HasAns_f1, HasAns_total, NoAns_exact, NoAns_f1, NoAns_total}
    (+ best_exact, best_exact_thresh, best_f1, best_f1_thresh when na_probs is given); scores in %.

    predictions: {qid: answer text, "" for no answer}; na_probs: {qid: P(no answer)} or None (all 0).
    """
    if not isinstance(predictions, dict):
        raise TypeError(f"squad_v2: predictions must be a dict {{question id: answer text}}, "
                        f"got {type(predictions).__name__}")
    golds = gold_answers(dataset)
    has_answer = {q: bool(texts) for q, texts in golds.items()}
    exact_raw, f1_raw = raw_scores(golds, predictions)
    probs = na_probs if na_probs is not None else {q: 0.0 for q in predictions}
    missing = [q for q in golds if q not in probs]
    if missing:
        raise ValueError(f"squad_v2: na_probs has no entry for {len(missing)} questions (first: {missing[:3]})")
    exact = apply_no_answer_threshold(exact_raw, probs, has_answer, na_prob_thresh)
    f1 = apply_no_answer_threshold(f1_raw, probs, has_answer, na_prob_thresh)
    out = _mean_dict(exact, f1, list(exact))
    for prefix, qids in (("HasAns", [q for q in golds if has_answer[q]]),
                         ("NoAns", [q for q in golds if not has_answer[q]])):
        if qids:
            out.update({f"{prefix}_{k}": v for k, v in _mean_dict(exact, f1, qids).items()})
    if na_probs is not None:
        out["best_exact"], out["best_exact_thresh"] = best_threshold(predictions, exact_raw, na_probs, has_answer)
        out["best_f1"], out["best_f1_thresh"] = best_threshold(predictions, f1_raw, na_probs, has_answer)
    return out
