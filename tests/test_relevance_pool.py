"""solutions/week8/relevance_pool.py: the pooled relevance judgements of the 51 course-assistant test questions.

Checks, on the CURRENT tree (the README is indexed, so editing it can change the pool): every chunk of every
question's pool (CourseBM25() top-10 + the gold passage) has a judgement (looked up by text hash), the
judgements file is well-formed (rubric header, labels, reasons), and `score` reproduces the figures the week 8
README quotes. One index build (~2-4 s).
"""
import json
from pathlib import Path

import pytest

from solutions.week8 import relevance_pool as rp

README = Path(rp.REPO_ROOT) / "exercises" / "week8" / "README.md"


@pytest.fixture(scope="module")
def pooled():
    rows, ranked, golds, bm = rp.pools()
    meta, judged = rp.load_judgements()
    return rows, ranked, golds, bm, meta, judged


def test_judgements_are_well_formed():
    lines = [json.loads(s) for s in open(rp.OUT / "judgements.jsonl", encoding="utf-8") if s.strip()]
    meta = lines[0]["meta"]
    assert "claude-rel6" in meta["annotator"] and "AI agent" in meta["annotator"], "the annotator must be named"
    assert "answer-bearing" in meta["rubric"] and "partial" in meta["rubric"], "rubric header missing"
    for j in lines[1:]:
        assert j["label"] in rp.LABELS, j
        assert len(j["sha"]) == 16 and j["qid"].startswith("ca"), j
        if j["label"] != "not":
            assert j["reason"].strip(), f"{j['qid']} {j['chunk_id']}: a {j['label']} label needs a reason"
    keys = [(j["qid"], j["sha"]) for j in lines[1:]]
    assert len(keys) == len(set(keys)), "a (question, chunk text) pair is judged twice"


def test_every_pooled_chunk_of_the_current_tree_is_judged(pooled):
    rows, ranked, golds, bm, _, judged = pooled
    assert len(rows) == 51
    items = rp.pool_items(rows, ranked, golds, bm.chunks)
    missing = [(it["qid"], it["chunk_id"]) for it in items if (it["qid"], it["sha"]) not in judged]
    assert not missing, (f"{len(missing)} pooled chunks have no judgement, e.g. {missing[:3]}: run "
                         "`python -m solutions.week8.relevance_pool pool`, judge todo.jsonl, then `add`")


def test_score_reproduces_the_readme(pooled):
    rows, ranked, golds, bm, _, judged = pooled
    res = rp.score(judged, rows, ranked, golds, bm.chunks)
    assert res["unjudged_in_top10"] == 0
    readme = README.read_text(encoding="utf-8")
    for line in rp.table(res).splitlines()[2:]:
        assert line in readme, f"the week 8 README does not quote the current score row:\n{line}"
    assert f"{len(res['gold_not_answer_bearing'])} of the 51 gold passages" in readme


def test_score_counts_hits_by_rank():
    class C:
        def __init__(self, i, text):
            self.id, self.text = i, text
    chunks = [C("a", "alpha"), C("b", "beta"), C("c", "gamma")]
    rows = [{"id": "q1"}, {"id": "q2"}]
    judged = {("q1", rp.sha("beta")): {"label": "relevant"}, ("q1", rp.sha("alpha")): {"label": "not"},
              ("q1", rp.sha("gamma")): {"label": "partial"}, ("q2", rp.sha("gamma")): {"label": "not"},
              ("q2", rp.sha("alpha")): {"label": "not"}, ("q2", rp.sha("beta")): {"label": "not"}}
    res = rp.score(judged, rows, [[0, 1, 2], [2, 0, 1]], [{"b"}, {"a"}], chunks)
    assert res["answer_bearing"]["recall"][1] == 0.0 and res["answer_bearing"]["recall"][3] == 0.5
    assert res["answer_bearing"]["mrr"] == pytest.approx(0.25)            # q1: 1/2, q2: 0
    assert res["exact_gold"]["recall"][3] == 1.0
    assert res["gold_not_answer_bearing"] == ["q2"] and res["unjudged_in_top10"] == 0
