"""`tglm train <model> [options]`: the options of every trainer; the training itself is training/.

    tglm train gpt --preset nanogpt-cpu         training/lm.py       (week 4)
    tglm train mlm --preset shakespeare-char    training/lm.py       (week 4)
    tglm train char-lstm --time 600             training/char_lm.py  (week 3; char-rnn: the vanilla RNN)
    tglm train clip | captioner                 training/multimodal.py (week 7; options in cli/caption.py)

Every number is range-checked by its argparse type (cli/args.py). A non-empty --out is refused unless
--resume continues the run in it or --overwrite replaces it. --resume restores the run's recorded
settings (training/resume.py): options typed again override those that may change mid-run (budget,
learning rate, ...) and must match those that fix the model (shape, tokenizer).
"""
import argparse
import os

from ..training.char_lm import train_char_lm
from ..training.lm import GPT_PRESETS, MLM_PRESETS, train_gpt, train_mlm
from ..training.loop import prepare_out_dir
from ..training.resume import FIXED, read_resume, recorded_settings, restore_settings
from . import command
from .args import (Parser, UsageError, dropout, explicit_dests, fraction, int_range, non_negative_float,
                   non_negative_int, output_dir, positive_float, positive_int, probability, text_file)

DATA = "data/tiny_shakespeare/input.txt"


def add_run_args(p, out: str) -> None:
    """Where a run writes, and what to do when that place already holds a run."""
    p.add_argument("--data", type=text_file, default=None, help=f"a UTF-8 text file (default: {DATA}; on "
                   f"--resume: the run's)")
    p.add_argument("--out", type=output_dir, default=out, help="directory for checkpoints, history.json, loss.svg")
    p.add_argument("--resume", default=None, help="continue a run from its checkpoint (<out>/last.safetensors) "
                   "with the run's own settings; options given again override the ones that may change")
    p.add_argument("--overwrite", action="store_true", help="replace the run already in --out (without it, a "
                   "non-empty --out is refused)")


def add_lm_args(p, out: str, batch_size: int, max_iters: int) -> None:
    """The options every Transformer LM trainer shares: data, tokenizer, model size, AdamW, eval."""
    add_run_args(p, out)
    p.add_argument("--tokenizer", choices=["char", "bpe"], default="char", help="trained on --data")
    p.add_argument("--vocab-size", type=int_range(257), default=1024, help="for --tokenizer bpe (256 bytes + merges)")
    p.add_argument("--n-layer", type=positive_int, default=4, help="transformer blocks")
    p.add_argument("--n-head", type=positive_int, default=4, help="attention heads (must divide --n-embd)")
    p.add_argument("--n-embd", type=positive_int, default=128, help="channels C")
    p.add_argument("--block-size", type=positive_int, default=64, help="context length T")
    p.add_argument("--dropout", type=dropout, default=0.0, help="in [0, 1)")
    p.add_argument("--bias", action=argparse.BooleanOptionalAction, default=True,
                   help="biases in Linear and LayerNorm (nanoGPT's default is --no-bias)")
    p.add_argument("--batch-size", type=positive_int, default=batch_size, help="windows per step B")
    p.add_argument("--max-iters", type=positive_int, default=max_iters, help="optimisation steps")
    p.add_argument("--lr", type=non_negative_float, default=1e-3, help="peak AdamW learning rate")
    p.add_argument("--min-lr", type=non_negative_float, default=1e-4, help="learning rate at the end of the cosine decay")
    p.add_argument("--warmup-iters", type=non_negative_int, default=100, help="steps of linear warmup")
    p.add_argument("--weight-decay", type=non_negative_float, default=0.1, help="AdamW, on matrices only")
    p.add_argument("--clip", type=positive_float, default=1.0, help="max global gradient norm (> 0)")
    p.add_argument("--eval-every", type=positive_int, default=250, help="steps between evaluations + checkpoints")
    p.add_argument("--eval-iters", type=positive_int, default=20, help="batches per loss estimate")
    p.add_argument("--val-fraction", type=fraction, default=0.1, help="last part of the text held out, in (0, 1)")
    p.add_argument("--seed", type=non_negative_int, default=1337, help="initialisation and batch-sampling seed")


def parse_with_presets(p, presets, argv):
    """Parse argv; a --preset NAME sets new defaults that explicit options still override."""
    pre, _ = p.parse_known_args(argv)
    if pre.preset:
        p.set_defaults(**presets[pre.preset])
    return p.parse_args(argv)


def gpt_parser():
    p = Parser(prog="tglm train gpt", description="train a GPT language model on a text file",
               formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--preset", choices=sorted(GPT_PRESETS), default=None,
                   help="a named config (explicit options override it): nanogpt-cpu ~2 min, shakespeare-15min, "
                        "tiny (seconds)")
    add_lm_args(p, out="runs/gpt", batch_size=12, max_iters=2000)
    p.add_argument("--lr-decay-iters", type=positive_int, default=2000, help="step where the cosine reaches --min-lr")
    p.add_argument("--full-eval", action=argparse.BooleanOptionalAction, default=True,
                   help="at the end, score the best checkpoint on the whole validation split")
    p.add_argument("--sample-tokens", type=non_negative_int, default=300,
                   help="sample this many tokens at the end (0 = none)")
    p.add_argument("--sample-prompt", default="\n", help="prompt of the end-of-run sample")
    return p


def mlm_parser():
    p = Parser(prog="tglm train mlm", description="train a masked language model (BERT-style "
               "encoder) on a text file", formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--preset", choices=sorted(MLM_PRESETS), default=None, help="a named config (others override it)")
    add_lm_args(p, out="runs/mlm", batch_size=32, max_iters=1500)
    p.add_argument("--mask-prob", type=probability, default=0.15,
                   help="fraction of positions picked for the loss, in (0, 1]")
    return p


def char_parser(cell):
    p = Parser(prog=f"tglm train char-{cell}", description=f"train a character-level "
               f"{cell.upper()} language model (truncated BPTT)",
               formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    add_run_args(p, out=f"runs/char-{cell}")
    p.add_argument("--hidden", type=positive_int, default=256, help="hidden size H")
    p.add_argument("--layers", type=positive_int, default=1, help="stacked recurrent layers")
    p.add_argument("--emb", type=positive_int, default=64, help="embedding size E")
    p.add_argument("--dropout", type=dropout, default=0.0, help="between stacked layers, in [0, 1)")
    p.add_argument("--batch-size", type=positive_int, default=32, help="lanes B")
    p.add_argument("--seq-len", type=positive_int, default=100, help="BPTT window T")
    # measured in 10-minute runs: LSTM val 1.572 at 6e-3 vs 1.647 at 3e-3; the vanilla RNN uses 3e-3
    p.add_argument("--lr", type=non_negative_float, default=6e-3 if cell == "lstm" else 3e-3,
                   help="peak AdamW learning rate")
    p.add_argument("--warmup", type=dropout, default=0.02, help="fraction of the run with linear LR warmup, in [0, 1)")
    p.add_argument("--weight-decay", type=non_negative_float, default=0.01, help="AdamW, on matrices only")
    p.add_argument("--clip", type=positive_float, default=1.0, help="max global gradient norm (> 0)")
    p.add_argument("--time", type=non_negative_float, default=600.0, help="wall-clock budget in seconds (0 = none)")
    p.add_argument("--steps", type=non_negative_int, default=0, help="number of steps (0 = until --time)")
    p.add_argument("--eval-every", type=positive_int, default=500, help="steps between validation + checkpoints")
    p.add_argument("--sample-every", type=non_negative_int, default=2,
                   help="print a sample every N evaluations (0 = never)")
    p.add_argument("--val-fraction", type=fraction, default=0.1, help="last part of the text held out, in (0, 1)")
    p.add_argument("--seed", type=non_negative_int, default=0, help="initialisation seed")
    return p


def prepare(p, argv, args, kind: str):
    """After parsing: on --resume restore the run's settings (training/resume.py), check what needs two
    options at once, and make --out ready (refusing to clobber another run) before any work starts."""
    typed = explicit_dests(p, argv)
    if args.resume:
        cfg = read_resume(args.resume, kind)["config"]
        for note in restore_settings(args, recorded_settings(cfg, kind), typed, FIXED[kind], args.resume):
            print(f"resume: {note}")
        if "out" not in typed:                   # continue in the checkpoint's own directory
            args.out = os.path.dirname(args.resume) or "."
    if "data" not in typed:                      # the default, or the run's (it may have moved since)
        args.data = args.data or DATA
        try:
            text_file(args.data)
        except argparse.ArgumentTypeError as e:
            raise UsageError(f"argument --data: {e}") from None
    if hasattr(args, "n_embd") and args.n_embd % args.n_head:
        raise UsageError(f"--n-embd {args.n_embd} must be divisible by --n-head {args.n_head} (each head gets "
                         f"n_embd / n_head channels)")
    if kind.startswith("char-") and args.steps == 0 and args.time == 0:
        raise UsageError("give a budget: --steps N or --time SECONDS (both are 0)")
    prepare_out_dir(args.out, resume=args.resume, overwrite=args.overwrite)
    return args


@command("tglm train gpt")
def main_gpt(argv) -> int:
    p = gpt_parser()
    args = parse_with_presets(p, GPT_PRESETS, argv)
    return train_gpt(prepare(p, argv, args, "gpt"))


@command("tglm train mlm")
def main_mlm(argv) -> int:
    p = mlm_parser()
    args = parse_with_presets(p, MLM_PRESETS, argv)
    return train_mlm(prepare(p, argv, args, "mlm"))


def main_char(argv, cell) -> int:
    @command(f"tglm train char-{cell}")
    def run(argv):
        p = char_parser(cell)
        args = p.parse_args(argv)
        args.cell = cell
        return train_char_lm(prepare(p, argv, args, f"char-{cell}"))
    return run(argv)


MODELS = {
    "gpt": (main_gpt, "GPT language model on a text file (week 4)"),
    "mlm": (main_mlm, "masked language model, BERT-style encoder (week 4)"),
    "char-lstm": (lambda argv: main_char(argv, "lstm"), "character-level LSTM (week 3)"),
    "char-rnn": (lambda argv: main_char(argv, "rnn"), "character-level vanilla RNN (week 3)"),
    "clip": (lambda argv: _week7("main_clip", argv), "CLIP on generated Shapes images (week 7)"),
    "captioner": (lambda argv: _week7("main_captioner", argv), "prefix captioner on a frozen CLIP (week 7)"),
}


def _week7(name, argv) -> int:
    from . import caption                        # the week 7 options live in cli/caption.py
    return getattr(caption, name)(argv)


@command("tglm train")
def main(argv) -> int:
    if not argv or argv[0] in ("-h", "--help") or argv[0] not in MODELS:
        print("usage: tglm train <model> [options]   (tglm train <model> --help)\n\nmodels:")
        for name, (_, help_) in MODELS.items():
            print(f"  {name:<10} {help_}")
        if argv and argv[0] in ("-h", "--help"):
            return 0
        raise UsageError(f"unknown model {argv[0]!r}; choose one of {', '.join(MODELS)}" if argv else
                         f"which model? `tglm train {'|'.join(MODELS)} [options]`")
    return MODELS[argv[0]][0](argv[1:])
