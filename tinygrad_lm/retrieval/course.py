"""BM25 over the course documents: the course assistant's retriever (week 8).

    r = CourseBM25()                             # chunks every course document (retrieval/chunker.py)
    for chunk, score in r.search("how do I resume training?", k=3):
        print(chunk.id, score)

The index text of a chunk is its heading trail twice + the questions written for it twice (session 9, doc2query:
retrieval/doc_questions.py; doc_questions=None leaves them out) + passage (the trail starts with the file path,
so "lora.py > module docstring" names the topic of a docstring that never says "LoRA"), tokenised
by course_terms:
  1. chunker.words: lowercase words ('bm25', 'k1', 'tinygrad_lm', 'lora.py' stay whole);
  2. "week 4" -> "week4", the course's own name for a week (paths say exercises/week4/), so a question
     about week 4 meets that README's title and not every "4" in the documents;
  3. a possessive "'s" dropped ("course-base-8m's" = "8m"), and a compound word kept AND split into its
     parts at '.', '_', "'" ("lora.py" -> "lora.py", "lora", "py"; "merge_lora" -> + "merge", "lora");
  4. English stop words removed (text/stopwords.py: a question's "what", "is", "the" would otherwise
     weigh on the ranking through the idf floor), then Porter stems (text/porter.py: "trained" = "training").
The question side (question_terms, ret6) first rewrites QUERY_PHRASES into the documents' words (the READMEs
state a duration as "Time: about N hours", never "long") and drops QUESTION_WORDS, the frame of a question
("many", "get", "use", "take", ...) that stop words miss, then applies course_terms.
Scores (CourseBM25.scores, q = the query's terms with their counts, N chunks):
    bm25(d)  = sum_t q_t BM25Okapi(t, d)                     bm25.py, the formula untouched; k1 1.5, b 0.5
                                                              (0.9, 0.3 without the written questions)
    cover(d) = sum_t q_t [t in d] / sum_t q_t                 share of the question's terms the chunk holds
    score(d) = bm25(d) cover(d)^coord prior(d)                coord 0.5; prior 0.9 for a module docstring, else 1
All chosen on the 157 TRAIN questions only (solutions/week8/retrieval_tune.py, --ret6 for this session's
sweep). The docstring prior is a prior of where the question set's passages come from (94% of the train
golds are in markdown, 60% of the chunks): it favours the course's prose over developer docstrings.
Measured and left off (defaults 0 / 1; the keyword arguments reproduce the rows): BM25F-like field weights
(path x path_repeats, headings x title_repeats), a file-level BM25 prior (doc_weight), neighbour smoothing
(neighbour_weight), retrieving over windows of `window` consecutive pieces of a section while returning the
pieces (window, own_weight), RM3-style pseudo-relevance feedback (prf_docs, prf_terms, prf_weight).
Train exact passage recall@5 (gold re-derived from its text, retrieval/gold.py): previous tokens and
(1.5, 0.75) 66.9%; + steps 2-3 73.9%; + k1 0.9, b 0.3 77.7% (1,755 chunks); + question_terms, coord and the
docstring prior 80.9%; + the written questions x2, k1 1.5, b 0.5 91.7% (1,937 chunks; retrieval_tune --session9).
recall_at_k measures a retriever on (question, gold) pairs; a gold is one id or a set of acceptable ids.
Does not handle: synonyms beyond QUERY_PHRASES, phrase queries, learned reranking.
"""
import re
from pathlib import Path

import numpy as np

from ..text.porter import PorterStemmer
from ..text.stopwords import ENGLISH_STOP_WORDS
from .bm25 import BM25Okapi
from .chunker import course_chunks, words
from .doc_questions import load_doc_questions, passage_hash


_STEMMER, _STEMS = PorterStemmer(), {}
_PARTS = re.compile(r"[._']")
K1, B = 0.9, 0.3                     # plain BM25, tuned on the train questions (solutions/week8/retrieval_tune.py)
Q_K1, Q_B, QUESTION_REPEATS = 1.5, 0.5, 2   # with the written questions (retrieval_tune --session9)
_SHIPPED = {}
CHAT_MIN_SCORE = 9.0     # tglm chat: a message whose best passage scores below this gets none (small talk);
                         # kept 98.1% of the train questions' passages, 8.4% of DailyDialog validation first turns
                         # (solutions/week8/retrieval_tune.py --min-score)
COORD, DOCSTRING_WEIGHT = 0.5, 0.9   # ret6, tuned on the train questions (retrieval_tune --ret6)


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


QUESTION_WORDS = frozenset({"many", "much", "get", "use", "used", "using", "make", "made", "take", "happen",
                            "happens", "want", "need", "way", "ways", "like", "tell", "mean", "means"})
QUERY_PHRASES = ((re.compile(r"\bhow long\b"), " time hours "),)      # (pattern, the documents' words)


def question_terms(text: str, drop=QUESTION_WORDS, phrases=QUERY_PHRASES) -> list:
    """The BM25 tokens of a question: phrases rewritten into the documents' words ("how long" -> "time hours"),
    question-frame words dropped, then course_terms."""
    t = text.lower()
    for pat, rep in phrases:
        t = pat.sub(rep, t)
    return course_terms(" ".join(w for w in t.split() if w.strip("?.,!:;\"'`()") not in drop))


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


def field_terms(chunk, terms=course_terms, path_repeats: int = 2, title_repeats: int = 2) -> list:
    """BM25F-like tokens: path words x path_repeats, heading trail without the path x title_repeats, passage."""
    heads = chunk.title[len(chunk.path) + 3:] if chunk.title.startswith(chunk.path + " > ") else chunk.title
    heads = "" if heads == "module docstring" else heads
    return terms(chunk.path) * path_repeats + terms(heads) * title_repeats + terms(chunk.text)


def _is_docstring(chunk) -> bool:
    return chunk.path.endswith(".py") and chunk.id.rsplit("#", 1)[-1].startswith("docstring-")


class CourseBM25:
    """CourseBM25(chunks=None, k1=None, b=None, ..., doc_questions="shipped"): search(query, k) -> [(Chunk, score)].

    doc_questions: "shipped" (data/course_assistant/doc_questions.jsonl), a path, a {passage hash: [question]}
    table, or None (the session-8 retriever); each chunk's written questions are indexed question_repeats times
    between its heading trail and its text. k1, b default to 1.5, 0.5 with questions, 0.9, 0.3 without.
    terms tokenises the chunks; qterms the query (default: question_terms when terms is course_terms, else
    terms). coord, docstring_weight: the score formula of the module docstring (0 and 1 give plain BM25, the
    rag8 retriever). The other keywords are the measured-and-left-off variants (module docstring)."""

    def __init__(self, chunks=None, k1=None, b=None, terms=course_terms, title_repeats: int = 2,
                 qterms=None, coord: float = COORD, docstring_weight: float = DOCSTRING_WEIGHT,
                 path_repeats=None, doc_weight: float = 0.0, doc_b: float = 0.75, neighbour_weight: float = 0.0,
                 window: int = 1, own_weight: float = 0.1, prf_docs: int = 0, prf_terms: int = 0,
                 prf_weight: float = 0.0, doc_questions="shipped", question_repeats: int = QUESTION_REPEATS):
        self.chunks = list(chunks) if chunks is not None else course_chunks()
        if doc_questions == "shipped":
            if "table" not in _SHIPPED:                         # data/course_assistant/doc_questions.jsonl, once
                _SHIPPED["table"] = load_doc_questions()
            doc_questions = _SHIPPED["table"]
        elif isinstance(doc_questions, (str, Path)):
            doc_questions = load_doc_questions(doc_questions)
        if k1 is None:
            k1 = Q_K1 if doc_questions else K1
        if b is None:
            b = Q_B if doc_questions else B
        if not self.chunks:
            raise ValueError("CourseBM25: no chunks to index")
        if not callable(terms) or (qterms is not None and not callable(qterms)):
            raise TypeError(f"CourseBM25: terms and qterms must be functions text -> tokens, got "
                            f"{type(terms).__name__} and {type(qterms).__name__}")
        if coord < 0 or docstring_weight <= 0 or window < 1:
            raise ValueError(f"CourseBM25: need coord >= 0, docstring_weight > 0, window >= 1, got {coord}, "
                             f"{docstring_weight}, {window}")
        self.terms = terms
        self.qterms = qterms or (question_terms if terms is course_terms else terms)
        self.coord, self.neighbour_weight, self.doc_weight = float(coord), float(neighbour_weight), float(doc_weight)
        self.window, self.own_weight = int(window), float(own_weight)
        self.prf_docs, self.prf_terms, self.prf_weight = int(prf_docs), int(prf_terms), float(prf_weight)
        self.docs = [chunk_terms(c, terms, title_repeats) if path_repeats is None else
                     field_terms(c, terms, path_repeats, title_repeats) for c in self.chunks]
        if doc_questions:                        # doc2query: title x2 + written questions + passage
            if window > 1:
                raise ValueError("CourseBM25: doc_questions and window > 1 cannot be combined")
            for i, c in enumerate(self.chunks):
                qs = doc_questions.get(passage_hash(c), [])
                if qs:
                    n = len(terms(c.text))
                    d = self.docs[i]
                    self.docs[i] = d[:len(d) - n] + terms(" ".join(qs)) * int(question_repeats) + d[len(d) - n:]
        self.bm25 = BM25Okapi(self.docs, k1=k1, b=b)
        self.prior = np.array([docstring_weight if _is_docstring(c) else 1.0 for c in self.chunks])    # (N,)
        paths = [c.path for c in self.chunks]
        where = {p: i for i, p in enumerate(dict.fromkeys(paths))}
        self.file_of = np.array([where[p] for p in paths])                                 # (N,) file index
        same = np.array(paths[1:]) == np.array(paths[:-1])                                 # (N-1,)
        self._prev, self._next = np.concatenate([[False], same]), np.concatenate([same, [False]])
        if self.doc_weight:                                     # one BM25 document per file: all its chunks
            bags = [[] for _ in where]
            for i, d in enumerate(self.docs):
                bags[self.file_of[i]] += d
            self.file_bm25 = BM25Okapi(bags, k1=k1, b=doc_b)
        if self.window > 1:                                     # windows of consecutive pieces of a section
            starts = [i for i, c in enumerate(self.chunks) if i == 0 or c.title != self.chunks[i - 1].title]
            self.windows = [list(range(j, min(j + self.window, e)))
                            for a, e in zip(starts, starts[1:] + [len(self.chunks)])
                            for j in range(a, max(a, e - self.window) + 1)]
            trail = [d[:len(d) - len(terms(c.text))] for d, c in zip(self.docs, self.chunks)]
            self.win_bm25 = BM25Okapi([trail[w[0]] + sum((terms(self.chunks[i].text) for i in w), [])
                                       for w in self.windows], k1=k1, b=b)
            self.win_of = [[] for _ in self.chunks]
            for wi, w in enumerate(self.windows):
                for i in w:
                    self.win_of[i].append(wi)

    def _score(self, q: dict) -> np.ndarray:
        """Chunk scores (N,) for weighted query terms q = {term: weight}, before the prior."""
        s, hit = np.zeros(len(self.chunks)), np.zeros(len(self.chunks))     # (N,) bm25(d), matched weight
        for t, w in q.items():
            st = self.bm25.get_scores([t])
            s += w * st
            hit += w * (st > 0)
        if self.coord:
            s = s * (hit / sum(q.values())) ** self.coord                      # bm25(d) cover(d)^coord
        if self.neighbour_weight:                                               # + w (s[i-1] + s[i+1]), same file
            nb = np.zeros_like(s)
            nb[1:] += np.where(self._prev[1:], s[:-1], 0)
            nb[:-1] += np.where(self._next[:-1], s[1:], 0)
            s = s + self.neighbour_weight * nb
        if self.doc_weight:                                                     # + w (max s / max f) f(file)
            f = sum(w * self.file_bm25.get_scores([t]) for t, w in q.items())
            if f.max() > 0:
                s = s + self.doc_weight * (s.max() / f.max()) * f[self.file_of]
        return s

    def _feedback(self, q: dict, s: np.ndarray) -> dict:
        """RM3-style: q + prf_weight |q| P(t | top prf_docs chunks) for the prf_terms best new terms,
        P(t | R) ~ sum_d s(d) tf(t, d) / |d| idf(t) over the top chunks."""
        top = np.argsort(-s, kind="stable")[:self.prf_docs]
        rel = {}
        for j, wj in zip(top, s[top] / s[top].sum()):
            d = self.docs[j]
            for t in set(d) - set(q):
                rel[t] = rel.get(t, 0.0) + wj * d.count(t) / len(d) * max(self.bm25.idf[t], 0.0)
        exp = sorted(rel.items(), key=lambda kv: -kv[1])[:self.prf_terms]
        tot = sum(v for _, v in exp)
        return {**q, **{t: self.prf_weight * sum(q.values()) * v / tot for t, v in exp}} if tot > 0 else q

    def scores(self, query: str):
        """The score of every chunk for the query, float64 (N,); None for a query without a single term."""
        q = {}
        for t in self.qterms(query):
            q[t] = q.get(t, 0.0) + 1.0
        if not q:
            return None
        s = self._score(q)
        if self.prf_docs and self.prf_terms and self.prf_weight and s.max() > 0:
            s = self._score(self._feedback(q, s))
        if self.window > 1:                                    # max over the windows holding d + own_weight s(d)
            ws = sum(w * self.win_bm25.get_scores([t]) for t, w in q.items())
            s = np.array([max(ws[j] for j in self.win_of[i]) for i in range(len(s))]) + self.own_weight * s
        return s * self.prior

    def rank(self, query: str, k: int = 10) -> list:
        """Indices of the k best chunks, best first (equal scores: corpus order); [] for a query with no term."""
        s = self.scores(query)
        return [] if s is None else np.argsort(-s, kind="stable")[:k].tolist()

    def search(self, query: str, k: int = 5) -> list:
        """[(Chunk, score)] best first, chunks scoring 0 left out; [] for a query with no term."""
        s = self.scores(query)
        if s is None:
            return []
        return [(self.chunks[i], float(s[i])) for i in np.argsort(-s, kind="stable")[:k] if s[i] > 0]


def _hit(ranked, gold, k) -> bool:
    top = list(ranked)[:k]
    return gold in top if isinstance(gold, str) else any(g in top for g in gold)


def recall_at_k(ranked_ids, gold_ids, ks=(1, 3, 5, 10)) -> dict:
    """{k: share of queries with a gold among the first k}. ranked_ids: one ranked list per query;
    a gold is one id (str) or a collection of acceptable ids (e.g. the gold and its identical-text twins)."""
    if len(ranked_ids) != len(gold_ids) or not gold_ids:
        raise ValueError(f"recall_at_k: {len(ranked_ids)} rankings for {len(gold_ids)} gold ids")
    return {k: float(np.mean([_hit(r, g, k) for r, g in zip(ranked_ids, gold_ids)])) for k in ks}
