"""Issue 14 with plain pytest (no supervisor): a killed run leaves a valid results file, an unwritable
results path stops pytest before any test, a real Ctrl-C stops the run and scores the rest 0."""
import json
import signal
import subprocess
import sys
import time

import pytest

from _grader_course import FULL, TESTS, _env, by_test, exact_sum, make_course, pytest_run, tglm_grade


def test_plain_pytest_killed_by_os_exit_leaves_a_valid_results_file(tmp_path):
    """pytest exits 0 from the stub's os._exit, but the results file already scores everything."""
    root = make_course(tmp_path)
    proc = pytest_run(root, "--grade-json=r.json", "-k", "ok_a or exits or after")
    assert proc.returncode == 0                      # what the old `tglm grade` trusted
    result = json.loads((root / "r.json").read_text())
    tests = by_test(result)
    assert result["extra_data"]["state"] == "running"
    assert result["extra_data"]["running"]["nodeid"].endswith("::test_exits")
    assert tests["test_ok_a"]["status"] == "passed" and tests["test_exits"]["extra_data"]["kind"] == "crashed"
    assert tests["test_after_everything"]["extra_data"]["kind"] == "not_run"
    assert result["score"] == round(2 / 3, 4)
    assert exact_sum(e["max_score"] for e in result["tests"]) == FULL    # deselected tests count too


def test_time_limit_marker_without_command_line_limit(tmp_path):
    root = make_course(tmp_path)
    proc = pytest_run(root, "--grade-json=r.json", "-k", "sleepy or ok_a")
    tests = by_test(json.loads((root / "r.json").read_text()))
    assert tests["test_sleepy"]["output"].startswith("timed out after 0.5 s: look for a loop that never ends in "
                                                     "sleepy (exercises/week9/m.py:"), proc.stdout
    assert tests["test_ok_a"]["status"] == "passed"


def test_unwritable_results_path_stops_before_any_test(tmp_path):
    root = make_course(tmp_path)
    (root / "a_file").write_text("x")
    bad = root / "a_file" / "r.json"                 # a folder that is a file: unwritable even for root
    proc = pytest_run(root, f"--grade-json={bad}")
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "cannot write the grading results to" in proc.stderr and "passed" not in proc.stdout
    assert len([ln for ln in proc.stderr.splitlines() if ln.strip()]) == 1, proc.stderr
    proc = tglm_grade(root, "week9", "--json", str(bad))
    assert proc.returncode == 2 and "running:" not in proc.stdout
    assert proc.stderr.strip().startswith("tglm grade: cannot write the grading results to")


@pytest.mark.skipif(not hasattr(signal, "pthread_kill"), reason="POSIX signals")
def test_real_ctrl_c_stops_the_run_and_scores_the_rest_zero(tmp_path):
    root = make_course(tmp_path, tests=TESTS.replace("@pytest.mark.time_limit(0.5)\n", "").replace(
        "mod.sleepy()", "mod.sleepy(60)"))
    proc = subprocess.Popen([sys.executable, "-m", "pytest", "exercises/week9", "-q", "--tb=no", "-p",
                             "no:cacheprovider", "--grade-json=r.json", "--time-limit=0", "-k",
                             "interrupt or ok_a or sleepy or after"],
                            cwd=root, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.time() + 60
    while time.time() < deadline:                    # wait until the sleeping test runs
        time.sleep(0.2)
        try:
            running = json.loads((root / "r.json").read_text())["extra_data"].get("running") or {}
        except (OSError, ValueError, KeyError):
            continue
        if running.get("nodeid", "").endswith("test_sleepy"):
            break
    time.sleep(0.5)
    proc.send_signal(signal.SIGINT)
    out, _ = proc.communicate(timeout=60)
    result = json.loads((root / "r.json").read_text())
    tests = by_test(result)
    assert result["extra_data"]["state"] == "interrupted", out
    assert tests["test_interrupt"]["extra_data"]["kind"] == "aborted"     # the stub's raise: just a failure
    assert tests["test_sleepy"]["extra_data"]["kind"] == "interrupted"
    assert tests["test_after_everything"]["output"] == "not run: the run was interrupted (Ctrl-C)"
    assert result["score"] == round(2 / 3, 4) and exact_sum(e["max_score"] for e in result["tests"]) == FULL
    assert f"total: 0.6667 / {FULL} points" in out
