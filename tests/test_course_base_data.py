"""The course base model's corpus (tinygrad_lm/datasets/course_base.py) and its loaders: counts, splits, and
the promise that no evaluation text is in the training documents."""
from pathlib import Path

import pytest

from tinygrad_lm.datasets import course_base as cb
from tinygrad_lm.datasets.dailydialog import detokenize_turn, load_dailydialog
from tinygrad_lm.datasets.dialogsum import dialogue_turns, load_dialogsum, overlap_key
from tinygrad_lm.datasets.instructions import LOST_CONTEXT, load_dolly, load_instruction_data, split_sizes
from tinygrad_lm.datasets.squad import load_squad_v1_train, load_squad_v2_dev, paragraphs


def test_dialogsum_splits_and_fields():
    train, dev, test = (load_dialogsum(s) for s in ("train", "dev", "test"))
    assert (len(train), len(dev), len(test)) == (12460, 500, 500), "DialogSum sizes differ from SOURCE.md"
    assert len({r["fname"] for r in train}) == 12460, "DialogSum train fnames are not unique"
    assert all(len(r["summaries"]) == 3 for r in test), "DialogSum test must carry three reference summaries"
    assert dialogue_turns("#Person1#: Hi.\n#Person2#: Hello there.") == ["Hi.", "Hello there."]
    with pytest.raises(ValueError, match="unknown DialogSum split"):
        load_dialogsum("validation")


def test_overlap_key_ignores_case_spacing_and_punctuation():
    assert overlap_key(["Good morning , sir . Is it ?", "I ' m fine ."]) == overlap_key(["good morning, sir. Is it?",
                                                                                       "I'm fine", "ignored"])
    assert detokenize_turn("I ' m afraid I ' m late . Do n't go !") == "I'm afraid I'm late. Don't go!"


def test_measured_overlaps_before_removal():
    # the SOURCE.md rule (first two turns) on the raw splits: DialogSum dev/test dialogues also sit in DialogSum
    # train, and most DailyDialog test dialogues do (623 distinct keys here; SOURCE.md reports 854 dialogues)
    got = cb.dialogsum_key_overlaps()
    assert got == {"dialogsum dev in train": 88, "dialogsum test in train": 13,
                   "dailydialog test in dialogsum train": 623}, got


def test_instruction_split_is_the_books_85_10_5():
    assert split_sizes(1100) == (935, 110, 55)
    parts = [load_instruction_data(s) for s in ("train", "test", "val")]
    assert [len(p) for p in parts] == [935, 110, 55]
    assert parts[0] + parts[1] + parts[2] == load_instruction_data(), "the split must be contiguous, no shuffle"


def test_dolly_lost_context_rows_are_filtered():
    rows, kept = load_dolly(keep_lost_context=True), load_dolly()
    assert len(rows) == 5010 and len(kept) == 4413, (len(rows), len(kept))
    assert not any(LOST_CONTEXT.search(r["instruction"]) for r in kept)


def test_squad_subsets_counts_and_disjoint_paragraphs():
    v1, v2 = load_squad_v1_train(), load_squad_v2_dev()
    assert (len(v1), len(v2)) == (4370, 1407)
    p1, p2 = {c for _, c in paragraphs(v1)}, {c for _, c in paragraphs(v2)}
    assert (len(p1), len(p2)) == (678, 173)
    assert not p1 & p2, f"{len(p1 & p2)} SQuAD v1 train-subset paragraphs are also v2 dev paragraphs"


def test_recase_restores_sentence_starts_names_and_I():
    names = cb.proper_nouns()
    assert {"lily", "tom", "ben"} <= names and "the" not in names
    got = cb.recase('lily said, "mom, i found it. can we go?" "yes!" she said.\n\nthe end.', names)
    assert got == 'Lily said, "Mom, I found it. Can we go?" "Yes!" she said.\n\nThe end.', got


def test_corpus_has_no_evaluation_text():
    report = cb.overlap_report()
    leaks = {k: v for k, v in report.items() if v}
    assert not leaks, f"evaluation texts found in the training documents: {leaks}"


def test_corpus_counts_exclusions_and_held_out_slices():
    counts = cb.corpus_counts()
    src, removed = counts["sources"], counts["removed"]
    assert tuple(src) == cb.SOURCES
    for name, c in src.items():
        assert c["val_docs"] >= 9 and c["train_docs"] > 10 * c["val_docs"], f"{name}: held-out slice {c}"
    assert removed["dialogsum train removed"] == 1085 and removed["dailydialog validation removed"] == 102
    assert removed["instruction held-out (test+val) examples"] == 165
    assert removed["dailydialog held-out duplicates of training documents"] == 1   # DailyDialog repeats a dialogue
    corpus = cb.build_corpus()
    for name, c in corpus.items():
        assert not set(c["train"]) & set(c["val"]), f"{name}: a held-out document is also a training document"
    assert all("Summary: " in d for d in corpus["dialogsum"]["train"][:50])
    assert corpus["dailydialog"]["train"][0].startswith("A: ")


def test_pretrain_config_dispatches_to_the_builder():
    from tinygrad_lm.training.pretrain import load_corpus
    train, val = load_corpus({"lowercase": False, "data": {"builder": "course_base"}})
    assert (train, val) == cb.load_corpus()
    assert len(train) == sum(c["train_docs"] for c in cb.corpus_counts()["sources"].values())
    with pytest.raises(ValueError, match="cased"):
        cb.load_corpus({"lowercase": True})


_MODEL = Path(__file__).resolve().parents[1] / "data" / "pretrained" / "course-base-8m"


@pytest.mark.skipif(not (_MODEL / "model.safetensors").exists(), reason="course-base-8m not exported yet")
def test_shipped_course_base_model_loads_and_generates():
    from tinygrad_lm.generation.decoding import generate
    from tinygrad_lm.models.pretrained import load
    model, tok, info = load("course-base-8m")
    assert model.config.vocab_size == 8192 and tok.vocab_size == 8192 and info["eos_token_id"] == 8191
    assert not info["lowercase"], "the course base model is cased"
    assert (_MODEL / "model.safetensors").stat().st_size < 25 * 2 ** 20 and (_MODEL / "MODEL_CARD.md").exists()
    out = generate(model, tok.encode("#Person1#: Hello, how are you?\n#Person2#:"), 8, temperature=0.0)
    assert 1 <= len(out) <= 8
