"""Loaders for the small labelled corpora shipped in `data/` (text classification, week 1).

Handles: a generic `load_tsv(path)` for `text<TAB>label` files with a header line, and named loaders
`load_rt_polarity(split)` (Pang & Lee movie-review snippets, 2 classes) and
`load_twitter_airline_sentiment(split)` (airline tweets, 3 classes). Each returns a `TextDataset`
(texts, labels as strings, and the sorted class names). A missing file raises FileNotFoundError that
names the file and says where the corpus comes from.

Does not handle: downloading (there is no network at run time), CSV quoting (the shipped TSVs have no
tabs or newlines inside a text), language-model corpora (see `datasets/lm_batches.py`).
"""
from dataclasses import dataclass
import os
from pathlib import Path

import numpy as np

from ..paths import DATA_DIR

SPLITS = ("train", "test")


@dataclass
class TextDataset:
    """A labelled text corpus: texts[i] has label labels[i]; classes is the sorted label set."""
    texts: list
    labels: list
    classes: list

    def __len__(self):
        return len(self.texts)

    def y(self) -> np.ndarray:
        """Labels as int64 class indices into `classes`, shape (N,)."""
        index = {c: i for i, c in enumerate(self.classes)}
        return np.array([index[label] for label in self.labels], dtype=np.int64)


def load_tsv(path, text_column: str = "text", label_column: str = "label") -> TextDataset:
    """Read a UTF-8 TSV with a header line; return its text and label columns as a TextDataset."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"dataset file not found: {path}")
    with open(path, encoding="utf-8", newline="") as f:
        header = f.readline().rstrip("\r\n").split("\t")
        for col in (text_column, label_column):
            if col not in header:
                raise ValueError(f"{path}: header {header} has no column {col!r}")
        ti, li = header.index(text_column), header.index(label_column)
        texts, labels = [], []
        for lineno, line in enumerate(f, start=2):
            line = line.rstrip("\r\n")
            if not line:
                continue
            fields = line.split("\t")
            if len(fields) != len(header):
                raise ValueError(f"{path}:{lineno}: expected {len(header)} tab-separated fields, got {len(fields)}")
            texts.append(fields[ti])
            labels.append(fields[li])
    return TextDataset(texts, labels, sorted(set(labels)))


def _load_named(name: str, split: str, origin: str) -> TextDataset:
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, got {split!r}")
    path = DATA_DIR / name / f"{split}.tsv"
    if not path.is_file():
        raise FileNotFoundError(
            f"{name} {split} split not found: {path}\n"
            f"  The course ships it in the repository under data/{name}/ (see data/{name}/SOURCE.md).\n"
            f"  Restore it with `git checkout data/{name}` from the repository root, or set TGLM_DATA to\n"
            f"  a directory containing {name}/{split}.tsv. Original source: {origin}")
    return load_tsv(path)


def load_rt_polarity(split: str = "train") -> TextDataset:
    """Movie-review sentence polarity (Pang & Lee 2005): 9,596 train / 1,066 test, labels negative/positive.

    The text is already lower-cased and tokenized upstream ("it's not life-affirming , but i liked it .").
    """
    return _load_named("rt_polarity", split,
                       "http://www.cs.cornell.edu/people/pabo/movie-review-data/ (sentence polarity dataset v1.0)")


def load_twitter_airline_sentiment(split: str = "train") -> TextDataset:
    """Twitter US Airline Sentiment: 12,984 train / 1,443 test tweets, labels negative/neutral/positive.

    Raw tweets: @mentions, #hashtags, URLs, emoji and HTML entities (&amp;) are kept verbatim.
    """
    return _load_named("twitter_airline_sentiment", split,
                       "https://www.kaggle.com/datasets/crowdflower/twitter-airline-sentiment")
