"""Week 8 project: how often does the retriever find the passage an answer comes from?

    python -m solutions.week8.retrieval_eval                  # BM25 recall@k on the course-assistant test set (~10 s)
    python -m solutions.week8.retrieval_eval --dense          # + the mean-pooled course-base-8m retriever (minutes)
    python -m solutions.week8.retrieval_eval --json runs/week8/retrieval.json
    python -m solutions.week8.retrieval_eval --no-doc-questions               # the retriever before session 9
    python -m solutions.week8.retrieval_eval --rag8                           # the retriever before session 6
    python -m solutions.week8.retrieval_eval --k1 1.5 --b 0.75 --old-terms    # the retriever before rag8
    python -m solutions.week8.retrieval_tune                   # how k1 0.9, b 0.3 were chosen (TRAIN questions only)

Gold = the passage each question was written from (data/course_assistant), re-derived from the passage text
the set stores (retrieval/gold.py: the chunk with that exact text and any identical twin, else the piece of
the source file that covers it): stored chunk ids drift when documents are edited. Two levels:
  chunk recall@k  the exact gold passage among the first k (what grounding needs)
  file recall@k   some passage of the gold file among the first k (what a citation needs)
"stored ids" rows score against the ids as stored (the pre-rag8 metric), for comparison.
Dense: mean-pooled final hidden states of course-base-8m (generation/embed.py), cosine (retrieval/dense.py),
chunks embedded from their heading trail + text (first 128 tokens); --center subtracts the mean chunk vector.
Nothing to fill in: it runs the library (retrieval/course.py, retrieval/dense.py). --impl is accepted for symmetry.
"""
import argparse
import time

import numpy as np

from tinygrad_lm.datasets.course_assistant import load_course_assistant
from tinygrad_lm.retrieval.course import CourseBM25, course_terms, query_terms, recall_at_k
from tinygrad_lm.retrieval.gold import gold_ids
from tinygrad_lm.training.loop import write_json

KS = (1, 3, 5, 10)


def evaluate(rank, rows, chunks, stored=False):
    """rank(question) -> list of chunk indices; -> {"chunk": {k: r}, "file": {k: r}, "misses@5": [...]}.
    Gold: re-derived from the stored passage text (retrieval/gold.py), or the stored ids if stored=True."""
    ranked = [rank(r["question"]) for r in rows]
    ids = [[chunks[i].id for i in rk] for rk in ranked]
    files = [[chunks[i].path for i in rk] for rk in ranked]
    golds = [{r["chunk_id"]} for r in rows] if stored else gold_ids(rows, chunks)
    misses = [{"question": r["question"], "gold": sorted(g), "top3": i[:3]}
              for r, g, i in zip(rows, golds, ids) if not g & set(i[:5])]
    return {"chunk": recall_at_k(ids, golds, KS),
            "file": recall_at_k(files, [r["source"] for r in rows], KS), "n": len(rows), "misses@5": misses}


def table(name, res):
    c, f = res["chunk"], res["file"]
    return (f"| {name} | {res['n']} | " + " / ".join(f"{100 * c[k]:.1f}" for k in KS) + " | "
            + " / ".join(f"{100 * f[k]:.1f}" for k in KS) + " |")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--dense", action="store_true")
    p.add_argument("--center", action="store_true", help="dense: subtract the mean chunk vector")
    p.add_argument("--json", default=None)
    p.add_argument("--k1", type=float, default=None, help="BM25 k1 (default 1.5 with the written questions, 0.9 "
                   "without: tuned on train; rank_bm25's 1.5)")
    p.add_argument("--b", type=float, default=None, help="BM25 b (default 0.5 with the written questions, 0.3 "
                   "without: tuned on train; rank_bm25's 0.75)")
    p.add_argument("--no-doc-questions", action="store_true", help="without the written questions (data/"
                   "course_assistant/doc_questions.jsonl): the retriever before session 9")
    p.add_argument("--old-terms", action="store_true", help="the pre-rag8 tokens (course.query_terms); implies --rag8")
    p.add_argument("--rag8", action="store_true", help="plain BM25 scores and course_terms for the question "
                   "(no question_terms, coordination or docstring prior: the retriever before session 6)")
    p.add_argument("--impl", default="solutions")
    args = p.parse_args(argv)
    t0 = time.perf_counter()
    plain = dict(coord=0.0, docstring_weight=1.0, qterms=query_terms if args.old_terms else course_terms)
    nodq = args.no_doc_questions or args.rag8 or args.old_terms
    bm = CourseBM25(k1=args.k1, b=args.b, **({"terms": query_terms} if args.old_terms else {}),
                    **({"doc_questions": None} if nodq else {}),
                    **(plain if args.rag8 or args.old_terms else {}))
    print(f"{len(bm.chunks)} chunks indexed in {time.perf_counter() - t0:.1f} s")
    out = {"chunks": len(bm.chunks)}
    print("| retriever, split | questions | chunk recall@1/3/5/10 (%) | file recall@1/3/5/10 (%) |\n| --- | ---: | --- | --- |")

    for split in ("test", "train"):
        rows = load_course_assistant(split)
        out[f"bm25_{split}"] = res = evaluate(lambda q: bm.rank(q, max(KS)), rows, bm.chunks)
        print(table(f"BM25, {split}", res))
        out[f"bm25_{split}_stored_ids"] = res = evaluate(lambda q: bm.rank(q, max(KS)), rows, bm.chunks, stored=True)
        print(table(f"BM25, {split}, stored ids", res))
    # Does the best BM25 score tell a course question from small talk? (a threshold would skip retrieval)
    from tinygrad_lm.datasets.dailydialog import detokenize_turn, load_dailydialog
    best = lambda q: (bm.search(q, 1) or [(None, 0.0)])[0][1]                          # noqa: E731
    course = np.array([best(r["question"]) for r in load_course_assistant("test")])
    talk = np.array([best(detokenize_turn(d["turns"][0]["text"])) for d in load_dailydialog("validation")[:300]])
    print("best BM25 score, percentiles 10/25/50/75: course test questions",
          np.percentile(course, [10, 25, 50, 75]).round(2).tolist(), "| 300 DailyDialog validation first turns",
          np.percentile(talk, [10, 25, 50, 75]).round(2).tolist())
    for th in (5, 7, 9):
        print(f"  threshold {th}: keeps passages for {100 * np.mean(course >= th):.1f}% of the course questions "
              f"and {100 * np.mean(talk >= th):.1f}% of the small talk")
    out["threshold"] = {"course": course.tolist(), "smalltalk": talk.tolist()}
    # How many tokens is a grounded system prompt? (the course models read 256)
    from tinygrad_lm.models.pretrained import load_tokenizer, resolve
    from tinygrad_lm.retrieval.grounding import grounded_system
    tok = load_tokenizer(resolve("course-base-8m"))
    rows = load_course_assistant("train") + load_course_assistant("test")
    for chars in (600, 400, 300):
        sys_n = np.array([len(tok.encode_ordinary(grounded_system([(r["source"], r["passage"])], max_chars=chars)))
                          for r in rows])
        qa_n = np.array([len(tok.encode_ordinary(r["question"] + r["answer"])) + 12 for r in rows])  # + headers
        print(f"gold passage cut to {chars} chars: system prompt p50 / p90 / max "
              f"{np.percentile(sys_n, 50):.0f} / {np.percentile(sys_n, 90):.0f} / {sys_n.max()} tokens; "
              f"with question + answer over 256 tokens: {100 * np.mean(sys_n + qa_n > 256):.0f}% of {len(rows)}")
    if args.dense:
        from tinygrad_lm.generation.embed import mean_pooled_states
        from tinygrad_lm.models.pretrained import load
        from tinygrad_lm.retrieval.dense import DenseIndex
        model, tok, _ = load("course-base-8m")
        t0 = time.perf_counter()
        V = mean_pooled_states(model, tok, [c.index_text() for c in bm.chunks], max_tokens=128)
        mu = V.mean(0) if args.center else 0
        index = DenseIndex(V - mu)
        out["dense_embed_seconds"] = round(time.perf_counter() - t0, 1)
        for split in ("test",):
            rows = load_course_assistant(split)
            Q = mean_pooled_states(model, tok, [r["question"] for r in rows])
            qv = {r["question"]: q - mu for r, q in zip(rows, Q)}
            out[f"dense_{split}"] = res = evaluate(lambda q: index.top_k(qv[q], max(KS))[0].tolist(), rows, bm.chunks)
            print(table(f"dense (course-base-8m mean-pooled{', centred' if args.center else ''}), {split}", res))
        print(f"(dense: {len(bm.chunks)} chunks embedded in {out['dense_embed_seconds']} s)")
    if args.json:
        write_json(args.json, out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
