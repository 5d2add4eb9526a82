"""A lexical span prior: how often a token with given DrQA features starts (ends) an answer, counted on training data.

Every context token carries the four features of datasets/qa_features.py (match, tf, dist, sent); their
joint value is one cell c of 6 x 7 x 9 x 5. Counting over the training questions' context tokens
    n_tok[c]    tokens in cell c,    n_start[c]  answer-start tokens in cell c   (the same for the end)
gives the smoothed per-token log odds of starting an answer
    prior_start[c] = log((n_start[c] + a p) / (n_tok[c] + a)),   p = sum n_start / sum n_tok,  a = 5
(a cell seen rarely falls back to the base rate p). A reader's span score is combined with it as
    score(s, e) = start_s + end_e + beta (prior_start[c_s] + prior_end[c_e]),
beta >= 0 chosen on held-out training questions; the prior alone (start_s = end_e = 0) is a count-based
reader: "answers start one or two words after a question word, in the sentence that shares most of them".
It is learned from the training answers only: no hand-written question-type rules.

Legend: N context tokens, K features (4).
Does not handle: interactions with the question type (the reader's job), spans across windows.
"""
import json

import numpy as np

from ..datasets.qa_features import FEATURE_SIZES

SMOOTHING = 5.0


def cell_index(feats) -> np.ndarray:
    """(..., K) int features -> (...) int: the flat index of their joint cell (row-major over FEATURE_SIZES)."""
    feats = np.asarray(feats)
    if feats.shape[-1:] != (len(FEATURE_SIZES),) or feats.dtype.kind not in "iu":
        raise ValueError(f"cell_index expects int features (..., {len(FEATURE_SIZES)}), got {feats.shape} {feats.dtype}")
    return np.ravel_multi_index(tuple(np.moveaxis(feats, -1, 0)), FEATURE_SIZES)


class LexicalSpanPrior:
    """prior = LexicalSpanPrior().fit([(feats (N, K), start, end), ...]);  prior.scores(feats) -> (start (N,), end (N,))."""

    def __init__(self, start=None, end=None):
        self.start, self.end = start, end                                   # (cells,) log odds

    def fit(self, examples):
        """examples: iterable of (feats (N, K) of one context, answer start token, answer end token)."""
        n_cells = int(np.prod(FEATURE_SIZES))
        n_tok, n_s, n_e = (np.zeros(n_cells) for _ in range(3))
        for feats, s, e in examples:
            cells = cell_index(feats)                                       # (N,)
            if not 0 <= s <= e < len(cells):
                raise ValueError(f"LexicalSpanPrior.fit: answer tokens ({s}, {e}) outside a context of {len(cells)}")
            np.add.at(n_tok, cells, 1.0)
            n_s[cells[s]] += 1.0
            n_e[cells[e]] += 1.0
        if n_tok.sum() == 0:
            raise ValueError("LexicalSpanPrior.fit: no examples")
        self.start = np.log((n_s + SMOOTHING * n_s.sum() / n_tok.sum()) / (n_tok + SMOOTHING))
        self.end = np.log((n_e + SMOOTHING * n_e.sum() / n_tok.sum()) / (n_tok + SMOOTHING))
        return self

    def scores(self, feats):
        """feats (N, K) -> (start (N,), end (N,)) log odds."""
        if self.start is None:
            raise ValueError("LexicalSpanPrior: call fit() (or load()) first")
        cells = cell_index(feats)
        return self.start[cells], self.end[cells]

    def save(self, path):
        with open(path, "w", encoding="utf-8") as f:
            json.dump({"feature_sizes": list(FEATURE_SIZES), "start": self.start.tolist(), "end": self.end.tolist()}, f)

    @classmethod
    def load(cls, path):
        with open(path, encoding="utf-8") as f:
            d = json.load(f)
        if tuple(d["feature_sizes"]) != FEATURE_SIZES:
            raise ValueError(f"{path}: a prior over features {d['feature_sizes']}, this code has {list(FEATURE_SIZES)}")
        return cls(np.array(d["start"]), np.array(d["end"]))
