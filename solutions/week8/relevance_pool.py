"""Week 8 project: pooled relevance judgements for the course-assistant TEST questions (a second retrieval measure).

    python -m solutions.week8.relevance_pool pool      # write the judging file (top-10 of CourseBM25() + gold, shuffled)
    python -m solutions.week8.relevance_pool add FILE  # append judgements: lines "qid<TAB>item<TAB>label<TAB>reason"
    python -m solutions.week8.relevance_pool score     # answer-bearing recall@1/3/5/10 + MRR from the stored judgements

Why: retrieval_eval.py counts a question as found only if its ONE gold passage (the passage its answer was
written from, retrieval/gold.py) is retrieved. The course states many facts in several documents (the README
course map, a week README, a model card, a docstring), so BM25 often returns another passage that answers the
question as well, and the single-gold metric calls that a miss. The standard remedy is pooled relevance
judgements (TREC pooling: judge the union of the systems' top-k) or answer-bearing top-k accuracy (DPR,
Karpukhin et al. 2020: a question counts if a retrieved passage contains the answer). Here the pool of a test
question is the top-10 of the current CourseBM25() default retriever plus its gold passage(s); every pooled chunk
is judged by hand (relevant / partial / not) from its text, with the rubric in RUBRIC below. The exact-gold
figure stays the primary number; this one is reported BESIDE it, never instead of it.

Files (solutions/week8/results/relevance/):
  pool.jsonl             the judging file: per question its pooled chunks in a seeded shuffled order (the judge
                         does not see ranks or which chunk is the gold): {qid, item, question, answer, chunk_id,
                         path, title, text, sha}
  todo.jsonl             the pooled chunks without a judgement yet (empty on the final tree)
  judgements.jsonl       line 1 {"meta": {rubric, annotator, ...}}, then one judgement a line:
                         {qid, chunk_id, sha, label: relevant|partial|not, reason, annotator}
  score.json             the output of `score`
A judgement is keyed by (question id, sha = sha256 of the chunk's stripped text)[:16]; the chunk id is stored
too, for reading. Ids move when a document is edited (the README is indexed itself), text does not, so `score`
looks judgements up by text hash and reports how many of the current top-10 are unjudged (must be 0).

Measures (`score`, n = 51 test questions, ranks from CourseBM25().rank(question, 10)):
  answer-bearing recall@k = share of questions with a chunk judged relevant among the first k
  exact-gold recall@k     = share with the gold passage (retrieval/gold.py) among the first k (retrieval_eval.py)
  MRR@10                  = mean over questions of 1 / (rank of the first hit), 0 when none in the top 10
  lenient recall@k        = relevant OR partial counts (reported only as a bound; the main figure is strict)
Sanity check of the rubric: questions whose gold passage was judged NOT answer-bearing (expected ~0).
Omissions: one annotator (an AI agent), no second judge and no agreement figure; the pool holds only BM25's
top 10 (an answer-bearing chunk ranked below 10 is unknown, so pooled "relevant chunks per question" is a lower
bound); judgements are about the chunk text alone, not about what a small model can make of it.
Nothing to fill in: it runs the library. --impl is accepted for symmetry.
"""
import argparse
import collections
import hashlib
import json
import random
import statistics
import sys
from pathlib import Path

from tinygrad_lm.datasets.course_assistant import load_course_assistant
from tinygrad_lm.paths import REPO_ROOT
from tinygrad_lm.retrieval.course import CourseBM25
from tinygrad_lm.retrieval.gold import gold_ids
from tinygrad_lm.training.loop import write_json

OUT = REPO_ROOT / "solutions" / "week8" / "results" / "relevance"
KS = (1, 3, 5, 10)
DEPTH = 10
LABELS = ("relevant", "partial", "not")
SEED = 0
RUBRIC = (
    "Judge each pooled chunk against the question and its hand-written reference answer, from the chunk's TEXT "
    "(its heading trail 'path > heading' may only tell what the text is about, e.g. which week or model, as the "
    "assistant's prompt shows '[path] passage'; a chunk is never judged by its path or id). "
    "relevant = answer-bearing: the chunk alone contains the information the reference answer gives, so a reader "
    "could answer the question from it (wording may differ; an aside of the reference that the question does not "
    "ask for may be missing). "
    "partial = the chunk contains some but not all of that information (e.g. one of two facts, or the topic "
    "without the figure asked for); counted as NOT relevant for the main figure. "
    "not = the chunk does not contain the answer (same topic or same words is not enough). "
    "Every relevant / partial label has a short reason naming what the chunk states. "
    "The judge sees the chunks of a question in a seeded shuffled order, without ranks and without being told "
    "which chunk is the gold passage.")
ANNOTATOR = "claude-rel6 (an AI agent: Claude, working as a helper in the tinygrad_lm session 6; not a person)"


def sha(text: str) -> str:
    """The judgement key of a chunk: sha256 of its stripped text, first 16 hex digits."""
    return hashlib.sha256(text.strip().encode("utf-8")).hexdigest()[:16]


def pools(bm=None, rows=None, depth: int = DEPTH):
    """-> (rows, ranked, golds, bm): per test question the top-`depth` chunk indices and the set of gold ids."""
    bm = bm or CourseBM25()
    rows = rows if rows is not None else load_course_assistant("test")
    ranked = [bm.rank(r["question"], depth) for r in rows]
    golds = gold_ids(rows, bm.chunks)
    return rows, ranked, golds, bm


def pool_items(rows, ranked, golds, chunks, seed: int = SEED) -> list:
    """The judging rows: per question the union of its top-k and its gold chunks, shuffled by random.Random
    (f"{seed}-{qid}") so the order says nothing about rank; item = 1, 2, ... within the question."""
    by_id = {c.id: i for i, c in enumerate(chunks)}
    out = []
    for r, rk, g in zip(rows, ranked, golds):
        idx = list(dict.fromkeys(list(rk) + sorted(by_id[x] for x in g)))
        random.Random(f"{seed}-{r['id']}").shuffle(idx)
        for item, i in enumerate(idx, start=1):
            c = chunks[i]
            out.append({"qid": r["id"], "item": item, "question": r["question"], "answer": r["answer"],
                        "chunk_id": c.id, "path": c.path, "title": c.title, "text": c.text, "sha": sha(c.text)})
    return out


def read_jsonl(path) -> list:
    return [json.loads(line) for line in open(path, encoding="utf-8") if line.strip()]


def write_jsonl(path, rows) -> None:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")


def load_judgements(path=None) -> tuple:
    """-> (meta, {(qid, sha): judgement}); refuses malformed rows and conflicting duplicates."""
    path = Path(path or OUT / "judgements.jsonl")
    rows = read_jsonl(path)
    if not rows or "meta" not in rows[0]:
        raise ValueError(f"{path}: line 1 must be the {{'meta': {{rubric, annotator}}}} header")
    meta, out = rows[0]["meta"], {}
    for n, j in enumerate(rows[1:], start=2):
        missing = {"qid", "chunk_id", "sha", "label", "reason"} - set(j)
        if missing:
            raise ValueError(f"{path}:{n}: judgement lacks {sorted(missing)}")
        if j["label"] not in LABELS:
            raise ValueError(f"{path}:{n}: label must be one of {LABELS}, got {j['label']!r}")
        if j["label"] != "not" and not j["reason"].strip():
            raise ValueError(f"{path}:{n}: a {j['label']} label needs a reason")
        key = (j["qid"], j["sha"])
        if key in out and out[key]["label"] != j["label"]:
            raise ValueError(f"{path}:{n}: {key} judged twice with different labels")
        out[key] = j
    return meta, out


def score(judged: dict, rows, ranked, golds, chunks) -> dict:
    """Answer-bearing and exact-gold recall@k and MRR@10, unjudged counts, the gold sanity check."""
    n = len(rows)
    ab, ab_len, ex, unjudged, gold_not, gold_unjudged, rel_per_q = ([] for _ in range(7))
    for r, rk, g in zip(rows, ranked, golds):
        labels = []
        for i in rk:
            j = judged.get((r["id"], sha(chunks[i].text)))
            if j is None:
                unjudged.append({"qid": r["id"], "chunk_id": chunks[i].id})
            labels.append(j["label"] if j else None)
        ab.append([x == "relevant" for x in labels])
        ab_len.append([x in ("relevant", "partial") for x in labels])
        ex.append([chunks[i].id in g for i in rk])
        gl = [judged.get((r["id"], sha(c.text))) for c in chunks if c.id in g]
        if not gl or any(x is None for x in gl):
            gold_unjudged.append(r["id"])
        elif not any(x["label"] == "relevant" for x in gl):
            gold_not.append(r["id"])
        rel_per_q.append(sum(1 for (q, _), j in judged.items() if q == r["id"] and j["label"] == "relevant"))

    def recall(hits):
        return {k: sum(any(h[:k]) for h in hits) / n for k in KS}

    def mrr(hits):
        return sum(next((1 / (i + 1) for i, x in enumerate(h) if x), 0.0) for h in hits) / n

    return {"n": n, "depth": DEPTH, "chunks": len(chunks),
            "answer_bearing": {"recall": recall(ab), "mrr": mrr(ab), "found@5": sum(any(h[:5]) for h in ab)},
            "lenient": {"recall": recall(ab_len), "mrr": mrr(ab_len)},
            "exact_gold": {"recall": recall(ex), "mrr": mrr(ex), "found@5": sum(any(h[:5]) for h in ex)},
            "exact_hit_not_answer_bearing@5": sum(any(e[:5]) and not any(a[:5]) for a, e in zip(ab, ex)),
            "answer_bearing_not_exact@5": sum(any(a[:5]) and not any(e[:5]) for a, e in zip(ab, ex)),
            "both@5": sum(any(a[:5]) and any(e[:5]) for a, e in zip(ab, ex)),
            "unjudged_in_top10": len(unjudged), "unjudged": unjudged,
            "gold_not_answer_bearing": gold_not, "gold_unjudged": gold_unjudged,
            "relevant_per_question": {"mean": statistics.mean(rel_per_q), "median": statistics.median(rel_per_q),
                                      "min": min(rel_per_q), "max": max(rel_per_q),
                                      "questions_with_0": sum(x == 0 for x in rel_per_q),
                                      "questions_with_2_or_more": sum(x >= 2 for x in rel_per_q)},
            "missed@5": [r["id"] for r, a in zip(rows, ab) if not any(a[:5])],
            "per_question": [{"qid": r["id"], "gold_rank": _first(e), "first_relevant_rank": _first(a),
                              "first_relevant_or_partial_rank": _first(al)}
                             for r, a, al, e in zip(rows, ab, ab_len, ex)]}


def _first(hits):
    """1-based rank of the first hit in a top-k list, None when there is none."""
    return next((i + 1 for i, x in enumerate(hits) if x), None)


def table(res: dict) -> str:
    """The README rows (markdown)."""
    def row(name, m):
        return (f"| {name} | " + " / ".join(f"{100 * m['recall'][k]:.1f}" for k in KS) + f" | {m['mrr']:.3f} |")
    return "\n".join(["| measure (test, 51 questions) | recall@1 / 3 / 5 / 10 (%) | MRR@10 |", "| --- | --- | ---: |",
                      row("exact gold passage (retrieval_eval.py, the goal's metric)", res["exact_gold"]),
                      row("answer-bearing, pooled judgements (relevant only)", res["answer_bearing"]),
                      row("(bound) answer-bearing, relevant or partial", res["lenient"])])


def ensure_header(path) -> None:
    """Write the rubric header (line 1 of the judgements file) before any judgement."""
    if not Path(path).exists():
        write_jsonl(path, [{"meta": {"rubric": RUBRIC, "annotator": ANNOTATOR, "depth": DEPTH, "seed": SEED,
                                     "labels": list(LABELS),
                                     "pool": "top-10 of CourseBM25() defaults + the gold passage(s)"}}])


def cmd_pool(args):
    ensure_header(OUT / "judgements.jsonl")
    rows, ranked, golds, bm = pools()
    items = pool_items(rows, ranked, golds, bm.chunks)
    write_jsonl(OUT / "pool.jsonl", items)
    judged = load_judgements()[1]
    todo = [it for it in items if (it["qid"], it["sha"]) not in judged]
    write_jsonl(OUT / "todo.jsonl", todo)
    print(f"{len(items)} pooled chunks for {len(rows)} questions ({len(bm.chunks)} chunks indexed) -> "
          f"{OUT / 'pool.jsonl'}; {len(todo)} not judged yet -> {OUT / 'todo.jsonl'}")
    return 0


def cmd_add(args):
    """Append judgements from a TSV of "qid item label reason" lines (item = the pool.jsonl item number)."""
    pool = {(it["qid"], it["item"]): it for it in read_jsonl(OUT / "pool.jsonl")}
    path = OUT / "judgements.jsonl"
    ensure_header(path)
    judged = load_judgements(path)[1]
    new = []
    for n, line in enumerate(open(args.file, encoding="utf-8"), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.rstrip("\n").split("\t")
        if len(parts) < 3:
            raise ValueError(f"{args.file}:{n}: expected 'qid<TAB>item<TAB>label<TAB>reason', got {line[:60]!r}")
        qid, item, label, reason = parts[0], int(parts[1]), parts[2], (parts[3] if len(parts) > 3 else "")
        if (qid, item) not in pool:
            raise ValueError(f"{args.file}:{n}: no pooled item {qid} #{item}")
        if label not in LABELS:
            raise ValueError(f"{args.file}:{n}: label must be one of {LABELS}, got {label!r}")
        it = pool[(qid, item)]
        if (qid, it["sha"]) in judged or any((qid, it["sha"]) == (j["qid"], j["sha"]) for j in new):
            continue                                            # the same text was judged already
        new.append({"qid": qid, "chunk_id": it["chunk_id"], "sha": it["sha"], "label": label,
                    "reason": reason.strip(), "annotator": args.annotator})
    with open(path, "a", encoding="utf-8") as f:
        for j in new:
            f.write(json.dumps(j, ensure_ascii=False) + "\n")
    print(f"{len(new)} judgements added -> {path} ({len(judged) + len(new)} in all)")
    return 0


def cmd_score(args):
    meta, judged = load_judgements()
    rows, ranked, golds, bm = pools()
    res = score(judged, rows, ranked, golds, bm.chunks)
    res["annotator"], res["judgements"] = meta["annotator"], len(judged)
    res["labels"] = {lab: sum(j["label"] == lab for j in judged.values()) for lab in LABELS}
    print(table(res))
    ab, ex = res["answer_bearing"], res["exact_gold"]
    by = dict(collections.Counter(j.get("annotator", "?") for j in judged.values()))
    print(f"{len(bm.chunks)} chunks; {len(judged)} judgements {res['labels']} by {by}; "
          f"unjudged in the current top-10: {res['unjudged_in_top10']}")
    print(f"@5: exact gold {ex['found@5']}/{res['n']}, answer-bearing {ab['found@5']}/{res['n']}; exact hit judged "
          f"not answer-bearing: {res['exact_hit_not_answer_bearing@5']}; answer-bearing without the exact gold: "
          f"{res['answer_bearing_not_exact@5']}")
    print(f"gold passage judged NOT answer-bearing: {len(res['gold_not_answer_bearing'])} "
          f"{res['gold_not_answer_bearing']}; relevant chunks per question in the pool: {res['relevant_per_question']}")
    print(f"answer-bearing misses @5: {res['missed@5']}")
    gained = [q["qid"] for q in res["per_question"] if (q["first_relevant_rank"] or 99) <= 5 < (q["gold_rank"] or 99)]
    print(f"exact-gold misses @5 with another answer-bearing chunk in the top 5: {gained}")
    if args.json:
        write_json(args.json, res)
    return 0 if res["unjudged_in_top10"] == 0 else 1


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("mode", choices=("pool", "add", "score"))
    p.add_argument("file", nargs="?", help="add: the TSV of judgements")
    p.add_argument("--annotator", default="claude-rel6", help="add: who judged these lines")
    p.add_argument("--json", default=str(OUT / "score.json"), help="score: where to write the result")
    p.add_argument("--impl", default="solutions")
    args = p.parse_args(argv)
    if args.mode == "add" and not args.file:
        p.error("add needs a FILE of 'qid<TAB>item<TAB>label<TAB>reason' lines")
    return {"pool": cmd_pool, "add": cmd_add, "score": cmd_score}[args.mode](args)


if __name__ == "__main__":
    sys.exit(main())
