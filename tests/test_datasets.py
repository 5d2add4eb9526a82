"""Tests for tinygrad_lm.datasets: the shipped TSV corpora load with the documented counts."""
import numpy as np
import pytest

from tinygrad_lm.datasets import classification as datasets


def test_rt_polarity_counts():
    tr, te = datasets.load_rt_polarity("train"), datasets.load_rt_polarity("test")
    assert (len(tr), len(te)) == (9596, 1066)
    assert tr.classes == ["negative", "positive"]
    y = tr.y()
    assert y.dtype == np.int64 and y.sum() == 4798
    assert not set(tr.texts) & set(te.texts)


def test_twitter_counts():
    tr, te = datasets.load_twitter_airline_sentiment("train"), datasets.load_twitter_airline_sentiment("test")
    assert (len(tr), len(te)) == (12984, 1443)
    assert tr.classes == ["negative", "neutral", "positive"]
    assert np.bincount(tr.y()).tolist() == [8173, 2750, 2061]


def test_missing_file_error_names_file(tmp_path, monkeypatch):
    monkeypatch.setattr(datasets, "DATA_DIR", tmp_path)
    with pytest.raises(FileNotFoundError, match="rt_polarity.*train.tsv"):
        datasets.load_rt_polarity("train")
    with pytest.raises(ValueError, match="split"):
        datasets.load_rt_polarity("dev")


def test_load_tsv_generic(tmp_path):
    p = tmp_path / "x.tsv"
    p.write_text("label\ttext\nb\thello world\na\tbye\n", encoding="utf-8")
    ds = datasets.load_tsv(p)
    assert ds.texts == ["hello world", "bye"] and ds.labels == ["b", "a"] and ds.classes == ["a", "b"]
    assert ds.y().tolist() == [1, 0]


def test_every_shipped_data_folder_says_where_it_comes_from():
    """Licence and origin travel with data: each data/<name>/ holds SOURCE.md, each data/pretrained/<model>/ a
    MODEL_CARD.md, and the README's data table names every folder."""
    from tinygrad_lm.paths import DATA_DIR
    readme = (DATA_DIR.parent / "README.md").read_text(encoding="utf-8")
    for d in sorted(p for p in DATA_DIR.iterdir() if p.is_dir() and not p.name.startswith((".", "_"))):
        if d.name == "pretrained":
            for m in sorted(p for p in d.iterdir() if p.is_dir()):
                assert (m / "MODEL_CARD.md").exists(), f"{m} has no MODEL_CARD.md"
                assert f"pretrained/{m.name}" in readme, f"README.md's data table does not name pretrained/{m.name}"
            continue
        assert (d / "SOURCE.md").exists(), f"{d} has no SOURCE.md (licence and origin travel with data)"
        assert f"`{d.name}`" in readme, f"README.md's data table does not name `{d.name}`"
