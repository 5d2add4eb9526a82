# Generated from solutions/week1/vectorize.py by `tglm course build`: fill in the parts that raise NotImplementedError.
# Your edits are safe: the build refuses to overwrite this file unless --force; the reference is solutions/week1/vectorize.py.
"""Week 1, part 3: documents -> sparse feature matrices.

Tasks: 1.6 vocabulary (min_df, max_df, max_features), 1.7 bag of words as a CSR matrix,
1.8 TF-IDF with scikit-learn's exact formulas. Input documents are lists of feature strings
(tokens or n-grams, e.g. from preprocess.tokenize / ngrams). The library version with all options
is tinygrad_lm/text/vectorize.py (CountVectorizer, TfidfVectorizer).

Why sparse: 10,000 reviews x 100,000 n-grams is 4 GB as a dense float32 matrix, but each review uses
~30 of them. A CSRMatrix (tinygrad_lm/ops/sparse.py) stores, for row i, the column numbers
indices[indptr[i]:indptr[i+1]] (sorted) and their values data[indptr[i]:indptr[i+1]].
Legend: N documents, V vocabulary size.
"""
from collections import Counter

import numpy as np

from tinygrad_lm.ops.sparse import CSRMatrix


def build_vocabulary(docs, min_df=1, max_df=1.0, max_features=None):
    """Task 1.6: map each kept feature to a column index.

    TODO: docs is a list of N documents, each a list of feature strings. Return a dict
    {feature: column} where
      * df(f) = the number of documents that contain f (at least once);
      * a feature is kept iff min_df <= df(f) <= max_df, where an int threshold is a document count
        and a float is a fraction of N (max_df=1.0 keeps everything, max_df=0.5 drops features in
        more than half of the documents);
      * then, if max_features is not None, only the max_features kept features with the largest
        TOTAL count (over all documents) survive; ties go to the alphabetically first;
      * columns are 0..V-1 in ALPHABETICAL order of the surviving features.

    APPROACH: stuck? `tglm hint 1.6` shows the approach one step at a time.

    EXAMPLE: build_vocabulary([["a", "b", "b"], ["b", "c"]]) -> {"a": 0, "b": 1, "c": 2}
             build_vocabulary([["a", "b", "b"], ["b", "c"]], min_df=2) -> {"b": 0}

    HINT: `isinstance(min_df, int)` tells the two kinds of threshold apart (1 and 1.0 differ!).
    """
    raise NotImplementedError("Week 1, task 1.6: map each kept feature to a column index.")


def bag_of_words(docs, vocab, binary=False) -> CSRMatrix:
    """Task 1.7: the (N, V) document-term count matrix, in CSR form.

    TODO: row i counts how often each vocabulary feature occurs in docs[i] (features not in vocab
    are ignored). With binary=True every non-zero count becomes 1. Build the three CSR arrays:
        indptr  (N+1,) int64: indptr[0] = 0, indptr[i+1] = indptr[i] + (number of distinct kept
                features of document i)
        indices (nnz,) int64: their column numbers, SORTED within each row
        data    (nnz,) float32: their counts (or 1.0)
    and return CSRMatrix(data, indices, indptr, (N, len(vocab))).

    APPROACH: stuck? `tglm hint 1.7` shows the approach one step at a time.

    EXAMPLE: docs [["b", "a", "b"], ["z"]] with vocab {"a": 0, "b": 1}:
             indptr [0, 2, 2], indices [0, 1], data [1., 2.]; toarray() -> [[1, 2], [0, 0]]
    """
    raise NotImplementedError("Week 1, task 1.7: the (N, V) document-term count matrix, in CSR form.")


def tfidf(X: CSRMatrix, smooth_idf=True, sublinear_tf=False, idf=None):
    """Task 1.8: TF-IDF weighting with l2-normalized rows (scikit-learn's TfidfTransformer).

    TODO: return (Y, idf) where idf (V,) float32 and Y is a CSRMatrix with X's sparsity pattern:
        df(t)   = number of rows of X where column t is non-zero
        idf(t)  = ln((1 + N) / (1 + df(t))) + 1     if smooth_idf  ("one extra document with every word")
                = ln(N / df(t)) + 1                 otherwise
        tf      = X's value, or 1 + ln(value) if sublinear_tf
        Y[i, t] = tf * idf(t) / ||row i||_2   (the norm of the tf*idf row; an all-zero row stays zero)
    If `idf` is given (computed on the training set), use it instead of computing it from X: that is
    how a test set is transformed.

    APPROACH: stuck? `tglm hint 1.8` shows the approach one step at a time.

    EXAMPLE: X = [[3, 0], [1, 1]] (smooth): df = [2, 1], idf = [1, 1 + ln(1.5)] = [1, 1.405];
             row 0 -> [1, 0]; row 1 -> [1, 1.405] / 1.725 = [0.580, 0.815]

    HINT: compute in float64 and cast the result to float32; ln is math.log / np.log, not log10.
    """
    raise NotImplementedError("Week 1, task 1.8: TF-IDF weighting with l2-normalized rows (scikit-learn's TfidfTransformer).")

