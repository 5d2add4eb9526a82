"""Training Transformer language models on a text file: `tglm train gpt` and `tglm train mlm`.

    tglm train gpt --preset nanogpt-cpu          # nanoGPT's CPU shakespeare-char example: val ~1.90, ~2 min
    tglm train gpt --data data/tiny_shakespeare/input.txt --tokenizer bpe --vocab-size 1024 ...
    tglm train mlm --preset shakespeare-char     # a BERT-style masked LM
    tglm generate --checkpoint runs/gpt/best.safetensors --prompt "ROMEO:"

The recipe (nanoGPT's train.py): the text -> a tokenizer trained on it (characters or byte-level
BPE) -> one id array, the last val_fraction held out -> random windows of block_size tokens
(datasets/lm_batches.random_windows) -> forward -> cross-entropy -> backward -> clip -> AdamW
with warmup + cosine decay (optim.cosine_warmup_lr). The loop, evaluation cadence, checkpoints
and resume are training/loop.py's; this file supplies the batches and the loss estimates. The
masked LM differs only in its batches (mask_tokens on each window) and in its loss (masked
positions only). Evaluation uses the same fixed batches every time, so numbers are comparable.
At the end of a GPT run, result.json holds the best checkpoint's loss on the WHOLE validation split.
--resume (both commands) continues a run from its last.safetensors with the run's recorded settings
(training/resume.py; the command line applies them to args before calling train_gpt / train_mlm).

Legend: B batch, T block size (context), V vocabulary.
Does not handle: gradient accumulation, multiple data files (see training/pretrain.py for a corpus
of documents), mixed precision.
"""
import os

import numpy as np

from ..checkpoints.checkpoint import load_checkpoint, read_checkpoint
from ..datasets.lm_batches import random_windows, train_val_split
from ..generation.decoding import generate
from ..models import GPT, GPTConfig, MaskedLM, mask_tokens
from ..optim import cosine_warmup_lr
from ..random import manual_seed
from ..tensor import no_grad
from ..tokenizers import from_config as tokenizer_from_config, train_tokenizer
from .loop import Run, fit
from .resume import COMMANDS, checkpoint_kind, read_resume

# Presets carry the result they should reach (nanoGPT habit). Times: this 2-core CPU.
GPT_PRESETS = {
    # nanoGPT README, "I only have a macbook": shakespeare_char, CPU -> val loss ~1.88 in ~3 min. Here (and in
    # a PyTorch replica of the recipe) 1.90 +- 0.01 on the whole validation split, ~2 min on 2 cores.
    "nanogpt-cpu": dict(tokenizer="char", n_layer=4, n_head=4, n_embd=128, block_size=64, batch_size=12,
                        max_iters=2000, lr=1e-3, min_lr=1e-4, lr_decay_iters=2000, warmup_iters=100,
                        dropout=0.0, bias=False, eval_every=250, eval_iters=20, weight_decay=0.1),
    # A bigger model for a ~15 minute run on 2 cores (~0.33 s/step): val 1.575 on the whole split.
    "shakespeare-15min": dict(tokenizer="char", n_layer=6, n_head=6, n_embd=192, block_size=128, batch_size=16,
                              max_iters=2500, lr=2e-3, min_lr=2e-4, lr_decay_iters=2500, warmup_iters=100,
                              dropout=0.1, eval_every=250, eval_iters=20, weight_decay=0.1),
    # Seconds, for smoke tests and `tglm demo --train` (2 layers x 64 channels: a few seconds per 100 steps).
    "tiny": dict(tokenizer="char", n_layer=2, n_head=2, n_embd=64, block_size=32, batch_size=16,
                 max_iters=200, lr=3e-3, min_lr=3e-4, lr_decay_iters=200, warmup_iters=20,
                 dropout=0.0, eval_every=100, eval_iters=5, weight_decay=0.1),
}

MLM_PRESETS = {
    # Measured: val MLM loss 1.99 (masked positions only) after 1500 steps, 115 s on the 2-core CPU;
    # fill-mask gets "b[MASK]" -> "be" and "Wh[MASK]t" -> "What". lr 1e-3 stays on the unigram
    # plateau (val 3.0) for 800+ steps: a masked position must learn to attend to its neighbours.
    "shakespeare-char": dict(tokenizer="char", n_layer=2, n_head=2, n_embd=64, block_size=32, batch_size=32,
                             max_iters=1500, lr=3e-3, min_lr=3e-4, warmup_iters=100, dropout=0.0,
                             eval_every=250, eval_iters=10, weight_decay=0.1),
    # Seconds, for smoke tests.
    "tiny": dict(tokenizer="char", n_layer=2, n_head=2, n_embd=64, block_size=32, batch_size=16,
                 max_iters=200, lr=3e-3, min_lr=3e-4, warmup_iters=20, dropout=0.0,
                 eval_every=100, eval_iters=5, weight_decay=0.1),
}


# ---- batches and loss estimates ---------------------------------------------------------------------
def masked_windows(ids, batch_size, block_size, rng, mask_id, vocab_size, mask_prob):
    """Random windows with BERT's masking applied: inputs, targets each (B, T) (targets -100 where unpicked).
    A batch in which no position was picked (a small mask_prob * B * T) is drawn again: its loss would
    be 0 / 0, reported as 0.0 (a perfect score that is not one)."""
    if not 0.0 < mask_prob <= 1.0:
        raise ValueError(f"--mask-prob must be in (0, 1], the fraction of positions the loss is computed on; "
                         f"got {mask_prob}")
    for _ in range(100):
        x, _ = random_windows(ids, batch_size, block_size, rng)                        # (B, T)
        inputs, targets = mask_tokens(x, mask_id, vocab_size, rng, mask_prob)
        if (targets >= 0).any():
            return inputs, targets
    raise ValueError(f"--mask-prob {mask_prob} picked no position in 100 batches of {batch_size}x{block_size}: "
                     f"use a larger --mask-prob, --batch-size or --block-size")


@no_grad()
def estimate_loss(model, splits: dict, batches, eval_iters: int, seed: int = 1234) -> dict:
    """Mean loss over the same eval_iters batches of each split (fixed seed), in eval mode.
    batches(ids, rng) -> (x, y)."""
    was = model.training
    model.eval()
    out = {}
    for name, ids in splits.items():
        rng = np.random.default_rng(seed)
        out[name] = float(np.mean([model(*batches(ids, rng))[1].item() for _ in range(eval_iters)]))
    model.train(was)
    return out


@no_grad()
def split_loss(model, ids, block_size, batch_size=64):
    """Mean loss over the WHOLE split, cut into consecutive non-overlapping windows of block_size
    (the last partial window dropped): the exact number that estimate_loss's random batches
    approximate (on tiny Shakespeare's 111k validation chars, 20 batches of 12 x 64 scatter by ~0.02)."""
    was = model.training
    model.eval()
    n_win = (len(ids) - 1) // block_size
    x_all = np.asarray(ids[:n_win * block_size], dtype=np.int64).reshape(n_win, block_size)        # (N, T)
    y_all = np.asarray(ids[1:n_win * block_size + 1], dtype=np.int64).reshape(n_win, block_size)   # (N, T)
    total = 0.0
    for i in range(0, n_win, batch_size):
        total += model(x_all[i:i + batch_size], y_all[i:i + batch_size])[1].item() * len(x_all[i:i + batch_size])
    model.train(was)
    return total / n_win


def fit_lm(run: Run, train_ids, val_ids, *, batch_size, block_size, max_iters, lr, min_lr, warmup_iters,
           clip, eval_every, eval_iters, seed, lr_decay_iters=None, budget_s=None, batches=None, on_eval=None):
    """The random-window LM loop shared by train gpt / train mlm / pretrain (and the week-4 fine-tune).
    budget_s: a wall-clock budget in seconds; the schedule then runs on progress = max(steps, seconds)."""
    batches = batches or (lambda ids, rng: random_windows(ids, batch_size, block_size, rng))
    data_rng = np.random.default_rng(seed)
    if "data_rng" in run.state:                                          # an exact resume
        data_rng.bit_generator.state = run.state["data_rng"]
    decay = lr_decay_iters or max_iters

    def next_loss():
        x, y = batches(train_ids, data_rng)                              # (B, T), (B, T)
        return run.model(x, y)[1], x.size

    def progress(step, seconds):
        return max(step / max_iters, seconds / budget_s if budget_s else 0.0)

    def lr_at(step, p):
        return cosine_warmup_lr(step, lr, warmup_iters, max(decay, warmup_iters), min_lr,
                                progress=p if budget_s else None)

    return fit(run, next_loss=next_loss, lr_at=lr_at, progress=progress, eval_every=eval_every, clip=clip,
               evaluate=lambda: estimate_loss(run.model, {"train": train_ids, "val": val_ids}, batches, eval_iters),
               total_steps=max_iters, save_state=lambda: {"data_rng": data_rng.bit_generator.state},
               on_eval=on_eval)


# ---- the two commands ---------------------------------------------------------------------------------
def _data_and_tokenizer(args, ckpt_config=None):
    """(text, tokenizer, ids as uint16/int32) for args.data; the checkpoint's tokenizer on --resume."""
    with open(args.data, encoding="utf-8") as f:
        text = f.read()
    tok = tokenizer_from_config(ckpt_config["tokenizer"]) if ckpt_config else \
        train_tokenizer(args.tokenizer, text, args.vocab_size)
    try:
        ids = np.asarray(tok.encode(text), dtype=np.int32)
    except ValueError as e:                               # the checkpoint's char tokenizer meets a new character
        if not ckpt_config:
            raise
        raise ValueError(f"--data {args.data} does not fit the vocabulary of --resume {args.resume}: {e}") from None
    return text, tok, ids.astype(np.uint16) if tok.vocab_size <= 65535 else ids


def _prompt_ids(tok, text):
    """The ids of the end-of-run sample's prompt (ValueError naming --sample-prompt if it cannot be encoded)."""
    try:
        return [int(i) for i in tok.encode(text)] or [0]                    # CharTokenizer gives an array
    except ValueError as e:
        raise ValueError(f"--sample-prompt {text!r}: {e}") from None


def _split(ids, args, block_size):
    """train_val_split with room for one window of block_size + 2 tokens in each part."""
    return train_val_split(ids, args.val_fraction, min_len=block_size + 2, unit="tokens", window="--block-size")


def fit_gpt(args, model_cls=GPT, name="GPT"):
    """Tokenizer, split, model_cls(config), AdamW, fit_lm and the whole-split score: `tglm train gpt`'s run.

    model_cls: GPT, or a subclass with the same parameters (the week 4 project passes OwnGPT, whose
    forward is the learner's code). -> (model, tok, run), the model holding the best checkpoint when
    args.full_eval is set, else the last step's weights."""
    manual_seed(args.seed)
    cfg = read_resume(args.resume, "gpt")["config"] if args.resume else None
    _, tok, ids = _data_and_tokenizer(args, cfg)
    if cfg is None:
        model_cfg = GPTConfig(vocab_size=tok.vocab_size, block_size=args.block_size, n_layer=args.n_layer,
                              n_head=args.n_head, n_embd=args.n_embd, dropout=args.dropout, bias=args.bias)
        cfg = {"model": model_cfg.to_dict(), "tokenizer": tok.to_config()}
    cfg["train"] = vars(args).copy()                                     # this run's settings, for the next --resume
    train_ids, val_ids = _split(ids, args, cfg["model"]["block_size"])  # nanoGPT: the last 10% is val
    if args.sample_tokens:
        _prompt_ids(tok, args.sample_prompt)                            # fail now, not after training
    model = model_cls(GPTConfig(**cfg["model"]))
    opt = model.configure_optimizers(args.weight_decay, args.lr, (0.9, 0.99 if args.tokenizer == "char" else 0.95))
    run = Run(args.out, model, opt, cfg, title=f"{name} on {os.path.basename(args.data)}")
    if args.resume:
        run.resume(args.resume)
        print(f"resumed {args.resume}: step {run.step}, best val {run.best:.4f}")
    T, B = cfg["model"]["block_size"], args.batch_size
    print(f"{name}: {model.num_parameters():,} parameters (non-embedding), vocab {tok.vocab_size}, "
          f"train {len(train_ids):,} tokens, val {len(val_ids):,} tokens, batch {B}x{T}")
    elapsed = fit_lm(run, train_ids, val_ids, batch_size=B, block_size=T, max_iters=args.max_iters, lr=args.lr,
                     min_lr=args.min_lr, warmup_iters=args.warmup_iters, lr_decay_iters=args.lr_decay_iters,
                     clip=args.clip, eval_every=args.eval_every, eval_iters=args.eval_iters, seed=args.seed)
    print(f"done: {run.step} steps in {elapsed:.0f}s, best val loss {run.best:.4f}; "
          f"checkpoint {run.path('best.safetensors')}, curve {run.path('loss.svg')}")
    if args.full_eval:                    # the number to quote; also saved in result.json
        best = run.best_checkpoint()      # resumed into a new --out without improving: the old run's best, or last
        load_checkpoint(best, model, restore_rng=False)
        whole = split_loss(model, val_ids, T)
        run.finish({"steps": run.step, "elapsed": round(elapsed, 1), "best_val_loss": run.best,
                    "best_val_loss_whole_split": whole, "checkpoint": best})
        which = "best checkpoint" if best == run.path("best.safetensors") else best
        print(f"{which} on the whole validation split ({len(val_ids):,} tokens, windows of {T}): "
              f"val loss {whole:.4f}")
    return model, tok, run


def train_gpt(args) -> int:
    """`tglm train gpt` with parsed options (cli/train.py): fit_gpt, then a sample."""
    model, tok, _ = fit_gpt(args)
    if args.sample_tokens:
        prompt = _prompt_ids(tok, args.sample_prompt)
        out = generate(model, prompt, args.sample_tokens, temperature=0.8, top_k=40, rng=np.random.default_rng(0))
        print("---- sample ----\n" + args.sample_prompt + tok.decode(out.tolist()) + "\n----------------")
    return 0


def train_mlm(args) -> int:
    """`tglm train mlm` with parsed options (cli/train.py)."""
    manual_seed(args.seed)
    cfg = read_resume(args.resume, "mlm")["config"] if getattr(args, "resume", None) else None
    _, tok, ids = _data_and_tokenizer(args, cfg)
    if cfg is None:
        model_cfg = GPTConfig(vocab_size=tok.vocab_size + 1, block_size=args.block_size, n_layer=args.n_layer,
                              n_head=args.n_head, n_embd=args.n_embd, dropout=args.dropout, bias=args.bias)
        cfg = {"model": model_cfg.to_dict(), "tokenizer": tok.to_config(), "mask_id": tok.vocab_size,
               "kind": "mlm"}                                             # [MASK]: one extra id, the last one
    cfg["train"] = vars(args).copy()
    model_cfg, mask_id = GPTConfig(**cfg["model"]), int(cfg["mask_id"])
    train_ids, val_ids = _split(ids, args, model_cfg.block_size)
    model = MaskedLM(model_cfg)
    opt = model.configure_optimizers(args.weight_decay, args.lr, (0.9, 0.99))
    run = Run(args.out, model, opt, cfg, title=f"masked LM on {os.path.basename(args.data)}")
    if getattr(args, "resume", None):
        run.resume(args.resume)
        print(f"resumed {args.resume}: step {run.step}, best val {run.best:.4f}")
    B, T, V = args.batch_size, model_cfg.block_size, model_cfg.vocab_size
    print(f"MaskedLM: {model.num_parameters():,} parameters (non-embedding), vocab {V} ([MASK] = {mask_id}), "
          f"train {len(train_ids):,} tokens, val {len(val_ids):,} tokens, batch {B}x{T}, mask prob {args.mask_prob}")
    elapsed = fit_lm(run, train_ids, val_ids, batch_size=B, block_size=T, max_iters=args.max_iters, lr=args.lr,
                     min_lr=args.min_lr, warmup_iters=args.warmup_iters, clip=args.clip,
                     eval_every=args.eval_every, eval_iters=args.eval_iters, seed=args.seed,
                     batches=lambda d, rng: masked_windows(d, B, T, rng, mask_id, V, args.mask_prob))
    print(f"done: {run.step} steps in {elapsed:.0f}s, best val MLM loss {run.best:.4f} "
          f"(on masked positions); checkpoint {run.path('best.safetensors')}")
    return 0


# ---- loading what these commands wrote ----------------------------------------------------------------
def _found(kind):
    return f"a checkpoint of `{COMMANDS[kind]}`" if kind else "not a checkpoint of a tglm training run"


def load_gpt(path):
    """(model in eval mode, tokenizer, config dict) from a `tglm train gpt` checkpoint."""
    cfg = read_checkpoint(path)["config"]
    kind = checkpoint_kind(cfg)
    if kind not in ("gpt", "pretrain"):
        raise ValueError(f"{path}: {_found(kind)}, not a GPT one written by `tglm train gpt` or `tglm pretrain` "
                         f"(masked LMs: `tglm fill-mask`; char-lstm: `tglm sample`)")
    model = GPT(GPTConfig(**cfg["model"]))
    load_checkpoint(path, model, restore_rng=False)
    model.eval()
    return model, tokenizer_from_config(cfg["tokenizer"]), cfg


def load_mlm(path):
    """(model in eval mode, base tokenizer, mask_id) from a checkpoint written by `tglm train mlm`."""
    cfg = read_checkpoint(path)["config"]
    kind = checkpoint_kind(cfg)
    if kind != "mlm":
        raise ValueError(f"{path}: {_found(kind)}, not a masked-LM one (written by `tglm train mlm`); for GPT "
                         f"checkpoints use `tglm generate`, for char-lstm `tglm sample`")
    model = MaskedLM(GPTConfig(**cfg["model"]))
    load_checkpoint(path, model, restore_rng=False)
    model.eval()
    return model, tokenizer_from_config(cfg["tokenizer"]), int(cfg["mask_id"])
