"""Week 8 project: keeping the written questions (doc2query) in step with the course documents.

    python -m solutions.week8.doc_questions status              # coverage of the current tree
    python -m solutions.week8.doc_questions todo BATCH.jsonl    # passages without questions, in the annotators' format
    python -m solutions.week8.doc_questions add OUT.jsonl --annotator NAME   # append their questions

data/course_assistant/doc_questions.jsonl holds 3 questions per passage, keyed by the passage's hash
(tinygrad_lm/retrieval/doc_questions.py). When a document is edited its changed passages lose their questions
(they are indexed as plain text). `todo` writes those passages as {"id", "sha", "title", "text"} lines for an
annotator who follows data/course_assistant/doc_questions_brief.md and has NOT seen the course-assistant
questions (whoever wrote or read the test set must not write these: the test would leak into the index);
`add` checks their {"id", "sha", "questions"} lines (3 questions each, hashes of current passages without
questions yet: one row per passage) and appends them all, or nothing (exit 2, one line naming the problem).
Rows for passages that no longer exist are kept (harmless: nothing is indexed under a hash no chunk has).
Nothing to fill in; --impl is accepted for symmetry.
"""
import argparse
import json
import sys

from tinygrad_lm.retrieval.chunker import course_chunks
from tinygrad_lm.retrieval.doc_questions import DOC_QUESTIONS, coverage, load_doc_questions, passage_hash


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("command", choices=("status", "todo", "add"))
    p.add_argument("file", nargs="?")
    p.add_argument("--annotator", default=None)
    p.add_argument("--impl", default="solutions")
    args = p.parse_args(argv)
    try:
        table = load_doc_questions()
    except (FileNotFoundError, ValueError) as e:
        print(f"doc_questions: {e}", file=sys.stderr)
        return 2
    chunks = course_chunks()
    missing = [c for c in chunks if passage_hash(c) not in table]
    if args.command == "status":
        print(f"{len(chunks)} passages, {len(chunks) - len(missing)} with written questions "
              f"({100 * coverage(chunks, table):.1f}%); {len(missing)} without")
        return 0
    if not args.file:
        print(f"doc_questions {args.command}: give a FILE", file=sys.stderr)
        return 2
    if args.command == "todo":
        with open(args.file, "w", encoding="utf-8") as f:
            for c in missing:
                f.write(json.dumps({"id": c.id, "sha": passage_hash(c), "title": c.title, "text": c.text}) + "\n")
        print(f"{len(missing)} passages without questions -> {args.file}")
        return 0
    if not args.annotator:
        print("doc_questions add: --annotator NAME is required (who wrote them)", file=sys.stderr)
        return 2
    current = {passage_hash(c) for c in chunks}
    try:
        with open(args.file, encoding="utf-8") as f:
            lines = f.readlines()
    except OSError as e:
        print(f"doc_questions add: cannot read {args.file}: {e.strerror}", file=sys.stderr)
        return 2
    rows, seen = [], set()
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            r = json.loads(line)
        except json.JSONDecodeError as e:
            print(f"doc_questions add: {args.file} line {n} is not JSON ({e.msg})", file=sys.stderr)
            return 2
        qs = r.get("questions") if isinstance(r, dict) else None
        sha = r.get("sha") if isinstance(r, dict) else None
        if not isinstance(sha, str) or sha not in current or not isinstance(qs, list) or len(qs) != 3 or \
                not all(isinstance(q, str) and q.strip() for q in qs):
            print(f"doc_questions add: {args.file} line {n}: need the sha of a current passage and 3 "
                  f"non-empty questions", file=sys.stderr)
            return 2
        if sha in table or sha in seen:
            print(f"doc_questions add: {args.file} line {n}: passage {sha} already has questions (one row per "
                  f"passage)", file=sys.stderr)
            return 2
        seen.add(sha)
        rows.append({"sha": sha, "id": r.get("id", ""), "questions": [q.strip() for q in qs],
                     "annotator": args.annotator})
    with open(DOC_QUESTIONS, "a", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    print(f"appended {len(rows)} rows -> {DOC_QUESTIONS}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
