"""retrieval/doc_questions.py: written questions indexed with each passage (doc2query), keyed by passage hash."""
import json

import pytest

from tinygrad_lm.retrieval.chunker import Chunk
from tinygrad_lm.retrieval.course import CourseBM25, course_terms
from tinygrad_lm.retrieval.doc_questions import coverage, load_doc_questions, passage_hash

CHUNKS = [Chunk("a.md#time-1", "a.md", "a.md > Time", "Time: about 8 hours of work, mostly reading."),
          Chunk("a.md#data-1", "a.md", "a.md > Data", "The corpus is tiny shakespeare, one megabyte of plays."),
          Chunk("b.md#grading-1", "b.md", "b.md > Grading", "Points per task are listed in the table below.")]


def test_passage_hash_changes_with_text_and_title_only():
    c = CHUNKS[0]
    assert passage_hash(c) == passage_hash(Chunk("other#id-9", "x.md", c.title, c.text)) and len(passage_hash(c)) == 12
    assert passage_hash(c) != passage_hash(Chunk(c.id, c.path, c.title, c.text + " More."))
    assert passage_hash(c) != passage_hash(Chunk(c.id, c.path, "a.md > Other", c.text))


def test_written_questions_let_bm25_meet_a_learners_words(tmp_path):
    q = "which dataset is used?"
    plain = CourseBM25(chunks=CHUNKS, coord=0, docstring_weight=1, doc_questions=None)
    f = tmp_path / "q.jsonl"
    f.write_text(json.dumps({"sha": passage_hash(CHUNKS[1]), "id": CHUNKS[1].id,
                             "questions": ["Which dataset does it train on?"]}) + "\n")
    table = load_doc_questions(f)
    assert coverage(CHUNKS, table) == pytest.approx(1 / 3)
    expanded = CourseBM25(chunks=CHUNKS, coord=0, docstring_weight=1, doc_questions=table, question_repeats=1)
    assert plain.search(q, 3) == [], "no passage says 'dataset': plain BM25 finds nothing"
    assert expanded.search(q, 3)[0][0] is CHUNKS[1], "the written question should bring the 'Data' passage first"
    # a stale row (its passage edited since) is ignored: nothing is indexed under a hash no chunk has
    edited = [Chunk(c.id, c.path, c.title, c.text + " Edited.") for c in CHUNKS]
    assert CourseBM25(chunks=edited, coord=0, docstring_weight=1, doc_questions=table).docs == \
        CourseBM25(chunks=edited, coord=0, docstring_weight=1, doc_questions=None).docs
    # repeats: the question terms are indexed twice, between the heading trail and the passage
    d0, d1 = plain.docs[1], expanded.docs[1]
    d2 = CourseBM25(chunks=CHUNKS, coord=0, docstring_weight=1, doc_questions=table, question_repeats=2).docs[1]
    assert len(d2) - len(d1) == len(d1) - len(d0) > 0
    n = len(course_terms(CHUNKS[1].text))
    assert d1[-n:] == d0[-n:] and d1[:len(d0) - n] == d0[:len(d0) - n], "trail, then questions, then the passage"


def test_bad_question_files_say_what_is_wrong(tmp_path):
    with pytest.raises(FileNotFoundError, match="no file"):
        load_doc_questions(tmp_path / "missing.jsonl")
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"sha": "abc", "questions": ["ok?"]}\n{"sha": "abc"}\n')
    with pytest.raises(ValueError, match="line 2"):
        load_doc_questions(bad)
    bad.write_text('{"sha": "abc", "questions": "not a list"}\n')
    with pytest.raises(ValueError, match="list of strings"):
        load_doc_questions(bad)
    with pytest.raises(ValueError, match="window"):
        CourseBM25(chunks=CHUNKS, doc_questions={passage_hash(CHUNKS[0]): ["q?"]}, window=2)


def test_the_shipped_questions_cover_the_current_tree():
    from tinygrad_lm.retrieval.chunker import course_chunks
    chunks, table = course_chunks(), load_doc_questions()
    assert all(len(q) >= 3 for q in table.values())
    cov = coverage(chunks, table)
    assert cov >= 0.95, (f"only {cov:.1%} of the course passages have written questions: documents were edited; "
                         f"python -m solutions.week8.doc_questions todo FILE, then have an annotator who has not "
                         f"seen the course-assistant questions write them (data/course_assistant/doc_questions_brief.md)")


def _covered_sha() -> str:
    """The hash of a current passage that already has questions."""
    from tinygrad_lm.retrieval.chunker import course_chunks
    table = load_doc_questions()
    return next(passage_hash(c) for c in course_chunks() if passage_hash(c) in table)


@pytest.mark.parametrize("rows, args, message", [
    ([{"sha": "000000000000", "questions": ["a?", "b?", "c?"]}], ["--annotator", "x"], "current passage"),
    ([{"sha": "COVERED", "questions": ["a?", "b?"]}], ["--annotator", "x"], "3"),
    ([{"sha": ["not", "a", "str"], "questions": ["a?", "b?", "c?"]}], ["--annotator", "x"], "current passage"),
    ([{"sha": "COVERED", "questions": ["a?", "b?", "c?"]}], ["--annotator", "x"], "already has questions"),
    ("not json\n", ["--annotator", "x"], "not JSON"),
    (None, ["--annotator", "x"], "cannot read"),
    ([], [], "--annotator"),
])
def test_doc_questions_tool_refuses_bad_input_in_one_line(tmp_path, capsys, rows, args, message):
    from solutions.week8.doc_questions import DOC_QUESTIONS, main
    before = DOC_QUESTIONS.read_bytes()
    f = tmp_path / "out.jsonl"
    if isinstance(rows, str):
        f.write_text(rows)
    elif rows is not None:
        covered = _covered_sha()
        f.write_text("".join(json.dumps({**r, "sha": covered if r["sha"] == "COVERED" else r["sha"]}) + "\n"
                             for r in rows))
    assert main(["add", str(f), *args]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1, err
    assert DOC_QUESTIONS.read_bytes() == before, "a refused add must not touch the shipped file"


def test_doc_questions_tool_status_and_todo(tmp_path, capsys):
    from solutions.week8.doc_questions import main
    assert main(["status"]) == 0 and "passages" in capsys.readouterr().out
    todo = tmp_path / "todo.jsonl"
    assert main(["todo", str(todo)]) == 0 and todo.is_file()
    assert main(["todo"]) == 2 and "FILE" in capsys.readouterr().err


def test_the_readme_choices_reproduce(capsys):
    """retrieval_tune --session9 keeps x2, k1 1.5, b 0.5 by the committed rule; --min-score gives 9 (week 8 README)."""
    from solutions.week8.retrieval_tune import min_score, session9
    from tinygrad_lm.datasets.course_assistant import load_course_assistant
    from tinygrad_lm.retrieval.course import CHAT_MIN_SCORE, Q_B, Q_K1, QUESTION_REPEATS
    rows = load_course_assistant("train")
    chosen = session9(rows)
    assert chosen is not None and "KEEP" in capsys.readouterr().out
    assert (chosen["question_repeats"], chosen["k1"], chosen["b"]) == (QUESTION_REPEATS, Q_K1, Q_B)
    assert min_score(rows) == CHAT_MIN_SCORE
