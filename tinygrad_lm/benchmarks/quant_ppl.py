"""Held-out perplexity of the shipped GPTs decoded with float32, float16 and int8 weights (generation.Decoder).

    python -m tinygrad_lm.benchmarks.quant_ppl                      # tinystories-3m and course-base-8m
    python -m tinygrad_lm.benchmarks.quant_ppl --models tinystories-3m --json out.json

What it answers: does storing the weights as int8 (one scale per output row, Decoder(weights="int8"))
cost accuracy? The int8 goal of issue 16 is a held-out perplexity within 1% of float32.
Text scored, the held-out text each model's own evaluation uses:
  tinystories-3m   the head of TinyStories' validation split, first 256 windows of 128 tokens
                   (what `tglm demo` reports; lowercased like the model's training text)
  course-base-8m   the held-out slice of every corpus source (datasets/course_base.py), documents
                   joined by <|endoftext|>, windows of block_size = 256 (training/course_base_eval.py)
Every non-overlapping window of T + 1 ids is fed to a fresh Decoder cache, whole (default: T rows >
decoder.SKINNY, so the products run as matmuls on the dequantized weights s Q, the very values the
int8 gemv kernel multiplies by; tests/test_decoder_int8.py checks the two paths agree) or with
--chunk 64 in pieces of 64 tokens through the gemv kernels themselves (slower); loss = mean over
windows and positions of
    -log softmax(logits_t)[id_{t+1}]      (nats per token; perplexity = exp(loss)).
float32 here equals the model's own forward (tests/test_decoder.py), so its perplexity equals
training/course_base_eval.py's up to float32 summation order.
Does not handle: other quantizations (int4, per-group scales), the evaluation sets of course_base_eval.
"""
import argparse
import json
import os
import sys
import time

import numpy as np

WEIGHTS = ("float32", "float16", "int8")


def decoder_loss(dec, ids: np.ndarray, T: int, chunk: int = 0, max_windows: int = None) -> tuple:
    """(mean next-token loss in nats, tokens scored) over the non-overlapping windows of T + 1 ids."""
    n = (len(ids) - 1) // T
    if max_windows:
        n = min(n, max_windows)
    if n == 0:
        raise ValueError(f"{len(ids)} ids are fewer than one window of T + 1 = {T + 1}")
    total, chunk = 0.0, chunk if chunk > 0 else T
    for w in range(n):
        win = ids[w * T:w * T + T + 1]                                          # (T + 1,)
        dec.reset()
        logits = np.concatenate([dec.forward(win[i:min(i + chunk, T)], all_logits=True)
                                 for i in range(0, T, chunk)]).astype(np.float64)   # (T, V)
        m = logits.max(axis=1)
        lse = m + np.log(np.exp(logits - m[:, None]).sum(axis=1))               # (T,) log sum exp
        total += float((lse - logits[np.arange(T), win[1:]]).sum())
    return total / (n * T), n * T


def heldout_texts(name: str, tok, info, block_size: int) -> dict:
    """{label: (ids, T, max_windows)} of the held-out text this model is evaluated on (module docstring)."""
    from ..paths import DATA_DIR
    if name.startswith("course-base"):
        from ..datasets import course_base as cb
        from ..training.course_base_eval import encode
        return {f"held-out/{s}": (encode(tok, c["val"]), block_size, None) for s, c in cb.build_corpus().items()}
    text = open(os.path.join(str(DATA_DIR), "tinystories", "tinystories_valid_head.txt"), encoding="utf-8").read()
    ids = np.asarray(tok.encode(text.lower() if info["lowercase"] else text, allowed_special="all"), dtype=np.int64)
    return {"tinystories_valid_head": (ids, min(128, block_size), 256)}


def evaluate(name: str, chunk: int = 0, weights_list=WEIGHTS, max_windows: int = None) -> dict:
    """{weights: {"loss", "ppl", "tokens", "seconds", "per_text": {...}}} for one shipped model;
    max_windows caps the windows of each text (the first ones)."""
    from ..generation.decoder import Decoder
    from ..models.pretrained import load
    model, tok, info = load(name)
    texts = heldout_texts(name, tok, info, model.config.block_size)
    out = {}
    for weights in weights_list:
        dec, t0 = Decoder(model, weights), time.perf_counter()
        per, nll, tokens = {}, 0.0, 0
        for label, (ids, T, cap_text) in texts.items():
            cap = min(w for w in (max_windows, cap_text) if w) if (max_windows or cap_text) else None
            loss, n = decoder_loss(dec, ids, T, chunk, cap)
            per[label] = {"tokens": n, "loss": loss, "ppl": float(np.exp(loss))}
            nll, tokens = nll + loss * n, tokens + n
        out[weights] = {"tokens": tokens, "loss": nll / tokens, "ppl": float(np.exp(nll / tokens)),
                        "weight_bytes": dec.nbytes(), "seconds": time.perf_counter() - t0, "per_text": per}
    return out


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m tinygrad_lm.benchmarks.quant_ppl", description=__doc__.split("\n\n")[0])
    p.add_argument("--models", default="tinystories-3m,course-base-8m", help="comma list (default %(default)s)")
    p.add_argument("--chunk", type=int, default=0,
                   help="tokens fed per Decoder call; 0 (default) = the whole window, 64 = the gemv kernels")
    p.add_argument("--weights", default=",".join(WEIGHTS), help="comma list (default %(default)s)")
    p.add_argument("--max-windows", type=int, default=None,
                   help="score at most the first N windows of each text (default: all; course-base-8m "
                        "holds 462 windows of 256 tokens: ~12 min for float32 + int8 on the loaded 2-core VM)")
    p.add_argument("--json", default=None, help="also write the results here")
    args = p.parse_args(argv)
    results = {}
    for name in [m.strip() for m in args.models.split(",") if m.strip()]:
        kinds = [w.strip() for w in args.weights.split(",") if w.strip()]
        if "float32" not in kinds or set(kinds) - set(WEIGHTS):
            p.error(f"--weights: choose from {WEIGHTS}, float32 included (the baseline)")
        results[name] = r = evaluate(name, args.chunk, kinds, args.max_windows)
        base = r["float32"]["ppl"]
        print(f"{name}: {r['float32']['tokens']:,} held-out tokens")
        for w in kinds:
            print(f"  {w:<8} weights {r[w]['weight_bytes'] / 1e6:6.2f} MB   loss {r[w]['loss']:.4f}   perplexity "
                  f"{r[w]['ppl']:8.3f}   ({100 * (r[w]['ppl'] / base - 1):+.2f}% vs float32)   {r[w]['seconds']:.0f} s")
        if len(r["float32"]["per_text"]) > 1:
            for label in r["float32"]["per_text"]:
                print(f"    {label:<26}" + "".join(f"  {w} {r[w]['per_text'][label]['ppl']:8.2f}" for w in kinds))
        sys.stdout.flush()
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(results, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
