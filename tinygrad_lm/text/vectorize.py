"""Bag-of-words and TF-IDF vectorizers with scikit-learn's options and formulas, sparse CSR output.

Handles: CountVectorizer (vocabulary with min_df / max_df / max_features / ngram_range / stop_words,
counts or binary), TfidfTransformer and TfidfVectorizer (use_idf, smooth_idf, sublinear_tf, norm
"l2"/"l1"/None). Output is a tinygrad_lm.ops.sparse.CSRMatrix (N, V) with float32 values.
Formulas (identical to scikit-learn 1.x, checked against recorded fixtures in tests/fixtures/text/):
    analyzer(doc) = word n-grams of tokenizer(preprocessor(doc)), n in ngram_range, joined by " "
    preprocessor  = str.lower when lowercase=True;  tokenizer = re.findall(token_pattern, doc)
    columns       = surviving features in alphabetical order
    df(t)         = number of documents containing t
    kept          = min_df <= df <= max_df (ints are counts, floats are fractions of N), then the
                    max_features most frequent by total count (ties broken alphabetically; sklearn's
                    unstable argsort may break ties differently)
    tf            = count (or 1 + ln(count) with sublinear_tf; 1 with binary=True)
    idf(t)        = ln((1 + N) / (1 + df(t))) + 1  with smooth_idf,  ln(N / df(t)) + 1  without
    tfidf         = tf * idf, each row then divided by its l2 (or l1) norm
Does not handle: character n-grams (pass analyzer=callable), HashingVectorizer, max_df/min_df on
transform, sklearn's "english" stop list (stop_words="english" here means NLTK's list, see
stopwords.py).

Legend: N documents, V features.
"""
import numpy as np
import regex as re

from ..ops.sparse import CSRMatrix
from .stopwords import ENGLISH_STOP_WORDS


class CountVectorizer:
    """Learn a vocabulary of word n-grams, turn documents into a sparse (N, V) count matrix."""

    def __init__(self, lowercase=True, preprocessor=None, tokenizer=None, token_pattern=r"(?u)\b\w\w+\b",
                 stop_words=None, ngram_range=(1, 1), analyzer=None, min_df=1, max_df=1.0,
                 max_features=None, binary=False, vocabulary=None):
        if not (1 <= ngram_range[0] <= ngram_range[1]):
            raise ValueError(f"ngram_range must be (min_n, max_n) with 1 <= min_n <= max_n, got {ngram_range}")
        self.lowercase, self.preprocessor, self.tokenizer = lowercase, preprocessor, tokenizer
        self.token_pattern, self.ngram_range, self.analyzer = token_pattern, tuple(ngram_range), analyzer
        self.stop_words = ENGLISH_STOP_WORDS if stop_words == "english" else (
            frozenset(stop_words) if stop_words is not None else None)
        self.min_df, self.max_df, self.max_features, self.binary = min_df, max_df, max_features, binary
        self.vocabulary_ = dict(vocabulary) if vocabulary is not None else None
        self._fixed_vocabulary = vocabulary is not None
        self._pattern = re.compile(token_pattern) if token_pattern else None

    # ---- text -> features ------------------------------------------------------------------
    def build_analyzer(self):
        """Return a function doc -> list of feature strings (what one document contributes)."""
        if self.analyzer is not None:
            return self.analyzer
        pre = self.preprocessor or (str.lower if self.lowercase else (lambda s: s))
        tok = self.tokenizer or self._pattern.findall
        stop, (lo, hi) = self.stop_words, self.ngram_range

        def analyze(doc):
            tokens = tok(pre(doc))
            if stop is not None:
                tokens = [t for t in tokens if t not in stop]
            if lo == 1 and hi == 1:
                return tokens
            feats = list(tokens) if lo == 1 else []
            for n in range(max(lo, 2), hi + 1):
                feats += [" ".join(tokens[i:i + n]) for i in range(len(tokens) - n + 1)]
            return feats
        return analyze

    def _count(self, docs, vocab, grow: bool) -> CSRMatrix:
        """Count features per document. With grow=True unseen features get new ids (fit)."""
        if isinstance(docs, str):
            raise TypeError("expected a list of documents, got a single str (wrap it in a list)")
        analyze = self.build_analyzer()
        indptr, cols = [0], []
        for i, doc in enumerate(docs):
            if self.analyzer is None and not isinstance(doc, str):
                raise TypeError(f"document {i} is a {type(doc).__name__}, expected str "
                                "(an empty field read as None/NaN? a list of tokens needs analyzer=...)")
            ids = []
            for f in analyze(doc):
                j = vocab.get(f)
                if j is None and grow:
                    j = vocab[f] = len(vocab)
                if j is not None:
                    ids.append(j)
            cols.append(np.asarray(ids, dtype=np.int64))
            indptr.append(indptr[-1] + len(ids))
        # one np.unique per matrix, not per document: sort (row, col) keys, merge duplicates into counts
        V = max(len(vocab), 1)
        rows = np.repeat(np.arange(len(cols), dtype=np.int64), np.diff(indptr))
        keys = rows * V + (np.concatenate(cols) if cols else np.zeros(0, dtype=np.int64))
        uniq, counts = np.unique(keys, return_counts=True)
        r, c = uniq // V, uniq % V
        new_indptr = np.concatenate([[0], np.cumsum(np.bincount(r, minlength=len(cols)))])
        data = np.ones(len(c), dtype=np.float32) if self.binary else counts.astype(np.float32)
        return CSRMatrix(data, c, new_indptr, (len(cols), len(vocab)))

    # ---- fit / transform ---------------------------------------------------------------------
    def fit_transform(self, docs, y=None) -> CSRMatrix:
        if self._fixed_vocabulary:
            return self.transform(docs)
        vocab = {}
        X = self._count(docs, vocab, grow=True)                    # columns in first-seen order
        N = X.shape[0]
        if N == 0:
            raise ValueError("fit() got an empty list of documents")
        if not vocab:
            raise ValueError(f"empty vocabulary: none of the {N} documents has a feature (empty texts, only stop "
                             "words, or only 1-character words, which the default token_pattern skips)")
        terms = sorted(vocab, key=vocab.get)                       # column j -> term
        order = np.argsort(np.array(terms, dtype=object), kind="stable")  # alphabetical
        df = X.document_frequency()[order]
        tf = X.sum(axis=0).astype(np.float64)[order]
        hi = self.max_df if isinstance(self.max_df, (int, np.integer)) else self.max_df * N
        lo = self.min_df if isinstance(self.min_df, (int, np.integer)) else self.min_df * N
        if hi < lo:
            raise ValueError(f"max_df ({self.max_df}) corresponds to fewer documents than min_df ({self.min_df})")
        keep = (df >= lo) & (df <= hi)
        if self.max_features is not None and keep.sum() > self.max_features:
            cand = np.nonzero(keep)[0]
            best = cand[np.argsort(-tf[cand], kind="stable")[: self.max_features]]
            keep = np.zeros_like(keep)
            keep[best] = True
        if not keep.any():
            raise ValueError("After pruning, no terms remain. Try a lower min_df or a higher max_df.")
        kept_old = order[keep]                                     # old column ids, alphabetical
        self.vocabulary_ = {terms[j]: i for i, j in enumerate(kept_old)}
        # re-index the counted matrix instead of counting again: old column -> new column (or -1)
        remap = np.full(len(terms), -1, dtype=np.int64)
        remap[kept_old] = np.arange(len(kept_old))
        new_cols = remap[X.indices]
        ok = new_cols >= 0
        rows = np.repeat(np.arange(N), np.diff(X.indptr))[ok]
        order_in_rows = np.lexsort((new_cols[ok], rows))           # keep each row's columns sorted
        indptr = np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=N))])
        return CSRMatrix(X.data[ok][order_in_rows], new_cols[ok][order_in_rows], indptr, (N, len(kept_old)))

    def fit(self, docs, y=None):
        self.fit_transform(docs)
        return self

    def transform(self, docs) -> CSRMatrix:
        if self.vocabulary_ is None:
            raise RuntimeError("CountVectorizer: call fit() or fit_transform() before transform()")
        return self._count(docs, self.vocabulary_, grow=False)

    def get_feature_names_out(self) -> np.ndarray:
        if self.vocabulary_ is None:
            raise RuntimeError("CountVectorizer: not fitted yet")
        return np.array(sorted(self.vocabulary_, key=self.vocabulary_.get), dtype=object)


class TfidfTransformer:
    """Counts (N, V) CSR -> TF-IDF weighted, row-normalized (N, V) CSR."""

    def __init__(self, norm="l2", use_idf=True, smooth_idf=True, sublinear_tf=False):
        if norm not in ("l2", "l1", None):
            raise ValueError(f"norm must be 'l2', 'l1' or None, got {norm!r}")
        self.norm, self.use_idf, self.smooth_idf, self.sublinear_tf = norm, use_idf, smooth_idf, sublinear_tf
        self.idf_ = None

    def fit(self, X: CSRMatrix, y=None):
        if self.use_idf:
            N = X.shape[0] + int(self.smooth_idf)
            df = X.document_frequency().astype(np.float64) + float(self.smooth_idf)   # (V,)
            self.idf_ = (np.log(N / df) + 1.0).astype(np.float32)
        return self

    def transform(self, X: CSRMatrix) -> CSRMatrix:
        if self.use_idf and self.idf_ is None:
            raise RuntimeError("TfidfTransformer: call fit() before transform()")
        if self.sublinear_tf:
            X = X.map_data(lambda d: np.log(d) + 1.0)          # only stored (non-zero) counts
        if self.use_idf:
            X = X.scale_columns(self.idf_)
        if self.norm is not None:
            norms = X.row_norms(ord=1 if self.norm == "l1" else 2)
            X = X.scale_rows(1.0 / np.where(norms == 0, 1.0, norms))   # empty rows stay all-zero
        return X

    def fit_transform(self, X: CSRMatrix, y=None) -> CSRMatrix:
        return self.fit(X).transform(X)


class TfidfVectorizer(CountVectorizer):
    """CountVectorizer followed by TfidfTransformer (same arguments as scikit-learn's)."""

    def __init__(self, norm="l2", use_idf=True, smooth_idf=True, sublinear_tf=False, **count_kwargs):
        super().__init__(**count_kwargs)
        self.tfidf = TfidfTransformer(norm, use_idf, smooth_idf, sublinear_tf)

    @property
    def idf_(self):
        return self.tfidf.idf_

    def fit_transform(self, docs, y=None) -> CSRMatrix:
        return self.tfidf.fit_transform(super().fit_transform(docs))

    def fit(self, docs, y=None):
        self.fit_transform(docs)
        return self

    def transform(self, docs) -> CSRMatrix:
        return self.tfidf.transform(super().transform(docs))
