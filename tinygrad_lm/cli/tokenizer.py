"""`tglm tokenizer`: train, inspect and use byte-level BPE tokenizers from the command line.

    tglm tokenizer train --input data/tiny_shakespeare/input.txt --vocab-size 4096 --out shakespeare.bpe
    tglm tokenizer encode --tokenizer shakespeare.bpe --text "To be, or not to be"
    tglm tokenizer encode --tokenizer gpt2 --input some.txt --stats
    tglm tokenizer decode --tokenizer gpt2 2514 307 11 393 407 284 307
    tglm tokenizer vocab --tokenizer shakespeare.bpe --head 300

`--tokenizer gpt2` loads GPT-2's files from data/gpt2_bpe; anything else is a file written by
`train` (ByteLevelBPE.save). Errors (a missing or non-UTF-8 input, a directory given as input or
output, a file that is not a tokenizer) are one line and exit code 2 (cli/__init__.py).
Does not: stream files larger than memory.
"""
import sys
import time
from pathlib import Path

from ..tokenizers import ByteLevelBPE, load_gpt2
from . import command
from .args import Parser, existing_file, int_range, non_negative_int, output_file, positive_int, text_file


def _load(name):
    return load_gpt2() if name == "gpt2" else ByteLevelBPE.load(name)


def tokenizer_name(s: str) -> str:
    """An argparse type: 'gpt2' or an existing tokenizer file."""
    return s if s == "gpt2" else existing_file(s)


def _read(paths):
    return "".join(Path(p).read_text(encoding="utf-8") for p in paths)


@command("tglm tokenizer")
def main(argv=None) -> int:
    ap = Parser(prog="tglm tokenizer", description="byte-level BPE tokenizers")
    sub = ap.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("train", help="learn merges from text files and save the tokenizer")
    t.add_argument("--input", nargs="+", required=True, type=text_file, help="UTF-8 text file(s), concatenated")
    t.add_argument("--vocab-size", type=int_range(256), required=True, help="256 bytes + merges (specials come after)")
    t.add_argument("--pattern", default="gpt2", help="gpt2 | cl100k | none | a regex (default gpt2)")
    t.add_argument("--special", nargs="*", default=["<|endoftext|>"], help="special tokens (ids after the merges)")
    t.add_argument("--out", required=True, type=output_file, help="tokenizer file to write")
    t.add_argument("--vocab-out", type=output_file, help="also write a human-readable vocab dump here")
    e = sub.add_parser("encode", help="print token ids of a text")
    e.add_argument("--tokenizer", required=True, type=tokenizer_name, help="'gpt2' or a saved tokenizer file")
    src = e.add_mutually_exclusive_group(required=True)
    src.add_argument("--text")
    src.add_argument("--input", nargs="+", type=text_file)
    e.add_argument("--allow-special", action="store_true", help="encode special-token strings as their ids")
    e.add_argument("--stats", action="store_true", help="print counts and speed instead of the ids")
    d = sub.add_parser("decode", help="print the text of token ids")
    d.add_argument("--tokenizer", required=True, type=tokenizer_name)
    d.add_argument("ids", nargs="+", type=non_negative_int)
    v = sub.add_parser("vocab", help="print the vocabulary (control characters escaped)")
    v.add_argument("--tokenizer", required=True, type=tokenizer_name)
    v.add_argument("--head", type=positive_int, default=None, help="only the first N lines")
    args = ap.parse_args(argv)
    try:
        if args.cmd == "train":
            text = _read(args.input)
            pattern = None if args.pattern == "none" else args.pattern
            t0 = time.perf_counter()
            tok = ByteLevelBPE.train(text, args.vocab_size, pattern=pattern)
            dt = time.perf_counter() - t0
            tok.register_special_tokens(list(args.special))          # in order after the merges; duplicates refused
            tok.save(args.out)
            if args.vocab_out:
                Path(args.vocab_out).write_text("\n".join(tok.vocab_lines()) + "\n", encoding="utf-8")
            print(f"trained {len(tok.merges)} merges on {len(text):,} characters in {dt:.2f} s -> {args.out} "
                  f"(vocab {tok.vocab_size} incl. {len(tok.special_tokens)} special)")
        elif args.cmd == "encode":
            tok = _load(args.tokenizer)
            text = args.text if args.text is not None else _read(args.input)
            if args.stats:
                tok.encode("warm up")              # load the Numba kernel before timing
            t0 = time.perf_counter()
            ids = tok.encode(text, allowed_special="all" if args.allow_special else frozenset())
            dt = time.perf_counter() - t0
            if args.stats:
                nb = len(text.encode("utf-8"))
                print(f"{len(text):,} characters, {nb:,} bytes -> {len(ids):,} tokens "
                      f"({len(text) / max(len(ids), 1):.2f} chars/token) in {dt:.2f} s ({nb / max(dt, 1e-9) / 1e6:.1f} MB/s)")
            else:
                print(" ".join(map(str, ids)))
        elif args.cmd == "decode":
            sys.stdout.write(_load(args.tokenizer).decode(args.ids) + "\n")
        elif args.cmd == "vocab":
            lines = _load(args.tokenizer).vocab_lines()
            print("\n".join(lines[: args.head] if args.head else lines))
    except (ValueError, OSError, TypeError) as err:        # one line naming the subcommand
        print(f"tglm tokenizer {args.cmd}: {' '.join(str(err).split())}", file=sys.stderr)
        return 2
    return 0
