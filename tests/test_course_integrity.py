"""Integrity of every course week (exercises/week*/ found at collection time, so new weeks are covered):

1. against the generated stubs every autograder test FAILS, and because a stub raised
   NotImplementedError (not an ImportError, a SyntaxError, a fixture error or a wrong assertion);
2. against the solutions every test PASSES;
3. the stubs are in sync with the solutions (`tglm course build --check` would change nothing).

All weeks run in ONE pytest subprocess per implementation (two in total); the per-test outcomes are
read back from the Gradescope JSON written by the course plugin (--grade-json).
"""
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tinygrad_lm.course.build import StubError, build

ROOT = Path(__file__).resolve().parents[1]
WEEKS = sorted((d.name for d in (ROOT / "exercises").glob("week*")
                if d.is_dir() and re.fullmatch(r"week\d+", d.name) and any(d.glob("test_*.py"))),
               key=lambda w: int(w[4:]))


def _run_all_weeks(impl: str, out_dir: Path) -> dict:
    path = out_dir / f"grade_{impl}.json"
    env = {k: v for k, v in os.environ.items() if k != "TGLM_IMPL"}
    cmd = [sys.executable, "-m", "pytest", *[f"exercises/{w}" for w in WEEKS], "-q", "--tb=no",
           "-p", "no:cacheprovider", "-o", "addopts=", f"--impl={impl}", f"--grade-json={path}",
           "--no-grade-summary"]
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=1800)
    if not path.exists():
        raise AssertionError(f"pytest --impl={impl} wrote no grade JSON (exit {proc.returncode}):\n"
                             f"{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    by_week = {}
    for entry in json.loads(path.read_text())["tests"]:
        by_week.setdefault(entry["extra_data"]["week"], []).append(entry)
    return by_week


@pytest.fixture(scope="module")
def stub_results(tmp_path_factory):
    return _run_all_weeks("exercises", tmp_path_factory.mktemp("grade"))


@pytest.fixture(scope="module")
def solution_results(tmp_path_factory):
    return _run_all_weeks("solutions", tmp_path_factory.mktemp("grade"))


def _line(e):
    return f"  {e['extra_data']['nodeid']}: {e['output'].splitlines()[0] if e['output'] else ''}"


@pytest.mark.parametrize("week", WEEKS)
def test_every_test_fails_on_the_stubs_with_not_implemented(week, stub_results):
    entries = stub_results.get(week, [])
    assert entries, f"exercises/{week}: no test ran against the stubs"
    passing = [e for e in entries if e["extra_data"]["outcome"] == "passed"]
    wrong = [e for e in entries if e["extra_data"]["outcome"] != "passed"
             and e["extra_data"]["kind"] != "not_implemented"]
    msg = []
    if passing:
        msg.append(f"{len(passing)} test(s) PASS on the untouched stubs (they grade nothing):")
        msg += [f"  {e['extra_data']['nodeid']}" for e in passing]
    if wrong:
        msg.append(f"{len(wrong)} test(s) fail on the stubs for another reason than the stub's NotImplementedError:")
        msg += [_line(e) for e in wrong]
    assert not msg, f"exercises/{week}:\n" + "\n".join(msg)


@pytest.mark.parametrize("week", WEEKS)
def test_every_test_passes_on_the_solutions(week, solution_results):
    entries = solution_results.get(week, [])
    assert entries, f"exercises/{week}: no test ran against the solutions"
    bad = [e for e in entries if e["extra_data"]["outcome"] != "passed"]
    assert not bad, (f"exercises/{week}: {len(bad)} of {len(entries)} test(s) do not pass on the solutions:\n"
                     + "\n".join(_line(e) for e in bad))


@pytest.mark.parametrize("week", WEEKS)
def test_stubs_are_in_sync_with_solutions(week):
    lines = []
    try:
        changed = build(ROOT, [week], check=True, out=lines.append)
    except StubError as e:
        pytest.fail(f"tglm course build {week} fails: {e}")
    assert not changed, (f"exercises/{week} is out of date with solutions/{week} "
                         f"(run `tglm course build {week}`):\n  " + "\n  ".join(lines))


@pytest.mark.parametrize("week", WEEKS)
def test_every_task_is_graded_and_documented(week, solution_results):
    """Each `Task N.M` fenced in solutions/weekN has at least one test, and README.md names every task."""
    import ast
    from tinygrad_lm.course.build import BEGIN, TASK_DOC
    fenced = set()
    for py in sorted((ROOT / "solutions" / week).rglob("*.py")):
        lines = py.read_text(encoding="utf-8").splitlines()
        for node in ast.walk(ast.parse("\n".join(lines))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                doc = (ast.get_docstring(node) or "").strip()
                m = TASK_DOC.match(doc.splitlines()[0]) if doc else None
                body = lines[node.lineno - 1:node.end_lineno + 1]
                if m and any(line.strip() == BEGIN for line in body):
                    fenced.add(m.group(1) + m.group(2))
    tested = {e["extra_data"]["task"] for e in solution_results.get(week, []) if e["extra_data"]["task"]}
    problems = []
    if fenced - tested:
        problems.append(f"tasks with a solution fence but no test marked @pytest.mark.task: "
                        f"{', '.join(sorted(fenced - tested))}")
    readme = ROOT / "exercises" / week / "README.md"
    if not readme.is_file():
        problems.append(f"exercises/{week}/README.md is missing")
    else:
        text = readme.read_text(encoding="utf-8")
        missing = sorted(t for t in tested if not re.search(rf"(?<![\d.]){re.escape(t)}(?![\d])", text))
        if missing:
            problems.append(f"README.md does not mention task(s) {', '.join(missing)}")
    assert not problems, f"exercises/{week}:\n  " + "\n  ".join(problems)
