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

    APPROACH: counts = [Counter(doc) for doc in corpus]; lengths |d|; avgdl = sum / N.
    n(t) = number of documents whose counter has t (count each document once, however often t occurs
    in it). idf for every term in the corpus; average = mean of those raw idfs; replace the negative
    ones by epsilon * average. Then for each document: score = sum over t in query (repeats included)
    of idf[t] * tf * (k1 + 1) / (tf + k1 * (1 - b + b * |d| / avgdl)), with tf = counts[d][t]
    (terms not in the corpus are skipped).

    EXAMPLE: corpus [["a", "b"], ["b", "c"], ["c", "d"]], query ["a"]: N = 3, n(a) = 1,
             idf(a) = ln(2.5) - ln(1.5) = 0.5108; document 0: 0.5108 * 1 * 2.5 / (1 + 1.5) = 0.5108,
             the others 0

    HINT: the floor uses the mean of ALL terms' idf (before flooring), not only of the query's, and
    n(t) counts documents, not occurrences.
    """
    ### BEGIN SOLUTION
    from collections import Counter
    docs = [list(d) for d in corpus]
    if not docs:
        raise ValueError("bm25_scores: the corpus is empty")
    N = len(docs)
    counts = [Counter(d) for d in docs]
    lengths = np.array([len(d) for d in docs], dtype=np.float64)
    avgdl = lengths.sum() / N
    df = Counter()
    for c in counts:
        df.update(c.keys())
    idf = {t: math.log(N - n + 0.5) - math.log(n + 0.5) for t, n in df.items()}
    average = sum(idf.values()) / len(idf)
    idf = {t: (epsilon * average if v < 0 else v) for t, v in idf.items()}
    K = k1 * (1 - b + b * lengths / avgdl)
    scores = np.zeros(N)
    for t in query:
        if t not in idf:
            continue
        tf = np.array([c[t] for c in counts], dtype=np.float64)
        scores += idf[t] * (tf * (k1 + 1) / (tf + K))
    return scores
    ### END SOLUTION
