"""Turn per-test records into the grading table and the Gradescope results.json (pure functions).

A record is a dict made by the pytest plugin (plugin.py): nodeid, name, file, week, dir, task (id or
None), points (the task's total), title, outcome (passed / failed / error / skipped), kind (see KINDS),
reason (one line) and output (traceback text).

Grading rule (proportional): a task's points are shared equally by its tests; a passing test earns its
share. Every declared test counts, whether it ran or not: a test that was not run, timed out, crashed
or was interrupted earns 0, so a week's total is always the full points of its tasks.
Points are counted in integer units of 1/10000 point (UNITS): a task's units are split over its tests
with the remainder going to the first tests, so the per-test max_score of the JSON sum EXACTLY to the
task's points (2 points over 3 tests: 0.6667 + 0.6667 + 0.6666).
Does not handle: weighting tests of one task differently (split the task, or give tests their own ids).
"""
import re
import textwrap
from collections import OrderedDict
from pathlib import Path

_TASK_LINE = re.compile(r"Task\s+(\d+(?:\.\d+)+)\s*[:.\-]\s*(.+)")
UNITS = 10_000                      # points are counted in 1/UNITS
REASON_WIDTH = 100                  # the table wraps reasons at this width (never cuts them)
# kind -> what it means; every kind but "passed" earns 0
KINDS = {
    "passed": "the test passed",
    "not_implemented": "a stub still raises NotImplementedError",
    "assertion": "a wrong answer (assertion failed)",
    "exception": "the code raised an unexpected exception",
    "import_error": "the module does not import",
    "error": "a fixture (setup/teardown) failed",
    "aborted": "the code raised KeyboardInterrupt / SystemExit / pytest.exit",
    "timeout": "the test ran past its time limit",
    "crashed": "the test process stopped during the test (os._exit, a crash, killed)",
    "interrupted": "the run was interrupted (Ctrl-C) during the test",
    "not_run": "the test was not run in this session",
    "collection_error": "the test file does not import",
    "skipped": "the test was skipped",
    "xfail": "an expected failure",
}


def task_key(task_id: str):
    """Natural order for task ids: "1.2" < "1.10" < "2.1"."""
    parts = re.split(r"[.\-]", str(task_id))
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in parts)


def week_key(week: str):
    m = re.fullmatch(r"week(\d+)", week)
    return (0, int(m.group(1)), "") if m else (1, 0, week)


def find_titles(records) -> dict:
    """Task id -> title, from the docstrings ("Task N.M: <title>") of the modules next to the tests."""
    titles = {}
    for d in sorted({r["dir"] for r in records if r.get("dir")}):
        for py in sorted(Path(d).glob("*.py")):
            if py.name.startswith("test_") or py.name == "conftest.py":
                continue
            try:
                text = py.read_text(encoding="utf-8")
            except OSError:
                continue
            for m in _TASK_LINE.finditer(text):
                titles.setdefault(m.group(1), m.group(2).strip().rstrip('".').strip())
    for r in records:                    # an explicit title= on the marker wins
        if r.get("task") and r.get("title"):
            titles[r["task"]] = r["title"]
    return titles


def to_units(points: float) -> int:
    return int(round(float(points) * UNITS))


def from_units(units: int) -> float:
    return round(units / UNITS, 4) + 0.0


def _status(passed, failed) -> str:
    kinds = {r["kind"] for r in failed}
    if not failed:
        return "passed"
    if passed:
        return "partial"
    if kinds == {"not_run"}:
        return "not run"
    if kinds <= {"not_implemented", "not_run"}:
        return "not started"
    if kinds <= {"skipped", "not_run"}:
        return "skipped"
    for kind, status in (("timeout", "timed out"), ("crashed", "crashed"), ("interrupted", "interrupted"),
                         ("collection_error", "error")):
        if kind in kinds:
            return status
    return "failed"


def grade_tasks(records) -> "OrderedDict[str, dict]":
    """Per task: tests, passed, points possible/earned, per-test units, status, first failure."""
    tasks = OrderedDict()
    for r in sorted((r for r in records if r.get("task")), key=lambda r: (task_key(r["task"]), r["nodeid"])):
        t = tasks.setdefault(r["task"], {"task": r["task"], "week": r["week"], "records": [], "points": 0.0,
                                         "warnings": []})
        if t["records"] and r["points"] != t["points"]:
            t["warnings"].append(f"task {r['task']}: tests disagree on points ({t['points']:g} vs "
                                 f"{r['points']:g}); using the larger")
        t["points"] = max(t["points"], r["points"])
        t["records"].append(r)
    for t in tasks.values():
        recs = t["records"]
        n = len(recs)
        base, extra = divmod(to_units(t["points"]), n)
        t["units"] = {r["nodeid"]: base + (1 if i < extra else 0) for i, r in enumerate(recs)}
        passed = [r for r in recs if r["outcome"] == "passed"]
        failed = [r for r in recs if r["outcome"] != "passed"]
        t["n_tests"], t["n_passed"], t["n_run"] = n, len(passed), sum(r["kind"] != "not_run" for r in recs)
        t["share"] = t["points"] / n
        t["earned_units"] = sum(t["units"][r["nodeid"]] for r in passed)
        t["earned"] = from_units(t["earned_units"])
        t["status"] = _status(passed, failed)
        shown = [r for r in failed if r["kind"] != "not_run"] or failed
        t["reason"] = shown[0]["reason"] if shown else ""
        t["first_failed"] = shown[0]["nodeid"] if shown else ""
        t["files"] = sorted({r["file"] for r in recs})
    return tasks


def _trim(s: str, width: int) -> str:
    return s if len(s) <= width else s[: width - 3] + "..."


def _wrap(text: str, indent: str) -> list:
    return textwrap.wrap(text, width=REASON_WIDTH, initial_indent=indent, subsequent_indent=indent,
                         break_long_words=False, break_on_hyphens=False) or [indent.rstrip()]


def rerun_command(t: dict, impl: str = "exercises") -> str:
    """The pytest command that reruns one task with full messages."""
    files = t["files"]
    where = files[0] if len(files) == 1 else str(Path(files[0]).parent)
    return f"pytest {where} --task {t['task']}" + (f" --impl={impl}" if impl != "exercises" else "")


def format_summary(records, impl: str = "exercises", titles: dict = None) -> str:
    """The table printed after `pytest exercises/weekN` or `tglm grade` (one block per week) and the total.

    One row per task that ran; under each task that did not pass, its first failure's reason (wrapped,
    never cut) and the command that reruns the task. Tasks none of whose tests ran are listed on one
    line per week; their points still count in the total.
    """
    titles = titles or {}
    tasks = grade_tasks(records)
    lines = [f"implementation graded: {impl}"]
    weeks = sorted({t["week"] for t in tasks.values()} | {r["week"] for r in records}, key=week_key)
    total_units = earned_units = 0
    for week in weeks:
        wtasks = [t for t in tasks.values() if t["week"] == week]
        shown = [t for t in wtasks if t["n_run"]]
        lines += ["", f"{week}:"]
        title_w = max([len(_trim(titles.get(t["task"], ""), 48)) for t in shown] + [5])
        if shown:
            lines.append(f"  {'task':<6} {'title':<{title_w}}  {'points':>11}  {'tests':>5}  status")
        for t in shown:
            pts, tests = f"{t['earned']:g} / {t['points']:g}", f"{t['n_passed']}/{t['n_tests']}"
            lines.append(f"  {t['task']:<6} {_trim(titles.get(t['task'], ''), 48):<{title_w}}  {pts:>11}  "
                         f"{tests:>5}  {t['status']}")
            if t["status"] != "passed":
                lines += _wrap(t["reason"], " " * 9)
                lines.append(" " * 9 + "rerun: " + rerun_command(t, impl))
        not_run = [t for t in wtasks if not t["n_run"]]
        if not_run:
            pts = sum(to_units(t["points"]) for t in not_run)
            lines += _wrap(f"not run in this session (0 of {from_units(pts):g} points): "
                           + ", ".join(t["task"] for t in not_run), "  ")
        for t in wtasks:
            lines += [f"  warning: {w}" for w in t["warnings"]]
        unmarked = [r for r in records if r["week"] == week and not r.get("task")]
        if unmarked:
            bad = [r for r in unmarked if r["outcome"] != "passed"]
            lines.append(f"  tests without a task marker (0 points): {len(unmarked) - len(bad)} of "
                         f"{len(unmarked)} passed")
            for r in bad:
                lines += _wrap(f"{r['nodeid']}: {r['reason']}", "    ")
        w_units = sum(to_units(t["points"]) for t in wtasks)
        w_earned = sum(t["earned_units"] for t in wtasks)
        if wtasks:
            lines.append(f"  {week} score: {from_units(w_earned):g} / {from_units(w_units):g} points")
        total_units += w_units
        earned_units += w_earned
    graded = [r for r in records if r.get("task")]
    n_pass = sum(r["outcome"] == "passed" for r in graded)
    n_run = sum(r["kind"] != "not_run" for r in graded)
    pct = f" ({100.0 * earned_units / total_units:.0f}%)" if total_units else ""
    ran = f"; {n_run} ran" if n_run < len(graded) else ""
    lines += ["", f"total: {from_units(earned_units):g} / {from_units(total_units):g} points{pct}; "
                  f"{n_pass} of {len(graded)} graded tests passed{ran}"]
    problems = [r for r in records if r["outcome"] != "passed" and r["kind"] != "not_run"]
    if not problems and n_run == len(graded):
        lines.append("All tests in this run passed.")
    elif problems:
        not_impl = sum(r["kind"] == "not_implemented" for r in problems)
        lines += _wrap(f"{len(problems)} test(s) did not pass ({not_impl} because a stub still raises "
                       f"NotImplementedError). Each task shows its first failure and the command that "
                       f"reruns it with the full message.", "")
    return "\n".join(lines)


def gradescope_json(records, impl: str = "exercises", titles: dict = None, extra: dict = None) -> dict:
    """Gradescope results.json: one entry per test, scored with the proportional rule.

    Each entry has name, number (task id), score, max_score, status, output, visibility and
    extra_data (the record without its traceback: nodeid, outcome, kind, week, task, points, ...) that
    the integrity tests and `tglm grade` read back. The max_score of a task's tests sum exactly to its
    points. `extra` goes to the top-level extra_data (run state).
    """
    titles = titles or {}
    tasks = grade_tasks(records)
    tests = []
    for r in sorted(records, key=lambda r: (week_key(r["week"]), task_key(r["task"]) if r.get("task") else
                                            ((2, 0, ""),), r["nodeid"])):
        t = tasks.get(r.get("task")) if r.get("task") else None
        units = t["units"][r["nodeid"]] if t else 0
        passed = r["outcome"] == "passed"
        if t:
            title = titles.get(r["task"])
            name = f"Task {r['task']}" + (f" ({title})" if title else "") + f": {r['name']}"
        else:
            name = f"{r['week']} (no task marker): {r['name']}"
        output = r["reason"] if not r["output"] else f"{r['reason']}\n\n{r['output']}"
        entry = {"name": name, "score": from_units(units if passed else 0), "max_score": from_units(units),
                 "status": "passed" if passed else "failed", "output": output, "visibility": "visible",
                 "extra_data": {k: v for k, v in r.items() if k != "output"}}
        if r.get("task"):
            entry["number"] = r["task"]
        tests.append(entry)
    earned = sum(t["earned_units"] for t in tasks.values())
    possible = sum(to_units(t["points"]) for t in tasks.values())
    result = {"score": from_units(earned),
              "output": f"implementation graded: {impl}; {from_units(earned):g} / {from_units(possible):g} points",
              "visibility": "visible", "tests": tests}
    if extra is not None:
        result["extra_data"] = extra
    return result
