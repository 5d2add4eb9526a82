"""The orderings of solutions/week8/retrieval_rerank_lm.py (the LM reranking experiment) on made-up scores."""
import numpy as np

from solutions.week8.retrieval_rerank_lm import recall, rerank


def test_rerank_orders():
    bm25, pmi = [9.0, 6.0, 3.0], [-5.0, 1.0, 0.0]
    assert list(rerank(bm25, pmi, 0.0)) == [0, 1, 2]             # lam 0 = BM25's order
    assert list(rerank(bm25, pmi, None)) == [1, 2, 0]            # pmi alone
    # bm25/max = [1, .667, .333]; zscore(pmi) = [-1.40, .89, .51]
    assert list(rerank(bm25, pmi, 0.3)) == [1, 0, 2]             # .58, .93, .49
    assert list(rerank(bm25, pmi, 1.0)) == [1, 2, 0]             # -.40, 1.56, .84


def test_recall_counts_a_gold_in_the_first_k():
    orders = [["a", "b", "c"], ["c", "b", "a"]]
    golds = [{"b"}, {"a", "x"}]
    assert recall(orders, golds, ks=(1, 2, 3)) == {1: 0.0, 2: 0.5, 3: 1.0}
    assert np.isclose(recall([["a"]], [set()], ks=(1,))[1], 0.0)   # no gold: never found
