"""Week 1 autograder: vocabulary (1.6), bag of words (1.7), TF-IDF (1.8).

The reference is the library's CountVectorizer / TfidfTransformer, which match scikit-learn on the
recorded fixtures in tests/fixtures/text/.
"""
import numpy as np
import pytest

from tinygrad_lm.course import assert_close, assert_equal, load
from tinygrad_lm.datasets import load_rt_polarity
from tinygrad_lm.ops.sparse import CSRMatrix
from tinygrad_lm.text.vectorize import CountVectorizer, TfidfTransformer

mod = load("week1.vectorize")
DOCS = [t.split() for t in load_rt_polarity("train").texts[:300]]


def _ref_vocab(**kw):
    v = CountVectorizer(analyzer=lambda d: d, **kw)
    v.fit(DOCS)
    return v


# ---- 1.6 -------------------------------------------------------------------------------------
@pytest.mark.task("1.6", points=2, title="vocabulary with min_df / max_df / max_features")
def test_vocabulary_small():
    docs = [["a", "b", "b"], ["b", "c"]]
    assert_equal(mod.build_vocabulary(docs), {"a": 0, "b": 1, "c": 2}, name="build_vocabulary(docs)",
                 hint="keep every feature whose document frequency df lies in [min_df, max_df * N]; df counts "
                      "DOCUMENTS ('b' is in 2 of the 2 documents, df = 2, even though it occurs 3 times); "
                      "columns are numbered in alphabetical order")
    assert_equal(mod.build_vocabulary(docs, min_df=2), {"b": 0}, name="build_vocabulary(docs, min_df=2)",
                 hint="df counts DOCUMENTS containing the feature, not occurrences")
    assert_equal(mod.build_vocabulary(docs, max_df=0.5), {"a": 0, "c": 1}, name="build_vocabulary(docs, max_df=0.5)",
                 hint="a float max_df is a fraction of the number of documents")


@pytest.mark.task("1.6", points=2, title="vocabulary with min_df / max_df / max_features")
@pytest.mark.parametrize("kw", [{}, {"min_df": 3}, {"max_df": 0.1}, {"min_df": 0.01, "max_df": 20},
                                {"max_features": 50}, {"min_df": 2, "max_features": 200}])
def test_vocabulary_matches_reference(kw):
    got = mod.build_vocabulary(DOCS, **kw)
    expected = _ref_vocab(**kw).vocabulary_
    missing, extra = sorted(set(expected) - set(got))[:5], sorted(set(got) - set(expected))[:5]
    assert_equal(len(got), len(expected), name=f"vocabulary size with {kw}",
                 hint=f"missing e.g. {missing}, unexpected e.g. {extra}; ties in max_features go alphabetically")
    assert_equal({k: int(v) for k, v in got.items()}, {k: int(v) for k, v in expected.items()},
                 name=f"vocabulary columns with {kw}", hint="column j = j-th feature in alphabetical order")


# ---- 1.7 -------------------------------------------------------------------------------------
@pytest.mark.task("1.7", points=2, title="bag of words (CSR)")
def test_bag_of_words_small():
    X = mod.bag_of_words([["b", "a", "b"], ["z"]], {"a": 0, "b": 1})
    assert isinstance(X, CSRMatrix), f"bag_of_words must return a CSRMatrix, got {type(X).__name__}"
    assert_equal(X.indptr.tolist(), [0, 2, 2], name="indptr", hint="indptr[i+1] - indptr[i] = distinct features of doc i")
    assert_equal(X.indices.tolist(), [0, 1], name="indices", hint="column numbers, sorted within each row")
    assert_close(X.data, [1.0, 2.0], name="data (counts)")
    assert_close(mod.bag_of_words([["b", "a", "b"]], {"a": 0, "b": 1}, binary=True).data, [1.0, 1.0],
                 name="data with binary=True")


@pytest.mark.task("1.7", points=2, title="bag of words (CSR)")
@pytest.mark.parametrize("binary", [False, True])
def test_bag_of_words_matches_reference(binary):
    ref = _ref_vocab(min_df=2)
    vocab = ref.vocabulary_
    ref.binary = binary
    expected = ref.transform(DOCS)
    got = mod.bag_of_words(DOCS, vocab, binary=binary)
    assert_equal(got.shape, expected.shape, name="shape (N, V)")
    assert_equal(got.indptr.tolist(), expected.indptr.tolist(), name="indptr")
    assert_equal(got.indices.tolist(), expected.indices.tolist(), name="indices", hint="sort columns within a row")
    assert_close(got.data, expected.data, name=f"data (binary={binary})")


# ---- 1.8 -------------------------------------------------------------------------------------
@pytest.mark.task("1.8", points=2, title="TF-IDF (smooth_idf, sublinear_tf, l2 norm)")
def test_tfidf_small():
    X = CSRMatrix.from_dense(np.array([[3, 0], [1, 1], [0, 0]], dtype=np.float32))
    Y, idf = mod.tfidf(X)
    assert_close(idf, [1 + np.log(4 / 3), 1 + np.log(4 / 2)], name="idf (smooth)",
                 hint="idf = ln((1 + N) / (1 + df)) + 1, natural log")
    r1 = np.array([idf[0], idf[1]]) / np.hypot(idf[0], idf[1])
    assert_close(Y.toarray(), [[1, 0], r1, [0, 0]], atol=1e-6, name="tfidf rows",
                 hint="divide each row by its l2 norm; leave an all-zero row at zero (no NaN)")


@pytest.mark.task("1.8", points=2, title="TF-IDF (smooth_idf, sublinear_tf, l2 norm)")
@pytest.mark.parametrize("smooth_idf,sublinear_tf", [(True, False), (False, False), (True, True), (False, True)])
def test_tfidf_matches_reference(smooth_idf, sublinear_tf):
    counts = _ref_vocab(min_df=2).transform(DOCS)
    ref = TfidfTransformer(smooth_idf=smooth_idf, sublinear_tf=sublinear_tf)
    expected = ref.fit_transform(counts)
    Y, idf = mod.tfidf(counts, smooth_idf=smooth_idf, sublinear_tf=sublinear_tf)
    assert_close(idf, ref.idf_, rtol=1e-5, name=f"idf (smooth_idf={smooth_idf})",
                 hint="without smoothing: idf = ln(N / df) + 1")
    assert_close(Y.toarray(), expected.toarray(), atol=1e-6, name=f"tfidf(smooth_idf={smooth_idf}, "
                 f"sublinear_tf={sublinear_tf})", hint="sublinear: tf = 1 + ln(count), applied before idf and norm")
    Y2, _ = mod.tfidf(counts[:10], smooth_idf=smooth_idf, sublinear_tf=sublinear_tf, idf=ref.idf_)
    assert_close(Y2.toarray(), expected.toarray()[:10], atol=1e-6, name="tfidf with a given idf",
                 hint="if idf is passed in, use it instead of computing df on X")
