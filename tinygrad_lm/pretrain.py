"""Pretraining a small story model from scratch: `tglm pretrain`.

    tglm pretrain                                   # tinygrad_lm/configs/pretrain_stories.json, ~50 min
    tglm pretrain --budget-min 3 --out runs/pretrain_quick          # a 3-minute version of the same run
    tglm pretrain --export runs/pretrain/best.safetensors           # -> data/pretrained/<name>/
    tglm pretrain --evaluate tinystories-3m                         # held-out perplexity + samples
    tglm generate --model tinystories-3m --prompt "Once upon a time"

The recipe (the shipped `tinystories-3m` model was made with exactly this):
1. corpus: TinyStories stories (one per document) + three Gutenberg children's books, lowercased
   (the TinyStories file we can ship is lowercase, so the whole model is); the last `val_stories`
   stories are held out for validation. Documents are joined with <|endoftext|>.
2. tokenizer: a byte-level BPE with vocab_size - 1 tokens trained on the training documents, then
   <|endoftext|> registered as the last id.
3. model: a GPT-2-shaped GPT (models/gpt.py) of a few million parameters.
4. loop: random windows, AdamW, gradient clipping, warmup then cosine decay. The schedule runs on
   *progress* = max(step / max_iters, elapsed / budget), so a wall-clock budget ends the run with a
   fully decayed learning rate however fast the machine is. Checkpoints (last + best, with the
   tokenizer and config inside) every eval_every steps, so a partial run is usable.
5. export: the best checkpoint -> Hugging Face GPT-2 layout (config.json + model.safetensors, float16)
   + tokenizer.bpe, loadable with `GPT.from_pretrained` / `tglm generate --model`.

Legend: B batch, T block size, V vocabulary.
Does not handle: multiple processes, gradient accumulation, mixed precision training, data larger
than memory (the whole corpus is one uint16 array).
"""
import argparse
import json
import math
import os
import re
import sys
import time

import numpy as np

from .checkpoint import load_checkpoint, read_checkpoint, save_checkpoint
from .models.gpt import GPT, GPTConfig
from .random import manual_seed
from .train_gpt import estimate_loss, get_batch, tokenizer_from_config, tokenizer_to_config, train_step

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
DEFAULT_CONFIG = os.path.join(HERE, "configs", "pretrain_stories.json")
EOT = "<|endoftext|>"


def _path(p):
    """A data path from the config: relative to the working directory, else to the repository."""
    return p if os.path.isabs(p) or os.path.exists(p) else os.path.join(REPO, p)


def split_stories(text: str) -> list:
    """TinyStories file -> stories. A story ends with one newline; paragraphs inside are '\\n\\n'."""
    return [s.strip() for s in re.split(r"(?<!\n)\n(?!\n)", text) if s.strip()]


def load_corpus(cfg: dict):
    """-> (train_docs, val_docs) lists of str, lowercased if cfg["lowercase"].
    cfg["data"]["builder"] = "course_base" hands the whole job to tinygrad_lm/datasets/course_base.py
    (any datasets/<builder>.py with a load_corpus(cfg) -> (train_docs, val_docs))."""
    d = cfg["data"]
    if d.get("builder"):
        import importlib
        return importlib.import_module(f".datasets.{d['builder']}", __package__).load_corpus(cfg)
    stories = split_stories(open(_path(d["tinystories"]), encoding="utf-8").read())
    n_val = int(d["val_stories"])
    if n_val >= len(stories):
        raise ValueError(f"val_stories={n_val} but the file has only {len(stories)} stories")
    train_docs, val_docs = stories[:-n_val], stories[-n_val:]
    for p in d.get("gutenberg", []):
        train_docs.append(open(_path(p), encoding="utf-8").read().strip())
    if cfg.get("lowercase"):
        train_docs = [t.lower() for t in train_docs]
        val_docs = [t.lower() for t in val_docs]
    return train_docs, val_docs


def build_tokenizer(train_docs, vocab_size: int, eot: str = EOT):
    """A byte-level BPE of vocab_size ids: vocab_size - 1 learned tokens + eot as the last id."""
    from .tokenizers import ByteLevelBPE
    tok = ByteLevelBPE.train("\n\n".join(train_docs), vocab_size - 1)
    tok.register_special_tokens({eot: tok.vocab_size})
    return tok


def encode_docs(tok, docs, eot: str = EOT) -> np.ndarray:
    """Documents joined (and ended) by eot -> one uint16 id array."""
    eot_id = tok.special_tokens[eot]
    out = []
    for ids in tok.encode_batch(docs):
        out.extend(ids)
        out.append(eot_id)
    return np.asarray(out, dtype=np.uint16 if tok.vocab_size <= 65535 else np.int32)


def lr_at(step, progress, t):
    """Linear warmup over warmup_iters steps, then cosine from lr to min_lr over progress in [0, 1]."""
    if step < t["warmup_iters"]:
        return t["lr"] * (step + 1) / (t["warmup_iters"] + 1)
    return t["min_lr"] + 0.5 * (1.0 + math.cos(math.pi * min(1.0, progress))) * (t["lr"] - t["min_lr"])


def pretrain(cfg: dict, out: str, resume: str = None) -> int:
    from tqdm import tqdm
    t, m = cfg["train"], cfg["model"]
    manual_seed(t["seed"])
    t0 = time.perf_counter()
    train_docs, val_docs = load_corpus(cfg)
    if resume:
        ckpt = read_checkpoint(resume)
        tok = tokenizer_from_config(ckpt["config"]["tokenizer"])
    else:
        tok = build_tokenizer(train_docs, cfg["tokenizer"]["vocab_size"], cfg["tokenizer"]["eot"])
        print(f"trained a byte-level BPE with {tok.vocab_size} tokens in {time.perf_counter() - t0:.0f}s")
    train_ids, val_ids = encode_docs(tok, train_docs), encode_docs(tok, val_docs)
    print(f"corpus: {len(train_docs):,} train docs = {len(train_ids):,} tokens; {len(val_docs)} held-out "
          f"stories = {len(val_ids):,} tokens ({time.perf_counter() - t0:.0f}s)")
    model_cfg = GPTConfig(vocab_size=tok.vocab_size, **m)
    run_cfg = {"model": model_cfg.to_dict(), "tokenizer": tokenizer_to_config(tok), "pretrain": cfg,
               "lowercase": bool(cfg.get("lowercase")), "eot": cfg["tokenizer"]["eot"]}
    model = GPT(model_cfg)
    opt = model.configure_optimizers(t["weight_decay"], t["lr"], tuple(t["betas"]))
    data_rng = np.random.default_rng(t["seed"])
    step, best, elapsed0, history = 0, float("inf"), 0.0, []
    if resume:
        info = load_checkpoint(resume, model, opt)
        step, meta = info["step"], info["metadata"]
        best, elapsed0 = float(meta["best_val_loss"]), float(meta["elapsed"])
        data_rng.bit_generator.state = json.loads(meta["data_rng"])
        history = json.loads(meta["history"])
        print(f"resumed {resume}: step {step}, {elapsed0:.0f}s, best val {best:.4f}")
    os.makedirs(out, exist_ok=True)
    B, T = t["batch_size"], m["block_size"]
    budget = 60.0 * t["budget_min"]
    n_all = model.num_parameters(non_embedding=False)
    print(f"GPT: {n_all:,} parameters ({model.num_parameters():,} without position embeddings), "
          f"batch {B}x{T}, budget {t['budget_min']} min or {t['max_iters']} steps")

    def evaluate_and_save(elapsed, lr):
        nonlocal best
        losses = estimate_loss(model, {"train": train_ids, "val": val_ids}, B, T, t["eval_iters"])
        improved = losses["val"] < best
        best = min(best, losses["val"])
        history.append({"step": step, "elapsed": round(elapsed, 1), "lr": lr, **losses})
        extra = {"best_val_loss": f"{best:.6f}", "val_loss": f"{losses['val']:.6f}", "elapsed": f"{elapsed:.1f}",
                 "data_rng": json.dumps(data_rng.bit_generator.state), "history": json.dumps(history)}
        save_checkpoint(os.path.join(out, "last.safetensors"), model, opt, step, run_cfg, extra=extra)
        if improved:
            save_checkpoint(os.path.join(out, "best.safetensors"), model, None, step, run_cfg, extra=extra)
        with open(os.path.join(out, "history.json"), "w") as f:
            json.dump(history, f, indent=1)
        return losses, improved

    start = time.perf_counter()
    bar = tqdm(total=t["max_iters"], initial=step, unit="step", dynamic_ncols=True, file=sys.stdout,
               mininterval=5.0)
    lr = t["lr"]
    while True:
        elapsed = elapsed0 + time.perf_counter() - start
        progress = max(step / t["max_iters"], elapsed / budget)
        if progress >= 1.0:
            break
        lr = lr_at(step, progress, t)
        x, y = get_batch(train_ids, B, T, data_rng)                        # (B, T), (B, T)
        loss = train_step(model, opt, x, y, lr, t["clip"])
        step += 1
        bar.update(1)
        if step % 10 == 0:
            bar.set_postfix(loss=f"{loss.item():.3f}", lr=f"{lr:.1e}", progress=f"{progress:.0%}")
        if step % t["eval_every"] == 0:
            losses, improved = evaluate_and_save(elapsed0 + time.perf_counter() - start, lr)
            bar.write(f"step {step:5d} | {elapsed:6.0f}s | lr {lr:.1e} | train {losses['train']:.4f} | "
                      f"val {losses['val']:.4f}{'  (best, saved)' if improved else ''}")
    bar.close()
    elapsed = elapsed0 + time.perf_counter() - start
    losses, _ = evaluate_and_save(elapsed, lr)
    print(f"done: {step} steps, {step * B * T:,} tokens in {elapsed:.0f}s; final val {losses['val']:.4f}, "
          f"best {best:.4f} -> {os.path.join(out, 'best.safetensors')}")
    return 0


def export(checkpoint: str, name: str, dest_root: str = None, dtype=np.float16) -> str:
    """A pretrain checkpoint -> data/pretrained/<name>/ (config.json, model.safetensors, tokenizer.bpe)."""
    from .models.gpt2_hf import save_pretrained
    ckpt = read_checkpoint(checkpoint)
    cfg = ckpt["config"]
    model = GPT(GPTConfig(**cfg["model"]))
    load_checkpoint(checkpoint, model, restore_rng=False)
    tok = tokenizer_from_config(cfg["tokenizer"])
    dest = os.path.join(dest_root or os.path.join(REPO, "data", "pretrained"), name)
    meta = ckpt["metadata"]
    extra = {"tglm": {"tokenizer": "tokenizer.bpe", "lowercase": bool(cfg.get("lowercase")),
                      "eot": cfg.get("eot", EOT), "eos_token_id": tok.special_tokens.get(cfg.get("eot", EOT)),
                      "trained_steps": int(ckpt["step"]), "train_seconds": float(meta.get("elapsed", 0)),
                      "val_loss": float(meta.get("val_loss", "nan"))}}
    eos = extra["tglm"]["eos_token_id"]
    extra.update(bos_token_id=eos, eos_token_id=eos)            # for transformers' generate()
    save_pretrained(model, dest, dtype=dtype, extra_config=extra)
    tok.save(os.path.join(dest, "tokenizer.bpe"))
    return dest


def evaluate_model(name_or_path: str, cfg: dict, block_size: int = 128, batch_size: int = 16) -> dict:
    """Loss / perplexity of a pretrained model on the held-out stories (every window, no sampling) and
    on the head of TinyStories' own validation split, plus three samples for "Once upon a time"."""
    from .decoding import generate
    from .pretrained import load
    from .tensor import no_grad
    model, tok, info = load(name_or_path)
    T = min(block_size, model.config.block_size)
    _, val_docs = load_corpus(cfg)
    valid_head = open(_path(cfg["data"]["valid_head"]), encoding="utf-8").read()
    valid_head = valid_head.lower() if info["lowercase"] else valid_head
    sets = {"held-out stories": encode_docs(tok, val_docs),
            "TinyStories validation head": np.asarray(tok.encode(valid_head), dtype=np.int64)}
    out = {}
    with no_grad():
        for name, ids in sets.items():
            n = (len(ids) - 1) // T
            win = ids[(np.arange(n) * T)[:, None] + np.arange(T + 1)].astype(np.int64)   # (n, T + 1)
            total = 0.0
            for i in range(0, n, batch_size):
                b = win[i:i + batch_size]                                             # (B, T + 1)
                total += model(b[:, :-1], b[:, 1:])[1].item() * len(b)
            loss = total / n
            out[name] = {"tokens": int(n * T), "loss": loss, "ppl": float(np.exp(loss))}
            print(f"{name:<30} {n * T:>8,} tokens  loss {loss:.4f}  perplexity {np.exp(loss):.2f}")
    prompt = "once upon a time" if info["lowercase"] else "Once upon a time"
    out["samples"] = []
    for seed in range(3):
        ids = generate(model, tok.encode(prompt), 150, temperature=0.8, top_k=40, rng=np.random.default_rng(seed),
                       stop_tokens=[info["eos_token_id"]] if info["eos_token_id"] is not None else ())
        text = prompt + tok.decode(ids.tolist()).replace(EOT, "")
        out["samples"].append(text)
        print(f"---- sample (seed {seed}, temperature 0.8, top-k 40) ----\n{text}")
    return out


def main(argv) -> int:
    p = argparse.ArgumentParser(prog="tglm pretrain", description=__doc__.split("\n\n")[0])
    p.add_argument("--config", default=DEFAULT_CONFIG, help="JSON config (default: %(default)s)")
    p.add_argument("--out", default="runs/pretrain")
    p.add_argument("--budget-min", type=float, default=None, help="override the wall-clock budget (minutes)")
    p.add_argument("--max-iters", type=int, default=None, help="override the step limit")
    p.add_argument("--resume", default=None, help="continue from a last.safetensors")
    p.add_argument("--export", default=None, metavar="CHECKPOINT",
                   help="do not train: export this checkpoint to data/pretrained/<name>/")
    p.add_argument("--name", default=None, help="model name for --export (default: the config's name)")
    p.add_argument("--dest", default=None, help="directory for --export (default: data/pretrained)")
    p.add_argument("--evaluate", default=None, metavar="MODEL",
                   help="do not train: held-out loss / perplexity and samples of a pretrained model")
    args = p.parse_args(argv)
    cfg = json.load(open(args.config, encoding="utf-8"))
    if args.evaluate:
        evaluate_model(args.evaluate, cfg)
        return 0
    if args.export:
        dest = export(args.export, args.name or cfg["name"], args.dest)
        print(f"exported {args.export} -> {dest}")
        return 0
    if args.budget_min is not None:
        cfg["train"]["budget_min"] = args.budget_min
    if args.max_iters is not None:
        cfg["train"]["max_iters"] = args.max_iters
    return pretrain(cfg, args.out, args.resume)
