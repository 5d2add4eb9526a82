"""pytest plugin of the course: --impl, the `task` marker, time limits, the grading table and results file.

Loaded by exercises/conftest.py (which imports the hooks below), so it is active for
`pytest exercises/...` and not for the library's own tests/.

Grading rule (proportional, see summary.py): a task's points are split equally over its tests, and each
passing test earns its share. `@pytest.mark.task("2.3", points=3)` states the TASK's total. Every test
a week declares counts in the total, run or not; a test that fails, errors, is skipped, times out,
crashes the process or is interrupted earns 0, always with a one-line reason.

Never fooled, hung or silently wrong:
- a test passes only when its call phase passed (a `raise KeyboardInterrupt` / `pytest.exit` in the
  learner's code is a failure of that test, and the run goes on; a real Ctrl-C stops the run);
- each test has a time limit (`--time-limit`, `@pytest.mark.time_limit(seconds)`, DEFAULT_TIME_LIMIT;
  see watchdog.py);
- `--grade-json PATH` is written before the first test (an unwritable path stops pytest at once,
  exit 2) and again after every test, atomically, naming the next test as "running": a run killed at
  any moment leaves a valid file in which every test that did not finish scores 0.
Does not handle: pytest-xdist (results are collected in-process), reruns of the same test id.
"""
import os
import re
import time
from collections import OrderedDict
from pathlib import Path

import pytest

from . import outcomes as _outcomes
from . import results as _results
from . import summary as _summary
from .outcomes import OUTPUT_LIMIT, first_line
from .proxy import IMPL_ENV, current_impl, set_impl
from .watchdog import Watchdog

# The slowest reference solution takes ~3 s on the 2-core course machine (week 4, test_mlm, Numba
# compilation excluded); 10x that. A real endless loop is reported after this long.
DEFAULT_TIME_LIMIT = 30.0
TASK_MARKER_HELP = ("task(id, points=1, title=None): this test grades course task `id` (e.g. \"2.3\"); "
                    "`points` is the task's total, shared by all of its tests")
LIMIT_MARKER_HELP = (f"time_limit(seconds): this test's time limit (default {DEFAULT_TIME_LIMIT:g} s; "
                     f"--time-limit on the command line overrides it)")
NOT_RUN = "not run: the test session stopped before this test"
CRASHED = ("the test process stopped during this test (it called os._exit, crashed, or was stopped "
           "after its time limit)")


def pytest_addoption(parser):
    group = parser.getgroup("tinygrad_lm course")
    group.addoption("--impl", action="store", default=None,
                    help=f"package the tests grade: exercises (default), solutions, or any package path "
                         f"(the environment variable {IMPL_ENV} works too)")
    group.addoption("--grade-json", action="store", default=None, metavar="PATH",
                    help="write the grading result as Gradescope results.json to PATH (after every test)")
    group.addoption("--grade-resume", action="store_true", default=False,
                    help="continue the run recorded in --grade-json: skip the tests it already scored "
                         "(used by `tglm grade` after a test process died)")
    group.addoption("--no-grade-summary", action="store_true", default=False,
                    help="do not print the per-task grading table")
    group.addoption("--time-limit", action="store", type=float, default=None, metavar="SECONDS",
                    help=f"time limit of every test, overriding time_limit markers (default: the marker, "
                         f"else {DEFAULT_TIME_LIMIT:g}); 0 turns time limits off")
    group.addoption("--task", action="append", default=[], metavar="ID",
                    help="run only the tests of these tasks (e.g. --task 4.2 or --task 4.2,4.3)")


def pytest_configure(config):
    config.addinivalue_line("markers", TASK_MARKER_HELP)
    config.addinivalue_line("markers", LIMIT_MARKER_HELP)
    impl = config.getoption("--impl", default=None)
    if impl:
        set_impl(impl)
    # Grading goes on past a test file that cannot be collected: the table reports it instead.
    config.option.continue_on_collection_errors = True
    if not config.pluginmanager.has_plugin("tglm_course_grader"):
        grader = CourseGrader(config)
        config.pluginmanager.register(grader, "tglm_course_grader")
        grader.setup()


def pytest_report_header(config):
    limit = config.getoption("--time-limit", default=None)
    limit = (f"{DEFAULT_TIME_LIMIT:g} s per test" if limit is None else "off" if not limit else f"{limit:g} s per test")
    return f"tinygrad_lm course: grading implementation {current_impl()!r} (choose with --impl); time limit {limit}"


def _week_of(path: Path) -> str:
    for part in reversed(path.parts[:-1]):
        if re.fullmatch(r"week\d+", part):
            return part
    return path.parent.name


def _task_of(item):
    """(task id, points, title) from the item's task marker, or (None, 0.0, None)."""
    marker = item.get_closest_marker("task")
    if marker is None:
        return None, 0.0, None
    task = str(marker.args[0]) if marker.args else str(marker.kwargs.get("id", "?"))
    points = float(marker.kwargs.get("points", marker.args[1] if len(marker.args) > 1 else 1))
    return task, points, marker.kwargs.get("title")


class CourseGrader:
    """Keeps one record per declared test, writes the results file after every test, prints the table."""

    def __init__(self, config):
        self.config = config
        self.records = OrderedDict()      # nodeid -> record (see summary.py)
        self.collection_errors = {}       # file nodeid -> record without a task
        self.phases = {}                  # nodeid -> {"setup"/"call"/"teardown": (report, kind, reason)}
        self.path = None
        self.running = None               # {"nodeid", "started", "limit"} of the test about to run
        self.state = "starting"
        self.titles = {}
        self.done = set()                 # --grade-resume: tests already scored
        self.tasks = {t.strip() for v in config.getoption("--task") or [] for t in v.split(",") if t.strip()}
        self.cli_limit = config.getoption("--time-limit")
        self._impl_dirs_cache = None
        self._term_fd = self._err_fd = self._stack = None
        self._write_failed = False
        self.dog = Watchdog(self._impl_dirs, self._hard_timeout)

    # --- setup / teardown -------------------------------------------------------------------------
    def setup(self):
        if self.cli_limit is not None and self.cli_limit < 0:
            raise pytest.UsageError(f"--time-limit must be >= 0 seconds (0 = no limit), got {self.cli_limit:g}")
        option = self.config.getoption("--grade-json")
        try:
            if option and self.config.getoption("--grade-resume"):
                data = _results.read(option)
                if data is None:
                    pytest.exit(f"tinygrad_lm course: --grade-resume: no results file to resume at {option}",
                                returncode=2)
                for rec in _results.records_of(data):
                    self.records[rec["nodeid"]] = rec
                self.done = {n for n, r in self.records.items() if r["kind"] != "not_run"}
                self.titles = _results.meta_of(data).get("titles") or {}
                self.path = _results.prepare(option, data)
            elif option:
                self.path = _results.prepare(option, _results.placeholder(
                    current_impl(), "the grader started but no test finished yet: this submission scores 0"))
        except _results.ResultsPathError as e:
            pytest.exit(f"tinygrad_lm course: --grade-json: {e}", returncode=2)
        try:   # pytest's capture is suspended now: fds 1 and 2 are the terminal
            self._term_fd, self._err_fd = os.dup(1), os.dup(2)
        except OSError:
            self._term_fd = self._err_fd = None
        if self.path is not None:             # layer 3 of the watchdog dumps the stacks here
            self._stack = open(str(self.path) + ".stack", "w", encoding="utf-8")
        self.dog._stack_file = self._stack if self._stack is not None else self._err_fd
        self.dog.install()

    def pytest_unconfigure(self, config):
        self.dog.uninstall()
        for fd in (self._term_fd, self._err_fd):
            if fd is not None:
                os.close(fd)
        if self._stack is not None:
            self._stack.close()
            try:
                if os.path.getsize(self._stack.name) == 0:
                    os.unlink(self._stack.name)
            except OSError:
                pass

    # --- records ----------------------------------------------------------------------------------
    def _rel(self, path) -> str:
        try:
            return os.path.relpath(str(path), str(self.config.rootpath))
        except ValueError:
            return str(path)

    def _record(self, item, reason=NOT_RUN) -> dict:
        task, points, title = _task_of(item)
        path = Path(str(item.path))
        return {"nodeid": item.nodeid, "name": item.name, "file": self._rel(path), "week": _week_of(path),
                "dir": str(path.parent), "task": task, "points": points, "title": title,
                "outcome": "error", "kind": "not_run", "reason": reason, "output": ""}

    def all_records(self):
        return list(self.records.values()) + list(self.collection_errors.values())

    def _impl_dirs(self):
        if self._impl_dirs_cache is None:
            import importlib
            try:
                pkg = importlib.import_module(current_impl())
                self._impl_dirs_cache = [os.path.realpath(p) for p in getattr(pkg, "__path__", [])]
            except Exception:
                return []
        return self._impl_dirs_cache

    def _limit(self, item):
        if self.cli_limit is not None:
            return self.cli_limit or None
        marker = item.get_closest_marker("time_limit")
        if marker is not None:
            return float(marker.args[0] if marker.args else marker.kwargs["seconds"]) or None
        return DEFAULT_TIME_LIMIT

    # --- collection -------------------------------------------------------------------------------
    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, session, config, items):
        keep, drop = [], []
        for item in items:
            skip = item.nodeid in self.done or (self.tasks and _task_of(item)[0] not in self.tasks)
            (drop if skip else keep).append(item)
        if drop:
            items[:] = keep
            config.hook.pytest_deselected(items=drop)

    def pytest_deselected(self, items):
        for item in items:
            if item.nodeid not in self.records:
                self.records[item.nodeid] = self._record(item, "not run in this session (deselected)")

    def pytest_collectreport(self, report):
        if not report.failed:
            return
        text = str(report.longrepr)
        lines = [ln for ln in text.splitlines() if ln.startswith("E ")]
        reason = lines[-1][1:].strip() if lines else first_line(text)
        path = Path(str(report.fspath)).resolve() if report.fspath else Path(".")
        self.collection_errors[report.nodeid] = {
            "nodeid": report.nodeid, "name": report.nodeid or "collection", "file": report.nodeid,
            "week": _week_of(path) if report.fspath else "?", "dir": str(path.parent if path.suffix else path),
            "task": None, "points": 0.0, "title": None, "outcome": "error", "kind": "collection_error",
            "reason": f"collection error in {report.nodeid}: {reason}", "output": text[-OUTPUT_LIMIT:]}

    @pytest.hookimpl(trylast=True)
    def pytest_collection_finish(self, session):
        for item in session.items:
            self.records[item.nodeid] = self._record(item)
        self._add_declared_tests()
        self.titles = {**_summary.find_titles(self.all_records()), **self.titles}
        self._flag(session.items[0] if session.items else None)
        self._write("running")

    def _add_declared_tests(self):
        """Tests declared in the touched weeks' test files but not collected (a file that does not
        import, or was not selected) still count: one record each, worth 0."""
        dirs = {r["dir"] for r in self.all_records() if r.get("dir")}
        known = {n.split("[")[0] for n in self.records}
        for d in sorted(dirs):
            for test_file in sorted(Path(d).glob("test_*.py")):
                rel = self._rel(test_file)
                error = self.collection_errors.get(rel)
                declared = _results.declared_tests(test_file)
                for name, task, points, title in declared:
                    nodeid = f"{rel}::{name}"
                    if nodeid in known:
                        continue
                    self.records[nodeid] = {
                        "nodeid": nodeid, "name": name.split("::")[-1], "file": rel, "week": _week_of(test_file),
                        "dir": d, "task": task, "points": points, "title": title, "outcome": "error",
                        "kind": "collection_error" if error else "not_run", "output": error["output"] if error else "",
                        "reason": error["reason"] if error else "not run in this session (its file was not selected)"}
                if error and declared:
                    del self.collection_errors[rel]      # its tests carry the error (and their points) now

    # --- running a test ---------------------------------------------------------------------------
    def _flag(self, item):
        """Name `item` in the results file as the test running now: if the process dies before the
        next write, that file already scores it 0 as 'crashed'."""
        if self.running is not None:
            rec = self.records.get(self.running["nodeid"])
            if rec is not None and rec["kind"] == "crashed" and rec["reason"] == CRASHED:
                rec.update(outcome="error", kind="not_run", reason=NOT_RUN, output="")
        self.running = None
        if item is not None and item.nodeid in self.records:
            self.records[item.nodeid].update(outcome="error", kind="crashed", reason=CRASHED, output="")
            self.running = {"nodeid": item.nodeid, "started": time.time(), "limit": self._limit(item)}

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_protocol(self, item, nextitem):
        rec = self.records.get(item.nodeid)
        if rec is None:
            rec = self.records[item.nodeid] = self._record(item)
        self.phases[item.nodeid] = {}
        self.dog.start(item.nodeid, self._limit(item))
        outcome = yield
        self.dog.stop()
        stopped = outcome.excinfo is not None and isinstance(outcome.excinfo[1], KeyboardInterrupt)
        _outcomes.finish(rec, self.phases.pop(item.nodeid, {}), stopped)
        self._flag(None if stopped else nextitem)
        self._write()

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item, call):
        rep = (yield).get_result()
        self.phases.setdefault(item.nodeid, {})[rep.when] = _outcomes.phase(rep, call, self._impl_dirs(), self._rel)

    # A `raise KeyboardInterrupt` or pytest.exit() in the code under test would end the whole session
    # (pytest re-raises both); turn them into a failure of this test. A real Ctrl-C still stops the run.
    # `in_test` tells the watchdog that a time-out may be raised now (not inside pytest's own code).
    def _guarded(self):
        self.dog.in_test = True
        outcome = yield
        self.dog.in_test = False
        _outcomes.tame(outcome, self.dog.user_interrupted or not self.dog.signals, self._impl_dirs())

    @pytest.hookimpl(hookwrapper=True, trylast=True)
    def pytest_runtest_setup(self, item):
        yield from self._guarded()

    @pytest.hookimpl(hookwrapper=True, trylast=True)
    def pytest_runtest_call(self, item):
        yield from self._guarded()

    @pytest.hookimpl(hookwrapper=True, trylast=True)
    def pytest_runtest_teardown(self, item, nextitem):
        yield from self._guarded()

    # --- results ----------------------------------------------------------------------------------
    def _write(self, state=None):
        if state is not None:
            self.state = state
        if self.path is None:
            return
        extra = {"state": self.state, "impl": current_impl(), "titles": self.titles, "updated": time.time(),
                 "running": self.running if self.state == "running" else None}
        data = _summary.gradescope_json(self.all_records(), impl=current_impl(), titles=self.titles, extra=extra)
        try:
            _results.atomic_write_json(self.path, data)
        except OSError as e:
            if not self._write_failed:
                self._write_failed = True
                self._say(f"tinygrad_lm course: could not update {self.path}: {e}")

    def _say(self, text: str):
        if self._term_fd is not None:
            try:
                os.write(self._term_fd, (text.rstrip("\n") + "\n").encode("utf-8", "replace"))
            except OSError:
                pass

    def _hard_timeout(self, nodeid, reason):
        """Layer 2 of the watchdog (its thread): the test ignored the timeout; record, report, end."""
        rec = self.records.get(nodeid)
        if rec is not None:
            rec.update(outcome="failed", kind="timeout", reason=reason, output="")
        for r in self.records.values():
            if r["kind"] == "not_run" and r["reason"] == NOT_RUN:
                r["reason"] = "not run: the grader stopped the test process after a test it could not interrupt"
        self.running = None
        self._write("stopped")
        self._say(f"\n\ntinygrad_lm course: {nodeid}: {reason}.\nThe remaining tests were not run "
                  f"(`tglm grade` runs them in a fresh process).")
        if not self.config.getoption("--no-grade-summary"):
            self._say(_summary.format_summary(self.all_records(), impl=current_impl(), titles=self.titles))

    def pytest_keyboard_interrupt(self, excinfo):
        self.dog.user_interrupted = True

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionfinish(self, session, exitstatus):
        interrupted = self.dog.user_interrupted or exitstatus == pytest.ExitCode.INTERRUPTED
        self._flag(None)
        why = "not run: the run was interrupted (Ctrl-C)" if interrupted else \
            "not run: the session stopped early (-x / --maxfail)" if session.shouldfail or session.shouldstop else None
        for r in self.records.values():
            if why and r["kind"] == "not_run" and r["reason"] == NOT_RUN:
                r["reason"] = why
        self._write("interrupted" if interrupted else "finished")

    def pytest_terminal_summary(self, terminalreporter, exitstatus, config):
        records = self.all_records()
        if not records or config.getoption("--no-grade-summary"):
            return
        text = _summary.format_summary(records, impl=current_impl(), titles=self.titles)
        terminalreporter.write_sep("=", "tinygrad_lm course: grading summary")
        for line in text.splitlines():
            terminalreporter.write_line(line)


__all__ = ["pytest_addoption", "pytest_configure", "pytest_report_header"]
