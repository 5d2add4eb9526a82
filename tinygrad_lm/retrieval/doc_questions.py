"""Document expansion: questions written for each course passage, indexed with it (week 8, session 9).

    table = load_doc_questions()                 # {passage hash: [question, ...]} from data/course_assistant
    r = CourseBM25(doc_questions=table)          # each chunk indexed as title x2 + its questions + text

BM25 finds a passage only through the words it shares with the question; a learner asks "how long does a
week take?" of a passage that says "Time: about 8 hours". doc2query (Nogueira et al. 2019) appends to each
document the questions a model predicts for it. Here the questions were written once, at index time, by
annotators who saw only the passages (data/course_assistant/doc_questions.jsonl, its SOURCE.md says who and
how); the index stays plain BM25 over more words.

A passage is identified by passage_hash(chunk) = the first 12 hex digits of sha1(title + "\\n" + text), not by
its id: an edited passage has a new hash and is indexed without questions (stale questions would describe text
that is gone), so coverage(chunks, table) says how much of the current tree the questions cover.
Does not handle: writing questions for new passages (that needs an annotator or a model).
"""
import hashlib
import json
from pathlib import Path

from ..paths import REPO_ROOT

DOC_QUESTIONS = REPO_ROOT / "data" / "course_assistant" / "doc_questions.jsonl"


def passage_hash(chunk) -> str:
    """sha1(title + newline + text), first 12 hex digits: changes when the passage or its headings change."""
    return hashlib.sha1(f"{chunk.title}\n{chunk.text}".encode("utf-8")).hexdigest()[:12]


def load_doc_questions(path=None) -> dict:
    """{passage hash: [question, ...]} from a JSON-lines file of {"sha", "id", "questions"} rows."""
    path = Path(path) if path is not None else DOC_QUESTIONS
    if not path.is_file():
        raise FileNotFoundError(f"load_doc_questions: no file {path} (data/course_assistant/SOURCE.md says how "
                                f"it was written)")
    table = {}
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                sha, qs = row["sha"], row["questions"]
            except (json.JSONDecodeError, KeyError, TypeError) as e:
                raise ValueError(f"load_doc_questions: {path} line {n} is not a {{'sha', 'questions'}} row: {e}")
            if not isinstance(qs, list) or not all(isinstance(q, str) for q in qs):
                raise ValueError(f"load_doc_questions: {path} line {n}: questions must be a list of strings")
            table.setdefault(sha, []).extend(qs)
    return table


def coverage(chunks, table) -> float:
    """Share of the chunks whose current text has written questions."""
    return sum(passage_hash(c) in table for c in chunks) / max(len(chunks), 1)
