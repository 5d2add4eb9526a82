"""Extractive QA pieces (models/span_qa.py, datasets/squad_windows.py) and the week-5 QA scripts' data rules.
Seconds: tiny models and the shipped course-base-8m tokenizer only."""
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))     # the repo root holds solutions/

from tinygrad_lm.checkpoints.hub import resolve  # noqa: E402
from tinygrad_lm.datasets.squad_windows import answer_token_span, make_windows, token_char_spans  # noqa: E402
from tinygrad_lm.gradcheck import gradcheck  # noqa: E402
from tinygrad_lm.models import GPTConfig  # noqa: E402
from tinygrad_lm.models.span_qa import (SpanQA, allowed_mask, best_span, predict, span_logits,  # noqa: E402
                                        span_loss, window_logits)


@pytest.fixture(scope="module")
def tok():
    from tinygrad_lm.models.pretrained import load_tokenizer
    return load_tokenizer(str(resolve("course-base-8m")))


CONTEXT = ("Frédéric Chopin was born in Żelazowa Wola in 1810. He moved to Paris in 1831 and never returned "
           "to Poland. His music is mostly for the piano. ") * 3


def test_token_char_spans_cover_the_text_byte_for_byte(tok):
    ids, starts, ends = token_char_spans(tok, CONTEXT)
    assert len(ids) == len(starts) == len(ends)
    assert starts[0] == 0 and ends[-1] == len(CONTEXT)
    assert (starts[1:] >= starts[:-1]).all() and (ends >= starts).all()
    # ASCII tokens are exactly the characters they cover
    for i, s, e in zip(ids, starts, ends):
        piece = tok.decode([i])
        if piece.isascii():
            assert CONTEXT[s:e] == piece
    a = CONTEXT.index("Paris")
    s, e = answer_token_span(starts, ends, a, "Paris")
    assert CONTEXT[starts[s]:ends[e]].strip() == "Paris"


def test_windows_stride_and_targets(tok):
    a = CONTEXT.rindex("1831")
    ws = make_windows(tok, "When did he move to Paris?", CONTEXT, sep_id=8191, max_len=64, doc_stride=16,
                      max_question=16,
                      answer=(a, "1831"))
    assert len(ws) > 2
    firsts = [w["ctx_first"] for w in ws]
    assert firsts == list(range(0, 16 * len(ws), 16))
    n_ctx = len(token_char_spans(tok, CONTEXT)[0])
    assert firsts[-1] + len(ws[-1]["starts"]) == n_ctx                # the last window reaches the end
    hits = [w for w in ws if w["start"] > 0]
    assert hits, "the answer must be inside at least one window"
    for w in ws:
        assert len(w["ids"]) % 32 == 0 and len(w["ids"]) <= 64 and w["ids"][0] == 8191
        if w["start"]:
            s, e = w["start"] - w["ctx_offset"], w["end"] - w["ctx_offset"]
            assert CONTEXT[w["starts"][s]:w["ends"][e]].strip() == "1831"
        else:
            assert w["end"] == 0                                      # no answer here: [CLS]
    assert all(w["start"] == w["end"] == 0 for w in make_windows(tok, "Who?", CONTEXT, 8191, 64, 16, 16))
    with pytest.raises(ValueError, match="doc_stride"):
        make_windows(tok, "Who?", CONTEXT, 8191, 64, 200, 16)


def test_span_head_gradcheck():
    rng = np.random.default_rng(0)
    h, w, b = rng.normal(size=(2, 5, 3)), rng.normal(size=(3, 2)), rng.normal(size=2)
    allowed = np.array([[1, 0, 1, 1, 1], [1, 0, 0, 1, 1]], dtype=bool)
    s, e = np.array([2, 0]), np.array([3, 4])
    assert gradcheck(lambda h, w, b: span_loss(*span_logits(h, w, b), s, e, allowed), h, w, b)


def test_masked_positions_get_no_probability():
    st = np.zeros((1, 4), dtype=np.float32)
    from tinygrad_lm.tensor import Tensor
    loss = span_loss(Tensor(st), Tensor(st), np.array([1]), np.array([1]), np.array([[1, 1, 0, 0]], dtype=bool))
    assert abs(loss.item() - np.log(2)) < 1e-5                         # 2 allowed positions, uniform


def test_best_span_and_predict():
    assert best_span([0, 5, 1], [0, 1, 4]) == (1, 2, 9.0)
    assert best_span([0, 5, 1], [0, 1, 4], max_answer=1) == (1, 1, 6.0)
    assert best_span([0, 0, 9], [9, 0, 0])[:2] != (2, 0)              # never e < s
    ctx = "Paris is big"
    w = {"ctx_offset": 2, "starts": np.array([0, 5, 8]), "ends": np.array([5, 8, 12])}
    st = np.array([1.0, -9, 4, 0, 0, -9]); en = np.array([1.0, -9, 3, 0, 0, -9])
    text, na = predict([w], [st], [en], ctx)
    assert text == "Paris" and na == pytest.approx(2.0 - 7.0)
    st2, en2 = st.copy(), en.copy()
    st2[0] = en2[0] = 10.0                                            # the null score wins
    assert predict([w], [st2], [en2], ctx)[1] > 0


def test_span_model_trains_on_one_batch():
    from tinygrad_lm.random import manual_seed
    manual_seed(0)
    model = SpanQA(GPTConfig(vocab_size=11, block_size=8, n_layer=1, n_head=2, n_embd=8))
    ws = [{"ids": np.array([10, 1, 10, 2, 3, 4, 10, 10]), "ctx_offset": 3, "starts": np.zeros(3), "start": 4,
           "end": 5},
          {"ids": np.array([10, 1, 10, 5, 6, 7, 10, 10]), "ctx_offset": 3, "starts": np.zeros(3), "start": 0,
           "end": 0}]
    ids, allowed = np.stack([w["ids"] for w in ws]), allowed_mask(ws)
    assert allowed[0].tolist() == [True, False, False, True, True, True, False, False]
    opt = model.configure_optimizers(0.0, 1e-2)
    losses = []
    for _ in range(15):
        _, _, loss = model(ids, np.array([4, 0]), np.array([5, 0]), allowed)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.5 * losses[0]
    st, en = window_logits(model, ws)
    assert len(st) == 2 and st[0].shape == (8,)
    with pytest.raises(ValueError, match="allowed"):
        model(ids, np.array([4, 0]), np.array([5, 0]))


def test_qa_scripts_split_and_negatives(tok):
    from solutions.week5.extractive_qa import negatives, split_articles
    from solutions.week5.generative_qa import NO_ANSWER, example
    recs = [{"id": f"q{i}", "title": "A" if i < 8 else "B", "context": f"Paragraph {i % 4} says {i}.",
             "question": "What?", "answers": {"text": [f"says {i}"], "answer_start": [12]}, "is_impossible": False}
            for i in range(10)]
    train, held = split_articles(recs)
    assert {r["title"] for r in held} == {"B"} and len(train) == 8     # the last article, whole
    neg = negatives(train, 1, np.random.default_rng(0))
    assert len(neg) == len(train)
    for n in neg:
        assert n["is_impossible"] and n["answers"]["text"] == [] and n["id"].endswith("-neg0")
        src = next(r for r in train if r["id"] == n["id"][:-5])
        assert n["context"] != src["context"] and src["answers"]["text"][0] not in n["context"]
    x, y = example(tok, recs[0], 8191, 64)
    assert len(x) == len(y) and (y[:-3] == -100).all()                # loss on the answer + eos only
    assert tok.decode([int(t) for t in y[y >= 0][:-1]]).strip() == "says 0" and y[-1] == 8191
    xn, yn = example(tok, neg[0], 8191, 64)
    assert tok.decode([int(t) for t in yn[yn >= 0][:-1]]) == NO_ANSWER


def test_extractive_qa_script_smoke(tmp_path):
    """train (2 steps on 4 questions) -> threshold.json -> evaluate on 3 dev questions, with course-base-8m."""
    import json
    from solutions.week5 import extractive_qa
    out = tmp_path / "span"
    assert extractive_qa.main(["train", "--encoder", "course-base-8m", "--max-steps", "2", "--eval-every", "2",
                               "--limit", "4", "--held-out-limit", "2", "--val-windows", "2", "--batch-size", "2",
                               "--max-len", "128", "--doc-stride", "64", "--out", str(out)]) == 0
    thr = json.loads((out / "threshold.json").read_text())
    assert 0.0 <= thr["na_prob_thresh"] <= 1.0 and thr["held_out"]["total"] >= 2
    assert extractive_qa.main(["evaluate", "--checkpoint", str(out / "best.safetensors"), "--limit", "3",
                               "--out", str(tmp_path / "dev.json")]) == 0
    res = json.loads((tmp_path / "dev.json").read_text())
    assert res["scores"]["total"] == 3 and set(res["predictions"]) == set(res["na_probs"])


def test_extractive_qa_written_kind_smoke(tmp_path, capsys):
    """--neg-kinds ...,written puts the written questions of the training paragraphs in use into training, and
    --held-neg-kinds written chooses the threshold on the held-out answerable + written questions;
    evaluate --held-out-only then reports that threshold without reading dev."""
    import json
    from solutions.week5 import extractive_qa
    out = tmp_path / "span"
    assert extractive_qa.main(["train", "--encoder", "course-base-8m", "--max-steps", "1", "--eval-every", "1",
                               "--limit", "4", "--held-out-limit", "2", "--val-windows", "2", "--batch-size", "2",
                               "--max-len", "128", "--doc-stride", "64", "--neg-kinds", "negation,written",
                               "--written-repeat", "2", "--held-neg-kinds", "written", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "written 4" in printed                     # the 4 questions' paragraph(s) carry 2 written questions, x2
    thr = json.loads((out / "threshold.json").read_text())
    assert thr["held_out"]["total"] == 2 + 190
    assert extractive_qa.main(["evaluate", "--checkpoint", str(out / "best.safetensors"), "--held-neg-kinds",
                               "written", "--held-out-only", "--out", str(tmp_path / "held.json")]) == 0
    held = json.loads((tmp_path / "held.json").read_text())
    assert held["held_out_threshold"]["total"] == 192 and "scores" not in held
    assert "dev not read" in capsys.readouterr().out
