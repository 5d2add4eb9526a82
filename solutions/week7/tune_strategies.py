"""Week 7 project, part 1, done properly: learning rates chosen on a validation split, early stopping,
one step budget for every row, several seeds, the test set scored once per chosen run.

    # 1. train: one run = (strategy, learning rate, seed); the best-validation weights are kept
    python -m solutions.week7.tune_strategies train --strategy lora --lr 3e-3 --seed 0 --out runs/week7/tuned
    # 2. select: per strategy, the learning rate with the best mean validation accuracy; score the test
    #    set ONCE for each seed of that learning rate (nothing else ever sees the test set)
    python -m solutions.week7.tune_strategies select --out runs/week7/tuned
    # 3. the table (mean +- spread over seeds)
    python -m solutions.week7.tune_strategies table --out runs/week7/tuned
    ... --impl exercises                # your freezing.py / lora.py (as finetune_strategies.py)

What differs from finetune_strategies.py (same model, head, strategies, optimizer, schedule, data):
  - validation: week 2's split, 10% of every class of the training set (seed 0: the same 1,298 tweets
    for every run), so training uses the other 11,686 tweets (week 2's MLP trained on the same ones);
  - every body run gets the same budget (--steps, default 240 steps of 32 = 7,680 tweets, 0.66 of a
    pass: what 9 parallel runs could afford by the deadline on the shared 2-core machine at load ~20),
    a warmup + cosine schedule over that budget, validation accuracy every --eval-every (60) steps,
    early stopping after --patience (2) evaluations without a new best, and --deadline (UTC HH:MM)
    as a safety stop; the weights of the best evaluation are kept (trainable ones only: the frozen
    ones equal the pretrained checkpoint) in <run>.npz;
  - the probe trains the head on cached features of all 11,686 tweets (epochs, same early stopping;
    one process tries several learning rates on the same features: --lr 1e-3 3e-3 1e-2);
  - the learning rate of each strategy is chosen by validation accuracy (seed 0), never by the test
    set; the test set is then scored once per seed of the chosen rate.
Selection rule: highest validation accuracy of the seed-0 run, ties -> lower validation loss. Each run also
writes the test logits of its best-validation weights (<run>.test.npz) unread; `select` opens only
those of the chosen learning rate and adds a paired bootstrap interval for LoRA - full.
Not done: a grid over anything but the learning rate (rank, alpha, dropout, batch size, weight decay
are fixed: r = 8, alpha = 16, no dropout, batch 32, weight decay 0.01), nested cross-validation.
Legend: N examples, B batch, K = 3 classes, C channels.
"""
import argparse
import datetime
import glob
import json
import os
import sys
import time

import numpy as np
from tqdm import tqdm

from tinygrad_lm import functional as F
from tinygrad_lm.course import pop_impl
from tinygrad_lm.datasets import load_twitter_airline_sentiment
from tinygrad_lm.models.classifier import pad_batch
from tinygrad_lm.optim import AdamW, cosine_warmup_lr, weight_decay_groups
from tinygrad_lm.tensor import Tensor, no_grad
from tinygrad_lm.training.loop import write_json

from solutions.week2.sentiment import stratified_split
from solutions.week7 import finetune_strategies as fs

STRATEGIES = fs.STRATEGIES


# ---- data --------------------------------------------------------------------------------------
def load_splits(tok, eos, max_len, limit=None):
    """{"train", "val", "test": (ids, y)}: val = week 2's stratified 10% of the training set (seed 0)."""
    train, test = load_twitter_airline_sentiment("train"), load_twitter_airline_sentiment("test")
    y_all, y_test = train.y(), test.y()
    keep, val = stratified_split(y_all, 0.1, 0)
    n_test = len(y_test)
    if limit:
        keep, val, n_test = keep[:limit], val[:limit], min(limit, n_test)
    enc = lambda idx: fs.encode(tok, [train.texts[i] for i in idx], eos, max_len)
    return {"train": (enc(keep), y_all[keep]), "val": (enc(val), y_all[val]),
            "test": (fs.encode(tok, test.texts[:n_test], eos, max_len), y_test[:n_test])}, train.classes


def val_metrics(logits, y):
    """Accuracy and mean cross-entropy of (N, K) logits."""
    z = logits - logits.max(1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(1, keepdims=True))                 # (N, K)
    return float((logits.argmax(1) == y).mean()), float(-logp[np.arange(len(y)), y].mean())


def trainable_state(clf):
    return {n: p.data.copy() for n, p in clf.named_parameters() if p.requires_grad}


def load_trainable(clf, state):
    params = dict(clf.named_parameters())
    for n, a in state.items():
        params[n].data[...] = a


def past(deadline):
    """True once the UTC clock reaches deadline ("HH:MM", today), None = never."""
    if not deadline:
        return False
    now = datetime.datetime.now(datetime.timezone.utc)
    return now.strftime("%H:%M") >= deadline


# ---- training ----------------------------------------------------------------------------------
def _features(clf, ids):
    """(N, C) pooled features of the frozen body."""
    clf.eval()
    f = np.zeros((len(ids), clf.config.n_embd), dtype=np.float32)      # (N, C)
    with no_grad():
        for b in fs.length_batches([len(s) for s in ids], 64):
            x, lengths = pad_batch([ids[i] for i in b])
            f[b] = clf.features(x, lengths).data
    return f


def train_probe(head, feats, y, yv, lr, seed, epochs, patience, batch_size=64, deadline=None):
    """The head on cached pooled features (N, C); early stopping per epoch on validation accuracy."""
    opt = AdamW(weight_decay_groups(head, 0.01), lr=lr)
    r = np.random.default_rng(seed)
    n = len(y)
    total, step, history, best = epochs * -(-n // batch_size), 0, [], None
    for epoch in range(epochs):
        perm = r.permutation(n)
        for i in range(0, n, batch_size):
            b = perm[i:i + batch_size]
            for g in opt.param_groups:
                g["lr"] = cosine_warmup_lr(step, lr, max(1, total // 20), total, lr / 10)
            loss = F.cross_entropy(head(Tensor(feats["train"][b])), y[b])
            opt.zero_grad()
            loss.backward()
            opt.step()
            step += 1
        with no_grad():
            acc, vloss = val_metrics(head(Tensor(feats["val"])).data, yv)
        history.append({"epoch": epoch + 1, "step": step, "val_accuracy": acc, "val_loss": vloss})
        if best is None or acc > best["val_accuracy"]:
            best = dict(history[-1], state={n_: p.data.copy() for n_, p in head.named_parameters()})
        elif epoch + 1 - best["epoch"] >= patience:
            break
        if past(deadline):
            best["stopped_by_deadline"] = True
            break
    return best, history


def train_body(clf, data, lr, seed, steps, eval_every, patience, batch_size=32, desc="", deadline=None):
    """AdamW, warmup + cosine over `steps`, clipping 1.0; validation every eval_every steps, early
    stopping after `patience` evaluations without a new best validation accuracy; at `deadline` (UTC
    "HH:MM": the shared machine's load is unpredictable) the run ends after one more evaluation."""
    params = [p for p in clf.parameters() if p.requires_grad]
    opt = AdamW(weight_decay_groups(clf, 0.01), lr=lr)
    ids, y = data["train"]
    r = np.random.default_rng(seed)
    lengths = [len(s) for s in ids]
    history, queue, run_loss, best = [], [], None, None
    bar = tqdm(range(steps), desc=desc, mininterval=10)
    for step in bar:
        clf.train()
        if not queue:
            queue = fs.length_batches(lengths, batch_size, r)
        b = queue.pop()
        x, lens = pad_batch([ids[i] for i in b])
        loss = fs.classifier_step(clf, opt, params, x, lens, y[b],
                                  cosine_warmup_lr(step, lr, max(1, steps // 20), steps, lr / 10))
        run_loss = loss if run_loss is None else 0.95 * run_loss + 0.05 * loss
        bar.set_postfix(loss=f"{run_loss:.3f}", refresh=False)
        late = past(deadline)
        if (step + 1) % eval_every == 0 or step + 1 == steps or late:
            acc, vloss = val_metrics(fs.predict_logits(clf, data["val"][0]), data["val"][1])
            history.append({"step": step + 1, "train_loss_ema": run_loss, "val_accuracy": acc, "val_loss": vloss})
            print(f"{desc} step {step + 1}: train loss (ema) {run_loss:.4f}, val accuracy {acc:.4f}, "
                  f"val loss {vloss:.4f}", flush=True)
            if best is None or acc > best["val_accuracy"]:
                best = dict(history[-1], state=trainable_state(clf))
            elif (step + 1 - best["step"]) // eval_every >= patience:
                print(f"{desc}: early stop at step {step + 1} (best step {best['step']})", flush=True)
                break
            if late:
                best["stopped_by_deadline"] = True
                print(f"{desc}: deadline {deadline} UTC reached at step {step + 1}", flush=True)
                break
    return best, history


def run_name(strategy, lr, seed):
    return f"{strategy}_lr{lr:g}_s{seed}"


def cmd_train(args):
    """One run per learning rate in args.lr (the probe computes the frozen features once for all)."""
    clf, tok, info = fs.build(args.strategy, args.model, "mean", args.seed)
    data, classes = load_splits(tok, info["eos_token_id"], args.max_len, args.limit)
    trainable, total, percent = fs.freezing.count_trainable(clf)
    t0 = time.perf_counter()
    if args.strategy == "probe":
        args.steps = 0
        feats = {split: _features(clf, data[split][0]) for split in ("train", "val", "test")}   # (N, C) each
        head_init = {n: p.data.copy() for n, p in clf.score.named_parameters()}
        t_feats = time.perf_counter() - t0
    elif len(args.lr) > 1:
        raise ValueError("train: several --lr values are for the probe only (one body run per process)")
    os.makedirs(args.out, exist_ok=True)
    for lr in args.lr:
        name = run_name(args.strategy, lr, args.seed)
        t1 = time.perf_counter()
        if args.strategy == "probe":
            for n, p in clf.score.named_parameters():
                p.data[...] = head_init[n]
            best, history = train_probe(clf.score, feats, data["train"][1], data["val"][1], lr, args.seed,
                                        args.epochs, args.patience, deadline=args.deadline)
            state = {"score." + n: a for n, a in best.pop("state").items()}
            load_trainable(clf, state)
            logits = clf.score(Tensor(feats["test"])).data
            seconds = t_feats + time.perf_counter() - t1
        else:
            best, history = train_body(clf, data, lr, args.seed, args.steps, args.eval_every, args.patience,
                                       args.batch_size, desc=name, deadline=args.deadline)
            state = best.pop("state")
            seconds = time.perf_counter() - t1
            load_trainable(clf, state)
            logits = fs.predict_logits(clf, data["test"][0])
        np.savez(os.path.join(args.out, name + ".npz"), **state)
        # test predictions of the best-validation weights, written unread: `select` opens only the chosen runs'
        np.savez(os.path.join(args.out, name + ".test.npz"), logits=logits, y=data["test"][1])
        res = {"strategy": args.strategy, "lr": lr, "seed": args.seed, "model": args.model,
               "max_len": args.max_len, "steps_budget": args.steps, "eval_every": args.eval_every,
               "patience": args.patience, "batch_size": args.batch_size, "best": best,
               "steps_run": history[-1]["step"], "trainable": int(trainable), "total": int(total),
               "percent": float(percent), "seconds": round(seconds, 1), "load_avg": os.getloadavg()[0],
               "n_train": len(data["train"][1]), "n_val": len(data["val"][1]), "history": history,
               "classes": list(classes)}
        write_json(os.path.join(args.out, name + ".json"), res)
        print(f"{name}: best val accuracy {best['val_accuracy']:.4f} at step {best['step']}, "
              f"{res['steps_run']} steps, {seconds:.0f} s", flush=True)
    return 0


def read_runs(out):
    runs = []
    for path in sorted(glob.glob(os.path.join(out, "*.json"))):
        with open(path, encoding="utf-8") as f:
            r = json.load(f)
        if "best" in r:
            runs.append(r)
    return runs


def choose(runs):
    """{strategy: (lr, [runs at that lr])}: the lr whose seed-0 run has the best val accuracy (ties: lower
    val loss); every lr is compared on the same seed, extra seeds only measure the spread."""
    out = {}
    for s in STRATEGIES:
        by_lr = {}
        for r in runs:
            if r["strategy"] == s:
                by_lr.setdefault(r["lr"], []).append(r)
        if by_lr:
            s0 = lambda lr: [r for r in by_lr[lr] if r["seed"] == 0] or by_lr[lr]   # same seed for every lr
            key = lambda lr: (np.mean([r["best"]["val_accuracy"] for r in s0(lr)]),
                              -np.mean([r["best"]["val_loss"] for r in s0(lr)]))
            lr = max(by_lr, key=key)
            out[s] = (lr, by_lr[lr])
    return out


def cmd_select(args):
    """Test accuracy and macro-F1 of each seed of each strategy's chosen learning rate (the only test
    predictions ever opened)."""
    chosen = choose(read_runs(args.out))
    for s, (lr, runs) in chosen.items():
        for r in runs:
            path = os.path.join(args.out, "test_" + run_name(s, lr, r["seed"]) + ".json")
            with np.load(os.path.join(args.out, run_name(s, lr, r["seed"]) + ".test.npz")) as z:
                logits, y = z["logits"], z["y"]
            res = {"strategy": s, "lr": lr, "seed": r["seed"], **fs.scores(y, logits.argmax(1)),
                   "val_accuracy": r["best"]["val_accuracy"], "best_step": r["best"]["step"], "n_test": len(y)}
            write_json(path, res)
            print(f"{s} lr {lr:g} seed {r['seed']}: test accuracy {res['accuracy']:.4f}, "
                  f"macro-F1 {res['macro_f1']:.4f}", flush=True)
    if "lora" in chosen and "full" in chosen:                          # paired bootstrap over test tweets
        preds = {}
        for s in ("lora", "full"):
            lr, runs = chosen[s]
            ps = []
            for r in runs:
                with np.load(os.path.join(args.out, run_name(s, lr, r["seed"]) + ".test.npz")) as z:
                    ps.append(z["logits"].argmax(1))
                    y = z["y"]
            preds[s] = np.array(ps)                                    # (seeds, N)
        correct = {s: (p == y[None]).mean(0) for s, p in preds.items()}   # (N,) mean over seeds
        diff = correct["lora"] - correct["full"]
        rng = np.random.default_rng(0)
        boots = np.array([diff[rng.integers(0, len(y), len(y))].mean() for _ in range(2000)])
        lo, hi = np.percentile(boots, [2.5, 97.5])
        print(f"LoRA - full test accuracy (mean over seeds): {diff.mean():+.4f}, 95% paired bootstrap "
              f"interval over test tweets [{lo:+.4f}, {hi:+.4f}]")
    return 0


def cmd_table(args):
    runs = read_runs(args.out)
    chosen = choose(runs)
    rows = ["| strategy | trainable params | % of total | lrs tried (val acc, seed 0) | chosen lr | seeds | best step "
            "| test accuracy | test macro-F1 | wall time / run |",
            "| --- | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    pm = lambda v: f"{np.mean(v):.4f}" + (f" ± {np.std(v, ddof=1):.4f}" if len(v) > 1 else "")
    for s, (lr, rs) in chosen.items():
        tried = sorted({r["lr"] for r in runs if r["strategy"] == s})
        v0 = lambda x: [r["best"]["val_accuracy"] for r in runs if r["strategy"] == s and r["lr"] == x
                        and r["seed"] == 0] or [np.nan]
        tried = ", ".join(f"{x:g} ({v0(x)[0]:.3f})" for x in tried)          # seed 0: what the choice saw
        tests = []
        for r in rs:
            path = os.path.join(args.out, "test_" + run_name(s, lr, r["seed"]) + ".json")
            if os.path.isfile(path):
                with open(path, encoding="utf-8") as f:
                    tests.append(json.load(f))
        acc = pm([t["accuracy"] for t in tests]) if tests else "-"
        f1 = pm([t["macro_f1"] for t in tests]) if tests else "-"
        steps = "/".join(str(r["best"]["step"]) for r in rs)
        mins = np.mean([r["seconds"] for r in rs]) / 60
        rows.append(f"| {fs.DESCRIPTION[s]} | {rs[0]['trainable']:,} | {rs[0]['percent']:.2f}% | {tried} | {lr:g} "
                    f"| {len(tests)} | {steps} | {acc} | {f1} | {mins:.1f} min |")
    print("\n".join(rows))
    print("\nValidation accuracy per evaluation (step: accuracy), every run; * = stopped by the deadline\n")
    print("| run | steps run | validation curve | best |\n| --- | ---: | --- | ---: |")
    for r in sorted(runs, key=lambda r: (STRATEGIES.index(r["strategy"]), r["lr"], r["seed"])):
        curve = ", ".join(f"{h['step']}: {h['val_accuracy']:.3f}" for h in r["history"])
        if r["strategy"] == "probe":                                    # one point per epoch
            curve = ", ".join(f"e{h['epoch']}: {h['val_accuracy']:.3f}" for h in r["history"])
        late = "*" if r["best"].get("stopped_by_deadline") else ""
        print(f"| {run_name(r['strategy'], r['lr'], r['seed'])} | {r['steps_run']}{late} | {curve} | "
              f"{r['best']['val_accuracy']:.4f} |")
    return 0


def main(argv=None) -> int:
    argv = pop_impl(sys.argv[1:] if argv is None else argv)
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("command", choices=("train", "select", "table"))
    p.add_argument("--strategy", choices=STRATEGIES)
    p.add_argument("--lr", type=float, nargs="+", help="probe: several (features computed once)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--model", default="course-base-8m")
    p.add_argument("--max-len", type=int, default=64)
    p.add_argument("--steps", type=int, default=240, help="step budget of every body run")
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--eval-every", type=int, default=60)
    p.add_argument("--patience", type=int, default=2, help="evaluations (probe: epochs) without a new best")
    p.add_argument("--epochs", type=int, default=60, help="probe only")
    p.add_argument("--deadline", default=None, help="UTC HH:MM: stop (keeping the best evaluation) at this time")
    p.add_argument("--limit", type=int, default=None, help="first N tweets of each split (smoke)")
    p.add_argument("--out", required=True)
    args = p.parse_args(argv)
    if args.command == "train":
        if args.strategy is None or args.lr is None:
            p.error("train needs --strategy and --lr")
        return cmd_train(args)
    return cmd_select(args) if args.command == "select" else cmd_table(args)


if __name__ == "__main__":
    sys.exit(main())
