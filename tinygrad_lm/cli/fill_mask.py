"""`tglm fill-mask --checkpoint PATH "text with [MASK]"`: a masked LM's top-k guesses for each [MASK]."""
import argparse
import sys

from ..models.mlm import MASK, fill_mask
from ..training.lm import load_mlm


def main(argv) -> int:
    p = argparse.ArgumentParser(prog="tglm fill-mask", description="top-k predictions of a masked LM for each "
                                f"{MASK} in a text")
    p.add_argument("text", help=f'text with one or more {MASK}, e.g. "To be or not to {MASK}{MASK}"')
    p.add_argument("--checkpoint", required=True, help="written by `tglm train mlm`")
    p.add_argument("--top-k", type=int, default=5)
    args = p.parse_args(argv)
    try:
        model, tok, mask_id = load_mlm(args.checkpoint)
        preds, filled = fill_mask(model, tok, mask_id, args.text, args.top_k)
    except (ValueError, KeyError, FileNotFoundError) as e:
        print(f"tglm fill-mask: {e}", file=sys.stderr)
        return 2
    for i, row in enumerate(preds):
        print(f"[MASK] #{i + 1}: " + "  ".join(f"{s!r} {p:.3f}" for s, p in row))
    print(f"filled: {filled}")
    return 0
