"""`tglm train <model> [options]`: the options of every trainer; the training itself is training/.

    tglm train gpt --preset nanogpt-cpu         training/lm.py       (week 4)
    tglm train mlm --preset shakespeare-char    training/lm.py       (week 4)
    tglm train char-lstm --time 600             training/char_lm.py  (week 3; char-rnn: the vanilla RNN)
"""
import argparse
import os
import sys

from ..tokenizers.char import UnknownCharacterError
from ..training.char_lm import train_char_lm
from ..training.lm import GPT_PRESETS, MLM_PRESETS, train_gpt, train_mlm


def add_lm_args(p, out: str, batch_size: int, max_iters: int) -> None:
    """The options every Transformer LM trainer shares: data, tokenizer, model size, AdamW, eval."""
    p.add_argument("--data", default="data/tiny_shakespeare/input.txt", help="a UTF-8 text file")
    p.add_argument("--out", default=out, help="directory for checkpoints, history.json, loss.svg")
    p.add_argument("--tokenizer", choices=["char", "bpe"], default="char", help="trained on --data")
    p.add_argument("--vocab-size", type=int, default=1024, help="for --tokenizer bpe")
    p.add_argument("--n-layer", type=int, default=4, help="transformer blocks")
    p.add_argument("--n-head", type=int, default=4, help="attention heads (must divide --n-embd)")
    p.add_argument("--n-embd", type=int, default=128, help="channels C")
    p.add_argument("--block-size", type=int, default=64, help="context length T")
    p.add_argument("--dropout", type=float, default=0.0, help="in [0, 1)")
    p.add_argument("--bias", action=argparse.BooleanOptionalAction, default=True,
                   help="biases in Linear and LayerNorm (nanoGPT's default is --no-bias)")
    p.add_argument("--batch-size", type=int, default=batch_size, help="windows per step B")
    p.add_argument("--max-iters", type=int, default=max_iters, help="optimisation steps")
    p.add_argument("--lr", type=float, default=1e-3, help="peak AdamW learning rate")
    p.add_argument("--min-lr", type=float, default=1e-4, help="learning rate at the end of the cosine decay")
    p.add_argument("--warmup-iters", type=int, default=100, help="steps of linear warmup")
    p.add_argument("--weight-decay", type=float, default=0.1, help="AdamW, on matrices only")
    p.add_argument("--clip", type=float, default=1.0, help="max global gradient norm")
    p.add_argument("--eval-every", type=int, default=250, help="steps between evaluations + checkpoints")
    p.add_argument("--eval-iters", type=int, default=20, help="batches per loss estimate")
    p.add_argument("--val-fraction", type=float, default=0.1, help="last part of the text held out")
    p.add_argument("--seed", type=int, default=1337, help="initialisation and batch-sampling seed")


def parse_with_presets(p, presets, argv):
    """Parse argv; a --preset NAME sets new defaults that explicit options still override."""
    pre, _ = p.parse_known_args(argv)
    if pre.preset:
        p.set_defaults(**presets[pre.preset])
    return p.parse_args(argv)


def gpt_parser():
    p = argparse.ArgumentParser(prog="tglm train gpt", description="train a GPT language model on a text file",
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--preset", choices=sorted(GPT_PRESETS), default=None,
                   help="a named config (explicit options override it): nanogpt-cpu ~2 min, shakespeare-15min, "
                        "tiny (seconds)")
    add_lm_args(p, out="runs/gpt", batch_size=12, max_iters=2000)
    p.add_argument("--resume", default=None, help="continue exactly from a checkpoint (last.safetensors)")
    p.add_argument("--lr-decay-iters", type=int, default=2000, help="step where the cosine reaches --min-lr")
    p.add_argument("--full-eval", action=argparse.BooleanOptionalAction, default=True,
                   help="at the end, score the best checkpoint on the whole validation split")
    p.add_argument("--sample-tokens", type=int, default=300, help="sample this many tokens at the end (0 = none)")
    p.add_argument("--sample-prompt", default="\n", help="prompt of the end-of-run sample")
    return p


def mlm_parser():
    p = argparse.ArgumentParser(prog="tglm train mlm", description="train a masked language model (BERT-style "
                                "encoder) on a text file", formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--preset", choices=sorted(MLM_PRESETS), default=None, help="a named config (others override it)")
    add_lm_args(p, out="runs/mlm", batch_size=32, max_iters=1500)
    p.add_argument("--mask-prob", type=float, default=0.15, help="fraction of positions picked for the loss")
    return p


def char_parser(cell):
    p = argparse.ArgumentParser(prog=f"tglm train char-{cell}", description=f"train a character-level "
                                f"{cell.upper()} language model (truncated BPTT)",
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


def _missing_data(args, cmd) -> bool:
    if os.path.exists(args.data):
        return False
    print(f"tglm train {cmd}: data file {args.data!r} not found (tiny Shakespeare ships as "
          f"data/tiny_shakespeare/input.txt; run from the repository root)", file=sys.stderr)
    return True


def main_gpt(argv) -> int:
    args = parse_with_presets(gpt_parser(), GPT_PRESETS, argv)
    return 2 if _missing_data(args, "gpt") else train_gpt(args)


def main_mlm(argv) -> int:
    args = parse_with_presets(mlm_parser(), MLM_PRESETS, argv)
    return 2 if _missing_data(args, "mlm") else train_mlm(args)


def main_char(argv, cell) -> int:
    args = char_parser(cell).parse_args(argv)
    args.cell = cell
    if not args.time and not args.steps:
        print("tglm train: give --time or --steps", file=sys.stderr)
        return 2
    if _missing_data(args, f"char-{cell}"):
        return 2
    try:
        return train_char_lm(args)
    except UnknownCharacterError as e:                       # only possible with --resume
        print(f"tglm train: {args.data} does not fit the vocabulary of {args.resume}: {e}", file=sys.stderr)
        return 2
    except ValueError as e:
        print(f"tglm train: {e}", file=sys.stderr)
        return 2


MODELS = {
    "gpt": (main_gpt, "GPT language model on a text file (week 4)"),
    "mlm": (main_mlm, "masked language model, BERT-style encoder (week 4)"),
    "char-lstm": (lambda argv: main_char(argv, "lstm"), "character-level LSTM (week 3)"),
    "char-rnn": (lambda argv: main_char(argv, "rnn"), "character-level vanilla RNN (week 3)"),
}


def main(argv) -> int:
    if not argv or argv[0] in ("-h", "--help") or argv[0] not in MODELS:
        print("usage: tglm train <model> [options]   (tglm train <model> --help)\n\nmodels:")
        for name, (_, help_) in MODELS.items():
            print(f"  {name:<10} {help_}")
        return 0 if argv and argv[0] in ("-h", "--help") else 2
    return MODELS[argv[0]][0](argv[1:])
