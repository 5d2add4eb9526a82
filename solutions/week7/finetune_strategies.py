"""Week 7 project, part 1: six ways to adapt the course base model to airline-tweet sentiment, side by side.

    python -m solutions.week7.finetune_strategies --strategies probe last lora adapter full scratch \\
        --out runs/week7/strategies             # one JSON per strategy + the table
    python -m solutions.week7.finetune_strategies --table runs/week7/strategies
    python -m solutions.week7.finetune_strategies --impl exercises ...   # your freezing.py / lora.py

Task: 3-class sentiment (negative / neutral / positive) of week 2's tweets (data/twitter_airline_sentiment,
same train/test split), on course-base-8m
(6.9M parameters, week 5) with a linear head on the MEAN of the final hidden states over the tweet's
tokens (models/classifier.py; the tweet is encoded cased, cut to max_len - 1 tokens, + <|endoftext|>).
What trains:
    probe    the head only, on frozen features (computed once: the body never changes)
    last     the top block + ln_f + head (ULMFiT's "last layer" baseline; LLMs-from-scratch ch. 6)
    lora     LoRA r=8, alpha=16 on every block's attn.c_attn and attn.c_proj (+ head); W frozen
    adapter  Houlsby adapters (bottleneck 16) after attn.c_proj and mlp.c_proj, + LayerNorms + head
    full     every weight
    scratch  the same architecture from random init (GPT-2 init), every weight: what pretraining buys
Equal budget: every row trains on the same seeded random 4,800 of the 12,984 training tweets
(--steps 150 x --batch-size 32, one pass: the shared 2-core machine allows ~8 minutes a row), then
is scored once on the whole test set (1,443 tweets). AdamW (weight decay 0.01 on matrices), batches
of similar lengths (less padding), linear warmup (5% of steps) + cosine decay to lr/10, gradient
clipping 1.0; the probe instead runs 40 epochs over the cached features of the same 4,800 tweets.
Wall time = everything after the data is tokenized, on 1 thread (NUMBA_NUM_THREADS=1), while
other jobs share the machine: the load average is saved with each result.
Week 2's TF-IDF MLP (accuracy 0.835, macro-F1 0.776) is the number to beat.

Not done here (done in tune_strategies.py: rates chosen on a validation split, early stopping,
seeds): hyperparameter search (learning rates are common defaults, one seed), a validation
split (no choice is made on data: fixed steps, fixed learning rates), confidence intervals over seeds, gradual unfreezing, layer-wise learning rates (nn.layerwise_lr_groups has them).
Legend: N examples, B batch, T tokens, C channels, K = 3 classes.
"""
import argparse
import json
import os
import sys
import time

import numpy as np
from tqdm import tqdm

from tinygrad_lm import functional as F
from tinygrad_lm import manual_seed, metrics, nn
from tinygrad_lm.course import load, pop_impl
from tinygrad_lm.datasets import load_twitter_airline_sentiment
from tinygrad_lm.models import GPT
from tinygrad_lm.models.classifier import GPTClassifier, pad_batch
from tinygrad_lm.models.pretrained import load as load_pretrained
from tinygrad_lm.nn.lora import replace_modules
from tinygrad_lm.optim import AdamW, clip_grad_norm_, cosine_warmup_lr, weight_decay_groups
from tinygrad_lm.tensor import Tensor, no_grad
from tinygrad_lm.training.loop import write_json

freezing = load("week7.freezing")     # the reference (solutions/) or yours (exercises/): --impl
lora = load("week7.lora")

STRATEGIES = ("probe", "last", "lora", "adapter", "full", "scratch")
DEFAULTS = {                          # learning rates (common defaults, not tuned on test); probe: epochs on cached features
    "probe": dict(lr=3e-3, epochs=40),
    "last": dict(lr=3e-4),
    "lora": dict(lr=1e-3),
    "adapter": dict(lr=1e-3),
    "full": dict(lr=1e-4),
    "scratch": dict(lr=3e-4),
}
DESCRIPTION = {
    "probe": "linear probe (frozen body, head only)",
    "last": "last block + ln_f + head",
    "lora": "LoRA r=8 on attn.c_attn, attn.c_proj (+ head)",
    "adapter": "adapters, bottleneck 16 (+ LayerNorms, head)",
    "full": "full fine-tuning",
    "scratch": "same architecture, random init, full training",
}


# ---- data --------------------------------------------------------------------------------------
def encode(tok, texts, eos, max_len):
    """Token ids per text, cut to max_len - 1, then <|endoftext|> (a fixed last position)."""
    return [tok.encode(t)[:max_len - 1] + [eos] for t in texts]


def length_batches(lengths, batch_size, r=None):
    """Index batches of similar lengths: sort by length (random tie order), chunk, shuffle the chunks."""
    lengths = np.asarray(lengths)
    if r is None:
        order = np.argsort(lengths, kind="stable")
    else:
        order = np.lexsort((r.random(len(lengths)), lengths))
    batches = [order[i:i + batch_size] for i in range(0, len(order), batch_size)]
    if r is not None:
        batches = [batches[i] for i in r.permutation(len(batches))]
    return batches


def load_data(tok, eos, max_len, seed=0, limit=None, train_size=None):
    """{"train": (ids, y), "test": (ids, y)}: train = a seeded random train_size of the training tweets
    (the same subset for every strategy), limit = only the first N of each split (smoke runs)."""
    train, test = load_twitter_airline_sentiment("train"), load_twitter_airline_sentiment("test")
    y_all, y_test = train.y(), test.y()
    pick = np.arange(len(y_all))
    if train_size:
        pick = np.sort(np.random.default_rng(seed).permutation(len(y_all))[:train_size])
    n_test = len(y_test)
    if limit:
        pick, n_test = pick[:limit], min(limit, n_test)
    data = {"train": (encode(tok, [train.texts[i] for i in pick], eos, max_len), y_all[pick]),
            "test": (encode(tok, test.texts[:n_test], eos, max_len), y_test[:n_test])}
    return data, train.classes


# ---- models ------------------------------------------------------------------------------------
def build(strategy, model_name, pooling, seed, lora_r=8, lora_targets=("attn.c_attn", "attn.c_proj")):
    """-> (classifier with the right parameters trainable, note)."""
    manual_seed(seed)
    gpt, tok, info = load_pretrained(model_name)
    if strategy == "scratch":
        manual_seed(seed)
        gpt = GPT(gpt.config)                                          # same shapes, GPT-2 random init
    clf = GPTClassifier(gpt, num_classes=3, pooling=pooling)
    L = gpt.config.n_layer
    if strategy == "probe":
        freezing.freeze_all_but(clf, ["score"])
    elif strategy == "last":
        freezing.freeze_all_but(clf, [f"h.{L - 1}", "ln_f", "score"])
    elif strategy == "lora":
        replace_modules(clf, tuple(lora_targets), lambda lin: lora.LoRALinear(lin, r=lora_r, alpha=2 * lora_r),
                        "lora")
        freezing.freeze_all_but(clf, ["lora_A", "lora_B", "score"])
    elif strategy == "adapter":
        nn.apply_adapters(clf, bottleneck=16)                          # adapters + LayerNorms train
        nn.unfreeze(clf, "score")
    elif strategy in ("full", "scratch"):
        freezing.freeze_all_but(clf, ["transformer", "score"])
    else:
        raise ValueError(f"unknown strategy {strategy!r}; choose from {STRATEGIES}")
    return clf, tok, info


def predict_logits(clf, ids, batch_size=64):
    """(N, K) logits, batched by length (eval mode, no graph)."""
    clf.eval()
    out = np.zeros((len(ids), clf.num_classes), dtype=np.float32)
    with no_grad():
        for b in length_batches([len(s) for s in ids], batch_size):
            x, lengths = pad_batch([ids[i] for i in b])
            out[b] = clf(x, lengths)[0].data
    return out


def scores(y, pred):
    return {"accuracy": float(metrics.accuracy(y, pred)), "macro_f1": float(metrics.f1_score(y, pred))}


# ---- training ----------------------------------------------------------------------------------
def train_probe(clf, data, cfg, seed, batch_size=64):
    """The head on cached pooled features: the frozen body runs once per tweet, not once per epoch."""
    feats = {}
    for split in ("train", "test"):
        ids = data[split][0]
        f = np.zeros((len(ids), clf.config.n_embd), dtype=np.float32)
        clf.eval()
        with no_grad():
            for b in tqdm(length_batches([len(s) for s in ids], 64), desc=f"probe: features {split}", leave=False):
                x, lengths = pad_batch([ids[i] for i in b])
                f[b] = clf.features(x, lengths).data                   # (B, C)
        feats[split] = f
    head = clf.score
    opt = AdamW(weight_decay_groups(head, 0.01), lr=cfg["lr"])
    r = np.random.default_rng(seed)
    y = data["train"][1]
    n = len(y)
    total, step, history = cfg["epochs"] * -(-n // batch_size), 0, []
    for epoch in range(cfg["epochs"]):
        perm = r.permutation(n)
        for i in range(0, n, batch_size):
            b = perm[i:i + batch_size]
            for g in opt.param_groups:
                g["lr"] = cosine_warmup_lr(step, cfg["lr"], max(1, total // 20), total, cfg["lr"] / 10)
            loss = F.cross_entropy(head(Tensor(feats["train"][b])), y[b])
            opt.zero_grad()
            loss.backward()
            opt.step()
            step += 1
        history.append({"epoch": epoch + 1, "train_loss_last_batch": float(loss.data)})
    return head(Tensor(feats["test"])).data, history


def classifier_step(clf, opt, params, x, lens, targets, lr) -> float:
    """One optimizer step on a batch at learning rate lr: cross-entropy, backward, clip at 1, AdamW; -> loss."""
    for g in opt.param_groups:
        g["lr"] = lr
    _, loss = clf(x, lens, targets=targets)
    opt.zero_grad()
    loss.backward()
    clip_grad_norm_(params, 1.0)
    opt.step()
    return float(loss.data)


def train_body(clf, data, cfg, seed, batch_size=32, desc=""):
    """The shared loop for every strategy that runs the body in the graph: cfg["steps"] steps over the
    training tweets (batches of similar lengths, reshuffled each pass); returns test logits."""
    params = [p for p in clf.parameters() if p.requires_grad]
    opt = AdamW(weight_decay_groups(clf, 0.01), lr=cfg["lr"])
    ids, y = data["train"]
    r = np.random.default_rng(seed)
    lengths = [len(s) for s in ids]
    total, history, queue, run_loss = cfg["steps"], [], [], None
    clf.train()
    bar = tqdm(range(total), desc=desc)
    for step in bar:
        if not queue:
            queue = length_batches(lengths, batch_size, r)
        b = queue.pop()
        x, lens = pad_batch([ids[i] for i in b])
        loss = classifier_step(clf, opt, params, x, lens, y[b],
                               cosine_warmup_lr(step, cfg["lr"], max(1, total // 20), total, cfg["lr"] / 10))
        run_loss = loss if run_loss is None else 0.95 * run_loss + 0.05 * loss
        bar.set_postfix(loss=f"{run_loss:.3f}")
        if (step + 1) % 25 == 0:
            history.append({"step": step + 1, "train_loss_ema": run_loss})
    return predict_logits(clf, data["test"][0]), history


def run(strategy, args):
    cfg = dict(DEFAULTS[strategy])
    if strategy != "probe":
        cfg["steps"] = args.steps
    if args.lr is not None:
        cfg["lr"] = args.lr
    clf, tok, info = build(strategy, args.model, args.pooling, args.seed, args.lora_r, args.lora_targets)
    data, classes = load_data(tok, info["eos_token_id"], args.max_len, args.seed, args.limit,
                              args.steps * args.batch_size)
    t0 = time.perf_counter()
    trainable, total, percent = freezing.count_trainable(clf)
    if strategy == "probe":
        test_logits, history = train_probe(clf, data, cfg, args.seed)
    else:
        test_logits, history = train_body(clf, data, cfg, args.seed, args.batch_size, desc=strategy)
    seconds = time.perf_counter() - t0
    desc = DESCRIPTION[strategy]
    if strategy == "lora" and (args.lora_r != 8 or tuple(args.lora_targets) != ("attn.c_attn", "attn.c_proj")):
        desc = f"LoRA r={args.lora_r} on {', '.join(args.lora_targets)} (+ head)"
    res = {"strategy": strategy, "description": desc, "model": args.model,
           "pooling": args.pooling, "max_len": args.max_len, "seed": args.seed, **cfg,
           "trainable": int(trainable), "total": int(total), "percent": float(percent),
           **scores(data["test"][1], test_logits.argmax(1)), "seconds": round(seconds, 1),
           "n_train": len(data["train"][1]), "n_test": len(data["test"][1]),
           "history": history, "load_avg": os.getloadavg()[0], "classes": list(classes)}
    if strategy == "lora":                                             # merged == unmerged, to float32 precision
        layers = [m for _, m in clf.named_modules() if isinstance(m, lora.LoRALinear)]
        for m in layers:
            m.merge()
        merged = predict_logits(clf, data["test"][0])
        res["merged_max_abs_logit_diff"] = float(np.max(np.abs(merged - test_logits)))
        for m in layers:
            m.unmerge()
    return res


def table(results) -> str:
    rows = ["| strategy | trainable params | % of total | test accuracy | test macro-F1 | wall time |",
            "| --- | ---: | ---: | ---: | ---: | ---: |"]
    order = {s: i for i, s in enumerate(STRATEGIES)}
    for r in sorted(results, key=lambda r: order.get(r["strategy"], 99)):
        rows.append(f"| {r['description']} | {r['trainable']:,} | {r['percent']:.2f}% | {r['accuracy']:.4f} | "
                    f"{r['macro_f1']:.4f} | {r['seconds'] / 60:.1f} min |")
    return "\n".join(rows)


def read_results(directory):
    out = []
    for s in STRATEGIES:
        path = os.path.join(directory, f"{s}.json")
        if os.path.isfile(path):
            with open(path, encoding="utf-8") as f:
                out.append(json.load(f))
    return out


def main(argv=None) -> int:
    argv = pop_impl(sys.argv[1:] if argv is None else argv)          # --impl exercises: your freezing/lora
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--strategies", nargs="+", default=list(STRATEGIES), choices=STRATEGIES)
    p.add_argument("--model", default="course-base-8m")
    p.add_argument("--pooling", default="mean", choices=("mean", "last"))
    p.add_argument("--max-len", type=int, default=64, help="tokens per tweet incl. <|endoftext|> (99%% fit in 64)")
    p.add_argument("--steps", type=int, default=150, help="optimizer steps of every strategy but probe; the "
                   "training set is the first steps x batch-size tweets of a seeded shuffle (one pass)")
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--lr", type=float, default=None, help="override the learning rate")
    p.add_argument("--lora-r", type=int, default=8, help="LoRA rank (alpha = 2 r, so alpha / r = 2 always)")
    p.add_argument("--lora-targets", nargs="+", default=["attn.c_attn", "attn.c_proj"],
                   help="name patterns of the Linears LoRA wraps")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--limit", type=int, default=None, help="use only the first N tweets of each split (smoke)")
    p.add_argument("--out", default=None, help="directory for <strategy>.json")
    p.add_argument("--table", default=None, metavar="DIR", help="print the table of the JSONs in DIR and exit")
    args = p.parse_args(argv)
    if args.table:
        results = read_results(args.table)
        if not results:
            print(f"no <strategy>.json in {args.table}", file=sys.stderr)
            return 2
        print(table(results))
        return 0
    results = []
    for s in args.strategies:
        res = run(s, args)
        results.append(res)
        print(f"{s}: accuracy {res['accuracy']:.4f}, macro-F1 {res['macro_f1']:.4f}, trainable {res['trainable']:,} "
              f"({res['percent']:.2f}%), {res['seconds']:.0f} s", flush=True)
        if args.out:
            os.makedirs(args.out, exist_ok=True)
            write_json(os.path.join(args.out, f"{s}.json"), res)
    print(table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
