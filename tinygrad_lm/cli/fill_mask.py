"""`tglm fill-mask --checkpoint PATH "text with [MASK]"`: a masked LM's top-k guesses for each [MASK]."""
import argparse

from ..models.mlm import MASK, fill_mask
from ..training.lm import load_mlm
from . import command
from .args import Parser, existing_file, positive_int


@command("tglm fill-mask")
def main(argv) -> int:
    p = Parser(prog="tglm fill-mask", description=f"top-k predictions of a masked LM for each {MASK} in a text",
               formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("text", help=f'text with one or more {MASK}, e.g. "To be or not to {MASK}{MASK}"')
    p.add_argument("--checkpoint", required=True, type=existing_file, help="written by `tglm train mlm`")
    p.add_argument("--top-k", type=positive_int, default=5, help="guesses shown per [MASK]")
    args = p.parse_args(argv)
    model, tok, mask_id = load_mlm(args.checkpoint)          # errors: one line (cli/__init__.py)
    preds, filled = fill_mask(model, tok, mask_id, args.text, args.top_k)
    for i, row in enumerate(preds):
        print(f"[MASK] #{i + 1}: " + "  ".join(f"{s!r} {p:.3f}" for s, p in row))
    print(f"filled: {filled}")
    return 0
