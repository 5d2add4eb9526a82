"""Week 5 project, part 2c: generative QA with the decoder: course-base-8m fine-tuned on context + question -> answer.

    python -m solutions.week5.generative_qa train --model course-base-8m --minutes 12
    python -m solutions.week5.generative_qa evaluate --checkpoint runs/week5/gen-qa/best.safetensors

The recipe:
  prompt   "<context>\\n\\nQuestion: <question>\\nAnswer:"  target " <answer><|endoftext|>", loss on the target only;
           the context is cut at its END when the prompt would leave fewer than MAX_NEW tokens of the 256-token
           window (training pairs whose answer is cut off are dropped; at test time the answer may be lost)
  no answer the same unanswerable pairs as extractive_qa.py (a question with another paragraph of its article)
           with the target " No answer"; at test time na_prob = P(first answer token = " No") from the prompt's
           last position, the answer = greedy decoding with that token banned at the first step, and "" when
           na_prob > the threshold that maximises F1 on the held-out article (New_York_City, as extractive_qa.py)
  data     squad_v1_train_subset minus the held-out article; --neg-ratio unanswerable pairs per question
  loop     training/loop.py (AdamW, warmup + cosine, clipping); every --eval-every steps the answer loss on
           128 fixed held-out pairs -> best.safetensors
  evaluate squad_v2_dev_subset with metrics.squad_v2: overall / HasAns / NoAns

Legend: B batch, T tokens, V vocab.
"""
import argparse
import json
import os
import sys
import time

import numpy as np
from tqdm import tqdm

from solutions.week5.extractive_qa import negatives, split_articles
from solutions.week5.summarization import dev_loss, pad_batch
from tinygrad_lm.datasets.squad import load_squad_v1_train, load_squad_v2_dev
from tinygrad_lm.generation.decoder import Decoder
from tinygrad_lm.metrics import squad_v2
from tinygrad_lm.models.pretrained import load as load_pretrained
from tinygrad_lm.optim import cosine_warmup_lr
from tinygrad_lm.random import manual_seed
from tinygrad_lm.training.lm import load_gpt
from tinygrad_lm.training.loop import Run, fit, prepare_out_dir, write_json

NO_ANSWER = " No answer"
MAX_NEW = 24
NAN = float("nan")


def prompt_ids(tok, context: str, question: str, block_size: int) -> list:
    """The prompt's ids, the context cut at its end so that MAX_NEW tokens still fit in the window."""
    tail = tok.encode_ordinary(f"\n\nQuestion: {question.strip()}\nAnswer:")
    room = block_size - MAX_NEW - len(tail)
    return tok.encode_ordinary(context.strip())[:max(room, 0)] + tail


def example(tok, r, eos, block_size):
    """-> (x, y) int64 (loss on the answer + eos only) or None if the answer was cut off with the context."""
    p = prompt_ids(tok, r["context"], r["question"], block_size)
    if r["is_impossible"]:
        a = NO_ANSWER
    else:
        a = " " + r["answers"]["text"][0].strip()
        if r["answers"]["answer_start"][0] + len(a) > len(tok.decode(p)):           # answer cut off
            return None
    ans = tok.encode_ordinary(a)[:MAX_NEW - 1] + [eos]
    ids = np.array(p + ans, dtype=np.int64)
    y = np.concatenate([np.full(len(p) - 1, -100, dtype=np.int64), ans])
    return ids[:-1], y


def answer(dec, tok, r, eos, no_id, block_size):
    """-> (answer text, na_prob): one prefill, P(" No"), then greedy decoding with " No" banned first."""
    dec.reset()
    logits = dec.forward(prompt_ids(tok, r["context"], r["question"], block_size)).astype(np.float64)   # (V,)
    probs = np.exp(logits - logits.max())
    probs /= probs.sum()
    logits[no_id] = -np.inf
    out = []
    for _ in range(MAX_NEW):
        t = int(np.argmax(logits))
        if t == eos:
            break
        out.append(t)
        logits = dec.forward([t])
    return tok.decode(out).strip(), float(probs[no_id])


def answer_all(model, tok, records, eos, desc):
    dec = Decoder(model)
    no_id = tok.encode_ordinary(NO_ANSWER)[0]
    preds, na = {}, {}
    for r in tqdm(records, desc=desc, unit="question", file=sys.stdout, mininterval=2.0):
        preds[r["id"]], na[r["id"]] = answer(dec, tok, r, eos, no_id, model.config.block_size)
    return preds, na


def train(argv) -> int:
    p = argparse.ArgumentParser(prog="python -m solutions.week5.generative_qa train")
    p.add_argument("--model", default="course-base-8m")
    p.add_argument("--out", default="runs/week5/gen-qa")
    p.add_argument("--minutes", type=float, default=12.0)
    p.add_argument("--max-steps", type=int, default=100_000)
    p.add_argument("--batch-size", type=int, default=8)
    p.add_argument("--lr", type=float, default=3e-4)
    p.add_argument("--neg-ratio", type=int, default=1)
    p.add_argument("--eval-every", type=int, default=50)
    p.add_argument("--held-out-limit", type=int, default=200, help="held-out answerable questions for the threshold")
    p.add_argument("--limit", type=int, default=None)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--overwrite", action="store_true")
    args = p.parse_args(argv)
    prepare_out_dir(args.out, overwrite=args.overwrite)
    manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    model, tok, info = load_pretrained(args.model)
    eos, T = info["eos_token_id"], model.config.block_size
    model.train()
    train_recs, held = split_articles(load_squad_v1_train())
    train_recs = train_recs[:args.limit]
    held = [held[i] for i in sorted(np.random.default_rng(3).permutation(len(held))[:args.held_out_limit])]
    train_all = train_recs + negatives(train_recs, args.neg_ratio, rng)
    held_all = held + negatives(held, 1, np.random.default_rng(1))
    train_ex = [e for e in (example(tok, r, eos, T) for r in train_all) if e is not None]
    val_ex = [e for e in (example(tok, r, eos, T) for r in held_all[:64] + held_all[len(held):len(held) + 64])
              if e is not None]
    print(f"train pairs: {len(train_ex):,} of {len(train_all):,} ({len(train_all) - len(train_ex)} dropped: answer "
          f"beyond the {T}-token window); held out {len(held)} + {len(held_all) - len(held)} unanswerable")
    opt = model.configure_optimizers(0.1, args.lr, (0.9, 0.95))
    cfg = {"model": model.config.to_dict(), "tokenizer": tok.to_config(), "kind": "gpt", "eos_token_id": eos,
           "generative_qa": {**vars(args)}}
    run = Run(args.out, model, opt, cfg, title=f"generative QA ({args.model}): answer loss")

    def next_loss():
        x, y = pad_batch([train_ex[i] for i in rng.integers(0, len(train_ex), args.batch_size)], eos)
        return model(x, y)[1], x.size

    budget = 60.0 * args.minutes
    warmup = min(30, args.max_steps)
    elapsed = fit(run, next_loss=next_loss, eval_every=args.eval_every, clip=1.0, total_steps=None,
                  progress=lambda step, s: max(step / args.max_steps, s / budget),
                  lr_at=lambda step, prog: cosine_warmup_lr(step, args.lr, warmup, args.max_steps, args.lr / 10,
                                                            progress=prog),
                  evaluate=lambda: {"val": dev_loss(model, val_ex, eos)})
    print(f"done: {run.step} steps in {elapsed:.0f}s; best held-out answer loss {run.best:.4f}")
    best, tok, _ = load_gpt(run.best_checkpoint())
    preds, na = answer_all(best, tok, held_all, eos, "held-out questions")
    res = squad_v2(held_all, preds, na_probs=na)
    thr = res["best_f1_thresh"]
    at = squad_v2(held_all, preds, na_probs=na, na_prob_thresh=thr)
    print(f"held-out ({len(held_all)} questions, half unanswerable): threshold {thr:.4f} -> F1 {at['f1']:.2f} "
          f"(HasAns {at.get('HasAns_f1', NAN):.2f}, NoAns {at.get('NoAns_f1', NAN):.2f})")
    write_json(run.path("threshold.json"), {"na_prob_thresh": thr, "held_out": at, "steps": run.step,
                                            "seconds": round(elapsed, 1)})
    run.finish({"steps": run.step, "elapsed": round(elapsed, 1), "best_val_answer_loss": run.best,
                "na_prob_thresh": thr, "held_out": at})
    return 0


def evaluate(argv) -> int:
    p = argparse.ArgumentParser(prog="python -m solutions.week5.generative_qa evaluate")
    p.add_argument("--checkpoint", required=True)
    p.add_argument("--threshold", type=float, default=None, help="default: threshold.json beside the checkpoint")
    p.add_argument("--limit", type=int, default=None)
    p.add_argument("--out", default=None)
    args = p.parse_args(argv)
    model, tok, cfg = load_gpt(args.checkpoint)
    eos = int(cfg["eos_token_id"])
    thr = args.threshold
    if thr is None:
        with open(os.path.join(os.path.dirname(args.checkpoint), "threshold.json"), encoding="utf-8") as f:
            thr = json.load(f)["na_prob_thresh"]
    dev = load_squad_v2_dev()[:args.limit]
    t0 = time.perf_counter()
    preds, na = answer_all(model, tok, dev, eos, "squad_v2_dev_subset")
    res = squad_v2(dev, preds, na_probs=na, na_prob_thresh=thr)
    always = squad_v2(dev, preds)
    print(f"SQuAD v2 dev subset ({res['total']} questions), threshold {thr:.4f} (held-out): EM {res['exact']:.2f} "
          f"F1 {res['f1']:.2f} | HasAns EM {res.get('HasAns_exact', NAN):.2f} F1 {res.get('HasAns_f1', NAN):.2f} "
          f"| NoAns {res.get('NoAns_f1', NAN):.2f}")
    print(f"  never abstaining: HasAns F1 {always.get('HasAns_f1', NAN):.2f}; oracle threshold on dev (not a result): "
          f"best F1 {res['best_f1']:.2f}")
    out = args.out or os.path.join(os.path.dirname(args.checkpoint), "dev_squad_v2.json")
    write_json(out, {"checkpoint": args.checkpoint, "threshold": thr, "scores": res, "never_abstain": always,
                     "seconds": round(time.perf_counter() - t0, 1),
                     "predictions": {q: ("" if na[q] > thr else a) for q, a in preds.items()},
                     "generated": preds, "na_probs": na})
    print(f"wrote {out}")
    return 0


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    commands = {"train": train, "evaluate": evaluate}
    if not argv or argv[0] not in commands:
        print(__doc__.split("\n\n")[0] + "\n\nusage: python -m solutions.week5.generative_qa {train,evaluate} ...")
        return 0 if not argv or argv[0] in ("-h", "--help") else 2
    return commands[argv[0]](argv[1:])


if __name__ == "__main__":
    sys.exit(main())
