"""SQuAD v2.0 metric (tinygrad_lm.metrics.squad), the official evaluate-v2.0.py semantics: hand-computed cases,
the no-answer threshold and best-threshold sweep, and the always-no-answer baseline on the shipped dev subset
(its F1 must equal the unanswerable fraction, 702 / 1407)."""
import json

import pytest

from tinygrad_lm.metrics import squad_v2
from tinygrad_lm.metrics.squad import compute_exact, compute_f1, normalize_answer
from tinygrad_lm.paths import DATA_DIR

SUBSET = DATA_DIR / "squad_v2_dev_subset" / "qa.jsonl"


def _official(qas):
    """A one-article official-format dataset from [(id, [answer texts])]."""
    return {"version": "v2.0", "data": [{"title": "T", "paragraphs": [{"context": "c", "qas": [
        {"id": q, "question": "?", "answers": [{"text": t, "answer_start": 0} for t in a],
         "is_impossible": not a} for q, a in qas]}]}]}


DATA = _official([("q1", ["Denver Broncos", "Broncos"]), ("q2", ["in 1066"]), ("q3", []), ("q4", [])])
PREDS = {"q1": "the Broncos", "q2": "1066 AD", "q3": "", "q4": "Paris"}


@pytest.mark.parametrize("text,norm", [("The  Cat's hat!", "cats hat"), ("an apple a day", "apple day"),
                                       ("Theater", "theater"), ("Café, S.A.", "café sa"), ("  ", ""),
                                       ("the", ""), ("A-ha", "aha")])
def test_normalize_answer(text, norm):
    assert normalize_answer(text) == norm


def test_exact_and_f1_by_hand():
    assert compute_exact("The Broncos", "broncos.") == 1
    assert compute_f1("the cat sat", "cat sat down") == pytest.approx(0.8)    # P = 2/3, R = 1
    assert compute_f1("in 1066", "1066 AD") == 0.5                            # P = R = 1/2
    assert compute_f1("", "") == 1 and compute_f1("", "a thing") == 0 and compute_f1("x", "") == 0
    assert compute_f1("x b b", "b b b") == pytest.approx(2 / 3)               # common = {b: 2}
    assert compute_f1("a b b", "b b b") == pytest.approx(0.8), "the article a is removed: gold = [b, b]"


def test_hand_computed_dataset():
    # q1: exact 1, F1 1 (max over golds); q2: 0, 0.5; q3 (no answer, ""): 1, 1; q4 (no answer, "Paris"): 0, 0
    got = squad_v2(DATA, PREDS)
    assert got == {"exact": 50.0, "f1": 62.5, "total": 4, "HasAns_exact": 50.0, "HasAns_f1": 75.0,
                   "HasAns_total": 2, "NoAns_exact": 50.0, "NoAns_f1": 50.0, "NoAns_total": 2}, got


def test_no_answer_threshold_and_best_threshold():
    probs = {"q1": 0.1, "q2": 0.9, "q3": 0.8, "q4": 0.7}
    got = squad_v2(DATA, PREDS, na_probs=probs, na_prob_thresh=0.5)
    # above 0.5: q2 (answerable -> 0), q3 and q4 (unanswerable -> 1); q1 keeps its 1
    assert (got["exact"], got["f1"], got["HasAns_f1"], got["NoAns_f1"]) == (75.0, 75.0, 50.0, 100.0), got
    # sweep: all abstain = 2 right; +q1 -> 3 (thresh 0.1); +q4 "Paris" -> 2; +q3 "" -> 2; +q2 -> 2.5 (F1) / 2
    assert (got["best_exact"], got["best_exact_thresh"], got["best_f1"], got["best_f1_thresh"]) == (75.0, 0.1, 75.0, 0.1)
    default = squad_v2(DATA, PREDS, na_probs=probs)                         # thresh 1.0: nothing abstains
    assert default["f1"] == 62.5 and "best_f1" in default and "best_f1" not in squad_v2(DATA, PREDS)


@pytest.fixture(scope="module")
def subset():
    return [json.loads(line) for line in SUBSET.read_text(encoding="utf-8").splitlines()]


def test_always_no_answer_baseline_equals_unanswerable_fraction(subset):
    got = squad_v2(subset, {r["id"]: "" for r in subset})
    n_no = sum(1 for r in subset if not r["answers"]["text"])
    assert (len(subset), n_no) == (1407, 702)
    assert got["f1"] == got["exact"] == 100.0 * n_no / len(subset), got
    assert (got["HasAns_f1"], got["NoAns_f1"], got["HasAns_total"], got["NoAns_total"]) == (0.0, 100.0, 705, 702)


def test_gold_predictions_score_100_and_all_dataset_forms_agree(subset):
    preds = {r["id"]: (r["answers"]["text"][0] if r["answers"]["text"] else "") for r in subset}
    assert squad_v2(SUBSET, preds)["f1"] == 100.0
    preds = {r["id"]: r["context"][:30] for r in subset}                    # some partial overlaps
    articles = {}
    for r in subset:
        qas = articles.setdefault(r["title"], {}).setdefault(r["paragraph_index"], [])
        qas.append({"id": r["id"], "answers": [{"text": t} for t in r["answers"]["text"]]})
    official = {"data": [{"paragraphs": [{"qas": q} for q in ps.values()]} for ps in articles.values()]}
    a, b, c = squad_v2(subset, preds), squad_v2(official, preds), squad_v2(str(SUBSET), preds)
    assert a == b == c and 0 < a["HasAns_f1"] < 100


def test_bad_input_is_rejected_clearly():
    with pytest.raises(ValueError, match="no prediction for 1 of 4"):
        squad_v2(DATA, {k: v for k, v in PREDS.items() if k != "q2"})
    with pytest.raises(ValueError, match="na_probs has no entry"):
        squad_v2(DATA, PREDS, na_probs={"q1": 0.5})
    with pytest.raises(ValueError, match="occurs twice"):
        squad_v2([{"id": "x", "answers": {"text": []}}] * 2, {"x": ""})
    with pytest.raises(TypeError, match="must be a str"):
        squad_v2(DATA, {**PREDS, "q1": None})
    with pytest.raises(TypeError, match="predictions must be a dict"):
        squad_v2(DATA, list(PREDS.values()))
