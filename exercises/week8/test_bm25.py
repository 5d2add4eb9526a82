"""Week 8 autograder: BM25 scores (task 8.3), compared with tinygrad_lm/retrieval/bm25.py (= rank_bm25's BM25Okapi,
checked to the last bit on fixtures recorded with rank_bm25: tests/test_bm25.py)."""
import json
import math
from pathlib import Path

import numpy as np
import pytest

from tinygrad_lm.course import assert_close, load
from tinygrad_lm.retrieval import BM25Okapi

mod = load("week8.bm25")
FIX = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "bm25" / "bm25.json"


def _scores(corpus, query, **kw):
    try:
        return np.asarray(mod.bm25_scores(corpus, query, **kw), dtype=np.float64)
    except ValueError as e:
        if "math domain" in str(e):
            pytest.fail("bm25_scores: log of a negative number: n(t) must count DOCUMENTS containing t (at most N), "
                        "not occurrences of t")
        raise


@pytest.mark.task("8.3", points=3, title="bm25_scores: Okapi BM25 as rank_bm25 computes it")
def test_worked_example_and_typical_mistakes():
    corpus = [["a", "b"], ["b", "c"], ["c", "d"]]
    assert_close(_scores(corpus, ["a"]), [math.log(2.5) - math.log(1.5), 0, 0], atol=1e-12,
                 name="bm25_scores(3 documents, ['a'])")
    # "the" is in 3 of 4 documents: negative idf, floored to epsilon * mean idf
    corpus = [["the", "cat", "sat"], ["the", "dog"], ["the", "cat", "cat", "ran"], ["a", "bird"]]
    want = BM25Okapi(corpus).get_scores(["the", "dog", "dog"])
    got = _scores(corpus, ["the", "dog", "dog"])
    once = BM25Okapi(corpus).get_scores(["the", "dog"])
    if np.allclose(got, once):
        pytest.fail("a word repeated in the query must count once per occurrence (as rank_bm25 does): "
                    "do not turn the query into a set")
    assert_close(got, want, atol=1e-12, name="bm25_scores with a floored idf",
                 hint="idf < 0 -> epsilon * (mean of ALL terms' raw idf); n(t) counts documents, not occurrences")


@pytest.mark.task("8.3", points=3, title="bm25_scores: Okapi BM25 as rank_bm25 computes it")
def test_equals_the_library_and_rank_bm25():
    rng = np.random.default_rng(0)
    words = [f"w{i}" for i in range(12)]
    for _ in range(30):
        corpus = [list(rng.choice(words, size=int(rng.integers(1, 15)))) for _ in range(int(rng.integers(2, 12)))]
        query = list(rng.choice(words + ["unseen"], size=int(rng.integers(1, 5))))
        k1, b = float(rng.uniform(0.5, 2.0)), float(rng.uniform(0, 1))
        assert_close(_scores(corpus, query, k1=k1, b=b), BM25Okapi(corpus, k1=k1, b=b).get_scores(query),
                     atol=1e-10, name=f"bm25_scores on a random corpus of {len(corpus)} documents (k1={k1:.2f}, b={b:.2f})")
    fix = json.loads(FIX.read_text(encoding="utf-8"))
    for case in fix["cases"]:
        if case["name"] == "hand_b1_empty_doc_nan" or not all(case["corpus"]):
            continue
        for q in case["queries"][:3]:
            want = np.array(q["scores"], dtype=np.float64)
            assert_close(_scores(case["corpus"], q["query"], **case["params"]), want, atol=1e-9,
                         name=f"bm25_scores vs rank_bm25 ({case['name']}, query {q['query'][:4]})")
    with pytest.raises(ValueError):
        mod.bm25_scores([], ["a"])
