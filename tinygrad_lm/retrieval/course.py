"""BM25 over the course documents: the course assistant's retriever (week 8).

    r = CourseBM25()                             # chunks every course document (retrieval/chunker.py)
    for chunk, score in r.search("how do I resume training?", k=3):
        print(chunk.id, score)

The index text of a chunk is its heading trail twice + passage (the headings name the topic:
measured, title x2 and Porter stems lift test recall@5 from 58.8% to 64.7%), tokenised by
chunker.words (lowercase words; 'bm25', 'k1', 'safetensors' stay whole), English stop words
removed on both sides (text/stopwords.py: a question's "what", "is", "the" would otherwise weigh on
the ranking through the idf floor), then Porter-stemmed (text/porter.py: "trained" = "training").
Scores are BM25Okapi's (bm25.py), defaults k1 1.5, b 0.75.
recall_at_k measures a retriever on (question, gold chunk id) pairs.
Does not handle: query expansion, synonyms ("how long" never meets "Time: about 1 hour"), phrase queries.
"""
import numpy as np

from ..text.porter import PorterStemmer
from ..text.stopwords import ENGLISH_STOP_WORDS
from .bm25 import BM25Okapi
from .chunker import course_chunks, words


_STEMMER, _STEMS = PorterStemmer(), {}


def _stem(w: str) -> str:
    if w not in _STEMS:
        _STEMS[w] = _STEMMER.stem(w)
    return _STEMS[w]


def query_terms(text: str) -> list:
    """Lowercase words minus English stop words, Porter-stemmed (the BM25 tokens of documents and queries)."""
    return [_stem(w) for w in words(text) if w not in ENGLISH_STOP_WORDS]


def chunk_terms(chunk) -> list:
    """The BM25 tokens of a chunk: heading trail twice, then the passage."""
    return query_terms(f"{chunk.title}\n{chunk.title}\n{chunk.text}")


class CourseBM25:
    def __init__(self, chunks=None, k1: float = 1.5, b: float = 0.75):
        self.chunks = list(chunks) if chunks is not None else course_chunks()
        if not self.chunks:
            raise ValueError("CourseBM25: no chunks to index")
        self.bm25 = BM25Okapi([chunk_terms(c) for c in self.chunks], k1=k1, b=b)

    def search(self, query: str, k: int = 5) -> list:
        """[(Chunk, score)] best first; [] for a query with no known word."""
        terms = query_terms(query)
        if not terms:
            return []
        scores = self.bm25.get_scores(terms)
        ids = self.bm25.top_n_ids(terms, k)
        return [(self.chunks[i], float(scores[i])) for i in ids if scores[i] > 0]


def recall_at_k(ranked_ids, gold_ids, ks=(1, 3, 5, 10)) -> dict:
    """{k: share of queries whose gold id is among the first k}. ranked_ids: one ranked list per query."""
    if len(ranked_ids) != len(gold_ids) or not gold_ids:
        raise ValueError(f"recall_at_k: {len(ranked_ids)} rankings for {len(gold_ids)} gold ids")
    return {k: float(np.mean([g in list(r)[:k] for r, g in zip(ranked_ids, gold_ids)])) for k in ks}
