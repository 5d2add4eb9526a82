"""BM25 over the course documents: the course assistant's retriever (week 8).

    r = CourseBM25()                             # chunks every course document (retrieval/chunker.py)
    for chunk, score in r.search("how do I resume training?", k=3):
        print(chunk.id, score)

The index text of a chunk is its heading trail twice + passage (the trail starts with the file path,
so "lora.py > module docstring" names the topic of a docstring that never says "LoRA"), tokenised
by course_terms:
  1. chunker.words: lowercase words ('bm25', 'k1', 'tinygrad_lm', 'lora.py' stay whole);
  2. "week 4" -> "week4", the course's own name for a week (paths say exercises/week4/), so a question
     about week 4 meets that README's title and not every "4" in the documents;
  3. a possessive "'s" dropped ("course-base-8m's" = "8m"), and a compound word kept AND split into its
     parts at '.', '_', "'" ("lora.py" -> "lora.py", "lora", "py"; "merge_lora" -> + "merge", "lora");
  4. English stop words removed (text/stopwords.py: a question's "what", "is", "the" would otherwise
     weigh on the ranking through the idf floor), then Porter stems (text/porter.py: "trained" = "training").
Scores are BM25Okapi's (bm25.py, the formula untouched), with k1 0.9 and b 0.3 by default: chosen on
the 157 TRAIN questions only (grid and ablation: solutions/week8/retrieval_tune.py); little length
normalisation because the chunks are already cut to at most 80 words. BM25Okapi's own defaults stay
rank_bm25's (1.5, 0.75).
Measured on the train questions (exact passage recall@5, gold re-derived from its text, retrieval/gold.py):
previous tokens and (1.5, 0.75) 66.9%; + steps 2-3 73.9%; + k1 0.9, b 0.3 78.3%.
recall_at_k measures a retriever on (question, gold) pairs; a gold is one id or a set of acceptable ids.
Does not handle: query expansion, synonyms ("how long" never meets "Time: about 1 hour"), phrase queries.
"""
import re

import numpy as np

from ..text.porter import PorterStemmer
from ..text.stopwords import ENGLISH_STOP_WORDS
from .bm25 import BM25Okapi
from .chunker import course_chunks, words


_STEMMER, _STEMS = PorterStemmer(), {}
_PARTS = re.compile(r"[._']")
K1, B = 0.9, 0.3                     # tuned on the train questions (solutions/week8/retrieval_tune.py)


def _stem(w: str) -> str:
    if w not in _STEMS:
        _STEMS[w] = _STEMMER.stem(w)
    return _STEMS[w]


def join_weeks(ws: list) -> list:
    """["week", "4", "cover"] -> ["week4", "cover"]: the course's name for a week, as in its paths."""
    out, i = [], 0
    while i < len(ws):
        if ws[i] == "week" and i + 1 < len(ws) and ws[i + 1].isdigit():
            out.append("week" + ws[i + 1])
            i += 2
        else:
            out.append(ws[i])
            i += 1
    return out


def course_terms(text: str) -> list:
    """The BM25 tokens of documents and queries (steps 1-4 of the module docstring)."""
    out = []
    for w in join_weeks(words(text)):
        if w.endswith("'s"):
            w = w[:-2]
        w = w.strip("'")
        parts = [w] + ([p for p in _PARTS.split(w) if p] if _PARTS.search(w) else [])
        out += [_stem(p) for p in parts if p and p not in ENGLISH_STOP_WORDS]
    return out


def query_terms(text: str) -> list:
    """Before the rag8 changes: lowercase words minus stop words, Porter-stemmed (kept for the ablation and
    for grounded_eval's word-support count)."""
    return [_stem(w) for w in words(text) if w not in ENGLISH_STOP_WORDS]


def chunk_text(chunk, title_repeats: int = 2) -> str:
    """What is indexed: the heading trail (path > heading > ...) title_repeats times, then the passage."""
    return "\n".join([chunk.title] * title_repeats + [chunk.text])


def chunk_terms(chunk, terms=course_terms, title_repeats: int = 2) -> list:
    """The BM25 tokens of a chunk: heading trail twice, then the passage."""
    return terms(chunk_text(chunk, title_repeats))


class CourseBM25:
    def __init__(self, chunks=None, k1: float = K1, b: float = B, terms=course_terms, title_repeats: int = 2):
        self.chunks = list(chunks) if chunks is not None else course_chunks()
        if not self.chunks:
            raise ValueError("CourseBM25: no chunks to index")
        if not callable(terms):
            raise TypeError(f"CourseBM25: terms must be a function text -> tokens, got {type(terms).__name__}")
        self.terms = terms
        self.bm25 = BM25Okapi([chunk_terms(c, terms, title_repeats) for c in self.chunks], k1=k1, b=b)

    def rank(self, query: str, k: int = 10) -> list:
        """Indices of the k best chunks, best first ([] for a query with no known word)."""
        terms = self.terms(query)
        return self.bm25.top_n_ids(terms, k).tolist() if terms else []

    def search(self, query: str, k: int = 5) -> list:
        """[(Chunk, score)] best first; [] for a query with no known word."""
        terms = self.terms(query)
        if not terms:
            return []
        scores = self.bm25.get_scores(terms)
        ids = self.bm25.top_n_ids(terms, k)
        return [(self.chunks[i], float(scores[i])) for i in ids if scores[i] > 0]


def _hit(ranked, gold, k) -> bool:
    top = list(ranked)[:k]
    return gold in top if isinstance(gold, str) else any(g in top for g in gold)


def recall_at_k(ranked_ids, gold_ids, ks=(1, 3, 5, 10)) -> dict:
    """{k: share of queries with a gold among the first k}. ranked_ids: one ranked list per query;
    a gold is one id (str) or a collection of acceptable ids (e.g. the gold and its identical-text twins)."""
    if len(ranked_ids) != len(gold_ids) or not gold_ids:
        raise ValueError(f"recall_at_k: {len(ranked_ids)} rankings for {len(gold_ids)} gold ids")
    return {k: float(np.mean([_hit(r, g, k) for r, g in zip(ranked_ids, gold_ids)])) for k in ks}
