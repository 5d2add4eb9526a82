"""Issue 14, the pieces: exact Gradescope sums, the wrapped table, the static list of declared tests,
results files, crash reasons, the in-process watchdog, `tglm course build` refusing to destroy work."""
import json
import os
import re
import subprocess
import sys
import textwrap
import threading
import time
from fractions import Fraction
from pathlib import Path

import pytest

from tinygrad_lm.course import asserts
from tinygrad_lm.course.build import WouldOverwrite, build, main as build_main
from tinygrad_lm.course.grade import crash_reason
from tinygrad_lm.course.results import ResultsPathError, declared_tests, prepare, read, records_of
from tinygrad_lm.course.summary import format_summary, grade_tasks, gradescope_json
from tinygrad_lm.course.watchdog import TestTimedOut, Watchdog

ROOT = Path(__file__).resolve().parents[1]


def _rec(nodeid, task, points, outcome="passed", kind="passed", reason="", week="week3"):
    return {"nodeid": nodeid, "name": nodeid, "file": "exercises/week3/test_x.py", "week": week, "dir": "",
            "task": task, "points": points, "title": None, "outcome": outcome, "kind": kind, "reason": reason,
            "output": ""}


def _exact(values):
    return sum((Fraction(repr(v)) for v in values), Fraction(0))


def test_gradescope_max_scores_sum_exactly_to_the_points():
    # 33 points split awkwardly: 2 over 3 tests, 1 over 7, 5 over 6, 25 over 9 (1/3 of a unit each...)
    layout = {"3.1": (2, 3), "3.2": (1, 7), "3.3": (5, 6), "3.4": (25, 9)}
    records = [_rec(f"{t}-{i}", t, pts) for t, (pts, n) in layout.items() for i in range(n)]
    js = gradescope_json(records)
    assert _exact(e["max_score"] for e in js["tests"]) == 33 and js["score"] == 33.0
    assert _exact(e["score"] for e in js["tests"]) == 33
    for t, (pts, n) in layout.items():
        assert _exact(e["max_score"] for e in js["tests"] if e["number"] == t) == pts, t
    failed = [dict(r, outcome="failed", kind="assertion", reason="x") if r["nodeid"] == "3.1-0" else r for r in records]
    js = gradescope_json(failed)
    assert js["score"] == 33.0 - 0.6667 and _exact(e["score"] for e in js["tests"]) == Fraction(323333, 10000)
    assert grade_tasks(failed)["3.1"]["earned"] == 1.3333


def test_table_wraps_long_reasons_and_names_the_rerun_command():
    reason = "x(1, 2): " + " ".join(f"word{i}" for i in range(60))
    records = [_rec("exercises/week3/test_x.py::test_a", "3.1", 2, "failed", "assertion", reason),
               _rec("exercises/week3/test_x.py::test_b", "3.2", 1, "error", "not_run", "not run: deselected")]
    text = format_summary(records, impl="mypkg")
    assert "word59" in text and "..." not in text
    assert max(len(line) for line in text.splitlines()) <= 110
    assert "rerun: pytest exercises/week3/test_x.py --task 3.1 --impl=mypkg" in text
    assert "not run in this session (0 of 1 points): 3.2" in text
    assert "total: 0 / 3 points (0%); 0 of 2 graded tests passed; 1 ran" in text


def test_declared_tests_are_read_without_importing(tmp_path):
    f = tmp_path / "test_d.py"
    f.write_text(textwrap.dedent('''
        import pytest, does_not_exist
        from pytest import mark
        pytestmark = [pytest.mark.task("9.9", points=1)]

        @pytest.mark.task("9.1", points=3, title="one")
        def test_a(): pass

        @pytest.mark.parametrize("x", [1, 2])
        @mark.task("9.2", 2)
        def test_b(x): pass

        def test_c(): pass

        @pytest.mark.task("9.3", points=4)
        class TestGroup:
            def test_d(self): pass
            def helper(self): pass

        @pytest.mark.task(TASK_ID)
        def test_e(): pass
    '''))
    assert declared_tests(f) == [("test_a", "9.1", 3.0, "one"), ("test_b", "9.2", 2.0, None),
                                 ("test_c", "9.9", 1.0, None), ("TestGroup::test_d", "9.3", 4.0, None),
                                 ("test_e", "9.9", 1.0, None)]
    (tmp_path / "test_bad.py").write_text("def test_x(:\n")
    assert declared_tests(tmp_path / "test_bad.py") == []


def test_a_test_file_that_does_not_import_still_counts_its_points(tmp_path):
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    ex = tmp_path / "exercises" / "week9"
    ex.mkdir(parents=True)
    (tmp_path / "exercises" / "__init__.py").write_text("")
    (tmp_path / "exercises" / "conftest.py").write_text("from tinygrad_lm.course.plugin import *  # noqa\n")
    (ex / "__init__.py").write_text("")
    (ex / "test_ok.py").write_text("import pytest\n@pytest.mark.task('9.1', points=1)\ndef test_ok():\n    pass\n")
    (ex / "test_broken.py").write_text("import pytest\nimport no_such_module_xyz\n"
                                       "@pytest.mark.task('9.2', points=4)\ndef test_a():\n    pass\n"
                                       "@pytest.mark.task('9.2', points=4)\ndef test_b():\n    pass\n")
    env = {k: v for k, v in os.environ.items() if k != "TGLM_IMPL"}
    env["PYTHONPATH"] = str(ROOT)
    proc = subprocess.run([sys.executable, "-m", "pytest", "exercises/week9", "-q", "-p", "no:cacheprovider",
                           "--tb=no", "--grade-json=r.json"], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=120)
    result = json.loads((tmp_path / "r.json").read_text())
    kinds = {e["extra_data"]["nodeid"]: e["extra_data"]["kind"] for e in result["tests"]}
    assert kinds == {"exercises/week9/test_ok.py::test_ok": "passed",
                     "exercises/week9/test_broken.py::test_a": "collection_error",
                     "exercises/week9/test_broken.py::test_b": "collection_error"}, kinds
    assert result["score"] == 1.0 and sum(e["max_score"] for e in result["tests"]) == 5.0
    assert "total: 1 / 5 points" in proc.stdout and "'no_such_module_xyz'" in proc.stdout


def test_results_file_is_checked_and_written_atomically(tmp_path):
    (tmp_path / "f").write_text("")
    with pytest.raises(ResultsPathError, match=r"cannot write the grading results to .*f/r\.json"):
        prepare(tmp_path / "f" / "r.json", {})
    with pytest.raises(ResultsPathError, match="it is a folder"):
        prepare(tmp_path, {})
    path = prepare(tmp_path / "new" / "r.json", gradescope_json([_rec("a", "3.1", 1)], extra={"state": "finished"}))
    assert os.listdir(tmp_path / "new") == ["r.json"]                    # no temp file left behind
    rec = records_of(read(path))[0]
    assert rec["nodeid"] == "a" and rec["points"] == 1.0 and rec["kind"] == "passed"
    (tmp_path / "half.json").write_text('{"score": ')
    assert read(tmp_path / "half.json") is None


def test_crash_reasons(tmp_path):
    run = {"nodeid": "x", "started": 0.0, "limit": 30.0}
    impl = tmp_path / "exercises"
    dump = (f'Timeout (0:00:50)!\nThread 0x01 (most recent call first):\n'
            f'  File "{tmp_path}/lib.py", line 3 in helper\n  File "{impl}/week4/bpe.py", line 57 in merge_pair\n')
    assert crash_reason(run, 1, False, dump, impl) == (
        "timeout", "timed out after 30 s: look for a loop that never ends in merge_pair (exercises/week4/bpe.py:57) "
                   "(the grader had to stop the test process)")
    assert crash_reason(run, -9, True, "", impl)[0] == "timeout"
    assert crash_reason(run, -9, False, "", impl) == ("crashed", "the test process was killed by SIGKILL during this "
                                                     "test (a crash in compiled code, or out of memory?)")
    assert crash_reason(run, 0, False, "", impl) == (
        "crashed", "the test process exited: do not call os._exit/sys.exit in your code")


def _endless():
    x = 0
    while True:
        x += 1


def test_watchdog_interrupts_a_python_loop_in_the_main_thread():
    dog = Watchdog(impl_dirs=lambda: [os.path.realpath(os.path.dirname(__file__))])
    dog.install()
    try:
        assert dog.signals and threading.current_thread() is threading.main_thread()
        dog.start("x", 0.3)
        dog.in_test = True
        t0 = time.monotonic()
        with pytest.raises(TestTimedOut, match=r"timed out after 0\.3 s: look for a loop that never ends in "
                                                r"_endless \(.*test_grader_units\.py:\d+\)"):
            _endless()
        assert 0.25 < time.monotonic() - t0 < 5
    finally:
        dog.in_test = False
        dog.stop()
        dog.uninstall()
    assert not dog.user_interrupted


def test_build_refuses_to_overwrite_work_without_force(tmp_path, capsys):
    sol = tmp_path / "solutions" / "week7"
    sol.mkdir(parents=True)
    (sol / "__init__.py").write_text("")
    (sol / "task.py").write_text("def f():\n    '''Task 7.1: f'''\n    ### BEGIN SOLUTION\n    return 1\n"
                                 "    ### END SOLUTION\n")
    assert build_main(["build", "--root", str(tmp_path)]) == 0
    stub = tmp_path / "exercises" / "week7" / "task.py"
    work = stub.read_text().replace('raise NotImplementedError("Week 7, task 7.1: f")', "return 1  # my answer")
    stub.write_text(work)
    capsys.readouterr()
    assert build_main(["build", "--root", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "refusing to overwrite 1 exercise file(s)" in err and "exercises/week7/task.py" in err
    assert "--force" in err and "tglm course build --force week7" in err
    assert stub.read_text() == work                                      # the learner's answer survived
    assert build(tmp_path, check=True, out=lambda s: None) == [stub]     # --check still reports it
    with pytest.raises(WouldOverwrite):
        build(tmp_path)
    assert build_main(["build", "--force", "--root", str(tmp_path)]) == 0
    assert "raise NotImplementedError" in stub.read_text()
    help_text = subprocess.run([sys.executable, "-c", "from tinygrad_lm.cli import main; main(['--help'])"],
                               capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)}).stdout
    assert re.search(r"course\s+\(instructors only\)", help_text), help_text


def test_assert_helpers_hide_their_frames():
    for fn in (asserts.assert_close, asserts.assert_equal, asserts._fail, asserts._as_array):
        assert "__tracebackhide__" in fn.__code__.co_varnames, fn.__name__
