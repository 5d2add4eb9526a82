"""`tglm grade [weekN ...|all] [--impl exercises|solutions|pkg] [--json PATH]`: grade weeks via pytest.

Runs `python -m pytest exercises/weekN ...` in a fresh process from the repository root (so the
learner's latest edits are imported), with tracebacks off, and lets the course plugin print the
per-task table for each week and the total. Everything after `--` goes to pytest unchanged
(e.g. `tglm grade week1 -- --tb=short -k porter`). Exit code: pytest's (0 = every test passed).
Does not handle: grading a checkout other than the one found from the current directory.
"""
import argparse
import os
import re
import subprocess
import sys
from pathlib import Path

from .proxy import IMPL_ENV, repo_root


def find_root() -> Path:
    """The current directory (or a parent) holding exercises/, else the tinygrad_lm checkout."""
    for d in (Path.cwd(), *Path.cwd().parents):
        if (d / "exercises" / "__init__.py").is_file():
            return d
    return repo_root()


def exercise_weeks(root: Path):
    ex = root / "exercises"
    weeks = [d.name for d in ex.iterdir() if d.is_dir() and re.fullmatch(r"week\d+", d.name)] if ex.is_dir() else []
    return sorted(weeks, key=lambda w: int(w[4:]))


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    extra = []
    if "--" in argv:
        i = argv.index("--")
        argv, extra = argv[:i], argv[i + 1:]
    p = argparse.ArgumentParser(prog="tglm grade", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("weeks", nargs="*", default=["all"], help="week0 week1 ... or all (default: all)")
    p.add_argument("--impl", default=None,
                   help=f"what to grade: exercises (default), solutions, or a package path (or ${IMPL_ENV})")
    p.add_argument("--json", default=None, metavar="PATH", help="also write Gradescope results.json to PATH")
    p.add_argument("--tb", default="no", help="pytest traceback style (no, line, short, long; default no)")
    args = p.parse_args(argv)
    root = find_root()
    available = exercise_weeks(root)
    wanted = available if (not args.weeks or "all" in args.weeks) else \
        [f"week{w}" if str(w).isdigit() else w for w in args.weeks]
    missing = [w for w in wanted if w not in available]
    if missing or not wanted:
        print(f"tglm grade: no exercises folder for {', '.join(missing) or 'any week'} under {root}/exercises "
              f"(found: {', '.join(available) or 'none'})", file=sys.stderr)
        return 2
    cmd = [sys.executable, "-m", "pytest", *[f"exercises/{w}" for w in wanted], "-q", f"--tb={args.tb}",
           "-p", "no:cacheprovider", "-o", "addopts=", "-rN"]
    if args.impl:
        cmd.append(f"--impl={args.impl}")
    if args.json:
        cmd.append(f"--grade-json={os.path.abspath(args.json)}")
    cmd += extra
    print("running: " + " ".join(cmd[1:]), flush=True)
    return subprocess.call(cmd, cwd=str(root))
