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
