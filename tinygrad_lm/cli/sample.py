"""`tglm sample --checkpoint PATH [--prime TEXT] ...`: text from a char-lstm / char-rnn checkpoint (week 3)."""
import argparse
import sys

from ..tokenizers.char import UnknownCharacterError
from ..training.char_lm import load_char_lm, sample_text
from . import command
from .args import Parser, UsageError, existing_file, non_negative_float, non_negative_int, positive_int, probability


@command("tglm sample")
def main(argv) -> int:
    p = Parser(prog="tglm sample", description="sample text from a char-lstm / char-rnn checkpoint",
               formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--checkpoint", required=True, type=existing_file, help="e.g. runs/char-lstm/best.safetensors")
    p.add_argument("--prime", default="\n",
                   help="text fed first (its characters must be in the vocabulary; default: %(default)r)")
    p.add_argument("--length", type=non_negative_int, default=500, help="characters to generate")
    p.add_argument("--temperature", type=non_negative_float, default=0.8, help="0 = greedy")
    p.add_argument("--top-k", type=positive_int, default=None, help="keep the k most likely characters")
    p.add_argument("--top-p", type=probability, default=None, help="nucleus sampling, in (0, 1]")
    p.add_argument("--seed", type=non_negative_int, default=0, help="sampling seed")
    args = p.parse_args(argv)
    if not args.prime:
        raise UsageError("--prime must not be empty (it starts the model's memory; the default is a newline)")
    model, tok, ckpt = load_char_lm(args.checkpoint)          # ValueError / CheckpointError: one line (cli/__init__)
    try:
        tok.encode(args.prime)
    except UnknownCharacterError as e:
        raise UsageError(f"--prime has characters the model never saw: {e}") from None
    cfg, meta = ckpt["config"], ckpt["metadata"]
    print(f"# {args.checkpoint}: char-{cfg['cell']} H={cfg['hidden']} L={cfg['layers']}, step {ckpt['step']}, "
          f"val {meta.get('val_loss', '?')} nats/char", file=sys.stderr)
    text = sample_text(model, tok, args.prime, args.length, args.temperature, args.top_k, args.top_p, args.seed)
    print(args.prime + text)
    return 0
