# Generated from solutions/week8/bm25.py by `tglm course build`: fill in the parts that raise NotImplementedError.
# Your edits are safe: the build refuses to overwrite this file unless --force; the reference is solutions/week8/bm25.py.
"""Week 8: BM25 (Robertson et al. 1994, Okapi), the ranking function of search engines, as rank_bm25's BM25Okapi.

A question and the course passages are bags of words; BM25 scores each passage by the query words it
contains, weighting a word by how rare it is (idf) and saturating how often it occurs (k1), with
long passages penalised (b):

    idf(t)      = ln(N - n(t) + 0.5) - ln(n(t) + 0.5)        n(t) = documents containing t, N documents
                  if idf(t) < 0 (t in more than half the documents): idf(t) = epsilon * mean_t idf(t)
                  (the mean over EVERY term of the corpus, negative ones included, before flooring)
    K(d)        = k1 (1 - b + b |d| / avgdl)                 |d| words in document d, avgdl their mean
    score(q, d) = sum over the words t of q:  idf(t) tf(t, d) (k1 + 1) / (tf(t, d) + K(d))

A word repeated in the query counts once per occurrence (as in rank_bm25); a word the corpus never saw adds 0.
Legend: N documents, V distinct terms. Library version (an inverted index, top-n, batch scores, equal
to rank_bm25 to the last bit on recorded fixtures): tinygrad_lm/retrieval/bm25.py.
"""
import math

import numpy as np


def bm25_scores(corpus, query, k1=1.5, b=0.75, epsilon=0.25):
    """Task 8.3: the BM25Okapi score of every document for the query: float64 array (N,).

    TODO: corpus: a list of N documents, each a list of tokens (strings); query: a list of tokens.
    Compute idf with rank_bm25's floor (above), then the score of each document. Raise ValueError for
    an empty corpus.

    APPROACH: stuck? `tglm hint 8.3` shows the approach one step at a time.

    EXAMPLE: corpus [["a", "b"], ["b", "c"], ["c", "d"]], query ["a"]: N = 3, n(a) = 1,
             idf(a) = ln(2.5) - ln(1.5) = 0.5108; document 0: 0.5108 * 1 * 2.5 / (1 + 1.5) = 0.5108,
             the others 0

    HINT: the floor uses the mean of ALL terms' idf (before flooring), not only of the query's, and
    n(t) counts documents, not occurrences.
    """
    raise NotImplementedError("Week 8, task 8.3: the BM25Okapi score of every document for the query: float64 array (N,).")
