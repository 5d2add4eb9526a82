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
import math
import os
import re
import time

import numpy as np

from ..checkpoints.checkpoint import load_checkpoint, read_checkpoint
from ..datasets import course_base
from ..generation.decoding import generate
from ..models.gpt import GPT, GPTConfig
from ..models.gpt2_hf import save_pretrained
from ..models.pretrained import load
from ..paths import PRETRAINED_DIR, repo_path as _path
from ..random import manual_seed
from ..tensor import no_grad
from ..tokenizers import ByteLevelBPE, from_config as tokenizer_from_config
from .lm import fit_lm
from .loop import Run
from .resume import checkpoint_kind, read_resume

CONFIG_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "configs")
DEFAULT_CONFIG = os.path.join(CONFIG_DIR, "pretrain_stories.json")
EOT = "<|endoftext|>"
BUILDERS = {"course_base": course_base.load_corpus}        # corpora that are more than stories + books


# what a config must hold: section -> keys (numbers are checked to be finite and in range)
REQUIRED = {"tokenizer": ("vocab_size", "eot"), "model": ("n_layer", "n_head", "n_embd", "block_size"),
            "train": ("batch_size", "max_iters", "budget_min", "lr", "min_lr", "warmup_iters", "weight_decay",
                      "clip", "betas", "eval_every", "eval_iters", "seed")}
POSITIVE = {"vocab_size", "n_layer", "n_head", "n_embd", "block_size", "batch_size", "max_iters", "budget_min",
            "clip", "eval_every", "eval_iters"}


def check_config(cfg, where: str = "the config") -> dict:
    """Raise ValueError naming the missing or bad entry of a pretraining config; return cfg."""
    if not isinstance(cfg, dict) or not isinstance(cfg.get("data"), dict):
        raise ValueError(f"{where}: expected a JSON object with a \"data\" section (see {DEFAULT_CONFIG})")
    for section, keys in REQUIRED.items():
        if not isinstance(cfg.get(section), dict):
            raise ValueError(f"{where}: missing section {section!r} (see {DEFAULT_CONFIG})")
        for k in keys:
            if k not in cfg[section]:
                raise ValueError(f"{where}: missing {section}.{k} (see {DEFAULT_CONFIG})")
            v = cfg[section][k]
            if k in POSITIVE and not (isinstance(v, (int, float)) and not isinstance(v, bool) and 0 < v < math.inf):
                raise ValueError(f"{where}: {section}.{k} must be a positive number, got {v!r}")
    return cfg


def split_stories(text: str) -> list:
    """TinyStories file -> stories. A story ends with one newline; paragraphs inside are '\\n\\n'."""
    return [s.strip() for s in re.split(r"(?<!\n)\n(?!\n)", text) if s.strip()]


def load_corpus(cfg: dict):
    """-> (train_docs, val_docs) lists of str, lowercased if cfg["lowercase"].
    cfg["data"]["builder"] = "course_base" hands the whole job to a corpus builder of BUILDERS
    (datasets/course_base.py: load_corpus(cfg) -> (train_docs, val_docs))."""
    d = cfg["data"]
    if d.get("builder"):
        if d["builder"] not in BUILDERS:
            raise ValueError(f"unknown corpus builder {d['builder']!r}; known: {sorted(BUILDERS)}")
        return BUILDERS[d["builder"]](cfg)
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


def pretrain(cfg: dict, out: str, resume: str = None) -> int:
    """Train the config's corpus + tokenizer + GPT into `out` (training/loop.py does the loop)."""
    t, m = cfg["train"], cfg["model"]
    manual_seed(t["seed"])
    t0 = time.perf_counter()
    train_docs, val_docs = load_corpus(cfg)
    check_config(cfg)
    if resume:
        tok = tokenizer_from_config(read_resume(resume, "pretrain")["config"]["tokenizer"])
    else:
        tok = build_tokenizer(train_docs, cfg["tokenizer"]["vocab_size"], cfg["tokenizer"]["eot"])
        print(f"trained a byte-level BPE with {tok.vocab_size} tokens in {time.perf_counter() - t0:.0f}s")
    train_ids, val_ids = encode_docs(tok, train_docs), encode_docs(tok, val_docs)
    print(f"corpus: {len(train_docs):,} train docs = {len(train_ids):,} tokens; {len(val_docs)} held-out "
          f"docs = {len(val_ids):,} tokens ({time.perf_counter() - t0:.0f}s)")
    model_cfg = GPTConfig(vocab_size=tok.vocab_size, **m)
    run_cfg = {"model": model_cfg.to_dict(), "tokenizer": tok.to_config(), "pretrain": cfg,
               "lowercase": bool(cfg.get("lowercase")), "eot": cfg["tokenizer"]["eot"]}
    model = GPT(model_cfg)
    opt = model.configure_optimizers(t["weight_decay"], t["lr"], tuple(t["betas"]))
    run = Run(out, model, opt, run_cfg, title=f"pretraining {cfg.get('name', '')}", save_best_optimizer=False)
    if resume:
        run.resume(resume)
        print(f"resumed {resume}: step {run.step}, {run.elapsed0:.0f}s, best val {run.best:.4f}")
    B, T = t["batch_size"], m["block_size"]
    print(f"GPT: {model.num_parameters(non_embedding=False):,} parameters ({model.num_parameters():,} without "
          f"position embeddings), batch {B}x{T}, budget {t['budget_min']} min or {t['max_iters']} steps")
    elapsed = fit_lm(run, train_ids, val_ids, batch_size=B, block_size=T, max_iters=t["max_iters"], lr=t["lr"],
                     min_lr=t["min_lr"], warmup_iters=t["warmup_iters"], clip=t["clip"],
                     eval_every=t["eval_every"], eval_iters=t["eval_iters"], seed=t["seed"],
                     budget_s=60.0 * t["budget_min"])
    print(f"done: {run.step} steps, {run.step * B * T:,} tokens in {elapsed:.0f}s; final val "
          f"{run.history[-1]['val_loss']:.4f}, best {run.best:.4f} -> {run.path('best.safetensors')}")
    return 0


def export(checkpoint: str, name: str, dest_root: str = None, dtype=np.float16) -> str:
    """A pretrain checkpoint -> data/pretrained/<name>/ (config.json, model.safetensors, tokenizer.bpe)."""
    ckpt = read_checkpoint(checkpoint)
    cfg = ckpt["config"]
    if checkpoint_kind(cfg) not in ("pretrain", "gpt"):
        raise ValueError(f"--export {checkpoint}: not a GPT checkpoint (written by `tglm pretrain` or `tglm train gpt`)")
    model = GPT(GPTConfig(**cfg["model"]))
    load_checkpoint(checkpoint, model, restore_rng=False)
    tok = tokenizer_from_config(cfg["tokenizer"])
    dest = os.path.join(dest_root or str(PRETRAINED_DIR), name)
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
