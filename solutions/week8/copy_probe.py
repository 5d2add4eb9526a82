"""Week 8 project: does the assistant read its context? The answer's loss with the right passage, none, a wrong one.

    python -m solutions.week8.copy_probe                          # course-assistant-8m and course-base-8m (~2 min)
    python -m solutions.week8.copy_probe --json runs/week8/copy_probe.json

For every course-assistant TEST question (never trained on), the hand-written answer is scored teacher-forced
(mean NLL per assistant token, training/sft.masked_nll) after three system prompts:
  gold     the gold passage (datasets/chat_sft.grounded_turn: shortened until the conversation fits 257 tokens)
  none     the plain system prompt, no passage
  wrong    the gold passage of another test question from another source file (the next one in the file)
The answers restate their passages nearly word for word, so a model that copies from its context scores
"gold" far below "none" and "wrong"; one that ignores the context scores the three about alike.
Nothing to fill in: it runs the library. --impl is accepted for symmetry.
"""
import argparse
import math

from tinygrad_lm.datasets.chat_sft import grounded_turn, single_turn
from tinygrad_lm.datasets.course_assistant import load_course_assistant
from tinygrad_lm.tokenizers.chat import render_conversation
from tinygrad_lm.training.loop import write_json
from tinygrad_lm.training.sft import chat_model, masked_nll


def conversations(tok, rows):
    count = lambda conv: len(render_conversation(tok, conv)[0])                      # noqa: E731
    n = len(rows)
    other = [next(rows[(i + j) % n] for j in range(1, n) if rows[(i + j) % n]["source"] != r["source"])
             for i, r in enumerate(rows)]
    return {"gold": [grounded_turn([(r["source"], r["passage"])], r["question"], r["answer"], count) for r in rows],
            "none": [single_turn(r["question"], r["answer"]) for r in rows],
            "wrong": [grounded_turn([(o["source"], o["passage"])], r["question"], r["answer"], count)
                      for r, o in zip(rows, other)]}


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--models", default="course-assistant-8m,course-base-8m")
    p.add_argument("--json", default=None)
    p.add_argument("--impl", default="solutions")
    args = p.parse_args(argv)
    rows = load_course_assistant("test")
    out = {"questions": len(rows)}
    print(f"{len(rows)} test questions: mean NLL per answer token (perplexity)")
    for name in args.models.split(","):
        model, tok, _ = chat_model(name)
        res = {}
        for cond, convs in conversations(tok, rows).items():
            total, count = masked_nll(model, [render_conversation(tok, c) for c in convs], batch_size=8)
            res[cond] = {"nll": total / count, "ppl": math.exp(total / count), "tokens": count}
        out[name] = res
        print(f"| {name} | " + " | ".join(f"{c} {v['nll']:.3f} ({v['ppl']:.1f})" for c, v in res.items()) + " |",
              flush=True)
    if args.json:
        write_json(args.json, out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
