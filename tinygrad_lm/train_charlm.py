"""Character-level language models (char-rnn): `tglm train char-lstm|char-rnn` and `tglm sample`.

    tglm train char-lstm --data data/tiny_shakespeare/input.txt --time 600     # ~10 min, 2 cores
    tglm sample --checkpoint runs/char-lstm/best.safetensors --prime "ROMEO:" --temperature 0.8

Legend: B batch, T BPTT window, E embedding size, H hidden size, V vocabulary (characters).
Model: Embedding(V, E) -> LSTM or RNN (H, L layers, time-major) -> Linear(H, V).
Training: truncated BPTT over B contiguous lanes of the text (datasets.lm_batches.TBPTTBatches) with the
hidden state carried from window to window and detached; AdamW, gradient-norm clipping, cosine
learning rate over the run (by steps, or by elapsed time when only --time is given).
Every --eval-every steps: validation loss over the whole validation split (nats/char and
bits/char = nats / ln 2), a sample, `last.safetensors` (for --resume) and, when the validation
loss improved, `best.safetensors` (val loss in its metadata).
Does not handle: multiple text files, word-level models (see the GPT weeks), saving the hidden
state in checkpoints (a resumed run restarts the state from zero, which costs a few steps).
"""
import argparse
import json
import math
import os
import sys
import time

import numpy as np

from . import functional as F
from . import nn
from .checkpoints.checkpoint import load_checkpoint, read_checkpoint, save_checkpoint
from .datasets.lm_batches import TBPTTBatches, detach_state, train_val_split
from .optim import AdamW, clip_grad_norm_
from .random import manual_seed
from .generation.sampling import generate_from_step
from .tensor import Tensor, no_grad
from .tokenizers.char import CharTokenizer, UnknownCharacterError


class CharLM(nn.Module):
    """Embedding -> LSTM / RNN -> Linear. forward(ids (T, B), state) -> (logits (T, B, V), state)."""

    def __init__(self, vocab_size, emb=64, hidden=512, layers=1, cell="lstm", dropout=0.0):
        super().__init__()
        self.cell = cell
        self.emb = nn.Embedding(vocab_size, emb)
        if cell == "lstm":
            self.rnn = nn.LSTM(emb, hidden, num_layers=layers, dropout=dropout, forget_bias=1.0)
        elif cell == "rnn":
            self.rnn = nn.RNN(emb, hidden, num_layers=layers, dropout=dropout)
        else:
            raise ValueError(f"CharLM: cell must be 'lstm' or 'rnn', got {cell!r}")
        self.head = nn.Linear(hidden, vocab_size)

    def forward(self, ids, state=None):
        x = self.emb(ids)                                    # (T, B, E)
        y, state = self.rnn(x, state)                        # (T, B, H)
        return self.head(y), state                           # (T, B, V)


def _config_model(cfg):
    return CharLM(cfg["vocab_size"], cfg["emb"], cfg["hidden"], cfg["layers"], cfg["cell"], cfg["dropout"])


@no_grad()
def evaluate(model, ids, batch_size=64, seq_len=200):
    """Mean cross-entropy (nats/char) over the whole stream, state carried like in training."""
    was_training = model.training
    model.eval()
    total, count, state = 0.0, 0, None
    batch_size = max(1, min(batch_size, len(ids) // 2))        # short texts: fewer lanes
    for x, y in TBPTTBatches(ids, batch_size, seq_len):
        logits, state = model(x.T, state)                    # (T, B, V)
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.T.reshape(-1))
        total += float(loss.item()) * y.size
        count += y.size
    model.train(was_training)
    return total / max(count, 1)


@no_grad()
def sample_text(model, tok, prime="\n", length=300, temperature=0.8, top_k=None, top_p=None, seed=None):
    """Generate `length` characters after `prime` (one sequence, the hidden state carried)."""
    was_training = model.training
    model.eval()

    def step(ids, state):
        logits, state = model(ids[:, None], state)           # ids (T,) -> (T, 1, V)
        return logits.data[-1, 0], state

    rng = np.random.default_rng(seed) if seed is not None else None
    out = generate_from_step(step, tok.encode(prime), length, temperature, top_k, top_p, rng=rng)
    model.train(was_training)
    return tok.decode(out)


def _prime_for(tok, wanted):
    """`wanted` if the vocabulary has all its characters, else a newline, else the first character."""
    for p in (wanted, "\n"):
        if set(p) <= set(tok.chars):
            return p
    return tok.chars[0]


def _lr_at(progress, lr, warmup_frac, min_ratio=0.1):
    if progress < warmup_frac:
        return lr * max(progress / warmup_frac, 0.01)
    p = min(1.0, (progress - warmup_frac) / max(1e-9, 1 - warmup_frac))
    return lr * (min_ratio + (1 - min_ratio) * 0.5 * (1 + math.cos(math.pi * p)))


def train(args):
    from tqdm import tqdm
    manual_seed(args.seed)
    text = open(args.data, encoding="utf-8").read()
    if args.resume:
        ckpt = read_checkpoint(args.resume)
        cfg = ckpt["config"]
        tok = CharTokenizer.from_config(cfg["tokenizer"])
    else:
        tok = CharTokenizer.from_text(text)
        cfg = {"cell": args.cell, "vocab_size": tok.vocab_size, "emb": args.emb, "hidden": args.hidden,
               "layers": args.layers, "dropout": args.dropout, "tokenizer": tok.to_config()}
    try:
        ids = tok.encode(text)
    except UnknownCharacterError as e:                       # only possible with --resume
        print(f"tglm train: {args.data} does not fit the vocabulary of {args.resume}: {e}", file=sys.stderr)
        return 2
    train_ids, val_ids = train_val_split(ids, args.val_fraction)
    if len(train_ids) < 2 * args.batch_size or len(val_ids) < 2:
        print(f"tglm train: {args.data} is too short ({len(ids)} characters) for --batch-size {args.batch_size} "
              f"and --val-fraction {args.val_fraction}: training needs 2 characters per lane, validation 2",
              file=sys.stderr)
        return 2
    model = _config_model(cfg)
    params = list(model.parameters())
    decay = [p for p in params if p.ndim >= 2]
    no_decay = [p for p in params if p.ndim < 2]
    opt = AdamW([{"params": decay, "weight_decay": args.weight_decay},
                 {"params": no_decay, "weight_decay": 0.0}], lr=args.lr, betas=(0.9, 0.99))
    batches = TBPTTBatches(train_ids, args.batch_size, args.seq_len)
    step, window, best, elapsed0 = 0, 0, float("inf"), 0.0
    if args.resume:
        info = load_checkpoint(args.resume, model, opt)
        step = info["step"]
        meta = info["metadata"]
        window = int(meta.get("window", 0)) % len(batches)
        best = float(meta.get("best_val_loss", "inf"))
        elapsed0 = float(meta.get("elapsed", 0.0))
        print(f"resumed {args.resume}: step {step}, best val {best:.4f}, {elapsed0:.0f}s trained before")
    os.makedirs(args.out, exist_ok=True)
    n_params = sum(p.size for p in params)
    print(f"char-{cfg['cell']}: {n_params:,} parameters, vocab {tok.vocab_size}, train {len(train_ids):,} chars, "
          f"val {len(val_ids):,} chars, {len(batches)} windows of {args.batch_size}x{args.seq_len} per epoch")

    def progress(elapsed):
        parts = []
        if args.steps:
            parts.append(step / args.steps)
        if args.time:
            parts.append(elapsed / args.time)
        return max(parts) if parts else 0.0

    history = []
    state, start = None, time.perf_counter()
    bar = tqdm(total=args.steps or None, initial=step, unit="step", dynamic_ncols=True, file=sys.stdout,
               mininterval=2.0)
    tokens_since, t_since = 0, time.perf_counter()
    while True:
        elapsed = elapsed0 + time.perf_counter() - start
        if progress(elapsed) >= 1.0:
            break
        lr = _lr_at(progress(elapsed), args.lr, args.warmup)
        for g in opt.param_groups:
            g["lr"] = lr
        x, y = batches[window]
        window += 1
        if window == len(batches):                           # epoch wraps: lanes restart, so does the state
            window, state = 0, None
        logits, state = model(x.T, state)                    # (T, B, V)
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.T.reshape(-1))
        opt.zero_grad()
        loss.backward()
        clip_grad_norm_(params, args.clip)
        opt.step()
        state = detach_state(state)                          # truncated BPTT: keep values, cut the graph
        step += 1
        tokens_since += y.size
        bar.update(1)
        if step % 10 == 0:
            now = time.perf_counter()
            bar.set_postfix(loss=f"{loss.item():.3f}", lr=f"{lr:.1e}", tok_s=f"{tokens_since / (now - t_since):,.0f}")
            tokens_since, t_since = 0, now
        if step % args.eval_every == 0 or progress(elapsed0 + time.perf_counter() - start) >= 1.0:
            elapsed = elapsed0 + time.perf_counter() - start
            val = evaluate(model, val_ids)
            improved = val < best
            best = min(best, val)
            history.append({"step": step, "elapsed": round(elapsed, 1), "train_loss": float(loss.item()),
                            "val_loss": val})
            extra = {"window": str(window), "best_val_loss": f"{best:.6f}", "val_loss": f"{val:.6f}",
                     "val_bpc": f"{val / math.log(2):.6f}", "elapsed": f"{elapsed:.1f}"}
            save_checkpoint(os.path.join(args.out, "last.safetensors"), model, opt, step, cfg, extra=extra)
            if improved:
                save_checkpoint(os.path.join(args.out, "best.safetensors"), model, opt, step, cfg, extra=extra)
            bar.write(f"step {step:6d} | {elapsed:6.0f}s | train {loss.item():.4f} | val {val:.4f} nats/char "
                      f"= {val / math.log(2):.3f} bits/char{'  (best, saved)' if improved else ''}")
            if args.sample_every and step % (args.eval_every * args.sample_every) == 0:
                sample = sample_text(model, tok, _prime_for(tok, "\n"), 200, 0.8, seed=step)
                bar.write("---- sample ----\n" + sample + "\n----------------")
    bar.close()
    elapsed = elapsed0 + time.perf_counter() - start
    with open(os.path.join(args.out, "history.json"), "w") as f:
        json.dump(history, f, indent=1)
    print(f"done: {step} steps, {elapsed:.0f}s, best val {best:.4f} nats/char = {best / math.log(2):.3f} bits/char; "
          f"checkpoint {os.path.join(args.out, 'best.safetensors')}")
    prime = _prime_for(tok, "ROMEO:")
    print(prime + sample_text(model, tok, prime, 300, 0.8, seed=0))
    return 0


def _train_parser(cell):
    p = argparse.ArgumentParser(prog=f"tglm train char-{cell}", description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--data", default="data/tiny_shakespeare/input.txt", help="a UTF-8 text file")
    p.add_argument("--out", default=f"runs/char-{cell}", help="directory for checkpoints and history.json")
    p.add_argument("--resume", default=None, help="continue from a checkpoint (last.safetensors)")
    p.add_argument("--hidden", type=int, default=256, help="hidden size H")
    p.add_argument("--layers", type=int, default=1, help="stacked recurrent layers")
    p.add_argument("--emb", type=int, default=64, help="embedding size E")
    p.add_argument("--dropout", type=float, default=0.0, help="between stacked layers")
    p.add_argument("--batch-size", type=int, default=32, help="lanes B")
    p.add_argument("--seq-len", type=int, default=100, help="BPTT window T")
    # measured in 10-minute runs: LSTM val 1.572 at 6e-3 vs 1.647 at 3e-3; the vanilla RNN uses 3e-3
    p.add_argument("--lr", type=float, default=6e-3 if cell == "lstm" else 3e-3, help="peak AdamW learning rate")
    p.add_argument("--warmup", type=float, default=0.02, help="fraction of the run with linear LR warmup")
    p.add_argument("--weight-decay", type=float, default=0.01, help="AdamW, on matrices only")
    p.add_argument("--clip", type=float, default=1.0, help="max global gradient norm")
    p.add_argument("--time", type=float, default=600.0, help="wall-clock budget in seconds (0 = none)")
    p.add_argument("--steps", type=int, default=0, help="number of steps (0 = until --time)")
    p.add_argument("--eval-every", type=int, default=500, help="steps between validation + checkpoints")
    p.add_argument("--sample-every", type=int, default=2, help="print a sample every N evaluations (0 = never)")
    p.add_argument("--val-fraction", type=float, default=0.1, help="last part of the text held out")
    p.add_argument("--seed", type=int, default=0, help="initialisation seed")
    return p


def main_train(argv) -> int:
    """`tglm train <model> [options]`; models: char-lstm, char-rnn."""
    models = {"char-lstm": "lstm", "char-rnn": "rnn"}
    if not argv or argv[0] not in models:
        print("usage: tglm train {char-lstm,char-rnn} [options]   (tglm train char-lstm --help)", file=sys.stderr)
        return 0 if argv and argv[0] in ("-h", "--help") else 2
    cell = models[argv[0]]
    args = _train_parser(cell).parse_args(argv[1:])
    args.cell = cell
    if not args.time and not args.steps:
        print("tglm train: give --time or --steps", file=sys.stderr)
        return 2
    if not os.path.exists(args.data):
        print(f"tglm train: data file {args.data!r} not found (tiny Shakespeare ships as "
              f"data/tiny_shakespeare/input.txt; run from the repository root)", file=sys.stderr)
        return 2
    return train(args)


def main_sample(argv) -> int:
    """`tglm sample --checkpoint PATH [--prime TEXT] [--temperature T] ...`"""
    p = argparse.ArgumentParser(prog="tglm sample", description="sample text from a char-lstm / char-rnn checkpoint",
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--checkpoint", required=True, help="e.g. runs/char-lstm/best.safetensors")
    p.add_argument("--prime", default="\n",
                   help="text fed first (its characters must be in the vocabulary; default: %(default)r)")
    p.add_argument("--length", type=int, default=500, help="characters to generate")
    p.add_argument("--temperature", type=float, default=0.8, help="0 = greedy")
    p.add_argument("--top-k", type=int, default=None, help="keep the k most likely characters")
    p.add_argument("--top-p", type=float, default=None, help="nucleus sampling, in (0, 1]")
    p.add_argument("--seed", type=int, default=0, help="sampling seed")
    args = p.parse_args(argv)
    if not os.path.exists(args.checkpoint):
        print(f"tglm sample: checkpoint {args.checkpoint!r} not found (train one first: tglm train char-lstm)",
              file=sys.stderr)
        return 2
    ckpt = read_checkpoint(args.checkpoint)
    cfg = ckpt["config"]
    if not cfg or "tokenizer" not in cfg:
        print(f"tglm sample: {args.checkpoint} has no char-model config", file=sys.stderr)
        return 2
    tok = CharTokenizer.from_config(cfg["tokenizer"])
    model = _config_model(cfg)
    model.load_state_dict(ckpt["model"])
    meta = ckpt["metadata"]
    print(f"# {args.checkpoint}: char-{cfg['cell']} H={cfg['hidden']} L={cfg['layers']}, step {ckpt['step']}, "
          f"val {meta.get('val_loss', '?')} nats/char", file=sys.stderr)
    if not args.prime:
        print("tglm sample: --prime must not be empty (it starts the model's memory; the default is a newline)",
              file=sys.stderr)
        return 2
    try:
        text = sample_text(model, tok, args.prime, args.length, args.temperature, args.top_k, args.top_p, args.seed)
    except UnknownCharacterError as e:
        print(f"tglm sample: the prime has characters the model never saw: {e}", file=sys.stderr)
        return 2
    print(args.prime + text)
    return 0
