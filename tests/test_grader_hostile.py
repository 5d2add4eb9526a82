"""Issue 14: `tglm grade` is never fooled, hung or silently wrong by a hostile stub (KeyboardInterrupt,
endless loops, os._exit, sys.exit, pytest.exit, a loop that swallows the timeout, a long sleep)."""
import json
import re
import time

from _grader_course import FULL, by_test, exact_sum, make_course, tglm_grade


def test_tglm_grade_survives_every_hostile_stub(tmp_path):
    root = make_course(tmp_path)
    t0 = time.time()
    proc = tglm_grade(root, "week9", "--time-limit", "1", "--json", "r.json")
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1, out
    result = json.loads((root / "r.json").read_text())
    tests = by_test(result)
    assert result["extra_data"]["state"] == "finished", out
    assert len(tests) == 11, f"every declared test has an entry: {sorted(tests)}"
    kinds = {name: e["extra_data"]["kind"] for name, e in tests.items()}
    assert kinds == {"test_interrupt": "aborted", "test_loop": "timeout", "test_ok_a": "passed", "test_ok_b": "passed",
                     "test_ok_c": "passed", "test_exits": "crashed", "test_swallow": "timeout",
                     "test_sysexit": "aborted", "test_pexit": "aborted", "test_sleepy": "timeout",
                     "test_after_everything": "passed"}, out
    # the total is the full points of the week; only the passing tests earn
    assert exact_sum(e["max_score"] for e in result["tests"]) == FULL
    assert result["score"] == 3.0 and exact_sum(e["score"] for e in result["tests"]) == 3
    reasons = {name: (e["output"].splitlines() or [""])[0] for name, e in tests.items()}
    assert re.fullmatch(r"timed out after 1 s: look for a loop that never ends in merge_pair "
                        r"\(exercises/week9/m\.py:1[123]\)", reasons["test_loop"]), reasons["test_loop"]
    assert reasons["test_exits"] == "the test process exited: do not call os._exit/sys.exit in your code"
    assert "the code raised KeyboardInterrupt in interrupt (exercises/week9/m.py:6)" in reasons["test_interrupt"]
    assert "timed out after 1 s" in reasons["test_swallow"] and "had to stop the test process" in reasons["test_swallow"]
    assert "sys.exit(0)" in reasons["test_sysexit"] and "pytest.exit('bye')" in reasons["test_pexit"]
    assert reasons["test_sleepy"].startswith("timed out after 1 s")        # --time-limit beats the marker
    # the table: full total, reasons wrapped (never cut with "..."), a rerun command per failing task
    assert f"total: 3 / {FULL} points" in proc.stdout, proc.stdout
    assert "rerun: pytest exercises/week9/test_m.py --task 9.2" in proc.stdout
    assert "rerun: pytest exercises/week9/test_m.py --task 9.3" not in proc.stdout
    table = proc.stdout[proc.stdout.index("implementation graded"):]
    assert max(len(line) for line in table.splitlines()) <= 110 and "..." not in table, table
    assert "grading the" in proc.stdout and "remaining test(s) in a fresh process" in proc.stdout
    assert time.time() - t0 < 120
