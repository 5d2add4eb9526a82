"""Turn per-test records into the grading table and the Gradescope results.json (pure functions).

A record is a dict made by the pytest plugin (plugin.py): nodeid, name, file, week, dir, task (id or
None), points (the task's total), title, outcome (passed / failed / error / skipped), kind (passed,
not_implemented, assertion, exception, import_error, error, collection_error, skipped, xfail), reason
(one line) and output (traceback text).

Grading rule (proportional): a task's points are shared equally by its tests; a passing test earns its
share. Tests without a task marker are listed but worth 0 points.
Does not handle: weighting tests of one task differently (split the task, or give tests their own ids).
"""
import re
from collections import OrderedDict
from pathlib import Path

_TASK_LINE = re.compile(r"Task\s+(\d+(?:\.\d+)+)\s*[:.\-]\s*(.+)")
_REASON_WIDTH = 110


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


def _round(x: float) -> float:
    return round(float(x) + 0.0, 4)


def grade_tasks(records) -> "OrderedDict[str, dict]":
    """Per task: tests, passed, points possible/earned, status, first failure reason, warnings."""
    tasks = OrderedDict()
    for r in sorted((r for r in records if r.get("task")), key=lambda r: task_key(r["task"])):
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
        passed = [r for r in recs if r["outcome"] == "passed"]
        failed = [r for r in recs if r["outcome"] != "passed"]
        t["n_tests"], t["n_passed"] = n, len(passed)
        t["share"] = t["points"] / n if n else 0.0
        t["earned"] = _round(t["share"] * len(passed))
        if not failed:
            t["status"] = "passed"
        elif all(r["kind"] == "not_implemented" for r in failed) and not passed:
            t["status"] = "not started"
        elif all(r["kind"] == "skipped" for r in failed):
            t["status"] = "skipped"
        elif passed:
            t["status"] = "partial"
        else:
            t["status"] = "failed"
        t["reason"] = failed[0]["reason"] if failed else ""
        t["first_failed"] = failed[0]["nodeid"] if failed else ""
    return tasks


def _trim(s: str, width: int) -> str:
    return s if len(s) <= width else s[: width - 3] + "..."


def format_summary(records, impl: str = "exercises", titles: dict = None) -> str:
    """The table printed after `pytest exercises/weekN` (one block per week) and the totals."""
    titles = titles or {}
    tasks = grade_tasks(records)
    lines = [f"implementation graded: {impl}"]
    weeks = sorted({t["week"] for t in tasks.values()} | {r["week"] for r in records}, key=week_key)
    total_pts = total_earned = 0.0
    for week in weeks:
        wtasks = [t for t in tasks.values() if t["week"] == week]
        if not wtasks and not [r for r in records if r["week"] == week]:
            continue
        lines.append("")
        lines.append(f"{week}:")
        title_w = max([len(_trim(titles.get(t["task"], ""), 48)) for t in wtasks] + [5])
        lines.append(f"  {'task':<6} {'title':<{title_w}}  {'points':>11}  {'tests':>5}  {'status':<11}  reason")
        w_pts = w_earned = 0.0
        for t in wtasks:
            title = _trim(titles.get(t["task"], ""), 48)
            pts = f"{t['earned']:g} / {t['points']:g}"
            tests = f"{t['n_passed']}/{t['n_tests']}"
            lines.append(f"  {t['task']:<6} {title:<{title_w}}  {pts:>11}  {tests:>5}  {t['status']:<11}  "
                         f"{_trim(t['reason'], _REASON_WIDTH)}")
            w_pts += t["points"]
            w_earned += t["earned"]
        for t in wtasks:
            for w in t["warnings"]:
                lines.append(f"  warning: {w}")
        unmarked = [r for r in records if r["week"] == week and not r.get("task")]
        if unmarked:
            bad = [r for r in unmarked if r["outcome"] != "passed"]
            lines.append(f"  tests without a task marker (0 points): {len(unmarked) - len(bad)} of "
                         f"{len(unmarked)} passed")
            for r in bad:
                lines.append(f"    {r['nodeid']}: {_trim(r['reason'], _REASON_WIDTH)}")
        if wtasks:
            lines.append(f"  {week} score: {_round(w_earned):g} / {w_pts:g} points")
        total_pts += w_pts
        total_earned += w_earned
    graded = [r for r in records if r.get("task")]
    n_pass = sum(r["outcome"] == "passed" for r in graded)
    pct = f" ({100.0 * total_earned / total_pts:.0f}%)" if total_pts else ""
    lines.append("")
    lines.append(f"total: {_round(total_earned):g} / {total_pts:g} points{pct}; "
                 f"{n_pass} of {len(graded)} graded tests passed")
    problems = [r for r in records if r["outcome"] != "passed"]
    if not problems:
        lines.append("All tests in this run passed.")
    else:
        not_impl = sum(r["kind"] == "not_implemented" for r in problems)
        first = next((r for r in problems if r.get("task")), problems[0])
        lines.append(f"{len(problems)} test(s) did not pass ({not_impl} because a stub still raises "
                     f"NotImplementedError). Each task shows its first failure; for the full message run")
        lines.append(f"  pytest {first['nodeid']}")
    return "\n".join(lines)


def gradescope_json(records, impl: str = "exercises", titles: dict = None) -> dict:
    """Gradescope results.json: one entry per test, scored with the proportional rule.

    Each entry has name, number (task id), score, max_score, status, output, visibility and
    extra_data (nodeid, outcome, kind, week, task) that the integrity tests of the repo read.
    """
    titles = titles or {}
    tasks = grade_tasks(records)
    tests = []
    for r in sorted(records, key=lambda r: (week_key(r["week"]), task_key(r["task"]) if r.get("task") else
                                            ((2, 0, ""),), r["nodeid"])):
        t = tasks.get(r.get("task")) if r.get("task") else None
        share = t["share"] if t else 0.0
        passed = r["outcome"] == "passed"
        if t:
            title = titles.get(r["task"])
            name = f"Task {r['task']}" + (f" ({title})" if title else "") + f": {r['name']}"
        else:
            name = f"{r['week']} (no task marker): {r['name']}"
        output = r["reason"] if not r["output"] else f"{r['reason']}\n\n{r['output']}"
        entry = {"name": name, "score": _round(share if passed else 0.0), "max_score": _round(share),
                 "status": "passed" if passed else "failed", "output": output, "visibility": "visible",
                 "extra_data": {"nodeid": r["nodeid"], "outcome": r["outcome"], "kind": r["kind"],
                                "week": r["week"], "task": r.get("task")}}
        if r.get("task"):
            entry["number"] = r["task"]
        tests.append(entry)
    score = _round(sum(t["earned"] for t in tasks.values()))
    possible = sum(t["points"] for t in tasks.values())
    return {"score": score, "output": f"implementation graded: {impl}; {score:g} / {possible:g} points",
            "visibility": "visible", "tests": tests}
