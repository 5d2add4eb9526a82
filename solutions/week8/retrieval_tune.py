"""Week 8 project: choosing the course retriever's settings on the TRAIN questions only (never the test ones).

    python -m solutions.week8.retrieval_tune                 # ablation + k1 x b grid, 157 train questions (~1 min)
    python -m solutions.week8.retrieval_tune --max-words 60,80,120,160     # + other chunk sizes (slower)

Rows (exact-passage recall@1/3/5/10 on data/course_assistant train.jsonl; gold re-derived from the stored
passage text, retrieval/gold.py, except the first row):
  stored ids        the pre-rag8 measurement: gold = the chunk id as stored, old tokens, k1 1.5, b 0.75
  re-derived gold   the same retriever, gold found by its text (stale ids no longer count as misses)
  + course_terms    "week 4" -> "week4", possessives dropped, compounds split (retrieval/course.py)
  title x1 / x3     the heading trail once / three times instead of twice
  k1, b grid        k1 in {0.6, 0.9, 1.2, 1.5, 2.0} x b in {0.3, 0.5, 0.75, 0.9}, course_terms, title x2
The library default (retrieval/course.py K1, B) is the grid's best recall@5, ties broken by recall@1.
Nothing to fill in: it runs the library. --impl is accepted for symmetry.
"""
import argparse
import itertools

from tinygrad_lm.datasets.course_assistant import load_course_assistant
from tinygrad_lm.retrieval.chunker import course_chunks
from tinygrad_lm.retrieval.course import CourseBM25, course_terms, query_terms, recall_at_k
from tinygrad_lm.retrieval.gold import gold_ids

KS = (1, 3, 5, 10)


def score(rows, golds, **kw):
    bm = CourseBM25(**kw)
    ids = [[bm.chunks[i].id for i in bm.rank(r["question"], max(KS))] for r in rows]
    return recall_at_k(ids, golds, KS)


def line(name, rec):
    print(f"| {name} | " + " / ".join(f"{100 * rec[k]:.1f}" for k in KS) + " |", flush=True)
    return rec


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--max-words", default="80", help="comma-separated chunk sizes (80: the shipped chunker)")
    p.add_argument("--impl", default="solutions")
    args = p.parse_args(argv)
    rows = load_course_assistant("train")
    print(f"{len(rows)} TRAIN questions\n| setting | exact recall@1/3/5/10 (%) |\n| --- | --- |")
    for mw in (int(x) for x in args.max_words.split(",")):
        chunks = course_chunks(max_words=mw)
        golds = gold_ids(rows, chunks)
        tag = f"{mw} words, {len(chunks)} chunks"
        if mw == 80:
            line(f"{tag}: stored ids, old tokens, k1 1.5 b 0.75",
                 score(rows, [{r["chunk_id"]} for r in rows], chunks=chunks, terms=query_terms, k1=1.5, b=0.75))
        line(f"{tag}: re-derived gold, old tokens, k1 1.5 b 0.75",
             score(rows, golds, chunks=chunks, terms=query_terms, k1=1.5, b=0.75))
        line(f"{tag}: + course_terms", score(rows, golds, chunks=chunks, terms=course_terms, k1=1.5, b=0.75))
        for t in (1, 3):
            line(f"{tag}: + course_terms, title x{t}",
                 score(rows, golds, chunks=chunks, k1=1.5, b=0.75, title_repeats=t))
        grid = {}
        for k1, b in itertools.product((0.6, 0.9, 1.2, 1.5, 2.0), (0.3, 0.5, 0.75, 0.9)):
            grid[k1, b] = line(f"{tag}: course_terms, k1 {k1} b {b}", score(rows, golds, chunks=chunks, k1=k1, b=b))
        (k1, b), rec = max(grid.items(), key=lambda kv: (kv[1][5], kv[1][1]))
        print(f"best on train ({tag}): k1 {k1} b {b}: recall@5 {100 * rec[5]:.1f}%")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
