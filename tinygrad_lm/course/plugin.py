"""pytest plugin of the course: --impl, the `task` marker, the grading summary and Gradescope JSON.

Loaded by exercises/conftest.py (which imports the hooks below), so it is active for
`pytest exercises/...` and not for the library's own tests/.

Grading rule (proportional): a task's points are split equally over the tests marked with it, and
each passing test earns its share. `@pytest.mark.task("2.3", points=3)` states the TASK's total (repeat
the same number on every test of the task; if they disagree the largest wins and the summary warns).
Failed, errored and skipped tests earn nothing. Tests without a task marker are reported, worth 0.

Does not handle: pytest-xdist (results are collected in-process), reruns of the same test id.
"""
import json
import os
import re
from collections import OrderedDict
from pathlib import Path

import pytest

from . import summary as _summary
from .proxy import IMPL_ENV, current_impl, set_impl

TASK_MARKER_HELP = ("task(id, points=1, title=None): this test grades course task `id` (e.g. \"2.3\"); "
                    "`points` is the task's total, shared by all of its tests")
_OUTPUT_LIMIT = 4000  # characters of traceback kept per test in the JSON


def pytest_addoption(parser):
    group = parser.getgroup("tinygrad_lm course")
    group.addoption("--impl", action="store", default=None,
                    help=f"package the tests grade: exercises (default), solutions, or any package path "
                         f"(the environment variable {IMPL_ENV} works too)")
    group.addoption("--grade-json", action="store", default=None, metavar="PATH",
                    help="write the grading result as Gradescope results.json to PATH")
    group.addoption("--no-grade-summary", action="store_true", default=False,
                    help="do not print the per-task grading table")


def pytest_configure(config):
    config.addinivalue_line("markers", TASK_MARKER_HELP)
    impl = config.getoption("--impl", default=None)
    if impl:
        set_impl(impl)
    # Grading goes on past a test file that cannot be collected: the table reports it instead.
    config.option.continue_on_collection_errors = True
    if not config.pluginmanager.has_plugin("tglm_course_grader"):
        config.pluginmanager.register(CourseGrader(config), "tglm_course_grader")


def pytest_report_header(config):
    return f"tinygrad_lm course: grading implementation {current_impl()!r} (choose with --impl)"


def _first_line(text: str) -> str:
    for line in str(text).splitlines():
        if line.strip():
            return line.strip()
    return ""


def _week_of(path: Path) -> str:
    for part in reversed(path.parts[:-1]):
        if re.fullmatch(r"week\d+", part):
            return part
    return path.parent.name


class CourseGrader:
    """Collects one record per test (and per collection error), then prints the table / writes JSON."""

    def __init__(self, config):
        self.config = config
        self.records = OrderedDict()      # nodeid -> dict
        self.collection_errors = []       # dicts

    # --- classification -------------------------------------------------------------------------
    def _rel(self, path) -> str:
        try:
            return os.path.relpath(str(path), str(self.config.rootpath))
        except ValueError:
            return str(path)

    def _impl_dirs(self):
        import importlib
        try:
            pkg = importlib.import_module(current_impl())
            return [os.path.realpath(p) for p in getattr(pkg, "__path__", [])]
        except Exception:
            return []

    def _classify(self, excinfo):
        """(kind, one-line reason) for an exception raised by a test."""
        exc = excinfo.value
        if isinstance(exc, NotImplementedError):
            entry = excinfo.traceback[-1]
            path = os.path.realpath(str(entry.path))
            if any(path.startswith(d + os.sep) for d in self._impl_dirs()):
                code = entry.frame.code.raw                        # co_qualname: "Value.__mul__", not "__mul__"
                func = getattr(code, "co_qualname", code.co_name)
                return "not_implemented", (f"not implemented yet (raise NotImplementedError in "
                                           f"{self._rel(path)}:{func})")
        if isinstance(exc, AssertionError):
            line = _first_line(str(exc))
            if not line:
                entry = excinfo.traceback[-1]
                line = f"assertion failed at {self._rel(entry.path)}:{entry.lineno + 1}"
            return "assertion", line
        if isinstance(exc, pytest.fail.Exception):
            return "assertion", _first_line(str(exc)) or "failed"
        if isinstance(exc, (ImportError, SyntaxError)):
            return "import_error", f"{type(exc).__name__}: {_first_line(str(exc))}"
        entry = excinfo.traceback[-1]
        return "exception", (f"{type(exc).__name__}: {_first_line(str(exc))} "
                             f"(at {self._rel(entry.path)}:{entry.lineno + 1})")

    # --- hooks ----------------------------------------------------------------------------------
    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item, call):
        outcome = yield
        rep = outcome.get_result()
        rec = self.records.get(item.nodeid)
        if rec is None:
            marker = item.get_closest_marker("task")
            task, points, title = None, 0.0, None
            if marker is not None:
                task = str(marker.args[0]) if marker.args else str(marker.kwargs.get("id", "?"))
                points = float(marker.kwargs.get("points", marker.args[1] if len(marker.args) > 1 else 1))
                title = marker.kwargs.get("title")
            rec = self.records[item.nodeid] = {
                "nodeid": item.nodeid, "name": item.name, "file": self._rel(item.path),
                "week": _week_of(Path(str(item.path))), "dir": str(Path(str(item.path)).parent),
                "task": task, "points": points, "title": title,
                "outcome": "passed", "kind": "passed", "reason": "", "output": ""}
        if rec["outcome"] != "passed":
            return                                   # keep the first problem (e.g. setup error)
        if rep.skipped:
            if hasattr(rep, "wasxfail"):
                rec.update(outcome="failed", kind="xfail", reason=f"expected failure: {rep.wasxfail}")
            else:
                reason = rep.longrepr[2] if isinstance(rep.longrepr, tuple) else str(rep.longrepr)
                rec.update(outcome="skipped", kind="skipped", reason=f"skipped: {_first_line(reason)}")
        elif rep.failed:
            kind, reason = self._classify(call.excinfo) if call.excinfo is not None else ("exception", "failed")
            if rep.when != "call":
                if kind != "not_implemented":
                    kind = "error"
                reason = f"error in {rep.when}: {reason}"
            rec.update(outcome="failed" if rep.when == "call" else "error", kind=kind, reason=reason,
                       output=rep.longreprtext[-_OUTPUT_LIMIT:])

    def pytest_collectreport(self, report):
        if report.failed:
            text = str(report.longrepr)
            lines = [ln for ln in text.splitlines() if ln.startswith("E ")]
            reason = lines[-1][1:].strip() if lines else _first_line(text)
            path = Path(str(report.fspath)) if report.fspath else Path(".")
            self.collection_errors.append({
                "nodeid": report.nodeid, "name": report.nodeid or "collection", "file": report.nodeid,
                "week": _week_of(path.resolve()) if report.fspath else "?", "dir": str(path.parent),
                "task": None, "points": 0.0, "title": None, "outcome": "error", "kind": "collection_error",
                "reason": f"collection error in {report.nodeid}: {reason}", "output": text[-_OUTPUT_LIMIT:]})

    def all_records(self):
        return list(self.records.values()) + self.collection_errors

    def pytest_terminal_summary(self, terminalreporter, exitstatus, config):
        records = self.all_records()
        if not records or config.getoption("--no-grade-summary"):
            return
        text = _summary.format_summary(records, impl=current_impl(), titles=_summary.find_titles(records))
        terminalreporter.write_sep("=", "tinygrad_lm course: grading summary")
        for line in text.splitlines():
            terminalreporter.write_line(line)

    def pytest_sessionfinish(self, session, exitstatus):
        path = self.config.getoption("--grade-json")
        if not path:
            return
        records = self.all_records()
        result = _summary.gradescope_json(records, impl=current_impl(), titles=_summary.find_titles(records))
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            json.dump(result, f, indent=1)


__all__ = ["pytest_addoption", "pytest_configure", "pytest_report_header"]
