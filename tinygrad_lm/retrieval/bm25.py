"""BM25 (Okapi) ranking over an inverted index, equal to rank_bm25's BM25Okapi (week 8).

Handles: a corpus of token lists (tokenize first: any hashable tokens), the Okapi/ATIRE idf with
rank_bm25's floor for words in more than half the documents, document-length normalisation, scores
for all or some documents, top-n documents with a documented tie order, empty documents, query words
the corpus never saw, repeated query words (each occurrence counts, as in rank_bm25).

Does not handle: tokenisation (rank_bm25's tokenizer= argument and its process pool), BM25L / BM25+,
query-term frequency saturation (k3), adding documents after construction, dense retrieval.

Legend: N documents, |d| length of document d in tokens, avgdl the mean |d|, n(t) the number of
documents containing term t, tf(t, d) how often t occurs in d.
    idf(t)      = ln(N - n(t) + 0.5) - ln(n(t) + 0.5)              negative when n(t) > N / 2 ...
                  -> epsilon * mean_t idf(t)  if idf(t) < 0          ... so floored (mean over all terms)
    K(d)        = k1 (1 - b + b |d| / avgdl)                          length normalisation (N,)
    score(q, d) = sum_{t in q} idf(t) tf(t, d) (k1 + 1) / (tf(t, d) + K(d))
The floats are computed in rank_bm25's order of operations, so scores agree to the last bit.
"""
import math

import numpy as np


def _token_list(doc, what: str) -> list:
    if isinstance(doc, (str, bytes)):
        raise TypeError(f"{what} is a string ({doc[:40]!r}); BM25Okapi wants lists of tokens, e.g. "
                        "[doc.lower().split() for doc in corpus] and query.lower().split()")
    try:
        return list(doc)
    except TypeError:
        raise TypeError(f"{what} is a {type(doc).__name__}, not a list of tokens") from None


class BM25Okapi:
    """BM25Okapi(tokenized_corpus, k1=1.5, b=0.75, epsilon=0.25).

    k1 > 0: how fast repeated terms saturate (k1 -> 0 counts only presence); b in [0, 1]: how strongly
    long documents are penalised (b = 0: not at all); epsilon: the idf floor for very common words,
    as a fraction of the average idf.
    """

    def __init__(self, tokenized_corpus, k1: float = 1.5, b: float = 0.75, epsilon: float = 0.25):
        if isinstance(tokenized_corpus, (str, bytes)):
            raise TypeError("tokenized_corpus is one string; give a list of documents, each a list of tokens")
        docs = [_token_list(d, f"document {i}") for i, d in enumerate(tokenized_corpus)]
        if not docs:
            raise ValueError("the corpus is empty: BM25 needs at least one document")
        if not k1 > 0 or not 0 <= b <= 1:
            raise ValueError(f"need k1 > 0 and 0 <= b <= 1, got k1={k1}, b={b}")
        self.k1, self.b, self.epsilon = k1, b, epsilon
        self.corpus_size = N = len(docs)
        self.doc_len = np.array([len(d) for d in docs], dtype=np.int64)          # (N,)
        if self.doc_len.sum() == 0:
            raise ValueError(f"all {N} documents are empty: there is no vocabulary to score against")
        self.avgdl = int(self.doc_len.sum()) / N

        # Inverted index: term -> (ids of the documents containing it, its count in each). Terms are
        # kept in first-seen order, which fixes the order of the idf sum below (as in rank_bm25).
        postings = {}
        for i, doc in enumerate(docs):
            counts = {}
            try:
                for tok in doc:
                    counts[tok] = counts.get(tok, 0) + 1
            except TypeError:
                raise TypeError(f"document {i} has an unhashable token; tokens must be strings or other "
                                "hashable values") from None
            for tok, tf in counts.items():
                postings.setdefault(tok, ([], []))
                postings[tok][0].append(i)
                postings[tok][1].append(tf)
        self._postings = {t: (np.array(ids, dtype=np.int64), np.array(tfs, dtype=np.int64))
                          for t, (ids, tfs) in postings.items()}

        # idf with the epsilon floor; the average is over the raw idf of every term, negatives included
        self.idf, idf_sum, negative = {}, 0.0, []
        for t, (ids, _) in self._postings.items():
            n_t = len(ids)
            idf = math.log(N - n_t + 0.5) - math.log(n_t + 0.5)
            self.idf[t] = idf
            idf_sum += idf
            if idf < 0:
                negative.append(t)
        self.average_idf = idf_sum / len(self.idf)
        for t in negative:
            self.idf[t] = self.epsilon * self.average_idf

        self._K = self.k1 * (1 - self.b + self.b * self.doc_len / self.avgdl)  # (N,) K(d)

    def _query(self, query_tokens) -> list:
        return _token_list(query_tokens, "the query")

    def get_scores(self, query_tokens) -> np.ndarray:
        """BM25 score of every document for the query: float64 (N,). Unknown words add nothing."""
        score = np.zeros(self.corpus_size)                                       # (N,)
        for t in self._query(query_tokens):
            if t not in self._postings:
                continue
            ids, tf = self._postings[t]                                          # only documents with t
            score[ids] += self.idf[t] * (tf * (self.k1 + 1) / (tf + self._K[ids]))
        return score

    def get_batch_scores(self, query_tokens, doc_ids) -> list:
        """Scores for the listed documents only, in that order (a list of floats, like rank_bm25)."""
        ids = np.asarray(list(doc_ids))
        if ids.size and (ids.dtype.kind not in "iu" or ids.min() < 0 or ids.max() >= self.corpus_size):
            raise ValueError(f"doc_ids must be document indices in [0, {self.corpus_size}), got "
                             f"{ids.tolist()[:10]}")
        return self.get_scores(query_tokens)[ids.astype(np.int64)].tolist()

    def top_n_ids(self, query_tokens, n: int = 5) -> np.ndarray:
        """Indices of the n best documents, best first; equal scores keep corpus order (earlier first).

        rank_bm25 uses np.argsort(scores)[::-1], whose order among equal scores depends on NumPy's
        sort kernel (not stable; with AVX-512 even 10 elements get reordered), so it cannot be
        reproduced portably. We use a stable sort: same documents, same scores, fixed tie order.
        """
        if n < 0:
            raise ValueError(f"n must be >= 0, got {n}")
        return np.argsort(-self.get_scores(query_tokens), kind="stable")[:n]

    def get_top_n(self, query_tokens, documents, n: int = 5) -> list:
        """The n best entries of `documents` (one per corpus document, e.g. the untokenized texts)."""
        if len(documents) != self.corpus_size:
            raise ValueError(f"documents has {len(documents)} entries but the index holds {self.corpus_size} "
                             "documents; pass the same documents, in the same order, as the corpus")
        return [documents[i] for i in self.top_n_ids(query_tokens, n)]
