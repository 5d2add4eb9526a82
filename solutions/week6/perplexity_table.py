"""Week 6: one table of language models on held-out text, in perplexity AND in bits per byte.

Run:  python -m solutions.week6.perplexity_table            (90 s on the course machine, busy)
      python -m solutions.week6.perplexity_table --full     (the whole valid head, all of DialogSum's
                                                            training set: about 5 minutes)
      python -m solutions.week6.perplexity_table --full --strides 128,64,32   (the README's table: 12 minutes)

Models: character-level interpolated modified Kneser-Ney n-grams of order 1, 3 and 5
(tinygrad_lm/models/ngram.py), each trained on a corpus's training text and scored on its held-out
text, and the shipped GPT tinystories-3m (BPE, 4,096 tokens, context 128) scored with the sliding
window of tinygrad_lm/metrics/perplexity.py.

  corpus        train                                              held-out
  shakespeare   first 90% of tiny Shakespeare (characters)          last 10%
  tinystories   tinystories_train5000_lowercase.txt                 tinystories_valid_head.txt, LOWERCASED
                (the models were trained on lowercase text: scoring     (default: its first 200,000
                capitals they never saw would measure the casing)        characters, cut at a blank line)
  dialogsum     the dialogues of the train parts, "\\n\\n" between      the 500 dev dialogues
                them (default: part 0, 3,115 dialogues; --full: all 12,460)
The defaults keep the run short (the GPT costs ~1 s per 16 windows here); --full is the table of
exercises/week6/README.md.

What the table teaches: "perplexity" is per TOKEN. The n-grams' tokens are characters and the GPT's
are BPE pieces of ~4 characters, so their perplexities (3-5 against ~15) cannot be compared; the
same model's total NLL divided by the bytes of the text can. Bits per byte: lower is better, 8 is
"no model" for bytes. It compares models on the SAME text, not texts: on the Pile (Gao et al. 2020)
GPT-2 small scores 1.23 and GPT-3 davinci 0.72, while our 2.6M-parameter GPT gets ~0.95 on
TinyStories, a far easier text.

The GPT scores the valid head as one stream (no end-of-text tokens: story boundaries are not
recoverable from the file) and, as Hugging Face's loop, never scores the first token; n-gram models
score every character from a start-of-text context. Both are divided by all bytes of the text.
The machine has 2 shared cores, often busy with other jobs: times vary by 2x from run to run.
"""
import argparse
import math
import time

import numpy as np
from tqdm import tqdm

from tinygrad_lm import no_grad
from tinygrad_lm.datasets.dialogsum import load_dialogsum
from tinygrad_lm.metrics.perplexity import bits_per_byte, perplexity, sliding_window_nll, window_spans
from tinygrad_lm.models.ngram import KneserNeyLM
from tinygrad_lm.paths import DATA_DIR

ORDERS = (1, 3, 5)


def head_at_blank_line(text: str, n_chars: int) -> str:
    """The first <= n_chars characters of text, cut after the last blank line (a story boundary)."""
    if len(text) <= n_chars:
        return text
    cut = text.rfind("\n\n", 0, n_chars)
    return text[:cut + 2] if cut > 0 else text[:n_chars]


def corpora(full: bool = False) -> dict:
    """{name: (train text, held-out text)} as in the module docstring."""
    shakespeare = (DATA_DIR / "tiny_shakespeare" / "input.txt").read_text(encoding="utf-8")
    cut = int(0.9 * len(shakespeare))
    stories_train = (DATA_DIR / "tinystories" / "tinystories_train5000_lowercase.txt").read_text(encoding="utf-8")
    stories_valid = (DATA_DIR / "tinystories" / "tinystories_valid_head.txt").read_text(encoding="utf-8").lower()
    if not full:
        stories_valid = head_at_blank_line(stories_valid, 200_000)
    train = load_dialogsum("train")
    if not full:
        train = train[:3115]                                     # the first of the four part files
    return {
        "shakespeare": (shakespeare[:cut], shakespeare[cut:]),
        "tinystories": (stories_train, stories_valid),
        "dialogsum": ("\n\n".join(r["dialogue"] for r in train),
                      "\n\n".join(r["dialogue"] for r in load_dialogsum("dev"))),
    }


def ngram_rows(data: dict):
    """One row per (corpus, order): character-level KN trained on train, scored on held-out."""
    rows = []
    jobs = [(name, order) for name in data for order in ORDERS]
    for name, order in tqdm(jobs, desc="Kneser-Ney n-grams", unit="model"):
        train, held = data[name]
        t = time.perf_counter()
        lm = KneserNeyLM.from_text(train, order, level="char")
        ids = lm.encode(held)                                     # (n,) one id per character
        nll = -lm.sequence_logprob(ids)                           # nats, every character scored
        rows.append(dict(model=f"KN {order}-gram (char)" if order > 1 else "unigram (char)", corpus=name,
                         token="char", n_tokens=len(ids), ppl=perplexity(nll, len(ids)),
                         bpb=bits_per_byte(nll, len(held.encode("utf-8"))), seconds=time.perf_counter() - t))
    return rows


def gpt_logprob_fn(model, progress):
    """ids (B, T) -> (B, T, V) float32 log-probabilities of the GPT, updating a tqdm bar by B windows."""
    def fn(x):
        with no_grad():
            logits = model(np.asarray(x, dtype=np.int64))[0].data        # (B, T, V)
        z = logits - logits.max(axis=-1, keepdims=True)
        progress.update(len(x))
        return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))        # stable log-softmax
    return fn


def gpt_rows(text: str, strides, name: str = "tinystories-3m", batch_size: int = 16):
    """The shipped GPT on `text` with the sliding window, one row per stride."""
    from tinygrad_lm.models.pretrained import load
    model, tok, info = load(name)
    window = model.config.block_size
    ids = np.asarray(tok.encode(text.lower() if info["lowercase"] else text), dtype=np.int64)     # (n,)
    n_bytes = len(text.encode("utf-8"))
    rows = []
    for stride in strides:
        t = time.perf_counter()
        with tqdm(total=len(window_spans(len(ids), window, stride)), desc=f"{name} stride {stride}",
                  unit="window") as bar:
            nll, n = sliding_window_nll(gpt_logprob_fn(model, bar), ids, window, stride, batch_size=batch_size)
        rows.append(dict(model=f"GPT {name} (window {window}, stride {stride})", corpus="tinystories",
                         token="BPE", n_tokens=n, ppl=perplexity(nll, n), bpb=bits_per_byte(nll, n_bytes),
                         seconds=time.perf_counter() - t))
    return rows


def format_table(rows) -> str:
    lines = [f"{'corpus':<12} {'model':<42} {'token':<5} {'tokens':>9} {'ppl/token':>9} {'bits/byte':>9} {'s':>6}"]
    for r in rows:
        lines.append(f"{r['corpus']:<12} {r['model']:<42} {r['token']:<5} {r['n_tokens']:>9,} {r['ppl']:>9.3f} "
                     f"{r['bpb']:>9.4f} {r['seconds']:>6.1f}")
    return "\n".join(lines)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--full", action="store_true", help="the whole TinyStories valid head and all 12,460 DialogSum "
                    "training dialogues (default: 200,000 characters and 3,115 dialogues)")
    ap.add_argument("--strides", default="64", help="comma-separated GPT strides (window 128), e.g. 128,64,32")
    ap.add_argument("--no-gpt", action="store_true", help="n-gram rows only")
    args = ap.parse_args(argv)
    strides = [int(s) for s in args.strides.split(",") if s.strip()]
    t0 = time.perf_counter()
    data = corpora(args.full)
    rows = ngram_rows(data)
    if not args.no_gpt:
        rows += gpt_rows(data["tinystories"][1], strides)
    print(format_table(rows))
    print(f"total {time.perf_counter() - t0:.0f} s; n-gram perplexity is per character, the GPT's per BPE token: "
          f"compare bits per byte")
    gpt = [r for r in rows if r["token"] == "BPE"]
    if gpt:
        r = gpt[0]
        print(f"same GPT, same text: {r['ppl']:.2f} per token = {math.exp(r['bpb'] * math.log(2)):.3f} per byte "
              f"({r['bpb']:.4f} bits/byte)")
    return rows


if __name__ == "__main__":
    main()
