"""Count / TF-IDF vectorizers: identical to scikit-learn on recorded fixtures (sklearn is not imported)."""
import json
from pathlib import Path

import numpy as np
import pytest

from tinygrad_lm.ops.sparse import CSRMatrix
from tinygrad_lm.text.vectorize import CountVectorizer, TfidfTransformer, TfidfVectorizer

FIX = json.loads((Path(__file__).parent / "fixtures" / "text" / "sklearn_vectorizers.json").read_text(encoding="utf-8"))


def _dense(d):
    return CSRMatrix(d["data"], d["indices"], d["indptr"], d["shape"]).toarray()


@pytest.mark.parametrize("case", FIX["cases"], ids=lambda c: f"{c['kind']}-{c['kwargs']}")
def test_matches_sklearn(case):
    kw = dict(case["kwargs"])
    if "ngram_range" in kw:
        kw["ngram_range"] = tuple(kw["ngram_range"])
    vec = (CountVectorizer if case["kind"] == "count" else TfidfVectorizer)(**kw)
    X = vec.fit_transform(FIX["fit_docs"])
    assert vec.get_feature_names_out().tolist() == case["features"]
    assert isinstance(X, CSRMatrix) and X.data.dtype == np.float32
    np.testing.assert_allclose(X.toarray(), _dense(case["fit"]), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(vec.transform(FIX["test_docs"]).toarray(), _dense(case["transform"]),
                               rtol=1e-6, atol=1e-6)
    if "idf" in case:
        np.testing.assert_allclose(vec.idf_, case["idf"], rtol=1e-6)


def test_errors_and_small_cases():
    with pytest.raises(RuntimeError, match="fit"):
        CountVectorizer().transform(["a b"])
    with pytest.raises(ValueError, match="no terms remain"):
        CountVectorizer(min_df=2).fit(["aa bb", "cc"])
    with pytest.raises(TypeError, match="single str"):
        CountVectorizer().fit_transform("aa bb")
    v = CountVectorizer(vocabulary={"bb": 0, "aa": 1})
    np.testing.assert_array_equal(v.fit_transform(["aa bb bb zz"]).toarray(), [[2, 1]])
    t = TfidfTransformer(norm=None, smooth_idf=False).fit_transform(CSRMatrix.from_dense(np.array([[1, 0], [2, 3]], np.float32)))
    np.testing.assert_allclose(t.toarray(), [[1, 0], [2, 3 * (np.log(2) + 1)]], rtol=1e-6)


def test_empty_and_non_text_inputs_name_the_problem():
    with pytest.raises(ValueError, match="empty list of documents"):
        CountVectorizer().fit([])
    with pytest.raises(ValueError, match="empty vocabulary: none of the 2 documents"):
        TfidfVectorizer().fit(["", "a b"])                  # 1-character words are not tokens by default
    with pytest.raises(ValueError, match="empty vocabulary"):
        CountVectorizer(stop_words="english").fit(["the and of"])
    with pytest.raises(TypeError, match="document 1 is a NoneType"):
        CountVectorizer().fit(["aa bb", None])
    with pytest.raises(TypeError, match="document 0 is a float"):
        CountVectorizer(vocabulary={"aa": 0}).transform([float("nan")])
