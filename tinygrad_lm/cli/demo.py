"""`tglm demo` (= `python -m tinygrad_lm demo`): see a language model work, in seconds.

    tglm demo                         # the shipped story model tells a story ("Once upon a time")
    tglm demo --prompt "the dog"      # your own beginning (the model is lowercase)
    tglm demo --train                 # a real job in about a minute: train a small GPT on tiny Shakespeare

The default loads data/pretrained/tinystories-3m (a 2.6M-parameter GPT pretrained with
`tglm pretrain`; see its MODEL_CARD.md), streams a sampled story until <|endoftext|>, then measures
the model's perplexity on stories it never saw (the head of TinyStories' validation split shipped in
data/tinystories/) with a progress bar: exp(mean cross-entropy per token) over 128-token windows.
`--train` trains the `tiny` preset of `tglm train gpt` on data/tiny_shakespeare/input.txt with a
progress bar, reports the validation loss and writes a sample; extra options go to `tglm train gpt`.
"""
import os
import sys

import numpy as np
from tqdm import tqdm

from ..models.pretrained import load
from ..paths import DATA_DIR, REPO_ROOT
from ..tensor import no_grad
from .generate import main as generate_main
from . import command
from .args import Parser, non_negative_int, positive_int
from .train import main_gpt as train_main


def _find_data():
    for root in (os.getcwd(), str(REPO_ROOT)):
        path = os.path.join(root, "data", "tiny_shakespeare", "input.txt")
        if os.path.exists(path):
            return path
    return None


def train_demo(argv) -> int:
    data = _find_data()
    if data is None:
        print("tglm demo: data/tiny_shakespeare/input.txt not found; run from a clone of the repository",
              file=sys.stderr)
        return 2
    # runs/demo belongs to the demo: a second `tglm demo --train` replaces it (a given --out is protected)
    own_dir = [] if any(a.startswith(("--out", "--resume")) for a in argv) else ["--overwrite"]
    print("tinygrad_lm demo: training a small GPT on tiny Shakespeare (2 layers, 64 channels, 600 steps)\n")
    return train_main(["--preset", "tiny", "--data", data, "--out", os.path.join("runs", "demo"), *own_dir,
                       "--max-iters", "600", "--lr-decay-iters", "600", "--eval-every", "200",
                       "--sample-prompt", "ROMEO:", "--sample-tokens", "300", *argv])


def story_demo(argv) -> int:
    p = Parser(prog="tglm demo")
    p.add_argument("--prompt", default="Once upon a time")
    p.add_argument("--model", default="tinystories-3m")
    p.add_argument("--seed", type=non_negative_int, default=0)
    p.add_argument("--max-new-tokens", type=positive_int, default=250)
    args = p.parse_args(argv)
    print(f"tinygrad_lm demo: the shipped story model `{args.model}` continues {args.prompt!r} "
          f"(`tglm demo --train` trains a GPT yourself)\n", file=sys.stderr)
    code = generate_main(["--model", args.model, "--prompt", args.prompt, "--temperature", "0.8",
                          "--top-k", "40", "--max-new-tokens", str(args.max_new_tokens), "--seed", str(args.seed)])
    if code:
        return code
    print()
    ppl, tokens, vocab = heldout_perplexity(args.model)
    print(f"perplexity of {args.model} on {tokens:,} tokens of stories it never saw: {ppl:.1f} "
          f"(a uniform guess over its vocabulary would score {vocab:,}; see MODEL_CARD.md)")
    return 0


def heldout_perplexity(model_name: str, n_windows: int = 256, T: int = 128, B: int = 16) -> float:
    """exp(mean next-token loss) of a shipped model on the first n_windows x T tokens of held-out stories."""
    path = os.path.join(str(DATA_DIR), "tinystories", "tinystories_valid_head.txt")
    if not os.path.exists(path):
        raise FileNotFoundError(f"{path} not found (it ships with the repository: data/tinystories/)")
    model, tok, info = load(model_name)
    text = open(path, encoding="utf-8").read()
    ids = np.asarray(tok.encode(text.lower() if info["lowercase"] else text,
                                allowed_special="all"), dtype=np.int64)
    T = min(T, model.config.block_size)
    n = min(n_windows, (len(ids) - 1) // T)
    win = ids[(np.arange(n) * T)[:, None] + np.arange(T + 1)]                 # (n, T + 1)
    total = 0.0
    with no_grad():
        for i in tqdm(range(0, n, B), desc="held-out perplexity", unit="batch", file=sys.stdout):
            b = win[i:i + B]                                                  # (B, T + 1)
            total += model(b[:, :-1], b[:, 1:])[1].item() * len(b)
    return float(np.exp(total / n)), n * T, model.config.vocab_size


@command("tglm demo")
def main(argv) -> int:
    if argv and argv[0] in ("-h", "--help"):
        print(__doc__)
        return 0
    if argv and argv[0] == "--train":
        return train_demo(argv[1:])
    return story_demo(argv)
