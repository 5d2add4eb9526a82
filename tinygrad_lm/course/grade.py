"""`tglm grade [weekN ...|all] [--impl ...] [--json PATH] [--time-limit S]`: grade weeks, robustly.

Runs `python -m pytest exercises/weekN ...` in a child process from the repository root (so the
learner's latest edits are imported), with tracebacks off; the course plugin writes the results file
after every test, and this command prints the per-task table FROM THAT FILE. It trusts only the
results file, never pytest's exit code:
- the results path is checked before anything runs (one line and exit 2 if it cannot be written);
- if the test process dies during a test (os._exit, a crash, a hang the plugin or this supervisor had
  to kill), that test scores 0 with a one-line reason and the remaining tests run in a fresh process
  (`pytest --grade-resume`), until every test is scored;
- the total is always the full points of the weeks graded.
Exit code: 0 = every graded test passed, 1 = some did not, 2 = nothing was graded (bad arguments,
unwritable path, pytest could not start). Ctrl-C stops the run and still prints the table (exit 130).
Everything after `--` goes to pytest unchanged (e.g. `tglm grade week1 -- --tb=short -k porter`).
Does not handle: grading a checkout other than the one found from the current directory.
"""
import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from . import results as _results
from . import summary as _summary
from .proxy import IMPL_ENV, repo_root

KILL_FACTOR, KILL_EXTRA = 3.0, 120.0   # last resort: kill a test still running after 3 x limit + 120 s
_RESUMABLE = ("not run: the test session stopped before this test",
              "not run: the grader stopped the test process after a test it could not interrupt")


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


def _run_child(cmd, root, out):
    """Run one pytest process; kill it if a test overstays far past its limit. (rc, killed, interrupted)"""
    proc = subprocess.Popen(cmd, cwd=str(root))
    killed = interrupted = False
    while True:
        try:
            return proc.wait(timeout=1.0), killed, interrupted
        except subprocess.TimeoutExpired:
            run = _results.meta_of(_results.read(out)).get("running") or {}
            if run.get("limit") and time.time() - run.get("started", time.time()) > \
                    KILL_FACTOR * run["limit"] + KILL_EXTRA:
                proc.kill()
                killed = True
        except KeyboardInterrupt:          # the child got the Ctrl-C too; let it write its results
            interrupted = True
            try:
                return proc.wait(timeout=5), killed, interrupted
            except subprocess.TimeoutExpired:
                proc.send_signal(signal.SIGINT)
                try:
                    return proc.wait(timeout=20), killed, interrupted
                except subprocess.TimeoutExpired:
                    proc.kill()
                    return proc.wait(), killed, interrupted


def _stack_location(text: str, impl_dir: Path):
    """(function, file:line, True) of the most recent frame under impl_dir in a faulthandler dump."""
    for m in re.finditer(r'File "([^"]+)", line (\d+) in (\S+)', text):
        path = os.path.realpath(m.group(1))
        if path.startswith(str(impl_dir) + os.sep):
            return m.group(3), f"{os.path.relpath(path, impl_dir.parent)}:{m.group(2)}", True
    return None


def crash_reason(run: dict, rc: int, killed: bool, stack_text: str, impl_dir: Path):
    """(kind, reason) for the test that was running when its process ended."""
    from .watchdog import timeout_reason
    limit = run.get("limit")
    if limit and (killed or stack_text.lstrip().startswith("Timeout")):
        where = _stack_location(stack_text, impl_dir)
        return "timeout", timeout_reason(limit, where) + " (the grader had to stop the test process)"
    if rc is not None and rc < 0:
        try:
            name = signal.Signals(-rc).name
        except ValueError:
            name = f"signal {-rc}"
        return "crashed", f"the test process was killed by {name} during this test (a crash in compiled code, or out of memory?)"
    return "crashed", "the test process exited: do not call os._exit/sys.exit in your code"


def _save(out, records, meta, impl):
    titles = meta.get("titles") or {}
    _results.atomic_write_json(out, _summary.gradescope_json(records, impl=impl, titles=titles, extra=meta))


def supervise(cmd, root: Path, out: Path, impl: str, say=print):
    """Run pytest (resuming after each death) until every test is scored. The results dict, or None."""
    impl_dir = (root / impl.replace(".", os.sep)).resolve()
    done_before, resume = -1, False
    while True:
        rc, killed, interrupted = _run_child(cmd + (["--grade-resume"] if resume else []), root, out)
        data = _results.read(out)
        meta = _results.meta_of(data)
        if data is None or meta.get("state") not in _results.STATES[1:]:
            return None
        records, state = _results.records_of(data), meta["state"]
        stack = Path(str(out) + ".stack")
        stack_text = stack.read_text(encoding="utf-8", errors="replace") if stack.is_file() else ""
        stack.unlink(missing_ok=True)
        run = meta.get("running") if state == "running" else None
        if run:
            kind, reason = crash_reason(run, rc, killed, stack_text, impl_dir)
            for r in records:
                if r["nodeid"] == run["nodeid"]:
                    r.update(outcome="failed" if kind == "timeout" else "error", kind=kind, reason=reason, output="")
            say(f"\ntglm grade: {run['nodeid']}: {reason}", flush=True)
        meta["running"] = None
        remaining = [r for r in records if r["kind"] == "not_run" and r["reason"] in _RESUMABLE]
        done = sum(r["kind"] != "not_run" for r in records)
        if interrupted or state in ("finished", "interrupted") or not remaining or done <= done_before:
            if remaining and not interrupted and state not in ("finished", "interrupted"):
                for r in remaining:      # the process died twice without scoring a test: give up on these
                    r["reason"] = "not run: the test process kept stopping before this test could run"
            meta["state"] = "interrupted" if interrupted or state == "interrupted" else "finished"
            _save(out, records, meta, impl)
            return _results.read(out)
        say(f"tglm grade: grading the {len(remaining)} remaining test(s) in a fresh process", flush=True)
        meta["state"] = "running"
        _save(out, records, meta, impl)
        done_before, resume = done, True


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
    p.add_argument("--time-limit", type=float, default=None, metavar="SECONDS",
                   help="time limit of every test (default: each test's own, usually 30 s; 0 = none)")
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
    impl = args.impl or os.environ.get(IMPL_ENV) or "exercises"
    tmp = None if args.json else tempfile.mkdtemp(prefix="tglm-grade-")
    try:
        out = _results.prepare(args.json or os.path.join(tmp, "results.json"), _results.placeholder(
            impl, "the grader did not get to run any test: this submission scores 0"))
    except _results.ResultsPathError as e:
        print(f"tglm grade: {e}", file=sys.stderr)
        return 2
    try:
        cmd = [sys.executable, "-m", "pytest", *[f"exercises/{w}" for w in wanted], "-q", f"--tb={args.tb}",
               "-p", "no:cacheprovider", "-o", "addopts=", "-rN", "--no-grade-summary", f"--grade-json={out}"]
        if args.impl:
            cmd.append(f"--impl={args.impl}")
        if args.time_limit is not None:
            cmd.append(f"--time-limit={args.time_limit:g}")
        cmd += extra
        print("running: " + " ".join(cmd[1:]), flush=True)
        data = supervise(cmd, root, out, impl)
        if data is None:
            print(f"tglm grade: pytest stopped before it graded anything (see its messages above); "
                  f"{out} scores 0", file=sys.stderr)
            return 2
        records = _results.records_of(data)
        meta = _results.meta_of(data)
        print()
        print(_summary.format_summary(records, impl=impl, titles=meta.get("titles") or {}))
        if meta.get("state") == "interrupted":
            print("the run was interrupted (Ctrl-C): the tests that did not run score 0")
            return 130
        graded = [r for r in records if r.get("task")]
        return 0 if graded and all(r["outcome"] == "passed" for r in graded) else 1
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
