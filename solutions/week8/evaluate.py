"""Week 8 project report: the chat model against the base model and retrieval-only, on held-out sets.

Run (1 thread; the numbers of exercises/week8/README.md):
    python -m solutions.week8.evaluate generate --sft data/pretrained/course-assistant-8m --out runs/eval
    python -m solutions.week8.evaluate metrics --out runs/eval              # distinct-1/2, BLEU, ROUGE-L table
    python -m solutions.week8.evaluate generate --sets course --out runs/eval_course   # the 51 course questions only
    tglm human-eval runs/eval/items_vs_base.jsonl --annotator NAME --out runs/eval/NAME_vs_base.jsonl   # judge
    tglm human-eval runs/eval/items_vs_retrieval.jsonl --annotator NAME --out runs/eval/NAME_vs_retrieval.jsonl
    tglm human-eval --analyze runs/eval/NAME_vs_base.jsonl runs/eval/NAME_vs_retrieval.jsonl   # Wilson 95%
    python -m solutions.week8.evaluate judgements runs/eval/NAME_vs_*.jsonl  # the same, per held-out set
    python -m solutions.week8.evaluate blind --vs base --out runs/eval   # (optional) print the screens of a
                                          # session in its order, sides as shown, no system names

Held-out sets (never trained on; datasets/chat_sft.py):
  instructions  the instruction-data test split (110): reply to the instruction; reference = its output
  dailydialog   --dd N DailyDialog TEST dialogues (seeded sample): the reply to one user turn given the turns
                before it (the latest that fit the context); reference = the real speaker B turn
  course        the course-assistant test questions (data/course_assistant/test.jsonl, if present)
Systems:
  sft           the fine-tuned chat model; on course questions with retrieval: the BM25 top-1 passage in the
                system prompt (chat_sft.grounded_system_fit: shortened to what the context leaves, tglm chat's
                rule), or with NO passage if no retriever is available (generations.json says which)
  base          course-base-8m with the chat tokens added (mean-initialised rows), prompted with exactly the
                same template and passage: what SFT adds
  retrieval     (course set only) the best retrieved passage itself as the answer
Decoding: greedy with repetition penalty 1.2 (Keskar et al.), at most --max-new 64 tokens, stopping at
<|im_end|>, <|im_start|> or <|endoftext|>; the same for every model.
Metrics: distinct-1/2 (corpus), sacreBLEU corpus BLEU lowercased (13a), ROUGE-L F1 mean (rouge_score
defaults, no stemming). Assistant-token perplexity comes from solutions/week8/sft.py (--eval-only).
Human evaluation: items files for the week 6 harness (tglm human-eval): sft vs base on every prompt, sft vs
retrieval on the course prompts; the annotator sees the conversation (and the retrieved source) and two
anonymous replies in the harness's blind order.
"""
import argparse
import json
import os
import sys
import time

import numpy as np

from tinygrad_lm.datasets.chat_sft import SYSTEM, course_passage, grounded_system_fit, load_course_assistant, \
    source_conversations
from tinygrad_lm.generation.decoder import Decoder
from tinygrad_lm.generation.decoding import stream
from tinygrad_lm.metrics import bleu as bleu_metric
from tinygrad_lm.metrics.diversity import distinct_n
from tinygrad_lm.metrics.human_eval import write_jsonl
from tinygrad_lm.metrics.rouge import rouge_score
from tinygrad_lm.tokenizers.chat import IM_END, IM_START, render_conversation
from tinygrad_lm.training.loop import write_json
from tinygrad_lm.training.sft import chat_model

BASE = "course-base-8m"
MAX_PROMPT = 190                  # prompt tokens; + max_new 64 <= 256 context


def _retriever():
    """(search(question, k) -> [(source path, text)], description), or (None, why not).
    The chat work's CourseBM25 (retrieval/course.py: headings x2 + passage, stop words out, Porter stems) if this
    tree has it, else plain BM25Okapi over chunker.course_chunks() with chunker.words tokens."""
    try:
        from tinygrad_lm.retrieval.chunker import course_chunks, words
    except ImportError as e:
        return None, f"no course chunker in this tree ({e})"
    try:
        from tinygrad_lm.retrieval.course import CourseBM25
        r = CourseBM25()
        return (lambda q, k=1: [(c.path, c.text) for c, _ in r.search(q, k=k)]), "CourseBM25 (retrieval/course.py) top-1"
    except ImportError:
        pass
    from tinygrad_lm.retrieval import BM25Okapi
    chunks = course_chunks()
    bm = BM25Okapi([words(c.index_text()) for c in chunks])

    def search(q, k=1):
        scores = bm.get_scores(words(q))
        return [(chunks[i].path, chunks[i].text) for i in np.argsort(-scores, kind="stable")[:k]]
    return search, "BM25Okapi over chunker.course_chunks() (chunker.words tokens) top-1"


def _fit_prompt(tok, messages):
    """Drop the oldest user/assistant pairs (keeping the system message and the last user turn) until the
    prompt fits MAX_PROMPT tokens."""
    msgs = list(messages)
    while len(render_conversation(tok, msgs, add_generation_prompt=True)[0]) > MAX_PROMPT and len(msgs) > 2:
        msgs = msgs[:1] + msgs[3:]
    return msgs


def build_prompts(dd: int, seed: int, search, tok):
    """[{"id", "set", "messages" (ending with the user turn), "reference", "passage"}]."""
    out = []
    for i, conv in enumerate(source_conversations("instructions", "test")):
        out.append({"id": f"ins_{i}", "set": "instructions", "messages": conv[:2], "reference": conv[2]["content"]})
    tests = source_conversations("dailydialog", "test")
    rng = np.random.default_rng(seed)
    for j in sorted(rng.choice(len(tests), size=min(dd, len(tests)), replace=False)):
        conv = tests[j]
        n_pairs = (len(conv) - 1) // 2
        if n_pairs == 0:
            continue
        k = int(rng.integers(n_pairs))                                  # reply to user turn k (0-based)
        msgs = conv[:1 + 2 * k + 1]
        out.append({"id": f"dd_{j}_{k}", "set": "dailydialog", "messages": msgs,
                    "reference": conv[1 + 2 * k + 1]["content"]})
    for i, r in enumerate(load_course_assistant("test")):
        passages = search(r["question"]) if search else []
        user = {"role": "user", "content": r["question"]}
        # tglm chat's rule: the system message gets what the context leaves after the user turn and a reply reserve
        room = MAX_PROMPT - len(render_conversation(tok, [user], add_generation_prompt=True)[0]) - 2
        system = grounded_system_fit(passages, lambda x: len(tok.encode_ordinary(x)), room) if passages else SYSTEM
        out.append({"id": f"course_{i}", "set": "course", "question": r["question"], "reference": r["answer"],
                    "gold_source": course_passage(r)[0], "passage": passages[0] if passages else None,
                    "messages": [{"role": "system", "content": system}, user]})
    return out


def generate_replies(model, tok, prompts, max_new: int, name: str) -> list:
    dec = Decoder(model)
    stops = [tok.special_tokens[t] for t in (IM_END, IM_START, "<|endoftext|>") if t in tok.special_tokens]
    replies, t0 = [], time.perf_counter()
    for n, p in enumerate(prompts):
        ids, _ = render_conversation(tok, _fit_prompt(tok, p["messages"]), add_generation_prompt=True)
        out = [t for t in stream(dec, ids, max_new_tokens=max_new, temperature=0.0, repetition_penalty=1.2,
                                 stop_tokens=stops) if t not in stops]
        replies.append(tok.decode(out).strip())
        if (n + 1) % 25 == 0:
            print(f"  {name}: {n + 1}/{len(prompts)} ({time.perf_counter() - t0:.0f} s)", flush=True)
    return replies


def cmd_generate(args):
    search, how = _retriever()
    if search is None:
        print(f"retrieval: none ({how}); course questions are asked WITHOUT a passage", flush=True)
    prompts = build_prompts(args.dd, args.seed, search, chat_model(BASE)[1])
    prompts = [p for p in prompts if p["set"] in args.sets.split(",")]
    if args.limit:                                                   # smoke runs: the first N of each set
        prompts = [p for s in ("instructions", "dailydialog", "course")
                   for p in [q for q in prompts if q["set"] == s][:args.limit]]
    outputs = {}
    for name, path in (("sft", args.sft), ("base", BASE)):
        model, tok, _ = chat_model(path)
        print(f"{name}: {path}, {len(prompts)} prompts", flush=True)
        outputs[name] = generate_replies(model, tok, prompts, args.max_new, name)
    outputs["retrieval"] = [(p["passage"][1] if p.get("passage") else None) for p in prompts]
    os.makedirs(args.out, exist_ok=True)
    rows = [{**p, "outputs": {k: v[i] for k, v in outputs.items() if v[i] is not None}} for i, p in enumerate(prompts)]
    write_json(os.path.join(args.out, "generations.json"),
               {"sft": args.sft, "base": BASE, "retrieval": how if search else "none: " + how,
                "decoding": {"greedy": True, "repetition_penalty": 1.2, "max_new_tokens": args.max_new},
                "rows": rows})
    write_items(rows, args.out)
    print(f"wrote {args.out}/generations.json, items_vs_base.jsonl, items_vs_retrieval.jsonl ({len(rows)} prompts)")


def _show_conversation(p) -> str:
    lines = []
    if p.get("passage"):
        lines.append(f"[retrieved source: {p['passage'][0]}] {p['passage'][1][:400]}")
    for m in p["messages"][1:]:
        lines.append(f"{m['role'].upper()}: {m['content']}")
    return "\n".join(lines)


def write_items(rows, folder):
    """items_vs_base.jsonl (sft vs base, every prompt) and items_vs_retrieval.jsonl (sft vs retrieval, course
    prompts): two files, so two sessions of the harness, each judged in its own schedule order."""
    vs_base = [{"id": r["id"], "input": _show_conversation(r),
                "outputs": {"sft": r["outputs"]["sft"], "base": r["outputs"]["base"]}} for r in rows]
    vs_retr = [{"id": r["id"], "input": _show_conversation(r),
                "outputs": {"sft": r["outputs"]["sft"], "retrieval": r["outputs"]["retrieval"]}}
               for r in rows if "retrieval" in r["outputs"]]
    write_jsonl(os.path.join(folder, "items_vs_base.jsonl"), vs_base)
    if vs_retr:
        write_jsonl(os.path.join(folder, "items_vs_retrieval.jsonl"), vs_retr)


def metrics_table(rows) -> dict:
    table = {}
    for s in sorted({r["set"] for r in rows}):
        sub = [r for r in rows if r["set"] == s]
        for system in ("sft", "base", "retrieval"):
            have = [r for r in sub if system in r["outputs"]]
            if not have:
                continue
            hyp = [r["outputs"][system] for r in have]
            ref = [r["reference"] for r in have]
            d1, d2 = distinct_n(hyp, 1), distinct_n(hyp, 2)
            bl = bleu_metric.corpus_bleu(hyp, [ref], lowercase=True)
            rl = float(np.mean([rouge_score(a, b, types=("rougeL",))["rougeL"].fmeasure for a, b in zip(ref, hyp)]))
            table[f"{s}/{system}"] = {"n": len(have), "distinct1": d1.corpus, "distinct2": d2.corpus,
                                      "bleu_lc": bl.score, "rougeL_f1": 100 * rl,
                                      "mean_words": float(np.mean([len(h.split()) for h in hyp]))}
    return table


def cmd_metrics(args):
    gen = json.load(open(os.path.join(args.out, "generations.json"), encoding="utf-8"))
    table = metrics_table(gen["rows"])
    print(f"{'set/system':24s} {'n':>4s} {'dist-1':>7s} {'dist-2':>7s} {'BLEU lc':>8s} {'ROUGE-L':>8s} {'words':>6s}")
    for k, v in table.items():
        print(f"{k:24s} {v['n']:4d} {v['distinct1']:7.3f} {v['distinct2']:7.3f} {v['bleu_lc']:8.2f} "
              f"{v['rougeL_f1']:8.2f} {v['mean_words']:6.1f}")
    write_json(os.path.join(args.out, "metrics.json"), {"retrieval": gen["retrieval"], "table": table})


def cmd_blind(args):
    """Print every unit in the order `tglm human-eval` will show it to --annotator, sides as shown, no names."""
    from tinygrad_lm.metrics.human_eval import display_order, load_items, pairwise_units, schedule
    items = load_items(os.path.join(args.out, f"items_vs_{args.vs}.jsonl"))
    by_id = {it["id"]: it for it in items}
    plan = schedule(pairwise_units(items), args.annotator, 0, 0.1)
    for n, ((item_id, x, y), check) in enumerate(plan):
        if not args.start <= n < args.start + args.count:
            continue
        left, right = display_order(args.annotator, item_id, x, y, 0)
        if check:
            left, right = right, left
        it = by_id[item_id]
        print(f"=== #{n + 1}  {item_id}\n{it['input']}\n--- A: {it['outputs'][left]}\n--- B: {it['outputs'][right]}\n")


def cmd_judgements(args):
    """Win rate of sft per held-out set from the judgement files (attention checks left out), Wilson 95%."""
    from tinygrad_lm.metrics.human_eval import read_records
    from tinygrad_lm.metrics.preference import wilson_interval
    rows = []
    for path in args.files:
        rows += [r for r in read_records(path) if r.get("task") == "pairwise" and not r.get("attention_check")]
    table = {}
    for r in rows:
        other = [s for s in r["systems"] if s != "sft"][0]
        key = (other, r["item"].split("_")[0])
        w = table.setdefault(key, [0, 0, 0])
        w[0 if r["winner"] == "sft" else 1 if r["winner"] == other else 2] += 1
    for other in sorted({k[0] for k in table}):
        keys = sorted(k for k in table if k[0] == other) + [(other, "all")]
        table[(other, "all")] = [sum(table[k][i] for k in keys[:-1]) for i in range(3)]
        for k in keys:
            win, loss, tie = table[k]
            lo, hi = wilson_interval(win, win + loss) if win + loss else (float("nan"), float("nan"))
            rate = win / (win + loss) if win + loss else float("nan")
            print(f"sft vs {other:9s} {k[1]:13s} wins {win:3d} losses {loss:3d} ties {tie:3d}  "
                  f"win rate {rate:.3f} [{lo:.3f}, {hi:.3f}]")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    g = sub.add_parser("generate")
    g.add_argument("--sft", default="data/pretrained/course-assistant-8m")
    g.add_argument("--dd", type=int, default=80, help="DailyDialog test dialogues (seeded sample)")
    g.add_argument("--max-new", type=int, default=64)
    g.add_argument("--seed", type=int, default=0)
    g.add_argument("--limit", type=int, default=0, help="only the first N prompts of each set (smoke test)")
    g.add_argument("--sets", default="instructions,dailydialog,course",
                   help="comma-separated held-out sets to generate for (e.g. course: the 51 course questions only)")
    for p in (g, sub.add_parser("metrics"), sub.add_parser("blind")):
        p.add_argument("--out", default="runs/week8_eval")
        if p.prog.endswith("blind"):
            p.add_argument("--annotator", default="claude-helper")
            p.add_argument("--vs", choices=("base", "retrieval"), default="base")
            p.add_argument("--start", type=int, default=0, help="first unit to print (0-based)")
            p.add_argument("--count", type=int, default=1000, help="units to print")
    j = sub.add_parser("judgements")
    j.add_argument("files", nargs="+", help="judgement .jsonl files of tglm human-eval")
    args = ap.parse_args(argv)
    {"generate": cmd_generate, "metrics": cmd_metrics, "blind": cmd_blind, "judgements": cmd_judgements}[args.cmd](args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
