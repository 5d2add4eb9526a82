"""`tglm` (same as `python -m tinygrad_lm`): the command line of the course.

Each subcommand's argument parsing lives in its own module of this package (cli/train.py,
cli/generate.py, ...) and calls the library (training/, generation/, models/); the course and the
benchmarks keep their own entry points (course/grade.py, course/build.py, benchmarks/). This file only
dispatches, importing a subcommand's module when it is used, so `tglm --help` is instant and one
broken week cannot break the others. A subcommand is "module:function"; the function takes argv (list of str) and
returns an exit code.
"""
import importlib
import sys

from .. import _threads  # noqa: F401  (thread settings before numpy)

# name -> (module:function, one-line help). Add a line here to add a subcommand.
COMMANDS = {
    "demo":     ("tinygrad_lm.cli.demo:main", "the shipped story model tells a story in seconds; `demo --train` trains a small GPT"),
    "train":    ("tinygrad_lm.cli.train:main", "train a model: `train gpt|mlm|char-lstm|char-rnn [options]`"),
    "generate": ("tinygrad_lm.cli.generate:main", "stream text from a GPT (checkpoint or pretrained name), KV-cached"),
    "sample":   ("tinygrad_lm.cli.sample:main", "generate text from a char-lstm/char-rnn checkpoint (week 3)"),
    "fill-mask": ("tinygrad_lm.cli.fill_mask:main", "top-k predictions for each [MASK] of a masked-LM checkpoint (`train mlm`)"),
    "pretrain": ("tinygrad_lm.cli.pretrain:main", "pretrain a small GPT from a JSON config (corpus + BPE + GPT); --export it"),
    "tokenizer": ("tinygrad_lm.cli.tokenizer:main", "byte-level BPE: `tokenizer train|encode|decode|vocab`"),
    "human-eval": ("tinygrad_lm.cli.human_eval:main", "blind pairwise human evaluation in the terminal (resumable); --analyze, --detect, --make-items"),
    "grade":    ("tinygrad_lm.course.grade:main", "grade exercises/weekN (or all) with the autograder tests; prints points per task"),
    "ckpt":     ("tinygrad_lm.cli.ckpt:main", "inspect a checkpoint / safetensors file: metadata, tensor names, dtypes, shapes"),
    "info":     ("tinygrad_lm.cli.info:main", "versions, Numba threads and JIT state, kernel cache location"),
    "bench":    ("tinygrad_lm.benchmarks:main", "benchmark the kernels (and models) against NumPy / PyTorch"),
    "course":   ("tinygrad_lm.course.build:main", "(instructors only) `course build` regenerates exercise stubs, `course gradescope weekN` zips an autograder"),
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
