"""Training character-level language models (char-rnn): `tglm train char-lstm|char-rnn`.

    tglm train char-lstm --data data/tiny_shakespeare/input.txt --time 600     # ~10 min, 2 cores
    tglm sample --checkpoint runs/char-lstm/best.safetensors --prime "ROMEO:" --temperature 0.8

Legend: B batch (lanes), T BPTT window, V vocabulary (characters).
Model: models/char_lm.py (Embedding -> LSTM or RNN -> Linear).
Training: truncated BPTT over B contiguous lanes of the text (datasets/lm_batches.TBPTTBatches) with the
hidden state carried from window to window and detached; AdamW (decay on matrices only),
gradient-norm clipping, warmup + cosine learning rate over the run (by steps, or by elapsed time
when only --time is given), all through training/loop.py like every other trainer.
Every --eval-every steps: validation loss over the whole validation split (nats/char and
bits/char = nats / ln 2), a sample, `last.safetensors` (for --resume) and, when the validation
loss improved, `best.safetensors` (val loss in its metadata).
Does not handle: multiple text files, word-level models (see the GPT weeks), saving the hidden
state in checkpoints (a resumed run restarts the state from zero, which costs a few steps).
"""
import math

import numpy as np

from .. import functional as F
from ..checkpoints.checkpoint import read_checkpoint
from ..tokenizers.char import UnknownCharacterError
from ..datasets.lm_batches import TBPTTBatches, detach_state, train_val_split
from ..generation.sampling import generate_from_step
from ..models.char_lm import CharLM
from ..optim import AdamW, cosine_warmup_lr, weight_decay_groups
from ..random import manual_seed
from ..tensor import no_grad
from ..tokenizers.char import CharTokenizer
from .loop import Run, fit
from .resume import COMMANDS, checkpoint_kind, read_resume

VIRTUAL_STEPS = 10_000     # the schedule of a time-budgeted run, on progress * VIRTUAL_STEPS "steps"


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


def prime_for(tok, wanted):
    """`wanted` if the vocabulary has all its characters, else a newline, else the first character."""
    for p in (wanted, "\n"):
        if set(p) <= set(tok.chars):
            return p
    return tok.chars[0]


def load_char_lm(path):
    """(model, tokenizer, checkpoint dict) from a `tglm train char-*` checkpoint."""
    ckpt = read_checkpoint(path)
    cfg = ckpt["config"]
    kind = checkpoint_kind(cfg)
    if kind not in ("char-lstm", "char-rnn") or not all(k in cfg for k in ("tokenizer", "vocab_size", "emb",
                                                                          "hidden", "layers", "dropout")):
        what = f"a checkpoint of `{COMMANDS[kind]}`" if kind else "not a checkpoint of a tglm training run"
        hint = {"gpt": "`tglm generate --checkpoint`", "pretrain": "`tglm generate --checkpoint`",
                "mlm": "`tglm fill-mask --checkpoint`"}.get(kind)
        raise ValueError(f"{path}: {what}, not a char-lstm / char-rnn one (written by `tglm train char-lstm`)"
                         + (f"; use {hint}" if hint else ""))
    model = CharLM.from_config(cfg)
    model.load_state_dict(ckpt["model"])
    return model, CharTokenizer.from_config(cfg["tokenizer"]), ckpt


def train_char_lm(args, model_cls=CharLM, batches_fn=TBPTTBatches) -> int:
    """`tglm train char-lstm|char-rnn` with parsed options (cli/train.py). model_cls: the model class
    (the library's CharLM, or a learner's own with the same constructor). batches_fn(train_ids, B, T)
    -> the epoch's (x, y) windows, anything with len() and [k] (TBPTTBatches, or a learner's
    tbptt_batches list: solutions/week3/project.py)."""
    if not (args.steps > 0 or args.time > 0) or args.steps < 0 or args.time < 0:
        raise ValueError(f"give a budget: --steps N and/or --time SECONDS, each >= 0 and not both 0 "
                         f"(got --steps {args.steps} --time {args.time})")
    manual_seed(args.seed)
    with open(args.data, encoding="utf-8") as f:
        text = f.read()
    if args.resume:
        cfg = read_resume(args.resume, f"char-{args.cell}")["config"]
        tok = CharTokenizer.from_config(cfg["tokenizer"])
    else:
        tok = CharTokenizer.from_text(text)
        cfg = {"cell": args.cell, "vocab_size": tok.vocab_size, "emb": args.emb, "hidden": args.hidden,
               "layers": args.layers, "dropout": args.dropout, "tokenizer": tok.to_config()}
    cfg["train"] = vars(args).copy()                         # this run's settings, for the next --resume
    try:
        ids = tok.encode(text)
    except UnknownCharacterError as e:                       # only possible with --resume
        raise ValueError(f"--data {args.data} does not fit the vocabulary of --resume {args.resume}: {e}") from None
    train_ids, val_ids = train_val_split(ids, args.val_fraction, min_len=2, unit="characters")
    if len(train_ids) < 2 * args.batch_size or len(val_ids) < 2:
        raise ValueError(f"{args.data} is too short ({len(ids)} characters) for --batch-size {args.batch_size} "
                         f"and --val-fraction {args.val_fraction}: training needs 2 characters per lane, validation 2")
    model = model_cls(cfg["vocab_size"], cfg["emb"], cfg["hidden"], cfg["layers"], cfg["cell"], cfg["dropout"])
    opt = AdamW(weight_decay_groups(model, args.weight_decay), lr=args.lr, betas=(0.9, 0.99))
    run = Run(args.out, model, opt, cfg, title=f"char-{cfg['cell']} on {args.data}")
    run.extra_meta = lambda losses: {"val_bpc": f"{losses['val'] / math.log(2):.6f}"}    # bits per character
    if args.resume:
        run.resume(args.resume)
        print(f"resumed {args.resume}: step {run.step}, best val {run.best:.4f}, {run.elapsed0:.0f}s trained before")
    batches = batches_fn(train_ids, args.batch_size, args.seq_len)
    n_params = model.num_parameters()
    print(f"char-{cfg['cell']}: {n_params:,} parameters, vocab {tok.vocab_size}, train {len(train_ids):,} chars, "
          f"val {len(val_ids):,} chars, {len(batches)} windows of {args.batch_size}x{args.seq_len} per epoch")
    carry = {"window": int(run.state.get("window", 0)) % len(batches), "state": None, "evals": 0}

    def next_loss():
        x, y = batches[carry["window"]]
        carry["window"] += 1
        if carry["window"] == len(batches):                  # epoch wraps: lanes restart, so does the state
            carry["window"], carry["state"] = 0, None
        logits, state = model(x.T, detach_state(carry["state"]))   # (T, B, V); truncated BPTT: cut the graph
        carry["state"] = state
        return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.T.reshape(-1)), y.size

    def progress(step, seconds):
        parts = ([step / args.steps] if args.steps else []) + ([seconds / args.time] if args.time else [])
        return max(parts) if parts else 0.0

    def lr_at(step, p):
        return cosine_warmup_lr(p * VIRTUAL_STEPS, args.lr, args.warmup * VIRTUAL_STEPS, VIRTUAL_STEPS,
                                0.1 * args.lr)

    def on_eval(run, write):
        val = run.history[-1]["val_loss"]
        write(f"        val {val:.4f} nats/char = {val / math.log(2):.3f} bits/char")
        carry["evals"] += 1
        if args.sample_every and carry["evals"] % args.sample_every == 0:
            write("---- sample ----\n" + sample_text(model, tok, prime_for(tok, "\n"), 200, 0.8, seed=run.step)
                  + "\n----------------")

    elapsed = fit(run, next_loss=next_loss, lr_at=lr_at, progress=progress, evaluate=lambda: {"val": evaluate(model, val_ids)},
                  eval_every=args.eval_every, clip=args.clip, total_steps=args.steps or None,
                  save_state=lambda: {"window": carry["window"]}, on_eval=on_eval, unit="char")
    print(f"done: {run.step} steps, {elapsed:.0f}s, best val {run.best:.4f} nats/char = "
          f"{run.best / math.log(2):.3f} bits/char; checkpoint {run.path('best.safetensors')}")
    prime = prime_for(tok, "ROMEO:")
    print(prime + sample_text(model, tok, prime, 300, 0.8, seed=0))
    return 0
