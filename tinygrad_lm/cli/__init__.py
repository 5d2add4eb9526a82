"""`tglm` (same as `python -m tinygrad_lm`): the command line of the course.

Each subcommand's argument parsing lives in its own module of this package (cli/train.py,
cli/generate.py, ...) and calls the library (training/, generation/, models/); the course and the
benchmarks keep their own entry points (course/grade.py, course/build.py, benchmarks/). This file only
dispatches, importing a subcommand's module when it is used, so `tglm --help` is instant and one
broken week cannot break the others. A subcommand is "module:function"; the function takes argv (list of str) and
returns an exit code.

Errors: every subcommand runs inside `run_command` (main() below, and the @command decorator on each
subcommand's own main, for callers that import it): bad input and the library's own exceptions
(ValueError incl. CheckpointError and UnicodeDecodeError, TypeError, KeyError, OSError incl.
FileNotFoundError, UsageError from cli/args.py, any exception class defined in tinygrad_lm such as
training.loop.TrainingError) become ONE line `tglm <cmd>: <message>` on stderr and exit code 2.
Ctrl-C prints one line (for training: where the last checkpoint is and how to resume) and exits
130, the shell's code for SIGINT. `tglm --debug <cmd> ...` or TGLM_DEBUG=1 also prints the traceback.
"""
import functools
import importlib
import os
import sys
import traceback

from .. import _threads  # noqa: F401  (thread settings before numpy)
from .args import UsageError

# name -> (module:function, one-line help). Add a line here to add a subcommand.
COMMANDS = {
    "demo":     ("tinygrad_lm.cli.demo:main", "the shipped story model tells a story in seconds; `demo --train` trains a small GPT"),
    "train":    ("tinygrad_lm.cli.train:main", "train a model: `train gpt|mlm|char-lstm|char-rnn|clip|captioner [options]`"),
    "caption":  ("tinygrad_lm.cli.caption:main", "caption 32x32 PNG images of the week 7 Shapes world (prefix captioner on CLIP)"),
    "generate": ("tinygrad_lm.cli.generate:main", "stream text from a GPT (checkpoint or pretrained name), KV-cached"),
    "sample":   ("tinygrad_lm.cli.sample:main", "generate text from a char-lstm/char-rnn checkpoint (week 3)"),
    "fill-mask": ("tinygrad_lm.cli.fill_mask:main", "top-k predictions for each [MASK] of a masked-LM checkpoint (`train mlm`)"),
    "pretrain": ("tinygrad_lm.cli.pretrain:main", "pretrain a small GPT from a JSON config (corpus + BPE + GPT); --export it"),
    "scale":    ("tinygrad_lm.cli.scale:main", "parameters, FLOPs, compute, memory and time of a GPT-3 / GPT-2 size (week 5)"),
    "tokenizer": ("tinygrad_lm.cli.tokenizer:main", "byte-level BPE: `tokenizer train|encode|decode|vocab`"),
    "chat":     ("tinygrad_lm.cli.chat:main", "talk to the course assistant: streaming, /commands, retrieval with sources; --web serves a local page"),
    "human-eval": ("tinygrad_lm.cli.human_eval:main", "blind pairwise human evaluation in the terminal (resumable); --analyze, --detect, --make-items"),
    "hint":     ("tinygrad_lm.course.hints:main", "the next step of a task's approach, one per call: `hint 4.11`"),
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
    lines += ["", "Run `tglm <command> --help` for a command's options. Errors are one line (exit 2; Ctrl-C: 130);",
              "`tglm --debug <command> ...` or TGLM_DEBUG=1 also shows the Python traceback."]
    return "\n".join(lines)


_debug = False                       # set by `tglm --debug ...`


def _message(e: BaseException) -> str:
    """One line for an exception: OSError as 'reason: path', KeyError without repr quotes noise."""
    if isinstance(e, OSError) and e.strerror:
        msg = f"{e.strerror}: {e.filename}" if e.filename else e.strerror
    elif isinstance(e, UnicodeDecodeError):
        msg = f"a file is not UTF-8 text ({e})"
    elif isinstance(e, KeyError):
        msg = f"missing entry {e.args[0]!r}" if e.args else "missing entry"
    else:
        msg = str(e) or type(e).__name__
    return " ".join(line.strip() for line in msg.splitlines() if line.strip())


def _is_reported(e: BaseException) -> bool:
    """Exceptions shown as one line: bad input and the library's own errors (not bugs like AttributeError)."""
    return (isinstance(e, (UsageError, ValueError, TypeError, KeyError, OSError))
            or type(e).__module__.startswith("tinygrad_lm."))


def run_command(cmd: str, func, argv) -> int:
    """func(argv) -> exit code, with errors turned into one line `cmd: message` on stderr (exit 2; Ctrl-C 130)."""
    debug = _debug or os.environ.get("TGLM_DEBUG", "") not in ("", "0")
    try:
        code = func(argv)
    except SystemExit as e:                      # --help (0), or a library calling sys.exit
        if isinstance(e.code, int) or e.code is None:
            return e.code or 0
        print(f"{cmd}: {e.code}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as e:
        if debug:
            traceback.print_exc()
        print(f"{cmd}: {_message(e) if str(e) else 'interrupted (Ctrl-C)'}", file=sys.stderr)
        return 130
    except BrokenPipeError:                      # `tglm ... | head`: the reader left; nothing to report
        try:                                     # Python's recipe: no second error when stdout is flushed at exit
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except (OSError, ValueError):
            pass
        return 141                               # 128 + SIGPIPE, as a shell reports it
    except Exception as e:                       # noqa: BLE001 (filtered by _is_reported, others re-raised)
        if not _is_reported(e):
            raise
        if debug:
            traceback.print_exc()
        print(f"{cmd}: {_message(e)}", file=sys.stderr)
        return 2
    return 0 if code is None else int(code)


def command(cmd: str):
    """Decorator for a subcommand's main(argv): errors become one line (see run_command)."""
    def wrap(func):
        @functools.wraps(func)
        def wrapper(argv=None):
            return run_command(cmd, func, list(sys.argv[1:] if argv is None else argv))
        return wrapper
    return wrap


def main(argv=None) -> int:
    global _debug
    argv = list(sys.argv[1:] if argv is None else argv)
    _debug = bool(argv) and argv[0] == "--debug"
    argv = argv[1:] if _debug else argv
    if not argv or argv[0] in ("-h", "--help", "help"):
        print(_usage())
        return 0
    name, rest = argv[0], argv[1:]
    if name not in COMMANDS:
        print(f"tglm: unknown command {name!r}; commands: {', '.join(COMMANDS)} (`tglm --help`)", file=sys.stderr)
        return 2
    module_name, func_name = COMMANDS[name][0].split(":")
    return run_command(f"tglm {name}", lambda a: getattr(importlib.import_module(module_name), func_name)(a), rest)
