"""Week 8 project: supervised fine-tuning of course-base-8m into a chat model (full fine-tuning or LoRA).

Run (1 thread, background, ~25 min each; numbers in exercises/week8/README.md):
    python -m solutions.week8.sft --eval-only --json runs/sft/base.json          # "before": the base model + template
    python -m solutions.week8.sft --mode full --out runs/sft/full --budget-min 22
    python -m solutions.week8.sft --mode lora --out runs/sft/lora --budget-min 22
    python -m solutions.week8.sft --eval-only --model runs/sft/full/export --json runs/sft/full/heldout.json
    python -m solutions.week8.sft --export runs/sft/full/best.safetensors --mode full --to data/pretrained/course-assistant-8m

What it does: course-base-8m (6.9M parameters, context 256) gets the ChatML tokens <|im_start|> / <|im_end|>
(tokenizers/chat.py; their embedding rows start at the mean embedding), then trains on the SFT mix of
datasets/chat_sft.py with the loss on assistant tokens only (training/sft.py: masked targets, conversations fit
into the context by splitting between turns, first-fit-decreasing packing), through the shared loop
(training/loop.py: cosine schedule, evaluation, best/last checkpoints, history, loss.svg).

  --mode full   every weight trains (AdamW, weight decay 0.1 on matrices)
  --mode lora   LoRA r=16, alpha=32 on every Linear (attention and MLP), the rest frozen, plus the two new
                token rows of the embedding (the only embedding rows that learn; see training/sft.py)

Mix (one pass = an "epoch" of the packed rows, reshuffled each pass): all instruction-data train examples, all
usable DailyDialog validation dialogues (as user A / assistant B), the course-assistant train questions (grounded
and plain, repeated --course-repeat times) and --dolly Dolly rows (a seeded sample: Dolly's long answers would
otherwise be 2/3 of the tokens). Validation (the loop's "val" loss, used to keep the best checkpoint): the
assistant-token loss on the "val" split of every source.
Held-out report (before and after): assistant-token perplexity on the instruction-data test split (110), the first
--dd-test DailyDialog TEST dialogues (default the first 300 of 1,000: the machine is shared) and the course-assistant test set.
"""
import argparse
import json
import math
import os
import sys
import time

import numpy as np

from tinygrad_lm import nn
from tinygrad_lm.nn.lora import lora_layers
from tinygrad_lm.checkpoints.checkpoint import load_checkpoint
from tinygrad_lm.datasets.chat_sft import SOURCES, source_conversations
from tinygrad_lm.models.gpt import GPT
from tinygrad_lm.models.gpt2_hf import save_pretrained
from tinygrad_lm.optim import cosine_warmup_lr
from tinygrad_lm.tokenizers.chat import IM_END, IM_START, render_conversation
from tinygrad_lm.training.loop import Run, fit, prepare_out_dir, write_json
from tinygrad_lm.training.sft import (chat_model, fit_conversation, masked_nll, pack, pad,
                                      train_new_rows_only)

BASE = "course-base-8m"
LORA_PATTERNS = ("attn.c_attn", "attn.c_proj", "mlp.c_fc", "mlp.c_proj")


def counter(tok):
    return lambda conv: len(render_conversation(tok, conv)[0])


def examples_of(tok, convs, block_size):
    return [e for c in convs for e in fit_conversation(tok, c, block_size)]


def heldout_sets(tok, block_size, dd_test=300):
    """{name: [(ids, mask), ...]} of the held-out sets (empty sets left out)."""
    sets = {"instructions test": source_conversations("instructions", "test"),
            "dailydialog test": source_conversations("dailydialog", "test")[:dd_test],
            "course-assistant test": source_conversations("course", "test", counter(tok))}
    return {k: examples_of(tok, v, block_size) for k, v in sets.items() if v}


def heldout_report(model, sets, pad_id) -> dict:
    out = {}
    for name, ex in sets.items():
        t0 = time.perf_counter()
        nll, n = masked_nll(model, ex, pad_id=pad_id)
        out[name] = {"conversations_or_pieces": len(ex), "assistant_tokens": n, "nll": nll / n,
                     "ppl": math.exp(nll / n), "seconds": round(time.perf_counter() - t0, 1)}
        print(f"  {name:24s} {len(ex):5d} pieces {n:7d} assistant tokens  ppl {math.exp(nll / n):8.2f}", flush=True)
    return out


def build_model(mode, name=BASE, rank=16, alpha=32):
    model, tok, info = chat_model(name)
    first_new = tok.special_tokens[IM_START]
    if mode == "lora":
        nn.apply_lora(model, patterns=LORA_PATTERNS, r=rank, alpha=alpha)
    return model, tok, info, first_new


def training_mix(tok, block_size, dolly, course_repeat, seed):
    rng = np.random.default_rng(seed)
    convs = {s: source_conversations(s, "train", counter(tok)) for s in SOURCES}
    if dolly is not None and dolly < len(convs["dolly"]):
        idx = np.sort(rng.choice(len(convs["dolly"]), size=dolly, replace=False))
        convs["dolly"] = [convs["dolly"][i] for i in idx]
    convs["course"] = convs["course"] * course_repeat
    ex = {s: examples_of(tok, c, block_size) for s, c in convs.items()}
    counts = {s: {"conversations": len(convs[s]), "pieces": len(ex[s]),
                  "tokens": int(sum(len(i) for i, _ in ex[s])),
                  "assistant_tokens": int(sum(int(m.sum()) for _, m in ex[s]))} for s in SOURCES}
    return [e for s in SOURCES for e in ex[s]], counts


def export(model, tok, dest, meta: dict):
    """Merged float16 weights in the Hugging Face GPT-2 layout + the tokenizer with the chat tokens."""
    if lora_layers(model):                       # W += B A alpha / r, then a plain GPT with those weights
        nn.merge_lora(model)
        plain = GPT(model.config)
        plain.load_state_dict({k: v for k, v in model.state_dict().items()
                               if k.rpartition(".")[2] not in ("lora_A", "lora_B")})
        model = plain
    eos = tok.special_tokens[IM_END]
    extra = {"tglm": {"tokenizer": "tokenizer.bpe", "lowercase": False, "eot": IM_END, "eos_token_id": eos,
                      "chat_template": "chatml", "im_start_id": tok.special_tokens[IM_START], "im_end_id": eos,
                      "endoftext_id": tok.special_tokens.get("<|endoftext|>"), **meta},
             "bos_token_id": tok.special_tokens.get("<|endoftext|>"), "eos_token_id": eos}
    save_pretrained(model, dest, dtype=np.float16, extra_config=extra)
    tok.save(os.path.join(dest, "tokenizer.bpe"))
    return dest


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--mode", choices=("full", "lora"), default="full")
    ap.add_argument("--model", default=BASE, help="starting model (or, with --eval-only, the model to score)")
    ap.add_argument("--out", default="runs/sft/full")
    ap.add_argument("--overwrite", action="store_true")
    ap.add_argument("--budget-min", type=float, default=22.0, help="wall-clock training budget (minutes)")
    ap.add_argument("--max-steps", type=int, default=2000)
    ap.add_argument("--batch", type=int, default=4, help="packed rows of 256 tokens per step")
    ap.add_argument("--lr", type=float, default=None, help="default: 3e-4 full, 2e-3 LoRA")
    ap.add_argument("--warmup", type=int, default=20)
    ap.add_argument("--rank", type=int, default=16)
    ap.add_argument("--dolly", type=int, default=1500, help="Dolly conversations in the mix (seeded sample)")
    ap.add_argument("--course-repeat", type=int, default=3)
    ap.add_argument("--packing", choices=("pack", "pad"), default="pack")
    ap.add_argument("--eval-every", type=int, default=40)
    ap.add_argument("--dd-test", type=int, default=300, help="DailyDialog test dialogues in the held-out report")
    ap.add_argument("--seed", type=int, default=1337)
    ap.add_argument("--eval-only", action="store_true", help="only the held-out report of --model")
    ap.add_argument("--json", default=None, help="where to write the held-out report (--eval-only)")
    ap.add_argument("--export", default=None, metavar="CKPT", help="export a checkpoint of this script")
    ap.add_argument("--to", default=None, help="export destination directory")
    args = ap.parse_args(argv)

    if args.eval_only:
        model, tok, info = chat_model(args.model)
        B = model.config.block_size
        print(f"held-out assistant-token perplexity of {args.model} (chat template):", flush=True)
        rep = heldout_report(model, heldout_sets(tok, B, args.dd_test), tok.special_tokens[IM_END])
        if args.json:
            os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
            write_json(args.json, {"model": args.model, "dd_test": args.dd_test, "heldout": rep})
        return rep

    if args.export:
        model, tok, _, _ = build_model(args.mode, rank=args.rank, alpha=2 * args.rank)
        info = load_checkpoint(args.export, model, restore_rng=False)
        meta = {"base_model": BASE, "sft_mode": args.mode, "trained_steps": int(info["step"]),
                "val_loss": float(info["metadata"].get("val_loss", "nan"))}
        dest = export(model, tok, args.to, meta)
        print(f"exported {args.export} -> {dest}")
        return dest

    np.random.seed(args.seed)
    lr = args.lr or (3e-4 if args.mode == "full" else 2e-3)
    prepare_out_dir(args.out, overwrite=args.overwrite)
    model, tok, info, first_new = build_model(args.mode, args.model, args.rank, 2 * args.rank)
    block = model.config.block_size
    pad_id = tok.special_tokens[IM_END]
    train_ex, counts = training_mix(tok, block, args.dolly, args.course_repeat, args.seed)
    X, Y = (pack if args.packing == "pack" else pad)(train_ex, block, pad_id)       # (N, T)
    val_ex = [e for s in SOURCES for e in examples_of(tok, source_conversations(s, "val", counter(tok)), block)]
    used = int((Y != -100).sum())
    print(f"mix: {json.dumps(counts)}", flush=True)
    print(f"{len(train_ex)} pieces -> {len(X)} {args.packing}ed rows of {block}; assistant targets {used:,} "
          f"({used / X.size:.0%} of positions); val pieces {len(val_ex)}", flush=True)

    if args.mode == "full":
        opt = model.configure_optimizers(weight_decay=0.1, learning_rate=lr)
    else:
        opt = train_new_rows_only(model, nn.trainable_parameters(model), first_new, lr=lr)
    trainable = sum(p.size for p in model.parameters() if p.requires_grad)
    n_new = model.config.vocab_size - first_new
    print(f"mode {args.mode}: {trainable:,} trainable parameters"
          f"{f' (LoRA + the embedding tensor, of which only {n_new} rows = {n_new * model.config.n_embd} values learn)' if args.mode == 'lora' else ''}",
          flush=True)

    config = {"kind": "sft", "base": args.model, "mode": args.mode, "lr": lr, "batch": args.batch,
              "rank": args.rank, "lora_patterns": list(LORA_PATTERNS), "mix": counts, "packing": args.packing,
              "model": {k: getattr(model.config, k) for k in ("vocab_size", "block_size", "n_layer", "n_head",
                                                               "n_embd")}}
    run = Run(args.out, model, opt, config, title=f"SFT {args.mode} of {args.model}")
    rng = np.random.default_rng(args.seed)
    order, pos = rng.permutation(len(X)), [0]
    budget = args.budget_min * 60.0
    model.train()

    def next_loss():
        nonlocal order
        if pos[0] + args.batch > len(order):
            order, pos[0] = rng.permutation(len(X)), 0
        idx = order[pos[0]:pos[0] + args.batch]
        pos[0] += args.batch
        _, loss = model(X[idx], Y[idx])
        return loss, int((Y[idx] != -100).sum())

    def evaluate():
        nll, n = masked_nll(model, val_ex, pad_id=pad_id)
        model.train()
        return {"val": nll / n}

    progress = lambda step, sec: max(step / args.max_steps, sec / budget)     # noqa: E731
    lr_at = lambda step, p: cosine_warmup_lr(step, lr, min(args.warmup, args.max_steps), args.max_steps, lr / 10, progress=p)  # noqa
    t0 = time.perf_counter()
    seconds = fit(run, next_loss=next_loss, lr_at=lr_at, progress=progress, evaluate=evaluate,
                  eval_every=args.eval_every, clip=1.0, total_steps=args.max_steps, unit="asst_tok")
    epochs = run.step * args.batch / len(X)
    load_checkpoint(run.best_checkpoint(), model, restore_rng=False)
    print(f"trained {run.step} steps ({epochs:.2f} passes over the packed mix) in {seconds / 60:.1f} min; "
          f"best val {run.best:.4f}; held-out with the best checkpoint:", flush=True)
    rep = heldout_report(model, heldout_sets(tok, block, args.dd_test), pad_id)
    run.finish({"mode": args.mode, "steps": run.step, "passes": epochs, "seconds": seconds,
                "wall_seconds": time.perf_counter() - t0, "best_val": run.best, "trainable": trainable,
                "heldout": rep, "dd_test": args.dd_test})
    export(model, tok, os.path.join(args.out, "export"),
           {"base_model": args.model, "sft_mode": args.mode, "trained_steps": run.step, "val_loss": run.best})
    print(f"exported the best checkpoint (merged, float16) to {os.path.join(args.out, 'export')}")
    return rep


if __name__ == "__main__":
    sys.exit(0 if main() is not None else 1)
