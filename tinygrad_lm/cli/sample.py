"""`tglm sample --checkpoint PATH [--prime TEXT] ...`: text from a char-lstm / char-rnn checkpoint (week 3)."""
import argparse
import os
import sys

from ..tokenizers.char import UnknownCharacterError
from ..training.char_lm import load_char_lm, sample_text


def main(argv) -> int:
    p = argparse.ArgumentParser(prog="tglm sample", description="sample text from a char-lstm / char-rnn checkpoint",
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--checkpoint", required=True, help="e.g. runs/char-lstm/best.safetensors")
    p.add_argument("--prime", default="\n",
                   help="text fed first (its characters must be in the vocabulary; default: %(default)r)")
    p.add_argument("--length", type=int, default=500, help="characters to generate")
    p.add_argument("--temperature", type=float, default=0.8, help="0 = greedy")
    p.add_argument("--top-k", type=int, default=None, help="keep the k most likely characters")
    p.add_argument("--top-p", type=float, default=None, help="nucleus sampling, in (0, 1]")
    p.add_argument("--seed", type=int, default=0, help="sampling seed")
    args = p.parse_args(argv)
    if not os.path.exists(args.checkpoint):
        print(f"tglm sample: checkpoint {args.checkpoint!r} not found (train one first: tglm train char-lstm)",
              file=sys.stderr)
        return 2
    try:
        model, tok, ckpt = load_char_lm(args.checkpoint)
    except ValueError as e:
        print(f"tglm sample: {e}", file=sys.stderr)
        return 2
    cfg, meta = ckpt["config"], ckpt["metadata"]
    print(f"# {args.checkpoint}: char-{cfg['cell']} H={cfg['hidden']} L={cfg['layers']}, step {ckpt['step']}, "
          f"val {meta.get('val_loss', '?')} nats/char", file=sys.stderr)
    if not args.prime:
        print("tglm sample: --prime must not be empty (it starts the model's memory; the default is a newline)",
              file=sys.stderr)
        return 2
    try:
        text = sample_text(model, tok, args.prime, args.length, args.temperature, args.top_k, args.top_p, args.seed)
    except UnknownCharacterError as e:
        print(f"tglm sample: the prime has characters the model never saw: {e}", file=sys.stderr)
        return 2
    print(args.prime + text)
    return 0
