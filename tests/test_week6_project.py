"""Smoke tests of the week 6 project (solutions/week6/project.py): the metric table on 10 dialogues, the blind
preview of the harness's screens, piped answers, and the analysis on a tiny synthetic judgement file."""
import io
import json

import pytest

from solutions.week6 import project
from tinygrad_lm import plot
from tinygrad_lm.cli.human_eval import run_pairwise
from tinygrad_lm.course import set_impl
from tinygrad_lm.metrics import RougeScorer, corpus_bleu, read_records
from tinygrad_lm.metrics.human_eval import display_order, load_items, write_jsonl


@pytest.fixture(scope="module")
def small():
    return project.load_systems(limit=10)


def test_metric_table_on_10_dialogues(small):
    test, systems = small
    assert set(systems) == {"finetuned", "scratch", "lead2"} and all(len(v) == 10 for v in systems.values())
    assert systems["lead2"][0].startswith("#Person1# ")              # Lead-2: the tag's colon becomes a space
    res = project.metric_table(test, systems, n_samples=50)
    refs = [t["summaries"][0] for t in test]
    sc = RougeScorer(["rouge1"], use_stemmer=True)
    r1 = sum(100 * sc.score(r, h)["rouge1"].fmeasure for h, r in zip(systems["lead2"], refs)) / 10
    lead = res["systems"]["lead2"]
    assert lead["rouge"]["rouge1"]["mean"] == pytest.approx(r1)
    assert lead["rouge"]["rouge1"]["low"] <= lead["rouge"]["rouge1"]["mid"] <= lead["rouge"]["rouge1"]["high"]
    assert lead["bleu"]["score"] == pytest.approx(corpus_bleu(systems["lead2"], [refs]).score)
    assert lead["bleu"]["low"] <= lead["bleu"]["high"] and "chrf" in lead and 0 < lead["distinct2"]["corpus"] <= 1
    assert len(res["pairs"]) == 3 and {"diff", "lo", "hi", "p"} <= set(res["pairs"][0]["rougeL"])
    md = project.metric_markdown(res)
    assert "| lead2 |" in md and "ROUGE-Lsum" in md and "Paired bootstrap" in md
    set_impl("solutions")                   # --impl: the course's functions beside the library's, same numbers
    try:
        yours = project.yours_metrics(test, systems, res)
    finally:
        set_impl(None)
    for name in systems:
        for m in ("bleu", "chrf"):
            assert yours[name][m][0] == pytest.approx(yours[name][m][1], abs=1e-9)
    mine, lib = yours["paired_bootstrap_rougeL_lead2_finetuned"]
    assert mine["diff"] == pytest.approx(lib["diff"]) and mine["interval"] == pytest.approx(lib["interval"])
    assert mine["p"] == pytest.approx(lib["p"])


def test_tag_as_token_and_sentence_lines():
    assert project.tag_as_token("#Person1# asks #Person2#.") == "Person1 asks Person2."
    assert project.sentence_lines("A b. C d! E") == "A b.\nC d!\nE"


def _items(small, n=6):
    test, systems = small
    return [{"id": t["fname"], "input": t["dialogue"], "outputs": {s: systems[s][i] for s in project.SYSTEMS}}
            for i, t in enumerate(test[:n])]


def test_preview_is_blind_and_matches_the_harness(small, tmp_path):
    items_path, out = tmp_path / "items.jsonl", str(tmp_path / "ann.jsonl")
    write_jsonl(items_path, _items(small, 3))
    screens = project.preview_screens(str(items_path), "ann", out, 4)
    assert screens.count("which is better?") == 5                 # 4 answered + the one shown when input ends
    assert not any(s in screens for s in project.SYSTEMS)         # no system names on screen
    # answer "A" to the 4 previewed screens through the harness: each winner is the left system shown
    run_pairwise(load_items(items_path), out, "ann", stdin=io.StringIO("1\n" * 4), screen=io.StringIO())
    recs = read_records(out)
    assert len(recs) == 4 and all(r["winner"] == r["order"][0] for r in recs)
    first = next(r for r in recs if not r["attention_check"])
    assert tuple(first["order"]) == display_order("ann", first["item"], *first["systems"])
    assert "lead2" not in project.preview_screens(str(items_path), "ann", out, 2)   # resumes after the 4


def _synthetic_records(items):
    """Two annotators: lead2 > finetuned > scratch, annotator b flips one comparison and ties another."""
    rank = {"lead2": 0, "finetuned": 1, "scratch": 2}
    recs, t = [], 0
    for ann in ("a", "b"):
        for k, it in enumerate(items):
            for x, y in (("finetuned", "lead2"), ("finetuned", "scratch"), ("lead2", "scratch")):
                win = min((x, y), key=rank.get)
                if ann == "b" and k == 0 and x == "finetuned" and y == "lead2":
                    win = "finetuned"
                if ann == "b" and k == 1 and y == "scratch" and x == "finetuned":
                    win = "tie"
                t += 1
                recs.append({"task": "pairwise", "item": it["id"], "systems": [x, y], "order": [y, x], "winner": win,
                             "attention_check": False, "annotator": ann, "time": f"2026-12-03T10:00:{t:02d}.000Z"})
    return recs


def test_analysis_on_synthetic_judgements(small, tmp_path):
    items = _items(small)
    set_impl("solutions")
    try:
        res = project.analysis(_synthetic_records(items), items, rounds=30, all_test=False)
    finally:
        set_impl(None)
    st = res["harness"]["pairwise"]
    assert res["yours"]["cohen_kappa"][0] == pytest.approx(res["yours"]["cohen_kappa"][1])
    for s, (mine, lib) in res["yours"]["wilson"].items():
        assert mine == pytest.approx(lib), s
    mine, lib = res["yours"]["bradley_terry"]
    assert {m: pytest.approx(v, abs=1e-3) for m, v in mine.items()} == lib
    assert st["judgements"] == 36
    kappa = st["agreement"]["cohen"][0]
    assert kappa["n"] == 18 and 0.5 < kappa["unweighted"] < 1
    ws = res["win_shares"]
    assert ws["lead2"]["wins"] == 23 and ws["scratch"]["wins"] == 0      # 2 x 12, minus b's flip
    assert res["human_system_score"] == "bradley_terry"
    for m in ("rouge1", "rougeLsum", "bleu", "chrf", "words"):
        il = res["item_level"][m]
        assert il["n"] == 36 and -1 <= il["tau_b"] <= 1
        assert il["agree"] + il["disagree"] + il["metric_ties"] == 35          # 36 judgements, one tie
        assert -1 <= res["system_level"][m]["tau_b_judged"] <= 1
    # human ranking lead2 > finetuned > scratch (Bradley-Terry); chrF on these 6 dialogues ranks them the same
    bt = {s: v["rating"] for s, v in res["harness"]["pairwise"]["ratings"]["bradley_terry"].items()}
    assert bt["lead2"] > bt["finetuned"] > bt["scratch"]
    sl = res["system_level"]                 # on these 6 dialogues ROUGE-L orders them the same; BLEU does not
    assert sl["rougeL"]["judged"]["lead2"] > sl["rougeL"]["judged"]["finetuned"] > sl["rougeL"]["judged"]["scratch"]
    assert sl["rougeL"]["tau_b_judged"] == pytest.approx(1.0)
    assert sl["bleu"]["tau_b_judged"] == pytest.approx(-1 / 3)
    assert res["yours"]["cohen_kappa"][1] == pytest.approx(kappa["unweighted"])
    md = project.analysis_markdown(res)
    assert "Cohen's kappa" in md and "item-level tau-b" in md
    json.dumps(res)                                                            # JSON-ready


def test_chart(small, tmp_path):
    test, systems = small
    metrics = project.metric_table(test, systems, n_samples=20)
    items = _items(small)
    res = project.analysis(_synthetic_records(items), items, rounds=20, all_test=False)
    svg = project.chart(metrics, res, tmp_path / "c.svg")
    assert svg.startswith("<svg") and "human win %" in svg and "lead2" in svg and (tmp_path / "c.svg").exists()
    with pytest.raises(ValueError, match="categories"):
        plot.interval_chart(["a"], {"x": [(1, 0, 2), (2, 1, 3)]})
