"""Week 8 project, an experiment: teach course-base-8m to retrieve with the Inverse Cloze Task, then mix with BM25.

    python -m solutions.week8.retrieval_dense_ict --minutes 20 --batch-size 32   # ~1,100 steps, 2 threads; train only

The dense retriever of retrieval_eval.py (mean-pooled states of the untrained LM) is near chance: nothing taught it
that a question and its passage should be close. ICT (Lee, Chang & Toutanova 2019, "Latent Retrieval for Weakly
Supervised Open Domain QA", section 4) makes (query, passage) pairs from the documents alone: the query is one
sentence of a chunk, the passage is the chunk's heading trail + text with that sentence removed (kept in 10% of
pairs, so exact overlap is not worthless). One shared encoder,

    v(text) = m / |m|,  m = mean_t h_L[t] over the text's tokens   (final LayerNorm states, padding masked out)
    L = CE(Q P^T / tau, diag)        Q, P: (B, C) a batch of queries and their passages; the other B - 1 passages
                                      of the batch are the negatives (in-batch negatives), tau = 0.05

(the course test/train questions are never used for training). Then on the 157 TRAIN questions: exact recall of
the dense retriever alone and of BM25 / max BM25 + lam cos(q, p) over all chunks, lam in LAMS; the test questions
are scored only if a mix passes the session-6 keep rule (wins >= 2 train questions at recall@3 or @5, loses none
at the other).
Result (2026-12-03, 1,931 chunks, 20 minutes, 1,118 steps of 32 pairs, 2 threads): ICT loss 3.47 (chance) -> ~1.0,
so the encoder learned to find a sentence's own chunk, but the course questions are not such sentences: dense alone
2.5 / 4.5 / 7.0 / 10.2 train recall@1/3/5/10 (BM25 47.8 / 72.6 / 79.6 / 84.7); every mix loses questions at @3 or @5
(lam 1.0: 49.0 / 71.3 / 78.3 / 82.8). Not kept; test not scored (exercises/week8/README.md, "Session 8").
Legend: B batch, T tokens, C channels.
Omissions: no separate query / passage encoders, no hard negatives, nothing saved (an experiment: the weights are
thrown away), sentence splitting by punctuation / newlines only.
Nothing to fill in: it runs the library. --impl is accepted for symmetry.
"""
import argparse
import re
import time

import numpy as np

from tinygrad_lm.datasets.course_assistant import load_course_assistant
from tinygrad_lm.models.pretrained import load
from tinygrad_lm.ops.softmax import cross_entropy
from tinygrad_lm.random import manual_seed
from tinygrad_lm.retrieval.chunker import course_chunks
from tinygrad_lm.retrieval.course import CourseBM25, recall_at_k
from tinygrad_lm.retrieval.gold import gold_ids
from tinygrad_lm.tensor import Tensor, no_grad

KS = (1, 3, 5, 10)
LAMS = (0.1, 0.3, 1.0, 3.0)
SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")


def sentences(text: str) -> list:
    """The pieces of a chunk that can be ICT queries: split at . ! ? + space or a newline, >= 4 words."""
    return [s for s in SENTENCE.split(text) if len(s.split()) >= 4]


def encode(tok, texts, T: int):
    """(ids (B, T) int64, mask (B, T) float32): each text's first T tokens, right-padded with id 0 (masked out)."""
    ids, mask = np.zeros((len(texts), T), np.int64), np.zeros((len(texts), T), np.float32)
    for i, text in enumerate(texts):
        e = tok.encode_ordinary(text)[:T] or [0]
        ids[i, :len(e)], mask[i, :len(e)] = e, 1.0
    return ids, mask


def pooled(model, ids, mask) -> Tensor:
    """Unit vectors (B, C): the masked mean of the final LayerNorm states. The model is causal, so right padding
    does not change the states of the real tokens."""
    x = model.hidden_states(ids)                                                # (B, T, C)
    m = (x * Tensor(mask[:, :, None])).sum(axis=1) / Tensor(mask.sum(1, keepdims=True))   # (B, C)
    return m / ((m * m).sum(axis=1, keepdims=True) + 1e-6).sqrt()              # (B, C), |row| = 1


def ict_loss(model, tok, queries, passages, tau: float = 0.05, tq: int = 32, tp: int = 96) -> Tensor:
    """InfoNCE with in-batch negatives: CE(Q P^T / tau, [0, 1, ..., B-1])."""
    q, p = pooled(model, *encode(tok, queries, tq)), pooled(model, *encode(tok, passages, tp))   # (B, C), (B, C)
    return cross_entropy((q @ p.T) * (1.0 / tau), np.arange(len(queries)))     # logits (B, B)


def embed(model, tok, texts, T: int, bs: int = 64) -> np.ndarray:
    was = model.training
    model.eval()
    try:
        with no_grad():
            return np.concatenate([pooled(model, *encode(tok, texts[k:k + bs], T)).numpy()
                                   for k in range(0, len(texts), bs)])
    finally:
        model.train(was)


def orderings(model, tok, chunks, rows, bm, tq=32, tp=96) -> dict:
    """{name: per question the top-10 chunk ids}: BM25, dense alone, and BM25 / max + lam cos for lam in LAMS."""
    P = embed(model, tok, [f"{c.title}\n{c.text}" for c in chunks], tp)         # (N, C)
    Q = embed(model, tok, [r["question"] for r in rows], tq)                    # (Q, C)
    out = {"BM25 (the defaults)": [], "dense alone": [], **{f"BM25 + {lam} x cos": [] for lam in LAMS}}
    for r, cos in zip(rows, Q @ P.T):
        b = bm.scores(r["question"])
        b = np.zeros(len(chunks)) if b is None else b / max(b.max(), 1e-9)
        out["BM25 (the defaults)"].append([chunks[i].id for i in np.argsort(-b, kind="stable")[:10]])
        out["dense alone"].append([chunks[i].id for i in np.argsort(-cos, kind="stable")[:10]])
        for lam in LAMS:
            out[f"BM25 + {lam} x cos"].append([chunks[i].id for i in np.argsort(-(b + lam * cos), kind="stable")[:10]])
    return out


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--model", default="course-base-8m")
    p.add_argument("--minutes", type=float, default=20.0)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--lr", type=float, default=1e-4)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--impl", default="solutions")
    args = p.parse_args(argv)
    if args.batch_size < 2 or args.minutes <= 0:
        p.error("--batch-size must be >= 2 (in-batch negatives) and --minutes > 0")
    manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    model, tok, _ = load(args.model)
    chunks = course_chunks()
    sents = [sentences(c.text) for c in chunks]
    usable = [i for i, s in enumerate(sents) if len(s) >= 2]
    print(f"{len(chunks)} chunks, {len(usable)} with >= 2 query sentences", flush=True)
    model.train()
    opt = model.configure_optimizers(0.01, args.lr)
    t0, step = time.time(), 0
    while time.time() - t0 < 60 * args.minutes:
        queries, passages = [], []
        for i in rng.choice(usable, size=args.batch_size, replace=False):
            s = sents[i][int(rng.integers(len(sents[i])))]
            keep = rng.random() < 0.1                                           # the sentence stays in 10%
            queries.append(s)
            passages.append(f"{chunks[i].title}\n" + (chunks[i].text if keep else chunks[i].text.replace(s, " ")))
        loss = ict_loss(model, tok, queries, passages)
        opt.zero_grad()
        loss.backward()
        opt.step()
        step += 1
        if step % 50 == 0:
            print(f"step {step} {time.time() - t0:.0f}s ICT loss {loss.item():.3f} (chance {np.log(args.batch_size):.2f})",
                  flush=True)
    rows = load_course_assistant("train")
    golds = gold_ids(rows, chunks)
    print(f"{step} steps in {time.time() - t0:.0f}s; {len(rows)} TRAIN questions\n"
          "| ordering (train) | exact recall@1 / 3 / 5 / 10 (%) |\n| --- | --- |")
    for name, ranked in orderings(model, tok, chunks, rows, CourseBM25(chunks=chunks, doc_questions=None)).items():
        rec = recall_at_k(ranked, golds, KS)
        print(f"| {name} | " + " / ".join(f"{100 * rec[k]:.1f}" for k in KS) + " |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
