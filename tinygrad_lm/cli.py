"""`tglm` (same as `python -m tinygrad_lm`): the command line of the course.

Each subcommand lives in the module that owns the concept; this file only dispatches, importing
a subcommand's module when it is used, so `tglm --help` is instant and one broken week cannot
break the others. A subcommand is "module:function"; the function takes argv (list of str) and
returns an exit code.
"""
import importlib
import sys

from . import _threads  # noqa: F401  (thread settings before numpy)

# name -> (module:function, one-line help). Add a line here to add a subcommand.
COMMANDS = {
    "demo":     ("tinygrad_lm.demo:main", "the shipped story model tells a story in seconds; `demo --train` trains a small GPT"),
    "info":     ("tinygrad_lm.info:main", "versions, Numba threads and JIT state, kernel cache location"),
    "bench":    ("tinygrad_lm.benchmarks:main", "benchmark the kernels (and models) against NumPy / PyTorch"),
    "course":   ("tinygrad_lm.course.build:main", "(instructors only) `course build` regenerates exercise stubs, `course gradescope weekN` zips an autograder"),
    "grade":    ("tinygrad_lm.course.grade:main", "grade exercises/weekN (or all) with the autograder tests; prints points per task"),
    "tokenizer": ("tinygrad_lm.tokenizers.cli:main", "byte-level BPE: `tokenizer train|encode|decode|vocab`"),
    "train":    ("tinygrad_lm.train:main", "train a model: `train char-lstm|char-rnn|gpt [options]`"),
    "ckpt":     ("tinygrad_lm.checkpoint:main", "inspect a checkpoint / safetensors file: metadata, tensor names, dtypes, shapes"),
    "sample":   ("tinygrad_lm.train_charlm:main_sample", "generate text from a char-lstm/char-rnn checkpoint (week 3)"),
    "generate": ("tinygrad_lm.generate_cli:main", "stream text from a GPT checkpoint (`tglm train gpt`), KV-cached"),
    "fill-mask": ("tinygrad_lm.train_mlm:main_fill_mask", "top-k predictions for each [MASK] of a masked-LM checkpoint"),
    "pretrain": ("tinygrad_lm.pretrain:main", "pretrain a small story GPT (BPE + GPT on TinyStories + Gutenberg); --export it"),
}


def _usage() -> str:
    width = max(len(n) for n in COMMANDS)
    lines = ["usage: tglm <command> [options]   (same as: python -m tinygrad_lm <command>)", "",
             "commands:"]
    lines += [f"  {name:<{width}}  {help_}" for name, (_, help_) in COMMANDS.items()]
    lines += ["", "Run `tglm <command> --help` for a command's options."]
    return "\n".join(lines)


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help", "help"):
        print(_usage())
        return 0
    name, rest = argv[0], argv[1:]
    if name not in COMMANDS:
        print(f"tglm: unknown command {name!r}\n\n{_usage()}", file=sys.stderr)
        return 2
    module_name, func_name = COMMANDS[name][0].split(":")
    func = getattr(importlib.import_module(module_name), func_name)
    code = func(rest)
    return 0 if code is None else int(code)
