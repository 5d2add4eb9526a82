"""Week 8 project, an experiment that failed: rerank BM25's top passages by how likely they make the question.

    python -m solutions.week8.retrieval_rerank_lm                     # 157 TRAIN questions, top 20, ~6 min, 1 thread
    python -m solutions.week8.retrieval_rerank_lm --model course-base-8m --k 10

The idea (UPR, Sachan et al. 2022, "Improving Passage Retrieval with Zero-Shot Question Generation"): a
language model that has read passage p should find the question q more likely if p answers it. Every one of
BM25's top-k chunks is scored by the pointwise mutual information of the question with it,

    pmi(p, q) = log P(q | heading trail + chunk text + "\\nQuestion:") - log P(q | "Question:")

(summed over the question's tokens, teacher-forced; the second term does not depend on p and only matters
when pmi is mixed with BM25), and the chunks are re-ordered by pmi alone, or by
bm25 / max(bm25) + lam * zscore(pmi) within the question's top k.
Measured on the TRAIN questions only (the test ones are for the retriever that is kept); the exact-gold
recall@1/3/5/10 of each ordering is printed. Result with course-assistant-8m, k 20 (2026-12-03): pmi alone
ranks the gold passage first for 3.8% of the questions, below chance among 20 (5%); every lam > 0 lowers
recall@5 (80.3 -> 79.6 at lam 0.02). An 8M-parameter model's question likelihood follows the style of a
chunk, not what it says, so nothing is kept (exercises/week8/README.md, "Session 7").
Omissions: no question-generation prompt tuning, no larger model (none ships), chunks cut to 160 tokens.
Nothing to fill in: it runs the library. --impl is accepted for symmetry.
"""
import argparse
import time

import numpy as np

from tinygrad_lm.datasets.course_assistant import load_course_assistant
from tinygrad_lm.generation.in_context import candidate_logprob
from tinygrad_lm.models.pretrained import load
from tinygrad_lm.retrieval.course import CourseBM25
from tinygrad_lm.retrieval.gold import gold_ids
from tinygrad_lm.tensor import no_grad

KS = (1, 3, 5, 10)
LAMBDAS = (0.02, 0.05, 0.1, 0.2, 0.5, 1.0)


def recall(orders, golds, ks=KS) -> dict:
    """orders: per question the chunk ids in ranked order; golds: per question a set of gold ids."""
    return {k: float(np.mean([bool(g & set(o[:k])) for o, g in zip(orders, golds)])) for k in ks}


def rerank(bm25, pmi, lam) -> np.ndarray:
    """Order of the k candidates: bm25 / max(bm25) + lam * zscore(pmi); lam None = pmi alone."""
    bm25, pmi = np.asarray(bm25, dtype=np.float64), np.asarray(pmi, dtype=np.float64)
    if lam is None:
        return np.argsort(-pmi, kind="stable")
    z = (pmi - pmi.mean()) / (pmi.std() + 1e-9)
    return np.argsort(-(bm25 / bm25.max() + lam * z), kind="stable")


@no_grad()
def score_questions(model, encode, bm, rows, k: int, max_chunk_tokens: int = 160):
    """-> per question {top: chunk ids, bm25: scores, pmi: pmi per chunk} (BM25's top k)."""
    out, t0 = [], time.perf_counter()
    for n, r in enumerate(rows):
        s = bm.scores(r["question"])
        top = np.argsort(-s, kind="stable")[:k]
        q = encode(" " + r["question"])
        prior = candidate_logprob(model, encode("Question:"), q)                     # log P(q | "Question:")
        pmi = [candidate_logprob(model, encode(bm.chunks[i].title + "\n") + encode(bm.chunks[i].text)[:max_chunk_tokens]
                                 + encode("\nQuestion:"), q) - prior for i in top]
        out.append({"top": [bm.chunks[i].id for i in top], "bm25": [float(s[i]) for i in top], "pmi": pmi})
        if n % 20 == 0:
            print(f"  {n}/{len(rows)} questions, {time.perf_counter() - t0:.0f} s", flush=True)
    return out


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--model", default="course-assistant-8m")
    p.add_argument("--k", type=int, default=20, help="rerank BM25's top k")
    p.add_argument("--impl", default="solutions")
    args = p.parse_args(argv)
    if args.k < 1:
        raise SystemExit(f"--k must be >= 1, got {args.k}")
    rows = load_course_assistant("train")
    bm = CourseBM25(doc_questions=None)        # the session-8 retriever this experiment used
    golds = gold_ids(rows, bm.chunks)
    model, tok, info = load(args.model)
    model.eval()
    encode = lambda text: [int(i) for i in tok.encode_ordinary(text.lower() if info["lowercase"] else text)]  # noqa: E731
    scored = score_questions(model, encode, bm, rows, args.k)
    ceiling = np.mean([bool(g & set(s["top"])) for s, g in zip(scored, golds)])
    print(f"train, {len(rows)} questions, {args.model}, top {args.k} (the gold is among them for {100 * ceiling:.1f}%)")
    print("| ordering | exact recall@1 / 3 / 5 / 10 (%) |\n| --- | --- |")
    for name, lam in [("BM25 (CourseBM25 defaults)", 0.0), ("pmi alone", None)] + [(f"BM25 + {x} x pmi", x) for x in LAMBDAS]:
        orders = [list(np.array(s["top"])[rerank(s["bm25"], s["pmi"], lam)]) for s in scored]
        print(f"| {name} | " + " / ".join(f"{100 * v:.1f}" for v in recall(orders, golds).values()) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
