"""Argument checking shared by every `tglm` subcommand: argparse types with ranges, one-line usage errors.

    p = Parser(prog="tglm train gpt")
    p.add_argument("--block-size", type=positive_int, default=64)
    p.add_argument("--val-fraction", type=fraction, default=0.1)
    p.add_argument("--data", type=text_file, default="data/tiny_shakespeare/input.txt")

A type function gets the string from the command line and returns the value or raises
argparse.ArgumentTypeError; argparse then reports "argument --block-size: must be an integer >= 1,
got '0'". `Parser.error` raises UsageError instead of printing the multi-line usage and exiting,
so the one error handler (cli/__init__.py) prints ONE line `tglm <cmd>: <message>` and returns 2.
argparse also runs a type on a string default, so a missing default data file is reported too.

Handles: integers and floats with ranges (NaN and inf are refused everywhere), fractions, text files
that must exist and be UTF-8, output files and directories that must be creatable, and which
options the user typed (`explicit_dests`, for --resume). Does not handle: checks that need two
options at once (each command does those after parsing, e.g. --n-embd divisible by --n-head).
"""
import argparse
import math
import os


class UsageError(Exception):
    """Bad command-line input: the message names the option and says what to do instead."""


class Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors raise UsageError (one line) instead of printing usage + exit 2."""

    def error(self, message):
        raise UsageError(f"{message} (see `{self.prog} --help`)")


def _number(s: str, kind):
    try:
        x = kind(s)
    except (TypeError, ValueError):
        raise argparse.ArgumentTypeError(f"expected {'an integer' if kind is int else 'a number'}, got {s!r}") \
            from None
    if kind is float and not math.isfinite(x):
        raise argparse.ArgumentTypeError(f"must be a finite number, got {s!r}")
    return x


def int_range(lo=None, hi=None):
    """An argparse type: an int in [lo, hi] (None = unbounded)."""
    def check(s):
        x = _number(s, int)
        if (lo is not None and x < lo) or (hi is not None and x > hi):
            want = f">= {lo}" if hi is None else f"<= {hi}" if lo is None else f"in [{lo}, {hi}]"
            raise argparse.ArgumentTypeError(f"must be an integer {want}, got {s!r}")
        return x
    check.__name__ = "int"
    return check


def float_range(lo=None, hi=None, lo_open=False, hi_open=False):
    """An argparse type: a finite float in the interval lo..hi, each end closed unless *_open."""
    def check(s):
        x = _number(s, float)
        if (lo is not None and (x < lo or (lo_open and x == lo))) or \
                (hi is not None and (x > hi or (hi_open and x == hi))):
            if hi is None:
                want = f"{'>' if lo_open else '>='} {lo}"
            else:
                want = f"in {'(' if lo_open else '['}{lo}, {hi}{')' if hi_open else ']'}"
            raise argparse.ArgumentTypeError(f"must be a number {want}, got {s!r}")
        return x
    check.__name__ = "float"
    return check


positive_int = int_range(1)                    # sizes, counts of steps / batches
non_negative_int = int_range(0)                # "0 = none / off" counts, seeds
positive_float = float_range(0.0, lo_open=True)             # clip norm, budgets, penalties
non_negative_float = float_range(0.0)                        # learning rates, weight decay, temperature
fraction = float_range(0.0, 1.0, lo_open=True, hi_open=True)     # (0, 1): --val-fraction
probability = float_range(0.0, 1.0, lo_open=True)                 # (0, 1]: --mask-prob, --top-p
dropout = float_range(0.0, 1.0, hi_open=True)                     # [0, 1): --dropout, --warmup (char)


def text_file(s: str) -> str:
    """An argparse type: an existing, readable, non-empty UTF-8 text file; returns the path."""
    if not os.path.exists(s):
        raise argparse.ArgumentTypeError(f"file {s!r} not found (the course data lives in data/, e.g. "
                                         f"data/tiny_shakespeare/input.txt: run from the repository root)")
    if os.path.isdir(s):
        raise argparse.ArgumentTypeError(f"{s!r} is a directory; give a text file")
    try:
        with open(s, "rb") as f:
            raw = f.read()
    except OSError as e:
        raise argparse.ArgumentTypeError(f"cannot read {s!r}: {e.strerror}") from None
    if not raw:
        raise argparse.ArgumentTypeError(f"{s!r} is empty")
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise argparse.ArgumentTypeError(f"{s!r} is not UTF-8 text (byte 0x{raw[e.start]:02x} at offset "
                                         f"{e.start}); convert it first, e.g. `iconv -f latin1 -t utf-8`") from None
    return s


def existing_file(s: str) -> str:
    """An argparse type: an existing file (not a directory), e.g. a checkpoint; returns the path."""
    if not os.path.exists(s):
        raise argparse.ArgumentTypeError(f"file {s!r} not found")
    if os.path.isdir(s):
        raise argparse.ArgumentTypeError(f"{s!r} is a directory; give a file (e.g. {os.path.join(s, 'last.safetensors')})")
    if not os.access(s, os.R_OK):
        raise argparse.ArgumentTypeError(f"{s!r} is not readable")
    return s


def _nearest_existing(path: str) -> str:
    path = os.path.abspath(path)
    while not os.path.exists(path):
        path = os.path.dirname(path)
    return path


def output_dir(s: str) -> str:
    """An argparse type: a directory that exists or can be created (nothing is created here)."""
    if os.path.exists(s) and not os.path.isdir(s):
        raise argparse.ArgumentTypeError(f"{s!r} exists and is not a directory")
    base = _nearest_existing(s)
    if not os.path.isdir(base):
        raise argparse.ArgumentTypeError(f"cannot create directory {s!r}: {base!r} is a file")
    if not os.access(base, os.W_OK):
        raise argparse.ArgumentTypeError(f"directory {base!r} is not writable")
    return s


def output_file(s: str) -> str:
    """An argparse type: a file path whose folder exists and is writable, and which is not a directory."""
    if os.path.isdir(s):
        raise argparse.ArgumentTypeError(f"{s!r} is a directory; give a file name (e.g. {os.path.join(s, 'out.bpe')})")
    folder = os.path.dirname(os.path.abspath(s))
    if not os.path.isdir(folder):
        raise argparse.ArgumentTypeError(f"folder {os.path.dirname(s) or '.'!r} of {s!r} does not exist")
    if not os.access(folder, os.W_OK):
        raise argparse.ArgumentTypeError(f"folder {os.path.dirname(s) or '.'!r} is not writable")
    return s


def explicit_dests(parser: argparse.ArgumentParser, argv) -> set:
    """The dests the user set: options typed in argv, plus values set by parser.set_defaults (a --preset).
    Parses argv again with every action's default suppressed, so only given options land in the namespace."""
    saved = [(a, a.default) for a in parser._actions]
    try:
        for a, _ in saved:
            a.default = argparse.SUPPRESS
        ns, _ = parser.parse_known_args(argv)
    finally:
        for a, d in saved:
            a.default = d
    return set(vars(ns))


def flag(dest: str) -> str:
    """'block_size' -> '--block-size' (for messages)."""
    return "--" + dest.replace("_", "-")
