"""Week 5: simple summarization baselines on DialogSum, scored with ROUGE (tinygrad_lm.metrics.rouge).

Before training a summarizer, measure what "no model at all" scores. Every system below turns a
dialogue into a summary without learning anything; their ROUGE numbers are the floor a trained model
must clear (and the Human row is a ceiling of sorts: one annotator against the other two).

    system        summary of a test dialogue
    Lead-k        its first k utterances                           (k = 1, 2, 3)
    Longest-k     its k utterances with the most whitespace tokens, kept in dialogue order (k = 1, 3)
    Template      always "#Person1# and #Person2# talk about it."
    Nearest       the summary of the most similar DEV dialogue (TF-IDF cosine)
    Human         summary1, scored against the better of summary2 and summary3

Conventions (the exact recipe of shared/reference/baselines.md, so the numbers can be reproduced):
- utterances = the non-empty lines of `dialogue`; the speaker tag "#Person1#:" becomes "#Person1# "
  (regex ^(#Person\\d#):\\s* -> "\\1 "); a multi-utterance summary joins them with one space;
- ROUGE-1/2/L F-measure with stemming, mean over the 500 test dialogues, x 100; "ref1" scores against
  summary1, "max3" against the best of the three references per dialogue (RougeScorer.score_multi);
- TF-IDF for Nearest: tokens = [a-z0-9]+ runs of the lower-cased dialogue; over the N = 500 dev
  dialogues idf(w) = ln((N + 1) / (df(w) + 1)) + 1 (a word unseen in dev: ln(N + 1) + 1);
  weight(w) = (1 + ln tf(w)) * idf(w); vectors L2-normalised; cosine = dot product; ties -> first dev row.

Scope: the shipped dev and test files (data/dialogsum/). Not here: BART and other trained systems.
"""
import json
import math
import re
from collections import Counter

import numpy as np

from tinygrad_lm.metrics import RougeScorer
from tinygrad_lm.paths import DATA_DIR

TYPES = ("rouge1", "rouge2", "rougeL")
TEMPLATE = "#Person1# and #Person2# talk about it."
_TAG = re.compile(r"^(#Person\d#):\s*")


def load_dialogsum(split: str) -> list:
    """The rows of data/dialogsum/dialogsum.<split>.jsonl (split: "dev" or "test")."""
    path = DATA_DIR / "dialogsum" / f"dialogsum.{split}.jsonl"
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: the course ships it under data/dialogsum/ "
                                f"(restore it with `git checkout data/dialogsum`)")
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def utterances(dialogue: str) -> list:
    """Non-empty lines, speaker tag "#PersonN#:" rewritten to "#PersonN# "."""
    return [_TAG.sub(r"\1 ", line) for line in dialogue.split("\n") if line]


def lead(dialogue: str, k: int) -> str:
    """The first k utterances, joined by a space."""
    return " ".join(utterances(dialogue)[:k])


def longest(dialogue: str, k: int) -> str:
    """The k utterances with the most whitespace tokens (ties: the earlier one), in dialogue order."""
    utts = utterances(dialogue)
    # sorted() is stable, so among equal lengths the earlier utterance comes first
    best = sorted(range(len(utts)), key=lambda i: -len(utts[i].split()))[:k]
    return " ".join(utts[i] for i in sorted(best))


def template(dialogue: str) -> str:
    """The same sentence for every dialogue."""
    return TEMPLATE


def _tokens(text: str) -> list:
    return re.findall(r"[a-z0-9]+", text.lower())


class NearestDevSummary:
    """Summarize a dialogue by copying the summary of its TF-IDF nearest neighbour in the dev split."""

    def __init__(self, dev_rows: list):
        self.summaries = [r["summary"] for r in dev_rows]
        docs = [Counter(_tokens(r["dialogue"])) for r in dev_rows]
        n = len(docs)
        df = Counter(w for d in docs for w in d)
        self.column = {w: j for j, w in enumerate(sorted(df))}                  # dev vocabulary, V words
        self.idf = np.array([math.log((n + 1) / (df[w] + 1)) + 1 for w in sorted(df)])   # (V,)
        self.unseen_idf = math.log(n + 1) + 1
        self.matrix = np.stack([self._dense(d) for d in docs])                 # (N, V) unit rows

    def _vector(self, tf: Counter):
        """Weights (1 + ln tf) * idf, L2-normalised, as (columns, values) over the dev vocabulary.

        Words outside the dev vocabulary cannot match any dev dialogue, but they count in the norm.
        """
        cols, vals, norm2 = [], [], 0.0
        for w, c in tf.items():
            x = 1 + math.log(c)
            if w in self.column:
                cols.append(self.column[w])
                vals.append(x * self.idf[self.column[w]])
                norm2 += vals[-1] ** 2
            else:
                norm2 += (x * self.unseen_idf) ** 2
        vals = np.array(vals) / math.sqrt(norm2) if norm2 else np.array(vals)
        return np.array(cols, dtype=np.int64), vals

    def _dense(self, tf: Counter) -> np.ndarray:
        v = np.zeros(len(self.column))                                          # (V,)
        cols, vals = self._vector(tf)
        v[cols] = vals
        return v

    def __call__(self, dialogue: str) -> str:
        cols, vals = self._vector(Counter(_tokens(dialogue)))
        sims = self.matrix[:, cols] @ vals                                      # (N,) cosines (zero columns skipped)
        return self.summaries[int(np.argmax(sims))]                             # argmax: the first of equal maxima


def mean_rouge(predictions: list, references: list, scorer: RougeScorer = None) -> dict:
    """{"ref1": {type: mean F x 100}, "max3": {...}}: references[i] is the list of references of
    predictions[i]; "ref1" scores against references[i][0] only, "max3" against the best of all of them
    (per type, like RougeScorer.score_multi; each pair is scored once and serves both)."""
    if len(predictions) != len(references):
        raise ValueError(f"mean_rouge: {len(predictions)} predictions but {len(references)} reference lists")
    scorer = scorer or RougeScorer(list(TYPES), use_stemmer=True)
    ref1, max3 = dict.fromkeys(TYPES, 0.0), dict.fromkeys(TYPES, 0.0)
    for pred, refs in zip(predictions, references):
        if isinstance(refs, str) or not refs:
            raise TypeError(f"mean_rouge: each references entry must be a non-empty list of str, got {refs!r}")
        scores = [scorer.score(ref, pred) for ref in refs]
        for t in TYPES:
            ref1[t] += scores[0][t].fmeasure
            max3[t] += max(s[t].fmeasure for s in scores)
    n = len(predictions)
    return {"ref1": {t: 100 * ref1[t] / n for t in TYPES}, "max3": {t: 100 * max3[t] / n for t in TYPES}}


def systems(dev_rows: list) -> dict:
    """{name: function dialogue -> summary} for every baseline but Human."""
    return {"Lead-1": lambda d: lead(d, 1), "Lead-2": lambda d: lead(d, 2), "Lead-3": lambda d: lead(d, 3),
            "Longest-1": lambda d: longest(d, 1), "Longest-3": lambda d: longest(d, 3),
            "Template": template, "Nearest dev summary": NearestDevSummary(dev_rows)}


def baseline_table(test_rows: list = None, dev_rows: list = None) -> dict:
    """{system: {"ref1": {type: score}, "max3": {type: score}}}; Human has only "ref1" (see module doc)."""
    test_rows = test_rows if test_rows is not None else load_dialogsum("test")
    dev_rows = dev_rows if dev_rows is not None else load_dialogsum("dev")
    scorer = RougeScorer(list(TYPES), use_stemmer=True)
    refs3 = [[r["summary1"], r["summary2"], r["summary3"]] for r in test_rows]
    table = {}
    for name, system in systems(dev_rows).items():
        table[name] = mean_rouge([system(r["dialogue"]) for r in test_rows], refs3, scorer)
    human = mean_rouge([r["summary1"] for r in test_rows], [[r["summary2"], r["summary3"]] for r in test_rows], scorer)
    table["Human"] = {"ref1": human["max3"]}          # summary1 against the better of summary2, summary3
    return table

if __name__ == "__main__":
    for name, row in baseline_table().items():
        cells = [" / ".join(f"{row[k][t]:.2f}" for t in TYPES) for k in ("ref1", "max3") if k in row]
        print(f"{name:20s} " + "   ".join(cells))
