"""Week 4 project, part 3: fine-tune the shipped story model on dialogues vs the same GPT from scratch.

Run on your own code:      python -m solutions.week4.finetune_project --impl exercises
Run on the reference:      python -m solutions.week4.finetune_project
Options: --steps 150 --batch-size 8 --block-size 128 --model tinystories-3m --trainable "" --out runs/finetune

Data: DailyDialog (data/dailydialog/, CC BY-NC-SA 4.0): validation.jsonl (1,000 dialogues) is the
fine-tuning set and test.jsonl (1,000) the held-out validation set. A dialogue becomes
"a: <turn>\\nb: <turn>\\n..." (lowercased for the lowercase story model, spaces before punctuation
removed), dialogues joined with <|endoftext|>, encoded with the pretrained model's own tokenizer.

Both runs use the same architecture, tokenizer, batches (same seed), steps and evaluation windows:
  fine-tuned  starts from the pretrained weights, lr 5e-4 (gentle: the weights already know English)
  scratch     starts from GPT-2 init, lr 2e-3 (what pretraining used)
Writes <out>/finetune_vs_scratch.svg (validation perplexity vs step), history.json, and prints a
table (step, seconds, perplexity) and a sample dialogue from each model.

With internet access, the same recipe on the real GPT-2 124M (downloaded once into the Hugging Face
cache, then everything runs offline):
    pip install huggingface_hub
    python -c "from huggingface_hub import snapshot_download; snapshot_download('openai-community/gpt2', \\
        allow_patterns=['*.json', '*.safetensors', '*.txt'])"
    python -m solutions.week4.finetune_project --model gpt2 --block-size 64 --batch-size 4 \\
        --steps 100 --eval-every 20 --trainable "h.10.,h.11.,ln_f" --lr 1e-4
(one step is ~10-30 s on a 2-core CPU; training only the last two blocks saves the backward through
the others; a from-scratch 124M model learns nothing useful in 100 steps, use --runs finetuned).
Does not handle: multi-turn chat formatting with roles beyond a:/b:, padding/packing per dialogue.
"""
import argparse
import json
import math
import os
import re
import sys
import time

import numpy as np

from tinygrad_lm.models.gpt import GPT
from tinygrad_lm.plot import line_chart
from tinygrad_lm.models.pretrained import load as load_pretrained
from tinygrad_lm.paths import DATA_DIR
from tinygrad_lm.random import manual_seed

from tinygrad_lm.course import load, pop_impl

ft = load("week4.finetune")          # the reference (solutions/) or yours (exercises/): --impl

EOT = "<|endoftext|>"


def dialogue_text(dialogue, lowercase):
    lines = []
    for i, turn in enumerate(dialogue["turns"]):
        t = re.sub(r" ([,.?!;:%])", r"\1", turn["text"].strip())       # "sir ." -> "sir."
        t = re.sub(r" ([’'])", r"\1", t).replace(" n't", "n't")
        lines.append(("a: " if i % 2 == 0 else "b: ") + t)
    text = "\n".join(lines)
    return text.lower() if lowercase else text


def load_dialogues(path, tok, lowercase, limit=None):
    docs = [dialogue_text(json.loads(line), lowercase) for line in open(path, encoding="utf-8") if line.strip()]
    docs = docs[:limit] if limit else docs
    eot = tok.special_tokens.get(EOT)
    ids = []
    for d in tok.encode_batch(docs):
        ids.extend(d)
        if eot is not None:
            ids.append(eot)
    return np.asarray(ids, dtype=np.int64), docs


def sample(model, tok, prompt, lowercase, n=60, seed=0):
    from tinygrad_lm.generation.decoding import generate
    p = prompt.lower() if lowercase else prompt
    out = generate(model, tok.encode(p), n, temperature=0.8, top_k=40, rng=np.random.default_rng(seed),
                   stop_tokens=[tok.special_tokens[EOT]] if EOT in tok.special_tokens else ())
    return p + tok.decode(out.tolist()).replace(EOT, "")


def run_one(label, model, train_ids, val_ids, args, lr):
    t0 = time.perf_counter()
    times = {0: 0.0}

    def on_eval(h):
        times[h["step"]] = time.perf_counter() - t0
        print(f"  {label:<10} step {h['step']:4d} | {times[h['step']]:6.0f}s | val loss {h['val_loss']:.3f} "
              f"| ppl {math.exp(h['val_loss']):8.1f}", flush=True)

    history, best = ft.finetune(model, train_ids, val_ids, args.steps, lr=lr, batch_size=args.batch_size,
                             block_size=args.block_size, eval_every=args.eval_every, patience=args.patience,
                             rng=np.random.default_rng(args.seed), on_eval=on_eval)
    for h in history:
        h["seconds"] = round(times.get(h["step"], 0.0), 1)
    return history, best, time.perf_counter() - t0


def main(argv=None):
    ap = argparse.ArgumentParser(description="fine-tune a pretrained GPT on DailyDialog vs from scratch")
    ap.add_argument("--model", default="tinystories-3m")
    ap.add_argument("--data", default=os.path.join(str(DATA_DIR), "dailydialog"))
    ap.add_argument("--steps", type=int, default=150)
    ap.add_argument("--eval-every", type=int, default=25)
    ap.add_argument("--batch-size", type=int, default=8)
    ap.add_argument("--block-size", type=int, default=128)
    ap.add_argument("--lr", type=float, default=5e-4, help="fine-tuning learning rate")
    ap.add_argument("--scratch-lr", type=float, default=2e-3)
    ap.add_argument("--patience", type=int, default=4)
    ap.add_argument("--trainable", default="", help="comma list of name parts to train ('' = everything)")
    ap.add_argument("--val-dialogues", type=int, default=100, help="held-out dialogues used for validation")
    ap.add_argument("--runs", default="finetuned,scratch",
                    help="which runs to train now; results of the other runs already in <out>/history.json are kept")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default=os.path.join("runs", "finetune"))
    args = ap.parse_args(pop_impl(sys.argv[1:] if argv is None else argv))   # --impl exercises: your finetune.py

    model, tok, info = load_pretrained(args.model)
    lc = info["lowercase"]
    args.block_size = min(args.block_size, model.config.block_size)
    train_ids, _ = load_dialogues(os.path.join(args.data, "validation.jsonl"), tok, lc)
    val_ids, _ = load_dialogues(os.path.join(args.data, "test.jsonl"), tok, lc, args.val_dialogues)
    print(f"{args.model}: {model.num_parameters(non_embedding=False):,} parameters; DailyDialog train {len(train_ids):,} "
          f"tokens, val {len(val_ids):,} tokens; {args.steps} steps of {args.batch_size}x{args.block_size}")
    prompt = "a: hello, how was your weekend?\nb:"
    print(f"\nbefore fine-tuning (val ppl {math.exp(ft.evaluate(model, val_ids, args.batch_size, args.block_size)):.1f}):"
          f"\n{sample(model, tok, prompt, lc)}\n")

    runs = [r.strip() for r in args.runs.split(",") if r.strip()]
    os.makedirs(args.out, exist_ok=True)
    hist_path = os.path.join(args.out, "history.json")
    result = json.load(open(hist_path)) if os.path.exists(hist_path) else {}
    scratch = None
    if "finetuned" in runs:
        trainable = ft.freeze(model, [s for s in args.trainable.split(",")] if args.trainable else [""])
        print(f"fine-tuning {len(trainable)} parameter tensors, lr {args.lr}")
        ft_hist, ft_best, ft_time = run_one("finetuned", model, train_ids, val_ids, args, args.lr)
        result["finetuned"] = {"history": ft_hist, "best_step": ft_best, "seconds": ft_time}
    if "scratch" in runs:
        manual_seed(args.seed)
        scratch = GPT(model.config)
        print(f"from scratch: same GPT, fresh init, lr {args.scratch_lr}")
        sc_hist, sc_best, sc_time = run_one("scratch", scratch, train_ids, val_ids, args, args.scratch_lr)
        result["scratch"] = {"history": sc_hist, "best_step": sc_best, "seconds": sc_time}
    labels = {"finetuned": "fine-tuned", "scratch": "from scratch"}
    series = {labels[k]: ([h["step"] for h in r["history"]], [math.exp(h["val_loss"]) for h in r["history"]])
              for k, r in result.items()}
    svg = os.path.join(args.out, "finetune_vs_scratch.svg")
    line_chart(series, svg, title=f"DailyDialog: fine-tuned {args.model} vs from scratch", xlabel="step",
               ylabel="validation perplexity", logy=True)
    with open(hist_path, "w") as f:
        json.dump(result, f, indent=1)
    print(f"\n{'run':<12}{'best val loss':>14}{'best ppl':>10}{'at step':>9}{'seconds':>9}")
    for name, r in result.items():
        best = min(h["val_loss"] for h in r["history"])
        print(f"{name:<12}{best:>14.3f}{math.exp(best):>10.1f}{r['best_step']:>9d}{r['seconds']:>9.0f}")
    if "finetuned" in runs:
        print(f"\nfine-tuned sample:\n{sample(model, tok, prompt, lc)}")
    if scratch is not None:
        print(f"\nfrom-scratch sample:\n{sample(scratch, tok, prompt, lc)}")
    print(f"\ncurves: {svg}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
