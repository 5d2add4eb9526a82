"""Same-paragraph made-up unanswerable questions (datasets/qa_negatives.py), the question-side lexical feature
(qa_features.question_token_features), its table in SpanQA, and the script's held-out split with them.
Seconds: hand-made records, a tiny model, the course-base-8m tokenizer only."""
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))     # the repo root holds solutions/

from tinygrad_lm.checkpoints.hub import resolve  # noqa: E402
from tinygrad_lm.datasets.qa_features import QUESTION_FEATURE_SIZE, question_token_features  # noqa: E402
from tinygrad_lm.datasets.qa_negatives import (ANTONYMS, KINDS, entity_pools, load_written,  # noqa: E402
                                               make_unanswerable, negate, swap_antonym, swap_entity, word_kind)
from tinygrad_lm.datasets.squad_windows import make_windows, token_char_spans  # noqa: E402
from tinygrad_lm.models import GPTConfig  # noqa: E402
from tinygrad_lm.models.span_qa import SpanQA  # noqa: E402
from tinygrad_lm.random import manual_seed  # noqa: E402

CHOPIN = "Chopin moved to Paris in 1831 with 3 friends. Paris was the largest city he had seen."
ROME = "The Colosseum in Rome was finished in 80 by Titus. Vespasian began it; 50000 people sat there."


def _rec(i, title, context, question, answer):
    return {"id": f"q{i}", "title": title, "context": context, "question": question, "is_impossible": False,
            "answers": {"text": [answer], "answer_start": [context.index(answer)]}}


RECORDS = [_rec(0, "Chopin", CHOPIN, "In what year did Chopin move to Paris?", "1831"),
           _rec(1, "Chopin", CHOPIN, "What was the largest city Chopin had seen?", "Paris"),
           _rec(2, "Chopin", "Chopin wrote 21 nocturnes. He died in 1849.", "How many nocturnes did Chopin write?",
                "21"),
           _rec(3, "Rome", ROME, "Who finished the Colosseum?", "Titus"),
           _rec(4, "Rome", "Rome is the capital of Italy.", "Rome is the capital of what country?", "Italy")]


@pytest.fixture(scope="module")
def tok():
    from tinygrad_lm.models.pretrained import load_tokenizer
    return load_tokenizer(str(resolve("course-base-8m")))


def test_word_kinds():
    assert word_kind("1831") == "year" and word_kind("21") == "number" and word_kind("50000") == "number"
    assert word_kind("Paris") == "capital" and word_kind("Paris", first=True) is None
    assert word_kind("The") is None and word_kind("city") is None and word_kind("Al") is None  # stop word, short


def test_entity_swap_uses_another_articles_word_of_the_same_kind_absent_here():
    pools = entity_pools(RECORDS)
    assert "1831" in pools["Chopin"]["year"] and "Titus" in pools["Rome"]["capital"]
    rng = np.random.default_rng(0)
    for _ in range(20):
        q = swap_entity("In what year did Chopin move to Paris?", CHOPIN, "Chopin", pools, rng)
        changed = set(q.rstrip("?").split()) - set("In what year did Chopin move to Paris".split())
        assert len(changed) == 1, q                               # exactly one word replaced
        new = changed.pop()
        assert new in pools["Rome"]["capital"] and new not in CHOPIN, q     # Chopin's article never lends
    assert swap_entity("When did he arrive?", CHOPIN, "Chopin", pools, rng) is None   # nothing to swap
    q = swap_entity("How many people sat in the Colosseum in 80?", ROME, "Rome", pools, np.random.default_rng(1))
    assert q is not None and ("1831" in q or "1849" in q or "3" in q or "21" in q or "Chopin" in q
                              or "Paris" in q), q                 # 80 -> a Chopin number, Colosseum -> a name


def test_negation_and_antonym():
    rng = np.random.default_rng(0)
    assert negate("In what year did Chopin move to Paris?", rng) == "In what year did not Chopin move to Paris?"
    outs = {negate("What was the largest city?", np.random.default_rng(s)) for s in range(10)}
    assert outs == {"What was not the largest city?", "What was never the largest city?"}
    assert negate("Who finished the Colosseum?", rng) is None           # no auxiliary verb
    assert swap_antonym("What was the largest city Chopin had seen?", CHOPIN) == \
        "What was the smallest city Chopin had seen?"
    assert swap_antonym("Largest city?", "A town.") == "Smallest city?"  # first letter's case kept
    assert swap_antonym("What was the largest city?", "the smallest and the largest") is None  # antonym present
    assert swap_antonym("Where is Long Island?", "An island.") is None  # a name, not an adjective
    assert all(ANTONYMS[ANTONYMS[w]] == w or ANTONYMS[w] in ANTONYMS for w in ANTONYMS)


def test_make_unanswerable_records():
    out = make_unanswerable(RECORDS, KINDS, per_question=2, rng=np.random.default_rng(0))
    assert out == make_unanswerable(RECORDS, KINDS, per_question=2, rng=np.random.default_rng(0))  # seeded
    by_src = {}
    for r in out:
        assert r["is_impossible"] and r["answers"] == {"text": [], "answer_start": []}
        assert r["neg_kind"] in KINDS and r["id"].rsplit("-", 1)[1].startswith(r["neg_kind"])
        src = next(x for x in RECORDS if x["id"] == r["id"].rsplit("-", 1)[0])
        by_src.setdefault(src["id"], []).append(r["neg_kind"])
        if r["neg_kind"] == "other":                              # the question on another paragraph
            assert r["question"] == src["question"] and r["context"] != src["context"]
            assert src["answers"]["text"][0] not in r["context"]
        else:                                                     # the SAME paragraph, another question
            assert r["context"] == src["context"] and r["question"] != src["question"]
    assert all(len(k) <= 2 and len(set(k)) == len(k) for k in by_src.values())   # per_question, no repeats
    assert "q3" not in by_src or by_src["q3"] == ["entity"] or "negation" not in by_src["q3"]
    same = make_unanswerable(RECORDS, ("negation",), 1, np.random.default_rng(0))
    assert {r["id"] for r in same} == {"q0-negation0", "q1-negation0", "q2-negation0", "q4-negation0"}  # q3: none
    assert make_unanswerable(RECORDS, ("other",), 0, np.random.default_rng(0)) == []
    with pytest.raises(ValueError, match="unknown kinds"):
        make_unanswerable(RECORDS, ("paraphrase",))
    with pytest.raises(ValueError, match="at least one"):
        make_unanswerable(RECORDS, ())


def test_question_token_features(tok):
    q = "Did Chopin moves to Berlin?"
    _, s, e = token_char_spans(tok, q)
    f = question_token_features(q, CHOPIN, s, e)
    pieces = [q[a:b].strip() for a, b in zip(s, e)]
    got = dict(zip(pieces, f.tolist()))
    assert pieces[:2] == ["D", "id"] and f[0] == f[1] == 1        # BPE pieces of one stop word: its value
    assert got["to"] == 1 and got["?"] == 1                        # stop word, punctuation
    assert got["Chopin"] == 2 and got["moves"] == 3                # in the paragraph; by stem ("moved")
    assert got["Ber"] == got["lin"] == 4                           # "Berlin": a content word absent here
    assert f.min() >= 1 and f.max() < QUESTION_FEATURE_SIZE
    ws = make_windows(tok, q, CHOPIN, 8191, max_len=64, doc_stride=8, max_question=16, features=True,
                      question_features=True)
    w = ws[0]
    assert w["feats"].shape == (len(w["ids"]), 5)
    assert (w["feats"][1:1 + len(f), 4] == f).all() and w["feats"][0, 4] == 0
    assert (w["feats"][w["ctx_offset"]:, 4] == 0).all() and (w["feats"][:w["ctx_offset"], :4] == 0).all()
    with pytest.raises(ValueError, match="needs features"):
        make_windows(tok, q, CHOPIN, 8191, 64, 8, 16, question_features=True)


def test_span_model_question_table_starts_at_zero_and_loads_old_checkpoints():
    config = GPTConfig(vocab_size=11, block_size=8, n_layer=1, n_head=2, n_embd=8)
    manual_seed(0)
    old = SpanQA(config, lexical_features=True)
    for t in old.lex:                                             # a trained 4-feature reader
        t.weight.data[...] = np.random.default_rng(1).normal(size=t.weight.data.shape)
    new = SpanQA(config, lexical_features=True, question_features=True)
    assert len(new.lex) == 5
    with pytest.raises(Exception, match="missing"):
        new.load_state_dict(old.state_dict())                     # strict: lex.4 is missing
    new.load_state_dict(old.state_dict(), strict=False)
    old.eval(), new.eval()
    ids = np.array([[10, 1, 10, 2, 3, 4, 10, 10]])
    feats = np.zeros((1, 8, 5), dtype=np.int64)
    feats[0, 3:6, :4] = [1, 2, 3, 1]
    feats[0, 1, 4] = 4
    assert np.allclose(old(ids, feats=feats[:, :, :4])[0].data, new(ids, feats=feats)[0].data)
    with pytest.raises(ValueError, match="shape"):
        new(ids, feats=feats[:, :, :4])
    with pytest.raises(ValueError, match="needs lexical_features"):
        SpanQA(config, question_features=True)


def test_script_held_out_split_is_same_paragraph_and_has_no_dev_text():
    from solutions.week5.extractive_qa import data_splits
    from tinygrad_lm.datasets.squad import load_squad_v2_dev
    train, held, held_all = data_splits(40, ("entity", "negation", "antonym"))
    made = held_all[len(held):]
    assert len(held) == 40 and 30 <= len(made) <= 40
    src = {r["id"]: r for r in held}
    assert all(r["is_impossible"] and r["context"] == src[r["id"].rsplit("-", 1)[0]]["context"] for r in made)
    assert {r["title"] for r in held_all}.isdisjoint({r["title"] for r in train})
    dev = load_squad_v2_dev()
    dev_text = {r["context"] for r in dev} | {r["question"] for r in dev}
    assert not any(r["context"] in dev_text or r["question"] in dev_text for r in train + held_all)
    _, _, old = data_splits(40)                                   # the original split is unchanged
    assert all(r["context"] != src[r["id"].rsplit("-", 1)[0]]["context"] for r in old[len(held):])


def test_noanswer_auc():
    from solutions.week5.qa_noanswer_auc import auc
    recs = [{"id": str(i), "is_impossible": i >= 2} for i in range(4)]
    assert auc({"0": .1, "1": .2, "2": .8, "3": .9}, recs) == 1.0          # perfect separation
    assert auc({"0": .9, "1": .8, "2": .2, "3": .1}, recs) == 0.0
    assert auc({"0": .5, "1": .5, "2": .5, "3": .5}, recs) == 0.5          # ties count half
    assert auc({"0": .1, "1": .8, "2": .2, "3": .9}, recs) == 0.75
    with pytest.raises(ValueError, match="both"):
        auc({"0": .1}, recs[:1])


def test_absent_words_counts_the_question_feature_4():
    from solutions.week5.qa_noanswer_auc import absent_words
    ctx = "Beyonce left the group Destinys Child in 2001."
    # "leave" (stem leav) and "Vienna" are absent; "Beyonce", "group" match; "When", "did", "the" are stop words
    assert absent_words("When did Beyonce leave the Vienna group?", ctx) == 2
    assert absent_words("When did Beyonce leave the group?", ctx) == 1


@pytest.mark.parametrize("argv,expect", [
    (["train", "--neg-kinds", "entity,bogus"], "--neg-kinds 'entity,bogus': choose among"),
    (["train", "--neg-kinds", ","], "--neg-kinds ',': choose among"),
    (["train", "--neg-kinds", "entity", "--held-neg-kinds", "nope"], "--held-neg-kinds 'nope': choose among"),
    (["train", "--question-features"], "--question-features needs --lexical-features"),
    (["train", "--neg-kinds", "written", "--written-repeat", "0"], "--written-repeat must be >= 1"),
    (["evaluate", "--checkpoint", "x.safetensors", "--held-out-only"], "--held-out-only needs --held-neg-kinds"),
    (["evaluate", "--checkpoint", "x.safetensors", "--held-out-only", "--held-neg-kinds", "written", "--lexical-prior"],
     "--held-out-only needs"),
])
def test_bad_kinds_exit_2(tmp_path, capsys, argv, expect):
    from solutions.week5.extractive_qa import main
    with pytest.raises(SystemExit) as e:
        main(argv + ["--out", str(tmp_path / "run")])
    assert e.value.code == 2 and expect in capsys.readouterr().err
    assert not (tmp_path / "run").exists()


def _written(tmp_path, rows):
    import json
    path = tmp_path / "w.jsonl"
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows), encoding="utf-8")
    return path


def test_load_written_places_questions_on_their_paragraph(tmp_path):
    recs = [{**r, "paragraph_index": 0 if r["context"] in (CHOPIN, ROME) else 1} for r in RECORDS]
    row = {"title": "Chopin", "paragraph_index": 0, "question": "In what year did Chopin leave Paris?",
           "category": "antonym", "plausible_answer": "1831"}
    out = load_written(_written(tmp_path, [row, {**row, "question": "Who moved to Vienna in 1831?"}]), recs)
    assert [r["id"] for r in out] == ["written-Chopin-0-0", "written-Chopin-0-1"]
    assert all(r["context"] == CHOPIN and r["is_impossible"] and r["answers"]["text"] == [] and
               r["neg_kind"] == "written" and r["category"] == "antonym" for r in out)
    for bad, match in [("{not json", "not JSON"), ({k: v for k, v in row.items() if k != "category"}, "missing field"),
                       ({**row, "paragraph_index": 7}, "not among the given records"),
                       ({**row, "plausible_answer": "1849"}, "plausible_answer '1849' is not in its paragraph")]:
        with pytest.raises(ValueError, match=match):
            load_written(_written(tmp_path, [row, bad]), recs)
    with pytest.raises(FileNotFoundError, match="squad_unanswerable_written"):
        load_written(tmp_path / "absent.jsonl", recs)


def test_shipped_written_questions_are_clean():
    """Every shipped written question loads onto its paragraph (train file: training articles only; held-out
    file: the held-out article only), and none is a dev question or sits on a dev paragraph."""
    from solutions.week5.extractive_qa import WRITTEN_DIR, data_splits, split_articles
    from tinygrad_lm.datasets.squad import load_squad_v1_train, load_squad_v2_dev
    train_recs, held_article = split_articles(load_squad_v1_train())
    train_w = load_written(WRITTEN_DIR / "train.jsonl", train_recs)     # raises on a held-out paragraph
    held_w = load_written(WRITTEN_DIR / "heldout.jsonl", held_article)  # raises on a training paragraph
    assert len(train_w) >= 500 and len(held_w) >= 150
    dev = load_squad_v2_dev()
    dev_text = {r["context"] for r in dev} | {r["question"].strip().lower() for r in dev}
    assert not any(r["context"] in dev_text or r["question"].strip().lower() in dev_text for r in train_w + held_w)
    v1_questions = {r["question"].strip().lower() for r in train_recs + held_article}
    assert not any(r["question"].strip().lower() in v1_questions for r in train_w + held_w)
    _, held, held_all = data_splits(40, ("written",))
    assert held_all[len(held):] == held_w


def test_oracle_f1_at_auc_bounds():
    from solutions.week5.qa_noanswer_auc import oracle_f1_at_auc
    # AUC 0.5: the best of always abstaining (50%) and always answering (F1 0.8 on half the questions = 40%)
    assert oracle_f1_at_auc(0.8, 100, 100, 0.5) == pytest.approx(50.0, abs=0.01)
    assert oracle_f1_at_auc(0.8, 100, 100, 0.999999) == pytest.approx(90.0, abs=0.05)    # separation: 50 + 40
    values = [oracle_f1_at_auc(0.3, 705, 702, a) for a in (0.6, 0.7, 0.8, 0.9, 0.95)]
    assert values == sorted(values) and values[0] < 50.5 < values[-1]
    with pytest.raises(ValueError, match="auc must be in"):
        oracle_f1_at_auc(0.3, 1, 1, 1.0)
    with pytest.raises(ValueError, match="fraction"):
        oracle_f1_at_auc(30, 1, 1, 0.7)


def test_missing_written_file_exits_2_before_any_work(tmp_path, capsys, monkeypatch):
    import solutions.week5.extractive_qa as qa
    monkeypatch.setattr(qa, "WRITTEN_DIR", tmp_path / "absent")
    with pytest.raises(SystemExit) as e:
        qa.main(["train", "--neg-kinds", "entity", "--held-neg-kinds", "written", "--out", str(tmp_path / "run")])
    assert e.value.code == 2 and "--held-neg-kinds written:" in capsys.readouterr().err
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize("argv,expect", [
    (["--needed"], "--needed reads the never-abstaining HasAns F1 from --dev-json"),
    (["--held-kinds", "entity,nope"], "--held-kinds 'entity,nope': choose among"),
])
def test_noanswer_auc_bad_flags_exit_2(capsys, argv, expect):
    from solutions.week5.qa_noanswer_auc import main
    with pytest.raises(SystemExit) as e:
        main(argv)
    assert e.value.code == 2 and expect in capsys.readouterr().err


def test_noanswer_auc_needed_table(tmp_path, capsys):
    import json
    from solutions.week5.qa_noanswer_auc import main
    dev_json = tmp_path / "dev.json"
    dev_json.write_text(json.dumps({"never_abstain": {"HasAns_f1": 23.62}}))
    assert main(["--needed", "--dev-json", str(dev_json), "--out", str(tmp_path / "bound.json")]) == 0
    bound = json.loads((tmp_path / "bound.json").read_text())["bound"]
    assert bound["0.2362"]["0.92"] == pytest.approx(54.93, abs=0.02)       # the README's figure
    assert "AUC 0.92" in capsys.readouterr().out
