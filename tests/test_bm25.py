"""BM25Okapi: equal to rank_bm25's BM25Okapi on recorded fixtures (rank_bm25 is not imported).

Fixtures: tests/fixtures/bm25/bm25.json, written by record_bm25.py next to it.
Top-n lists: rank_bm25 orders equal scores by np.argsort's unstable sort (CPU-dependent); we break ties
by corpus order. So top-n must match rank_bm25 exactly where its list has no tied scores, and score for
score everywhere.
"""
import json
import math
from pathlib import Path

import numpy as np
import pytest

from tinygrad_lm.retrieval import BM25Okapi

FIX = json.loads((Path(__file__).parent / "fixtures" / "bm25" / "bm25.json").read_text(encoding="utf-8"))


def test_index_equals_rank_bm25():
    assert len(FIX["cases"]) == 9
    for c in FIX["cases"]:
        bm = BM25Okapi(c["corpus"], **c["params"])
        assert bm.avgdl == c["avgdl"], f"{c['name']}: avgdl {bm.avgdl} != {c['avgdl']}"
        assert abs(bm.average_idf - c["average_idf"]) < 1e-12, f"{c['name']}: average idf differs"
        assert list(bm.idf) == list(c["idf"]), f"{c['name']}: vocabulary (or its first-seen order) differs"
        worst = max(c["idf"], key=lambda t: abs(bm.idf[t] - c["idf"][t]))
        assert abs(bm.idf[worst] - c["idf"][worst]) < 1e-12, (
            f"{c['name']}: idf[{worst!r}] = {bm.idf[worst]!r}, rank_bm25 has {c['idf'][worst]!r}; hint: "
            "ln(N - n + 0.5) - ln(n + 0.5), negatives floored to epsilon * (mean of the raw idf)")


def test_scores_equal_rank_bm25():
    checked = 0
    for c in FIX["cases"]:
        bm = BM25Okapi(c["corpus"], **c["params"])
        for q in c["queries"]:
            got, want = bm.get_scores(q["query"]), np.array(q["scores"], dtype=np.float64)
            assert got.shape == want.shape and got.dtype == np.float64
            # rank_bm25 scores an empty document 0/0 = nan when b = 1; there is nothing to match: we give 0
            nan = np.isnan(want)
            assert not nan.any() or c["name"] == "hand_b1_empty_doc_nan"
            assert np.all(got[nan] == 0.0)
            diff = np.abs(got[~nan] - want[~nan])
            assert diff.max(initial=0.0) < 1e-12, (
                f"{c['name']} query {q['query']}: max |diff| {diff.max():.2e} at document "
                f"{int(np.flatnonzero(~nan)[np.argmax(diff)])}")
            batch, want_b = bm.get_batch_scores(q["query"], q["batch_ids"]), np.array(q["batch_scores"])
            assert isinstance(batch, list) and len(batch) == len(q["batch_ids"])
            ok = ~np.isnan(want_b)
            assert np.abs(np.array(batch)[ok] - want_b[ok]).max(initial=0.0) < 1e-12, (
                f"{c['name']} query {q['query']}: get_batch_scores differs for ids {q['batch_ids']}")
            checked += 1
    assert checked == 95


def test_top_n_matches_rank_bm25_up_to_tie_order():
    exact = 0
    for c in FIX["cases"]:
        if c["name"] == "hand_b1_empty_doc_nan":
            continue                         # rank_bm25's argsort puts the nan document first there
        bm = BM25Okapi(c["corpus"], **c["params"])
        docs = [f"doc{i}" for i in range(len(c["corpus"]))]
        for q in c["queries"]:
            scores = np.array(q["scores"])
            for key, n in (("top3", 3), ("top5", 5)):
                want = q[key]
                got = bm.get_top_n(q["query"], docs, n=n)
                ids = [int(d[3:]) for d in got]
                assert list(scores[ids]) == list(scores[want]), (
                    f"{c['name']} query {q['query']} {key}: scores {scores[ids]} vs rank_bm25 {scores[want]}")
                tied = len(set(scores[want])) < n or scores[want[-1]] in np.delete(scores, want)
                if not tied:
                    assert ids == want, f"{c['name']} query {q['query']} {key}: {ids} vs rank_bm25 {want}"
                    exact += 1
                else:                        # our documented tie rule: equal scores keep corpus order
                    for x, y in zip(ids, ids[1:]):
                        assert scores[x] > scores[y] or x < y
    assert exact >= 70, f"only {exact} tie-free top-n lists were compared exactly"


def test_hand_computed_score_and_floors():
    corpus = [["a", "b"], ["a"], ["a", "c", "c"], []]
    bm = BM25Okapi(corpus)
    N, avgdl = 4, 6 / 4
    idf_c = math.log(N - 1 + 0.5) - math.log(1 + 0.5)                   # "c" is in 1 of 4 documents
    K = 1.5 * (1 - 0.75 + 0.75 * 3 / avgdl)
    assert bm.get_scores(["c"])[2] == pytest.approx(idf_c * 2 * 2.5 / (2 + K), rel=1e-15)
    raw = {"a": math.log(1.5) - math.log(3.5), "b": idf_c, "c": idf_c}   # "a" is in 3 of 4: negative idf
    assert bm.idf["a"] == pytest.approx(0.25 * sum(raw.values()) / 3)    # floored to epsilon * mean raw idf
    np.testing.assert_array_equal(bm.get_scores(["zebra"]), np.zeros(4))
    np.testing.assert_array_equal(bm.get_scores([]), np.zeros(4))
    assert bm.get_scores(["c", "c"])[2] == pytest.approx(2 * bm.get_scores(["c"])[2])   # repeated query words
    # ties: documents 0 and 1 do not contain "c" (score 0) and keep corpus order behind document 2
    assert bm.top_n_ids(["c"], n=4).tolist() == [2, 0, 1, 3]
    assert bm.get_top_n(["c"], ["d0", "d1", "d2", "d3"], n=1) == ["d2"]


def test_clear_errors():
    with pytest.raises(TypeError, match="lists of tokens"):
        BM25Okapi(["the cat sat", "the dog"])
    with pytest.raises(TypeError, match="one string"):
        BM25Okapi("the cat sat")
    with pytest.raises(ValueError, match="empty"):
        BM25Okapi([])
    with pytest.raises(ValueError, match="all 2 documents are empty"):
        BM25Okapi([[], []])
    with pytest.raises(ValueError, match="k1"):
        BM25Okapi([["a"]], b=1.5)
    bm = BM25Okapi([["a", "b"], ["b"]])
    with pytest.raises(TypeError, match="the query is a string"):
        bm.get_scores("a b")
    with pytest.raises(ValueError, match="2 documents"):
        bm.get_top_n(["a"], ["only one"])
    with pytest.raises(ValueError, match="doc_ids"):
        bm.get_batch_scores(["a"], [0, 2])
    with pytest.raises(TypeError, match="unhashable"):
        BM25Okapi([[["nested"]]])
