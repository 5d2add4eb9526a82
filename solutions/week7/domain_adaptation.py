"""Week 7 project, part 2: domain adaptation by continued pretraining, and what it costs the old domain.

    python -m solutions.week7.domain_adaptation --runs plain replay lora --steps 300 \\
        --out runs/week7/adapt --svg exercises/week7/domain_adaptation.svg
    python -m solutions.week7.domain_adaptation --report runs/week7/adapt --svg ...   # table + chart

"Don't Stop Pretraining" (Gururangan et al. 2020): a model keeps learning when it is trained further
on text of the domain it will be used in. The shipped story model (tinystories-3m: lowercase
children's stories, TinyStories + three Gutenberg children's books) meets Shakespeare
(data/tiny_shakespeare, never in its training data), lowercased as the model expects.

Splits: Shakespeare: the first 90% of the characters train, the last 10% are held out (nanoGPT's
split; contiguous, so no play scene is in both). Original domain: the TinyStories VALIDATION split
(data/tinystories/tinystories_valid_head.txt, not trained on), lowercased; replay draws from the
original TRAINING stories (tinystories_train5000_lowercase.txt). Held-out loss = mean NLL over the
first --eval-windows non-overlapping 128-token windows of each held-out text (the same windows at
every stage), perplexity = exp(loss).

Runs (same steps, batch 16 x 128 tokens, AdamW, warmup min(20, S/10) steps + cosine to lr/10, clip 1.0):
    plain    every weight, new-domain batches only: the forgetting baseline
    replay   every weight, each batch half new domain, half original training text (experience replay)
    lora     LoRA r=8 (alpha 16) on every Linear (attn.c_attn, attn.c_proj, mlp.c_fc, mlp.c_proj),
             new-domain batches only: the base weights cannot move, so forgetting is bounded by the update
Goal (issue 19): >= 25% lower held-out new-domain perplexity while the original domain's held-out loss
rises by at most 0.1 nats. One seed; the numbers move a little with it.
Legend: B batch, T = 128 tokens, S steps.
"""
import argparse
import json
import math
import os
import sys
import time

import numpy as np
from tqdm import tqdm

from tinygrad_lm import manual_seed, nn, plot
from tinygrad_lm.datasets.lm_batches import random_windows
from tinygrad_lm.models.pretrained import load as load_pretrained
from tinygrad_lm.optim import AdamW, clip_grad_norm_, cosine_warmup_lr, weight_decay_groups
from tinygrad_lm.paths import DATA_DIR
from tinygrad_lm.tensor import no_grad
from tinygrad_lm.training.loop import write_json

RUNS = ("plain", "replay", "lora")
LR = {"plain": 3e-4, "replay": 3e-4, "lora": 2e-3}


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def load_corpora(tok, lowercase=True, limit_chars=None):
    """-> dict of int64 token arrays: new_train, new_val, orig_val, orig_train (limit_chars: smoke runs)."""
    def text(*path):
        s = read(DATA_DIR.joinpath(*path))[:limit_chars]
        return s.lower() if lowercase else s

    def enc(s):
        return np.asarray(tok.encode(s), dtype=np.int64)
    shakespeare = text("tiny_shakespeare", "input.txt")
    cut = int(0.9 * len(shakespeare))                                 # nanoGPT's split: last 10% held out
    return {"new_train": enc(shakespeare[:cut]), "new_val": enc(shakespeare[cut:]),
            "orig_val": enc(text("tinystories", "tinystories_valid_head.txt")),
            "orig_train": enc(text("tinystories", "tinystories_train5000_lowercase.txt"))}


def eval_windows(ids, T, n):
    """The first n non-overlapping windows: x, y (n, T)."""
    n = min(n, (len(ids) - 1) // T)
    x = ids[:n * T].reshape(n, T)
    y = ids[1:n * T + 1].reshape(n, T)
    return x, y


def heldout_loss(model, windows, batch_size=16):
    """Mean NLL (nats/token) over fixed windows."""
    x, y = windows
    model.eval()
    total = 0.0
    with no_grad():
        for i in range(0, len(x), batch_size):
            _, loss = model(x[i:i + batch_size], targets=y[i:i + batch_size])
            total += float(loss.data) * len(x[i:i + batch_size])
    model.train()
    return total / len(x)


def adapt(run, corpora, args):
    manual_seed(args.seed)
    model, tok, info = load_pretrained(args.model)
    T = model.config.block_size
    if run == "lora":
        nn.apply_lora(model, ("attn.c_attn", "attn.c_proj", "mlp.c_fc", "mlp.c_proj"), r=8, alpha=16)
    trainable = nn.count_trainable(model)
    lr = args.lr if args.lr is not None else LR[run]
    opt = AdamW(weight_decay_groups(model, 0.1), lr=lr, betas=(0.9, 0.95))
    params = nn.trainable_parameters(model)
    windows = {k: eval_windows(corpora[k], T, args.eval_windows) for k in ("new_val", "orig_val")}
    r = np.random.default_rng(args.seed)
    history = []

    def evaluate(step):
        rec = {"step": step, "new_loss": heldout_loss(model, windows["new_val"]),
               "orig_loss": heldout_loss(model, windows["orig_val"])}
        history.append(rec)
        tqdm.write(f"{run} step {step}: new-domain loss {rec['new_loss']:.4f} (ppl {math.exp(rec['new_loss']):.1f}), "
                   f"original-domain loss {rec['orig_loss']:.4f} (ppl {math.exp(rec['orig_loss']):.1f})")

    t0 = time.perf_counter()
    evaluate(0)
    model.train()
    B = args.batch_size
    for step in tqdm(range(1, args.steps + 1), desc=run):
        if run == "replay":
            x1, y1 = random_windows(corpora["new_train"], B - B // 2, T, r)
            x2, y2 = random_windows(corpora["orig_train"], B // 2, T, r)
            x, y = np.concatenate([x1, x2]), np.concatenate([y1, y2])
        else:
            x, y = random_windows(corpora["new_train"], B, T, r)
        for g in opt.param_groups:
            g["lr"] = cosine_warmup_lr(step - 1, lr, min(20, args.steps // 10), args.steps, lr / 10)
        _, loss = model(x, targets=y)
        opt.zero_grad()
        loss.backward()
        clip_grad_norm_(params, 1.0)
        opt.step()
        if step % args.eval_every == 0 or step == args.steps:
            evaluate(step)
    return {"run": run, "model": args.model, "lr": lr, "steps": args.steps, "batch_size": B, "block_size": T,
            "eval_windows": len(windows["new_val"][0]), "seed": args.seed,
            "trainable": trainable.trainable, "total": trainable.total, "percent": trainable.percent,
            "seconds": round(time.perf_counter() - t0, 1), "load_avg": os.getloadavg()[0], "history": history}


def summary(results) -> str:
    rows = ["| run | trainable | new-domain ppl: before -> after (change) | original-domain loss: before -> after "
            "(rise, nats) | goal met | wall time |", "| --- | ---: | --- | --- | :---: | ---: |"]
    for res in results:
        h0, h1 = res["history"][0], res["history"][-1]
        p0, p1 = math.exp(h0["new_loss"]), math.exp(h1["new_loss"])
        drop, rise = 1 - p1 / p0, h1["orig_loss"] - h0["orig_loss"]
        ok = "yes" if drop >= 0.25 and rise <= 0.1 else "no"
        rows.append(f"| {res['run']} (lr {res['lr']:g}) | {res['percent']:.1f}% | {p0:.1f} -> {p1:.1f} ({-100 * drop:+.1f}%) | "
                    f"{h0['orig_loss']:.3f} -> {h1['orig_loss']:.3f} ({rise:+.3f}) | {ok} | {res['seconds'] / 60:.1f} min |")
    return "\n".join(rows)


def chart(results, path):
    series = {}
    for res in results:
        steps = [h["step"] for h in res["history"]]
        series[f"{res['run']}: new"] = (steps, [h["new_loss"] for h in res["history"]])
        series[f"{res['run']}: original"] = (steps, [h["orig_loss"] for h in res["history"]])
    plot.line_chart(series, path, title="Continued pretraining of tinystories-3m on Shakespeare: held-out loss",
                    xlabel="step (batch 16 x 128 tokens)", ylabel="Shakespeare (new domain), nats/token",
                    right_axis=[k for k in series if "original" in k],
                    right_label="TinyStories (original domain), nats/token", width=800, height=440)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--runs", nargs="+", default=list(RUNS), choices=RUNS)
    p.add_argument("--model", default="tinystories-3m")
    p.add_argument("--steps", type=int, default=300)
    p.add_argument("--batch-size", type=int, default=16)
    p.add_argument("--lr", type=float, default=None, help="override the per-run learning rate")
    p.add_argument("--eval-every", type=int, default=50)
    p.add_argument("--eval-windows", type=int, default=96, help="held-out 128-token windows per domain")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--limit-chars", type=int, default=None, help="use only the first N characters of each text (smoke)")
    p.add_argument("--out", default=None, help="directory for <run>.json")
    p.add_argument("--svg", default=None, help="write the chart of every run's curves here")
    p.add_argument("--report", default=None, metavar="DIR", help="table (and --svg chart) of the JSONs in DIR; no training")
    args = p.parse_args(sys.argv[1:] if argv is None else argv)
    if args.report:
        results = [json.loads(read(os.path.join(args.report, f"{r}.json"))) for r in RUNS
                   if os.path.isfile(os.path.join(args.report, f"{r}.json"))]
        if not results:
            print(f"no <run>.json in {args.report}", file=sys.stderr)
            return 2
    else:
        _, tok, info = load_pretrained(args.model)
        corpora = load_corpora(tok, lowercase=info["lowercase"], limit_chars=args.limit_chars)
        print({k: len(v) for k, v in corpora.items()}, "tokens", flush=True)
        results = []
        for run in args.runs:
            res = adapt(run, corpora, args)
            results.append(res)
            if args.out:
                os.makedirs(args.out, exist_ok=True)
                write_json(os.path.join(args.out, f"{run}.json"), res)
    print(summary(results))
    if args.svg:
        chart(results, args.svg)
        print(f"wrote {args.svg}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
