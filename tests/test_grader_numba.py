"""Issue 14, the hardest hang: an endless loop inside Numba-compiled code holds the GIL, so neither a
signal handler nor the watchdog thread can run. faulthandler's C timer ends the test process and
`tglm grade` scores that test "timed out" (naming the function from the stack dump) and grades the rest.
Numba's compilation time does not count toward the limit."""
import json

from _grader_course import by_test, exact_sum, make_course, tglm_grade

STUB = '''
import numpy as np
import numba

@numba.njit
def _spin(x):
    while x[0] >= 0:
        x[0] = (x[0] * 3 + 1) % 1000003
    return x[0]

def spin():
    """Task 9.1: an endless loop in Numba code"""
    return _spin(np.ones(1, np.int64))

def ok():
    """Task 9.2: correct"""
    return 1
'''

TESTS = '''
import pytest
from tinygrad_lm.course import load
mod = load("week9.m")

@pytest.mark.task("9.1", points=3)
def test_spin():
    mod.spin()

@pytest.mark.task("9.2", points=1)
def test_ok():
    assert mod.ok() == 1
'''


def test_endless_loop_in_numba_code_is_stopped_and_scored_zero(tmp_path):
    root = make_course(tmp_path, stub=STUB, tests=TESTS)
    proc = tglm_grade(root, "week9", "--time-limit", "1", "--json", "r.json")
    result = json.loads((root / "r.json").read_text())
    tests = by_test(result)
    assert proc.returncode == 1 and result["extra_data"]["state"] == "finished", proc.stdout + proc.stderr
    assert tests["test_spin"]["extra_data"]["kind"] == "timeout"
    assert tests["test_spin"]["output"].startswith(
        "timed out after 1 s: look for a loop that never ends in spin (exercises/week9/m.py:"), tests["test_spin"]
    assert tests["test_ok"]["status"] == "passed"                 # graded in a fresh process
    assert result["score"] == 1.0 and exact_sum(e["max_score"] for e in result["tests"]) == 4
    assert not (root / "r.json.stack").exists()
