"""Helpers of tests/test_grader_*.py: a throw-away course (tmp_path/exercises/week9) whose stub
misbehaves in every way issue 14 lists, graded in a subprocess by `tglm grade` or plain pytest."""
import os
import subprocess
import sys
import textwrap
from fractions import Fraction
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

STUB = '''
import os, sys, time

def interrupt():
    """Task 9.1: raises KeyboardInterrupt"""
    raise KeyboardInterrupt

def merge_pair(ids):
    """Task 9.2: an endless loop"""
    out, i = [], 0
    while i < len(ids):
        out.append(0)
        out.clear()

def ok():
    """Task 9.3: correct"""
    return 1

def exits():
    """Task 9.4: calls os._exit"""
    os._exit(0)

def swallow():
    """Task 9.5: swallows the timeout"""
    while True:
        try:
            while True:
                pass
        except BaseException:
            pass

def sysexit():
    """Task 9.6: calls sys.exit"""
    sys.exit(0)

def pexit():
    """Task 9.7: calls pytest.exit"""
    import pytest
    pytest.exit("bye", returncode=0)

def sleepy(seconds=1000):
    """Task 9.8: sleeps"""
    time.sleep(seconds)
'''

TESTS = '''
import pytest
from tinygrad_lm.course import load
mod = load("week9.m")

@pytest.mark.task("9.1", points=3)
def test_interrupt():
    mod.interrupt()

@pytest.mark.task("9.2", points=2)
def test_loop():
    mod.merge_pair([1, 2])

@pytest.mark.task("9.3", points=2)
def test_ok_a():
    assert mod.ok() == 1

@pytest.mark.task("9.3", points=2)
def test_ok_b():
    assert mod.ok() == 1

@pytest.mark.task("9.3", points=2)
def test_ok_c():
    assert mod.ok() == 1

@pytest.mark.task("9.4", points=2)
def test_exits():
    mod.exits()

@pytest.mark.task("9.5", points=1)
def test_swallow():
    mod.swallow()

@pytest.mark.task("9.6", points=1)
def test_sysexit():
    mod.sysexit()

@pytest.mark.task("9.7", points=1)
def test_pexit():
    mod.pexit()

@pytest.mark.task("9.8", points=1)
@pytest.mark.time_limit(0.5)
def test_sleepy():
    mod.sleepy()

@pytest.mark.task("9.9", points=1)
def test_after_everything():
    assert mod.ok() == 1
'''
FULL = 3 + 2 + 2 + 2 + 1 + 1 + 1 + 1 + 1


def make_course(tmp_path: Path, stub=STUB, tests=TESTS) -> Path:
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    ex = tmp_path / "exercises"
    (ex / "week9").mkdir(parents=True)
    (ex / "__init__.py").write_text("")
    (ex / "conftest.py").write_text("from tinygrad_lm.course.plugin import *  # noqa\n")
    (ex / "week9" / "__init__.py").write_text("")
    (ex / "week9" / "m.py").write_text(textwrap.dedent(stub))
    (ex / "week9" / "test_m.py").write_text(textwrap.dedent(tests))
    return tmp_path


def _env():
    env = {k: v for k, v in os.environ.items() if k != "TGLM_IMPL"}
    env["PYTHONPATH"] = str(ROOT)
    return env


def tglm_grade(root: Path, *args, timeout=240):
    code = "import sys; from tinygrad_lm.course.grade import main; sys.exit(main(sys.argv[1:]))"
    return subprocess.run([sys.executable, "-c", code, *args], cwd=root, env=_env(), capture_output=True,
                          text=True, timeout=timeout)


def pytest_run(root: Path, *args, timeout=240):
    return subprocess.run([sys.executable, "-m", "pytest", "exercises/week9", "-q", "--tb=no", "-p", "no:cacheprovider",
                           *args], cwd=root, env=_env(), capture_output=True, text=True, timeout=timeout)


def by_test(result: dict) -> dict:
    return {e["extra_data"]["nodeid"].split("::")[-1]: e for e in result["tests"]}


def exact_sum(values) -> Fraction:
    return sum((Fraction(repr(v)) for v in values), Fraction(0))


