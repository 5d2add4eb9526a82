"""DrQA's token features for a reader: how each context token relates, lexically, to the question.

Chen et al. (2017), "Reading Wikipedia to Answer Open-Domain Questions", section 3.2, feed every
paragraph token p_i with an exact-match feature (p_i occurs in the question, in its original,
lowercase or lemma form) and its term frequency; a small reader learns "the answer sits next to the
question's words" from them far sooner than from embeddings alone. Here each context token gets four
small integers (0 is kept for "not a context token": [CLS], the question, separators, padding), which
models/span_qa.py turns into learned embeddings added to the encoder's input:

    match  1 no match, 2 a stop word of the question, 3 same Porter stem, 4 same lowercase, 5 same string
    tf     1 not a word (punctuation), else the word's count in the paragraph: 2 once, 3 twice, 4 3-4x,
           5 5-8x, 6 more
    dist   words to the nearest content-word match (match >= 3): 1 zero (a match), 2 one, 3 two, 4 3-4,
           5 5-8, 6 9-16, 7 more, 8 no content word of the question in the paragraph
    sent   the token's sentence ranked by how many distinct question content stems it holds (the first
           step of Rajpurkar et al.'s sliding window): 1 the best (ties included), 2 the second, 3 lower,
           4 no shared content stem

A token belongs to the first word (regex \\w+) whose characters it covers; a BPE piece of a word ("ans"
of " Normans") gets that word's features, a token covering no word character (" (" , ".") gets
match 1, tf 1 and the dist / sent of the word before it.
Legend: N context tokens, W context words.
Does not handle: DrQA's part-of-speech and named-entity tags and its aligned question embedding (the
encoder's attention plays that part), lemmas (the Porter stem stands in for them), questions and
paragraphs in scripts without \\w word characters.
"""
import re
from functools import lru_cache

import numpy as np

from ..text.porter import stem
from ..text.stopwords import ENGLISH_STOP_WORDS

WORD = re.compile(r"\w+")
SENTENCE_END = re.compile(r"[.!?](?=\s|$)")
N_FEATURES = 4
FEATURE_SIZES = (6, 7, 9, 5)                # values of match, tf, dist, sent (0 = not a context token)
_TF_EDGES = np.array([1, 2, 4, 8])          # count <= 1 -> 2, <= 2 -> 3, <= 4 -> 4, <= 8 -> 5, else 6
_DIST_EDGES = np.array([0, 1, 2, 4, 8, 16])  # distance <= 0 -> 1, ... <= 16 -> 6, else 7


def _bucket(x, edges, first):
    """first + the index of the first edge >= x (len(edges) if none)."""
    return first + np.searchsorted(edges, x, side="left")


@lru_cache(maxsize=512)
def _paragraph(context: str):
    """Per-paragraph analysis, cached (a paragraph serves ~5 questions): words, their stems, sentence ids,
    counts, and the word index each character belongs to (-1 between words)."""
    spans = [(m.group(0), m.start(), m.end()) for m in WORD.finditer(context)]
    words = [w for w, _, _ in spans]
    lower = [w.lower() for w in words]
    stems = [stem(w) for w in lower]
    counts = {}
    for w in lower:
        counts[w] = counts.get(w, 0) + 1
    ends = [m.end() for m in SENTENCE_END.finditer(context)]
    sent = np.searchsorted(np.array(ends, dtype=np.int64), np.array([s for _, s, _ in spans], dtype=np.int64),
                           side="right")                                          # (W,) sentence index
    char_word = np.full(len(context) + 1, -1, dtype=np.int64)
    for i, (_, s, e) in enumerate(spans):
        char_word[s:e] = i
    tf = _bucket(np.array([counts[w] for w in lower], dtype=np.int64), _TF_EDGES, 2)   # (W,)
    return words, lower, stems, sent, char_word, tf


def word_features(question: str, context: str) -> np.ndarray:
    """(W, 4) int64: match, tf, dist, sent of every word of the context (regex \\w+ order)."""
    if not isinstance(question, str) or not isinstance(context, str):
        raise TypeError(f"word_features expects two strings, got {type(question).__name__} and "
                        f"{type(context).__name__}")
    words, lower, stems, sent, _, tf = _paragraph(context)
    W = len(words)
    q_words = WORD.findall(question)
    q_orig, q_lower = set(q_words), {w.lower() for w in q_words}
    q_content = {w for w in q_lower if w not in ENGLISH_STOP_WORDS}
    q_stems = {stem(w) for w in q_content}
    match = np.ones(W, dtype=np.int64)
    for i in range(W):
        if lower[i] in ENGLISH_STOP_WORDS:
            match[i] = 2 if lower[i] in q_lower else 1
        elif words[i] in q_orig:
            match[i] = 5
        elif lower[i] in q_lower:
            match[i] = 4
        elif stems[i] in q_stems:
            match[i] = 3
    hits = np.flatnonzero(match >= 3)
    if len(hits):                                             # distance to the nearest content match
        pos = np.arange(W)
        k = np.clip(np.searchsorted(hits, pos), 1, len(hits)) - 1
        d = np.minimum(np.abs(pos - hits[k]), np.abs(hits[np.minimum(k + 1, len(hits) - 1)] - pos))
        dist = _bucket(d, _DIST_EDGES, 1)
    else:
        dist = np.full(W, 8, dtype=np.int64)
    n_sent = int(sent.max()) + 1 if W else 0
    overlap = np.zeros(n_sent, dtype=np.int64)                # distinct question content stems per sentence
    for s in range(n_sent):
        overlap[s] = len(q_stems & {stems[i] for i in np.flatnonzero(sent == s)})
    levels = sorted(set(overlap[overlap > 0].tolist()), reverse=True)
    rank = np.array([4 if o == 0 else 1 + min(levels.index(o), 2) for o in overlap], dtype=np.int64)
    sent_f = rank[sent] if W else np.zeros(0, dtype=np.int64)
    return np.stack([match, tf, dist, sent_f], axis=1).reshape(W, N_FEATURES)


def token_features(question: str, context: str, starts, ends) -> np.ndarray:
    """(N, 4) int64 features of the context tokens with character ranges [starts, ends) (all values >= 1)."""
    starts, ends = np.asarray(starts, dtype=np.int64), np.asarray(ends, dtype=np.int64)
    if starts.shape != ends.shape or starts.ndim != 1:
        raise ValueError(f"token_features: starts {starts.shape} and ends {ends.shape} must be equal 1-D shapes")
    wf = word_features(question, context)                     # (W, 4)
    char_word = _paragraph(context)[4]
    out = np.ones((len(starts), N_FEATURES), dtype=np.int64)  # (N, 4)
    prev = -1
    for t, (s, e) in enumerate(zip(starts, ends)):
        ids = char_word[s:e]
        inside = ids[ids >= 0]
        if len(inside):
            prev = int(inside[0])
            out[t] = wf[prev]
        elif prev >= 0:                                       # punctuation / space: the previous word's place
            out[t, 2:] = wf[prev, 2:]
        elif len(wf):
            out[t, 2:] = wf[0, 2:]
    return out


# The question side (an addition to DrQA, for unanswerable questions): does each question word occur in the
# paragraph? An entity swap or an antonym leaves a content word of the question with no match there.
#     qmatch  1 not a content word (punctuation, stop word), 2 a content word found in the paragraph
#             (same lowercase), 3 found only by Porter stem, 4 a content word absent from the paragraph
QUESTION_FEATURE_SIZE = 5                   # values of qmatch (0 = not a question token)


def question_word_match(question: str, context: str):
    """-> (spans, qmatch): the question's words as (start, end) character ranges and (W,) int64 qmatch of each."""
    if not isinstance(question, str) or not isinstance(context, str):
        raise TypeError(f"question_word_match expects two strings, got {type(question).__name__} and "
                        f"{type(context).__name__}")
    _, lower, stems, _, _, _ = _paragraph(context)
    c_lower, c_stems = set(lower), set(stems)
    words = list(WORD.finditer(question))
    per_word = np.ones(len(words), dtype=np.int64)
    for i, m in enumerate(words):
        w = m.group(0).lower()
        if w not in ENGLISH_STOP_WORDS:
            per_word[i] = 2 if w in c_lower else (3 if stem(w) in c_stems else 4)
    return [(m.start(), m.end()) for m in words], per_word


def question_token_features(question: str, context: str, starts, ends) -> np.ndarray:
    """(Nq,) int64 qmatch of the question tokens with character ranges [starts, ends) in question (>= 1)."""
    spans, per_word = question_word_match(question, context)
    char_word = np.full(len(question) + 1, -1, dtype=np.int64)
    for i, (s, e) in enumerate(spans):
        char_word[s:e] = i
    out = np.ones(len(starts), dtype=np.int64)
    for t, (s, e) in enumerate(zip(np.asarray(starts), np.asarray(ends))):
        ids = char_word[s:e]
        inside = ids[ids >= 0]
        if len(inside):
            out[t] = per_word[int(inside[0])]
    return out
