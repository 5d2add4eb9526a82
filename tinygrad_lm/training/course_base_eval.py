"""Held-out perplexity of the course base model PER SOURCE, token counts of its corpus, samples, and the
training-curve SVG: what data/pretrained/course-base-8m/MODEL_CARD.md reports.

    python -m tinygrad_lm.training.course_base_eval /work/runs/course-base/best.safetensors --json eval.json
    python -m tinygrad_lm.training.course_base_eval course-base-8m                 # the exported model, same numbers
    python -m tinygrad_lm.training.course_base_eval --plot /work/runs/course-base/history.json loss.svg

Two kinds of text are scored (every non-overlapping window of T tokens, documents joined by <|endoftext|>,
no sampling; loss = mean next-token cross-entropy in nats, perplexity = exp(loss)):
  held-out/<source>   the deterministic held-out slice of each corpus source (datasets/course_base.py)
  eval/<set>          the evaluation sets that were removed from training: DialogSum dev (dialogue + first
                      summary), DailyDialog test, SQuAD v2 dev paragraphs, TinyStories validation head
                      (original casing), instruction-data test responses; at most --max-tokens each.
Perplexities are per token of this model's tokenizer, so they compare across sources of one model, not
across models with other tokenizers.
Does not handle: bits per byte, task metrics (ROUGE, EM/F1: weeks 5-8).
"""
import argparse
import json
import sys

import numpy as np

from ..datasets import course_base as cb
from ..datasets.dailydialog import dialogue_text, load_dailydialog
from ..datasets.dialogsum import load_dialogsum
from ..datasets.instructions import load_instruction_data
from ..datasets.squad import load_squad_v2_dev, paragraphs
from ..paths import DATA_DIR

EOT = "<|endoftext|>"
PROMPTS = ("Once upon a time", "#Person1#: Hello, how can I help you?\n#Person2#:",
           "The University of Notre Dame", "Here is a list of reasons to drink water:")


def load_any(path_or_name: str):
    """-> (model, tok, eos_id) from a pretrain checkpoint (.safetensors with a run config) or an exported model."""
    if path_or_name.endswith(".safetensors"):
        from ..checkpoints.checkpoint import load_checkpoint, read_checkpoint
        from ..models.gpt import GPT, GPTConfig
        from ..tokenizers import from_config as tokenizer_from_config
        ckpt = read_checkpoint(path_or_name)
        if "model" in (ckpt.get("config") or {}):
            cfg = ckpt["config"]
            model = GPT(GPTConfig(**cfg["model"]))
            load_checkpoint(path_or_name, model, restore_rng=False)
            model.eval()
            tok = tokenizer_from_config(cfg["tokenizer"])
            return model, tok, tok.special_tokens.get(cfg.get("eot", EOT))
    from ..models.pretrained import load
    model, tok, info = load(path_or_name)
    return model, tok, info["eos_token_id"]


def encode(tok, docs) -> np.ndarray:
    """Documents each followed by <|endoftext|> -> one int64 id array (N,)."""
    eot = tok.special_tokens[EOT]
    out = []
    for ids in tok.encode_batch(docs):
        out.extend(ids)
        out.append(eot)
    return np.asarray(out, dtype=np.int64)


def window_loss(model, ids, T: int, batch_size: int = 16, max_tokens: int = None) -> dict:
    """Mean loss over every non-overlapping window of T + 1 ids (the first max_tokens tokens at most)."""
    from ..tensor import no_grad
    if max_tokens:
        ids = ids[:max_tokens + 1]
    n = (len(ids) - 1) // T
    if n == 0:
        raise ValueError(f"{len(ids)} tokens are fewer than one window of T + 1 = {T + 1}")
    win = ids[(np.arange(n) * T)[:, None] + np.arange(T + 1)]                         # (n, T + 1)
    total = 0.0
    with no_grad():
        for i in range(0, n, batch_size):
            b = win[i:i + batch_size]                                                  # (B, T + 1)
            total += model(b[:, :-1], b[:, 1:])[1].item() * len(b)
    loss = total / n
    return {"tokens": int(n * T), "loss": loss, "ppl": float(np.exp(loss))}


def evaluation_sets() -> dict:
    """{name: [documents]} of the texts removed from training (see the module docstring)."""
    head = open(DATA_DIR / "tinystories" / "tinystories_valid_head.txt", encoding="utf-8").read()
    return {"dialogsum_dev": [r["dialogue"] + "\n\nSummary: " + r["summaries"][0] for r in load_dialogsum("dev")],
            "dailydialog_test": [dialogue_text(r) for r in load_dailydialog("test")],
            "squad_v2_dev_paragraphs": [c for _, c in paragraphs(load_squad_v2_dev())],
            "tinystories_valid_head": [s.strip() for s in head.split("\n\n") if s.strip()],
            "instruction_test_responses": [r["output"] for r in load_instruction_data("test")]}


def source_token_counts(tok) -> dict:
    """{source: {"train_tokens", "val_tokens"}} of the corpus under this tokenizer (<|endoftext|> included)."""
    corpus = cb.build_corpus()
    return {s: {"train_tokens": len(encode(tok, c["train"])), "val_tokens": len(encode(tok, c["val"]))}
            for s, c in corpus.items()}


def per_source_perplexity(model, tok, block_size: int = None, batch_size: int = 16, max_tokens: int = 65536,
                          eval_sets: bool = True) -> dict:
    """{"held-out/<source>": {tokens, loss, ppl}, ..., "eval/<set>": ...} (see the module docstring)."""
    T = min(block_size or model.config.block_size, model.config.block_size)
    out = {}
    for s, c in cb.build_corpus().items():
        out[f"held-out/{s}"] = window_loss(model, encode(tok, c["val"]), T, batch_size)
    if eval_sets:
        for name, docs in evaluation_sets().items():
            out[f"eval/{name}"] = window_loss(model, encode(tok, docs), T, batch_size, max_tokens)
    return out


def samples(model, tok, eos_id, n_tokens: int = 80) -> list:
    from ..generation.decoding import generate
    out = []
    for seed, p in enumerate(PROMPTS):
        ids = generate(model, tok.encode(p), n_tokens, temperature=0.8, top_k=40, rng=np.random.default_rng(seed),
                       stop_tokens=[eos_id] if eos_id is not None else ())
        out.append(p + tok.decode(ids.tolist()).replace(EOT, ""))
    return out


def plot_history(history_json: str, svg: str) -> str:
    """Train / validation loss against step from a pretrain run's history.json -> SVG."""
    from ..plot import line_chart
    with open(history_json, encoding="utf-8") as f:
        h = json.load(f)
    steps = [r["step"] for r in h]
    get = lambda r, k: r.get(f"{k}_loss", r.get(k))                  # noqa: E731  (training/loop.py writes *_loss)
    return line_chart({"train": (steps, [get(r, "train") for r in h]), "validation": (steps, [get(r, "val") for r in h])},
                      svg, title="course-base-8m pretraining", xlabel="step", ylabel="loss (nats / token)")


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m tinygrad_lm.training.course_base_eval", description=__doc__.split("\n\n")[0])
    p.add_argument("model", nargs="?", help="a pretrain checkpoint (.safetensors) or an exported model name / dir")
    p.add_argument("--json", default=None, help="also write the results here")
    p.add_argument("--max-tokens", type=int, default=65536, help="cap per evaluation set (default %(default)s)")
    p.add_argument("--no-eval-sets", action="store_true", help="only the held-out slices of the corpus")
    p.add_argument("--plot", nargs=2, metavar=("HISTORY_JSON", "SVG"), help="draw the training curve and exit")
    args = p.parse_args(argv)
    if args.plot:
        plot_history(*args.plot)
        print(f"wrote {args.plot[1]}")
        return 0
    if not args.model:
        p.error("give a model (checkpoint or exported name) or --plot")
    model, tok, eos = load_any(args.model)
    result = {"counts": cb.corpus_counts(), "tokens": source_token_counts(tok)}
    for s, c in result["tokens"].items():
        print(f"{s:<14} train {c['train_tokens']:>10,} tokens   held-out {c['val_tokens']:>8,} tokens")
    result["perplexity"] = per_source_perplexity(model, tok, max_tokens=args.max_tokens,
                                                 eval_sets=not args.no_eval_sets)
    for name, r in result["perplexity"].items():
        print(f"{name:<36} {r['tokens']:>8,} tokens  loss {r['loss']:.4f}  perplexity {r['ppl']:.2f}")
    result["samples"] = samples(model, tok, eos)
    for s in result["samples"]:
        print(f"---- sample (temperature 0.8, top-k 40) ----\n{s}")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(result, f, indent=1, ensure_ascii=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
