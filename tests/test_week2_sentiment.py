"""solutions/week2/sentiment.py: featurizers, models, checkpoint round trip, predict (no full training)."""
import sys
from pathlib import Path

import numpy as np
import pytest

from tinygrad_lm import Tensor, manual_seed

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))     # the repo root holds solutions/
from solutions.week2 import sentiment as sent  # noqa: E402

TEXTS = ["@united thanks for the great flight!", "@united my bag is lost again, terrible",
         "@delta when is the next flight to NYC?", "great crew, great seats", "lost my bag :(",
         "flight delayed again", "thanks @delta", "what time is boarding?"]


def test_stratified_split_keeps_class_shares():
    y = np.array([0] * 80 + [1] * 30 + [2] * 10)
    keep, held = sent.stratified_split(y, 0.1, seed=0)
    assert len(np.intersect1d(keep, held)) == 0 and len(keep) + len(held) == len(y)
    assert np.bincount(y[held]).tolist() == [8, 3, 1]
    keep2, held2 = sent.stratified_split(y, 0.1, seed=0)
    assert np.array_equal(held, held2)


def test_token_ids_pad_unk_and_state():
    f = sent.TokenIdFeatures(min_df=2, max_len=6).fit(TEXTS)
    ids = f.transform(["great flight zzzunseen", "a b c d e f g h"])
    assert ids.shape == (2, 6) and ids.dtype == np.int64
    assert ids[0, 2] == sent.UNK and ids[0, 3] == sent.PAD                  # unseen word, then padding
    assert f.itos[ids[0, 0]] == "great"
    g = sent.TokenIdFeatures.from_state(*f.state())
    assert np.array_equal(g.transform(TEXTS), f.transform(TEXTS))


def test_tfidf_features_state_round_trip():
    f = sent.TfidfFeatures(min_df=1, ngram_max=2).fit(TEXTS)
    tensors, meta = f.state()
    g = sent.TfidfFeatures.from_state(tensors, meta)
    a, b = f.transform(TEXTS).toarray(), g.transform(TEXTS).toarray()
    assert a.shape == (len(TEXTS), f.size)
    np.testing.assert_allclose(a, b, rtol=1e-6)


def test_embed_mlp_mean_ignores_padding():
    manual_seed(0)
    m = sent.EmbedMLP(V=10, C=4, H=8, dropout=0.0).eval()
    ids = np.array([[2, 3, 0, 0], [2, 3, 0, 0]])
    before = m(ids).data.copy()
    m.emb.weight.data[sent.PAD] += 100.0                                    # padding row must not matter
    np.testing.assert_allclose(m(ids).data, before, rtol=1e-6)
    longer = np.array([[2, 3, 0, 0, 0, 0]])
    np.testing.assert_allclose(m(longer).data, before[:1], rtol=1e-6)       # more padding, same mean


def test_tfidf_mlp_forward_backward():
    manual_seed(0)
    f = sent.TfidfFeatures(min_df=1).fit(TEXTS)
    X = f.transform(TEXTS)
    m = sent.TfidfMLP(f.size, 16, dropout=0.5)
    logits = m(X[np.arange(4)])
    assert logits.shape == (4, 3) and logits.dtype == np.float32
    import tinygrad_lm.functional as F
    F.cross_entropy(logits, Tensor(np.array([0, 1, 2, 0]))).backward()
    assert m.W1.grad is not None and m.W1.grad.shape == (f.size, 16)
    used = np.unique(X[np.arange(4)].indices)
    unused = np.setdiff1d(np.arange(f.size), used)
    assert np.all(m.W1.grad[unused] == 0), "only the features present in the batch get a gradient"


@pytest.mark.parametrize("kind", ["tfidf", "embed"])
def test_checkpoint_round_trip_and_predict(tmp_path, kind, capsys):
    manual_seed(0)
    cfg = dict(sent.CONFIGS[kind], min_df=1)
    feats = sent.FEATURES[kind](**{k: cfg[k] for k in cfg if k in ("min_df", "ngram_max", "max_len")}).fit(TEXTS)
    model = sent.build(kind, cfg, feats.size).eval()
    path = tmp_path / f"{kind}.safetensors"
    classes = ["negative", "neutral", "positive"]
    sent.save_classifier(str(path), kind, cfg, classes, feats, model, test={"accuracy": 0.5})
    feats2, model2, classes2 = sent.load_classifier(str(path))
    assert classes2 == classes
    np.testing.assert_array_equal(model2(feats2.transform(TEXTS)).data, model(feats.transform(TEXTS)).data)
    assert sent.main(["predict", "--ckpt", str(path), "great crew", "lost bag"]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 2 and out[0].split()[0] in classes


def test_missing_checkpoint_message(tmp_path):
    with pytest.raises(FileNotFoundError, match="train one first"):
        sent.load_classifier(str(tmp_path / "nope.safetensors"))
