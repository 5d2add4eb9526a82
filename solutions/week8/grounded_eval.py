"""Week 8 project: are the assistant's answers grounded in the right passage? Automatic proxies + items for people.

    python -m solutions.week8.grounded_eval --model course-assistant-8m --out runs/week8/grounded
    tglm human-eval runs/week8/grounded/items.jsonl --annotator NAME --out NAME.jsonl --likert --criteria grounded,correct

For every course-assistant TEST question (never trained on) a fresh ChatSession (retrieval on, BM25
top-3, greedy, repetition penalty 1.2, at most 64 tokens) answers; per question:
  gold_in_prompt  the gold passage (re-derived from its stored text, retrieval/gold.py) was among the
                  passages that made it into the prompt
  file_in_prompt  a passage of the gold file was
  f1              SQuAD token F1 of the reply against the hand-written answer (metrics/squad.py)
  support         share of the reply's content words (no stop words, stemmed) found in the prompt's passages
  proxy_grounded  gold_in_prompt and f1 >= 0.5: the right passage was read and the reply says what it says
The proxy is NOT the human judgement the goal asks for; items.jsonl holds, per question, the question
with its gold passage as input and the reply vs the reference answer as the two outputs, for
`tglm human-eval --likert --criteria grounded,correct` (the reply's 1-5 "grounded" rating is the judgement).

Grounded decoding (generation/copy_constrained.py, generation/span_select.py):

    python -m solutions.week8.grounded_eval --grounded copy --split train --out runs/week8/copy_train  # choose settings
    python -m solutions.week8.grounded_eval --copy --out runs/week8/grounded_copy                      # = --grounded copy
    python -m solutions.week8.grounded_eval --grounded select --select-best 1 --out runs/week8/grounded_select

adds, per question, gold_support: share of the reply's content words found in the GOLD passage,
and proxy_from_gold: the gold passage was in the prompt and gold_support >= 0.9 (the reply says
only what the gold passage says; a proxy for the "grounded" judgement); gold_words: gold_support >= 0.9
whether or not the gold was in the prompt (for --select-from K, whose sentences may come from passages
the context had no room for). With --split test it also
writes items_vs_retrieval.jsonl: the reply against the BM25 top-1 passage as the answer
("retrieval-only"), for `tglm human-eval` (blind; the harness randomises the sides).
Nothing to fill in: it runs the library; --impl is accepted for symmetry.
"""
import argparse
import json
import os
import statistics

from tinygrad_lm.datasets.course_assistant import load_course_assistant
from tinygrad_lm.generation.chat import ChatSession, load_chat_model
from tinygrad_lm.metrics.squad import compute_f1
from tinygrad_lm.retrieval.course import CourseBM25, query_terms
from tinygrad_lm.retrieval.gold import gold_ids
from tinygrad_lm.training.loop import write_json


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--model", default="course-assistant-8m")
    p.add_argument("--untuned", action="store_true")
    p.add_argument("--out", default="runs/week8/grounded")
    p.add_argument("--max-new-tokens", type=int, default=64)
    p.add_argument("--split", choices=("train", "test"), default="test",
                   help="train: choose decoding settings; test: the reported numbers")
    p.add_argument("--grounded", choices=("off", "copy", "select"), default="off",
                   help="grounded decoding: copy-constrained, or sentence selection")
    p.add_argument("--copy", action="store_true", help="same as --grounded copy")
    p.add_argument("--copy-starts", choices=("sentence", "word"), default="sentence")
    p.add_argument("--copy-max-spans", type=int, default=2)
    p.add_argument("--copy-stop", choices=("sentence", "any"), default="sentence")
    p.add_argument("--copy-min-tokens", type=int, default=1)
    p.add_argument("--select-best", type=int, default=1)
    p.add_argument("--select-pmi", action="store_true", help="score minus the score after a neutral message")
    p.add_argument("--select-from", type=int, default=0,
                   help="candidate sentences from the top-k retrieved passages (0: the passages in the prompt)")
    p.add_argument("--repetition-penalty", type=float, default=1.2)
    p.add_argument("--limit", type=int, default=0, help="only the first N questions (smoke test)")
    p.add_argument("--impl", default="solutions")
    args = p.parse_args(argv)
    model, tok, info = load_chat_model(args.model, untuned_ok=args.untuned)
    bm = CourseBM25()
    by_id = {c.id: c for c in bm.chunks}
    mode = "copy" if args.copy else args.grounded
    copy_options = {"starts": args.copy_starts, "max_spans": args.copy_max_spans, "stop": args.copy_stop,
                    "min_tokens": args.copy_min_tokens}
    rows, items, vs_retrieval = [], [], []
    test = load_course_assistant(args.split)
    if args.limit:
        test = test[:args.limit]
    golds = gold_ids(test, bm.chunks)
    for r, gold in zip(test, golds):
        chat = ChatSession(model, tok, retriever=bm, k=3, temperature=0, repetition_penalty=args.repetition_penalty,
                           max_new_tokens=args.max_new_tokens, grounded=mode, copy_options=copy_options,
                           select_best=args.select_best, select_pmi=args.select_pmi, select_from=args.select_from)
        reply = chat.reply(r["question"]).strip()
        used = chat.last.sources
        passages = " ".join(by_id[s["id"]].text for s in used if s["id"] in by_id)
        have = set(query_terms(passages))
        words = query_terms(reply)
        row = {"id": r["id"], "question": r["question"], "reply": reply, "answer": r["answer"],
               "gold": sorted(gold), "used": [s["id"] for s in used],
               "gold_in_prompt": bool(gold & {s["id"] for s in used}),
               "file_in_prompt": r["source"] in [s["path"] for s in used],
               "f1": compute_f1(r["answer"], reply),
               "support": sum(w in have for w in words) / len(words) if words else 0.0}
        row["proxy_grounded"] = row["gold_in_prompt"] and row["f1"] >= 0.5
        gold_words = set(query_terms(" ".join(by_id[g].text for g in gold if g in by_id)))
        row["gold_support"] = sum(w in gold_words for w in words) / len(words) if words else 0.0
        row["proxy_from_gold"] = row["gold_in_prompt"] and bool(words) and row["gold_support"] >= 0.9
        row["gold_words"] = bool(words) and row["gold_support"] >= 0.9       # prompt or not (select_from)
        row["gold_in_candidates"] = bool(gold & {c.id for c, _ in chat._hits[:max(args.select_from, 3)]})
        rows.append(row)
        top1 = bm.search(r["question"], 1)[0][0]
        vs_retrieval.append({"id": r["id"], "input": f"[retrieved source: {top1.path}] {top1.text}\nUSER: {r['question']}",
                             "outputs": {"assistant": reply, "retrieval": top1.text}})
        items.append({"id": r["id"], "input": f"{r['question']}\n\n[gold passage, {r['chunk_id']}]\n{r['passage']}",
                      "outputs": {"assistant": reply, "reference": r["answer"]}})
    n = len(rows)
    summary = {"model": args.model, "untuned": info["untuned"], "split": args.split, "questions": n,
               "grounded_decoding": mode, "copy_options": copy_options if mode == "copy" else None,
               "select_best": args.select_best if mode == "select" else None,
               "select_pmi": args.select_pmi if mode == "select" else None,
               "repetition_penalty": args.repetition_penalty,
               "gold_support": statistics.mean(x["gold_support"] for x in rows),
               "proxy_from_gold": sum(x["proxy_from_gold"] for x in rows) / n,
               "gold_words": sum(x["gold_words"] for x in rows) / n,
               "gold_in_candidates": sum(x["gold_in_candidates"] for x in rows) / n,
               "select_from": args.select_from if mode == "select" else None,
               "empty_replies": sum(not x["reply"] for x in rows),
               "gold_in_prompt": sum(x["gold_in_prompt"] for x in rows) / n,
               "file_in_prompt": sum(x["file_in_prompt"] for x in rows) / n,
               "mean_f1": statistics.mean(x["f1"] for x in rows),
               "mean_support": statistics.mean(x["support"] for x in rows),
               "proxy_grounded": sum(x["proxy_grounded"] for x in rows) / n}
    os.makedirs(args.out, exist_ok=True)
    write_json(os.path.join(args.out, "grounded.json"), {"summary": summary, "rows": rows})
    with open(os.path.join(args.out, "items.jsonl"), "w") as f:
        for it in items:
            f.write(json.dumps(it) + "\n")
    with open(os.path.join(args.out, "items_vs_retrieval.jsonl"), "w") as f:
        for it in vs_retrieval:
            f.write(json.dumps(it) + "\n")
    print(json.dumps(summary, indent=1))
    for x in rows[:5]:
        print(f"- {x['question']}\n  reply: {x['reply'][:150]!r}\n  answer: {x['answer'][:150]!r}  (F1 {x['f1']:.2f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
