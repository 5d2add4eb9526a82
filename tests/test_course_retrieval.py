"""retrieval/chunker.py (stable chunk ids), retrieval/course.py (BM25 over the course documents, recall@k),
retrieval/dense.py (cosine top-k), and the course-assistant Q/A set (datasets/course_assistant.py)."""
import numpy as np
import pytest

from tinygrad_lm.datasets.course_assistant import load_course_assistant
from tinygrad_lm.retrieval.chunker import Chunk, chunk_docstring, chunk_markdown, course_chunks, pack, slugify, words
from tinygrad_lm.retrieval.course import CourseBM25, course_terms, join_weeks, query_terms, recall_at_k
from tinygrad_lm.retrieval.gold import gold_ids
from tinygrad_lm.retrieval.dense import DenseIndex

_CHUNKS = []


def _course_chunks():
    if not _CHUNKS:                                   # chunking every document takes ~1-2 s: once per file
        _CHUNKS.extend(course_chunks())
    return _CHUNKS


DOC = """Intro line before any heading.

# Week 9: the end!

Some text about `tglm chat`.

## Tasks (10 points)

```bash
# not a heading: inside a fence
tglm grade week9
```

## Tasks (10 points)

Second section with the same heading.
"""


def test_markdown_chunks_have_stable_github_style_ids():
    ids = [c.id for c in chunk_markdown("x/README.md", DOC)]
    assert ids == ["x/README.md#intro-1", "x/README.md#week-9-the-end-1", "x/README.md#tasks-10-points-1",
                   "x/README.md#tasks-10-points-1-1"]
    c = chunk_markdown("x/README.md", DOC)[2]
    assert c.title == "x/README.md > Week 9: the end! > Tasks (10 points)" and "# not a heading" in c.text
    edited = DOC.replace("Some text about", "Edited text about")
    assert [c.id for c in chunk_markdown("x/README.md", edited)] == ids, "editing a section keeps every id"
    assert slugify("Week 8 — a chatbot: `tglm chat`") == "week-8--a-chatbot-tglm-chat"


def test_pieces_respect_max_words_and_keep_every_word():
    text = "\n\n".join(" ".join(f"w{i}_{j}" for j in range(n)) for i, n in enumerate([5, 30, 120, 7]))
    pieces = pack(text, 40)
    assert all(len(p.split()) <= 40 for p in pieces)
    assert " ".join(pieces).split() == text.split(), "no word lost or repeated"
    doc = chunk_docstring("m.py", '"""Line one.\n\nLine two."""\nx = 1\n')
    assert [c.id for c in doc] == ["m.py#docstring-1"] and chunk_docstring("m.py", "x = (") == []


def test_course_chunks_cover_the_documents_and_leave_solutions_out():
    chunks = _course_chunks()
    paths = {c.path for c in chunks}
    assert "README.md" in paths and "tinygrad_lm/retrieval/bm25.py" in paths
    assert any(p.startswith("exercises/week4/") for p in paths)
    assert not any(p.startswith("solutions/") or p.endswith("ANSWERS.md") for p in paths), "no exercise answers"
    assert len({c.id for c in chunks}) == len(chunks) and all(len(c.text.split()) <= 80 for c in chunks)
    assert words("BM25 uses k1; tglm_lm.safetensors!") == ["bm25", "uses", "k1", "tglm_lm.safetensors"]


def test_bm25_course_search_and_recall():
    chunks = [Chunk("a#1", "a.md", "a.md > Resume", "continue a run with --resume last.safetensors"),
              Chunk("b#1", "b.md", "b.md > Tokenizer", "byte pair encoding merges the most frequent pair"),
              Chunk("c#1", "c.md", "c.md > Other", "nothing relevant here at all")]
    r = CourseBM25(chunks)
    assert [c.id for c, _ in r.search("How do I resume training?", 2)][:1] == ["a#1"]
    assert [c.id for c, _ in r.search("what does byte pair encoding merge", 1)] == ["b#1"]
    assert r.search("what is the", 3) == [], "stop words only: nothing to search for"
    assert query_terms("Training the models") == ["train", "model"]
    rec = recall_at_k([["a", "b"], ["c", "a"], ["x"]], ["a", "a", "z"], ks=(1, 2))
    assert rec == {1: pytest.approx(1 / 3), 2: pytest.approx(2 / 3)}
    with pytest.raises(ValueError, match="rankings"):
        recall_at_k([["a"]], ["a", "b"])
    assert recall_at_k([["b", "a2"], ["c"]], [{"a", "a2"}, set()], ks=(1, 2)) == {1: 0.0, 2: 0.5}, "sets of golds"


def test_course_terms_join_weeks_split_compounds_and_drop_possessives():
    assert join_weeks(["week", "4", "cover", "week", "x"]) == ["week4", "cover", "week", "x"]
    assert course_terms("What does week 4 cover?") == ["week4", "cover"]
    assert course_terms("course-base-8m's tokenizer") == ["cours", "base", "8m", "token"]
    assert course_terms("merge_lora in lora.py") == ["merge_lora", "merg", "lora", "lora.pi", "lora", "py"]
    assert course_terms("Training the models") == query_terms("Training the models") == ["train", "model"]
    chunks = [Chunk("a#1", "x/lora.py", "x/lora.py > module docstring", "low-rank adapters"),
              Chunk("b#1", "b.md", "b.md > Other", "merge the two sorted lists"),
              Chunk("c#1", "c.md", "c.md > Third", "nothing relevant"), Chunk("d#1", "d.md", "d.md > Four", "none")]
    assert CourseBM25(chunks).rank("What does merge_lora do?", 1) == [0], "the file name names the topic"
    assert CourseBM25(chunks, terms=query_terms).search("What does merge_lora do?") == [], "old tokens: no match"
    with pytest.raises(TypeError, match="terms"):
        CourseBM25(chunks, terms="words")


def test_gold_is_rederived_from_the_stored_passage_text():
    chunks = [Chunk("f.md#s-1", "f.md", "f.md > S", "alpha beta gamma delta"),
              Chunk("f.md#s-2", "f.md", "f.md > S", "epsilon zeta eta theta iota"),
              Chunk("g.md#t-1", "g.md", "g.md > T", "alpha beta gamma delta")]
    rows = [{"passage": "alpha beta gamma delta", "source": "f.md", "answer": "beta"},       # moved id + twin
            {"passage": "zeta eta theta iota kappa", "source": "f.md", "answer": "theta"},   # edited passage
            {"passage": "omega psi chi", "source": "f.md", "answer": "psi"}]                # lost
    assert gold_ids(rows, chunks) == [{"f.md#s-1", "g.md#t-1"}, {"f.md#s-2"}, set()]
    with pytest.raises(ValueError, match="passage"):
        gold_ids([{"source": "f.md"}], chunks)


def test_dense_index_is_cosine_top_k():
    rng = np.random.default_rng(0)
    V = rng.standard_normal((20, 8)).astype(np.float32)
    q = rng.standard_normal(8)
    idx = DenseIndex(V)
    cos = V @ q / (np.linalg.norm(V, axis=1) * np.linalg.norm(q))
    ids, sims = idx.top_k(q, 5)
    np.testing.assert_array_equal(ids, np.argsort(-cos)[:5])
    np.testing.assert_allclose(sims, np.sort(cos)[::-1][:5], rtol=1e-5)
    tie = DenseIndex(np.array([[1, 0], [2, 0], [0, 1]], np.float32))
    assert tie.top_k([1, 0], 2)[0].tolist() == [0, 1], "equal similarities keep corpus order"
    assert DenseIndex(np.array([[0, 0], [1, 0]], np.float32)).scores([1, 0]).tolist() == [0, 1]
    for bad in (np.zeros((0, 3)), np.array([[np.nan, 1.0]])):
        with pytest.raises(ValueError):
            DenseIndex(bad)
    with pytest.raises(ValueError, match="dimensions"):
        idx.scores(np.ones(3))


def test_course_assistant_set():
    train, test = load_course_assistant("train"), load_course_assistant("test")
    assert len(train) + len(test) >= 150 and len(test) >= 40
    assert not {r["question"].lower() for r in train} & {r["question"].lower() for r in test}, "test never trained"
    for r in train + test:
        assert r["chunk_id"].startswith(r["source"] + "#") and r["passage"] and r["answer"]
    # the documents change after the set was built (other weeks edit their READMEs): most ids must still resolve
    ids = {c.id for c in _course_chunks()}
    resolved = np.mean([r["chunk_id"] in ids for r in train + test])
    assert resolved >= 0.8, f"only {resolved:.0%} of the chunk ids are still in the documents: rebuild the set"
    lost = [r["id"] for r, g in zip(train + test, gold_ids(train + test, _course_chunks())) if not g]
    assert not lost, f"gold passages no longer found by their text (retrieval/gold.py): {lost[:5]}"
    with pytest.raises(ValueError, match="split"):
        load_course_assistant("dev")


def test_question_terms_coordination_and_docstring_prior():
    from tinygrad_lm.retrieval.bm25 import BM25Okapi
    from tinygrad_lm.retrieval.course import chunk_terms, question_terms
    assert question_terms("How long does week 2 take?") == ["time", "hour", "week2"], "'how long' -> the README's words"
    assert question_terms("How many points do I get?") == ["point"], "question-frame words dropped"
    chunks = [Chunk("w.md#a-1", "w.md", "w.md > Week 2", "Time: about 8 hours. Prerequisites: week 1."),
              Chunk("x/m.py#docstring-1", "x/m.py", "x/m.py > module docstring", "how long a pool waits, in hours"),
              Chunk("y.md#b-1", "y.md", "y.md > Other", "alpha beta gamma"),
              Chunk("z.md#c-1", "z.md", "z.md > More", "delta epsilon")]
    assert CourseBM25(chunks).rank("How long does week 2 take?", 1) == [0]
    # coord 0, prior 1 and course_terms for the question: exactly BM25Okapi over the rag8 index
    plain = CourseBM25(chunks, coord=0.0, docstring_weight=1.0, qterms=course_terms, doc_questions=None)
    ref = BM25Okapi([chunk_terms(c) for c in chunks], k1=0.9, b=0.3).get_scores(course_terms("hours alpha"))
    np.testing.assert_allclose(plain.scores("hours alpha"), ref)
    # coordination: a chunk holding both terms beats one holding a single (rarer) term many times
    s = CourseBM25(chunks, coord=0.5, docstring_weight=1.0, doc_questions=None).scores("hours alpha")
    assert s[0] == pytest.approx(ref[0] * 0.5 ** 0.5)
    assert CourseBM25(chunks, docstring_weight=0.5).scores("pool")[1] == pytest.approx(
        0.5 * CourseBM25(chunks, docstring_weight=1.0).scores("pool")[1]), "the docstring prior multiplies"
    assert CourseBM25(chunks).scores("what is the") is None
    for bad in (dict(coord=-1), dict(docstring_weight=0), dict(window=0)):
        with pytest.raises(ValueError):
            CourseBM25(chunks, **bad)


def test_measured_variants_run():
    chunks = _course_chunks()[:60]
    for kw in (dict(path_repeats=2, title_repeats=1), dict(doc_weight=0.1), dict(neighbour_weight=0.1),
               dict(window=2), dict(prf_docs=3, prf_terms=5, prf_weight=0.1)):
        r = CourseBM25(chunks, doc_questions=None, **kw)      # the variants were measured before session 9
        top = r.rank("how do I run the tests", 5)
        assert len(top) == 5 and len(set(top)) == 5, kw


def test_recorded_output_in_text_fences_is_not_indexed():
    doc = "# Session\n\nWhat the chat did:\n\n```text\nyou> Hi! How are you today?\nassistant> loops\n```\n\n" \
          "```bash\ntglm chat\n```\n"
    text = " ".join(c.text for c in chunk_markdown("w.md", doc))
    assert "tglm chat" in text and "What the chat did" in text
    assert "you>" not in text and "loops" not in text, "a ```text block (a transcript, samples) must not be indexed"
    assert not any("you> Hi! How are you today?" in c.text for c in _course_chunks()), "the week 8 transcript"
