"""DrQA's lexical token features (datasets/qa_features.py), their embeddings in SpanQA (models/span_qa.py) and the
count-based lexical span prior (models/span_prior.py). Seconds: tiny models, the course-base-8m tokenizer only."""
import json
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))     # the repo root holds solutions/

from tinygrad_lm import functional as F  # noqa: E402
from tinygrad_lm.checkpoints.hub import resolve  # noqa: E402
from tinygrad_lm.datasets.qa_features import FEATURE_SIZES, token_features, word_features  # noqa: E402
from tinygrad_lm.datasets.squad_windows import make_windows, token_char_spans  # noqa: E402
from tinygrad_lm.gradcheck import gradcheck  # noqa: E402
from tinygrad_lm.models import GPTConfig  # noqa: E402
from tinygrad_lm.models.span_prior import LexicalSpanPrior, cell_index  # noqa: E402
from tinygrad_lm.models.span_qa import SpanQA, allowed_mask, window_logits  # noqa: E402
from tinygrad_lm.random import manual_seed  # noqa: E402

CONTEXT = "Chopin moved to Paris in 1831. Paris was big. He played the piano, and pianos were loud."
QUESTION = "When did chopin move to Paris?"


@pytest.fixture(scope="module")
def tok():
    from tinygrad_lm.models.pretrained import load_tokenizer
    return load_tokenizer(str(resolve("course-base-8m")))


def test_word_features_match_tf_distance_sentence():
    f = word_features(QUESTION, CONTEXT)
    words = "Chopin moved to Paris in 1831 Paris was big He played the piano and pianos were loud".split()
    assert f.shape == (len(words), 4)
    col = dict(zip(("match", "tf", "dist", "sent"), f.T))
    assert col["match"][words.index("Chopin")] == 4            # lowercase match (question says "chopin")
    assert col["match"][words.index("moved")] == 3             # stem match ("move")
    assert col["match"][words.index("Paris")] == 5             # exact
    assert col["match"][words.index("to")] == 2                # a stop word of the question
    assert col["match"][words.index("1831")] == 1
    assert col["tf"][words.index("Paris")] == 3 and col["tf"][words.index("1831")] == 2     # twice, once
    assert col["dist"][words.index("1831")] == 2                # next to the second "Paris"
    assert col["dist"][words.index("big")] == 3                 # two words after it
    assert col["dist"][words.index("Paris")] == 1
    assert list(col["sent"][:6]) == [1] * 6                     # 3 content stems: the best sentence
    assert col["sent"][words.index("was")] == 2 and col["sent"][words.index("loud")] == 4
    assert (word_features("Who?", CONTEXT)[:, 2] == 8).all()    # no content word: "no match" distance
    for k, n in enumerate(FEATURE_SIZES):
        assert f[:, k].min() >= 1 and f[:, k].max() < n
    with pytest.raises(TypeError, match="two strings"):
        word_features(["When"], CONTEXT)


def test_token_features_follow_words_and_windows_carry_them(tok):
    _, starts, ends = token_char_spans(tok, CONTEXT)
    tf = token_features(QUESTION, CONTEXT, starts, ends)
    wf = word_features(QUESTION, CONTEXT)
    for t, (s, e) in enumerate(zip(starts, ends)):
        piece = CONTEXT[s:e].strip()
        if piece == "1831":
            assert tf[t].tolist() == wf[5].tolist()
        if piece == ".":                                          # punctuation: no match, no tf, word's place
            assert tf[t, 0] == 1 and tf[t, 1] == 1 and tf[t, 2] == tf[t - 1, 2]
    ws = make_windows(tok, QUESTION, CONTEXT, 8191, max_len=32, doc_stride=8, max_question=8, features=True)
    for w in ws:
        a, n = w["ctx_offset"], len(w["starts"])
        assert w["feats"].shape == (len(w["ids"]), 4)
        assert (w["feats"][:a] == 0).all() and (w["feats"][a + n:] == 0).all()
        assert (w["feats"][a:a + n] == tf[w["ctx_first"]:w["ctx_first"] + n]).all()
    assert "feats" not in make_windows(tok, QUESTION, CONTEXT, 8191, 32, 8, 8)[0]


def test_feature_embeddings_gradcheck():
    rng = np.random.default_rng(0)
    feats = np.array([[[0, 0], [1, 2], [2, 1]]])                          # (B=1, T=3, K=2)
    x, e0, e1 = rng.normal(size=(1, 3, 4)), rng.normal(size=(3, 4)), rng.normal(size=(3, 4))
    assert gradcheck(lambda x, e0, e1: ((x + F.embedding(feats[:, :, 0], e0) + F.embedding(feats[:, :, 1], e1))
                                        ** 2).sum(), x, e0, e1)


def _tiny_windows():
    # the answer token is marked ONLY by its features (match 5 = it is a question word), never by its id
    ids = np.array([10, 1, 10, 2, 2, 2, 2, 10])
    out = []
    for k, ans in enumerate((3, 4, 5, 6)):
        feats = np.zeros((8, 4), dtype=np.int64)
        feats[3:7] = [1, 2, 7, 4]
        feats[ans] = [5, 2, 1, 1]
        out.append({"ids": ids, "feats": feats, "ctx_offset": 3, "starts": np.zeros(4), "start": ans, "end": ans})
    return out


def test_span_model_with_features_starts_equal_and_learns_from_them():
    config = GPTConfig(vocab_size=11, block_size=8, n_layer=1, n_head=2, n_embd=8)
    ws = _tiny_windows()
    ids, feats, allowed = np.stack([w["ids"] for w in ws]), np.stack([w["feats"] for w in ws]), allowed_mask(ws)
    manual_seed(0)
    plain = SpanQA(config)
    manual_seed(0)
    model = SpanQA(config, lexical_features=True)
    model.load_state_dict({**model.state_dict(), **plain.state_dict()})
    model.eval(), plain.eval()
    a, b = plain(ids)[0].data, model(ids, feats=feats)[0].data
    assert np.allclose(a, b), "zero-initialised feature tables must leave the encoder's output unchanged"
    model.train()
    with pytest.raises(ValueError, match="feats"):
        model(ids)
    with pytest.raises(ValueError, match="shape"):
        model(ids, feats=feats[:, :, :2])
    opt = model.configure_optimizers(0.0, 3e-2)
    s = np.array([w["start"] for w in ws])
    losses = []
    for _ in range(40):
        _, _, loss = model(ids, s, s, allowed, feats)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.3 * losses[0]                                   # identical ids: only features tell
    st, _ = window_logits(model, ws)
    assert [int(np.argmax(x[3:7])) + 3 for x in st] == [3, 4, 5, 6]


def test_lexical_span_prior_counts_and_roundtrips(tmp_path):
    f = np.array([[1, 2, 7, 4], [5, 2, 1, 1], [1, 2, 2, 1], [1, 2, 7, 4]])
    prior = LexicalSpanPrior().fit([(f, 2, 2), (f, 2, 2), (f, 1, 2)])
    st, en = prior.scores(f)
    assert st[2] > st[1] > st[0] == st[3] and en[2] > en[0]
    assert cell_index(f[:1])[0] == np.ravel_multi_index((1, 2, 7, 4), FEATURE_SIZES)
    prior.save(tmp_path / "p.json")
    st2, _ = LexicalSpanPrior.load(tmp_path / "p.json").scores(f)
    assert np.allclose(st, st2)
    with pytest.raises(ValueError, match="outside"):
        LexicalSpanPrior().fit([(f, 3, 9)])
    with pytest.raises(ValueError, match="fit"):
        LexicalSpanPrior().scores(f)


def test_prior_combination_and_script_windows(tok):
    import argparse
    from solutions.week5.extractive_qa import predictions, question_windows, with_prior
    args = argparse.Namespace(max_len=96, doc_stride=16, lexical_features=True)
    r = {"id": "q", "question": QUESTION, "context": CONTEXT, "is_impossible": False,
         "answers": {"text": ["1831"], "answer_start": [CONTEXT.index("1831")]}}
    ws = question_windows(tok, r, 8191, args)
    assert all("feats" in w for w in ws)
    _, c_start, c_end = token_char_spans(tok, CONTEXT)
    k = int(np.flatnonzero(c_end == CONTEXT.index("1831") + 4)[0])             # the answer's token
    prior = LexicalSpanPrior().fit([(token_features(QUESTION, CONTEXT, c_start, c_end), k, k)])
    zeros = [np.zeros(len(w["ids"])) for w in ws]
    st, en = with_prior(ws, zeros, zeros, prior, 2.0)
    assert st[0][0] == 0.0 and st[0][ws[0]["ctx_offset"]] != 0.0               # [CLS] untouched
    from tinygrad_lm.course.proxy import set_impl
    set_impl("solutions")                                                     # best_span of the reference
    try:
        preds, na = predictions([r], [(ws, zeros, zeros)], 5, prior, 1.0, learned=0.0)
    finally:
        set_impl(None)
    assert preds["q"] in ("in", "1831", "in 1831") and 0.0 <= na["q"] <= 1.0     # " in" shares 1831's cell
    json.dumps(na)
