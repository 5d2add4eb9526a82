"""Unit tests of the course harness: the load proxy, assertions, stub generator, summary and JSON,
plus one end-to-end pytest run of a throw-away course (tmp dir) through the plugin."""
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from tinygrad_lm.course import assert_close, assert_equal, current_impl, load, set_impl
from tinygrad_lm.course.build import StubError, WouldOverwrite, build, main as build_main, make_stub
from tinygrad_lm.course.summary import format_summary, grade_tasks, gradescope_json, task_key

ROOT = Path(__file__).resolve().parents[1]


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


# ---- load proxy ------------------------------------------------------------------------------------

@pytest.fixture
def two_impls(tmp_path, monkeypatch):
    """Packages proxyimpl_a / proxyimpl_b, each with week9/m.py defining WHO."""
    for pkg in ("proxyimpl_a", "proxyimpl_b"):
        _write(tmp_path / pkg / "__init__.py", "")
        _write(tmp_path / pkg / "week9" / "__init__.py", "")
        _write(tmp_path / pkg / "week9" / "m.py", f"WHO = {pkg!r}\ndef f(x):\n    return x + 1\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delenv("TGLM_IMPL", raising=False)
    yield tmp_path
    set_impl(None)
    for name in [n for n in sys.modules if n.startswith("proxyimpl_")]:
        del sys.modules[name]


def test_load_is_lazy_and_follows_the_impl(two_impls, monkeypatch):
    mod = load("week9.m")
    assert "proxyimpl_a.week9.m" not in sys.modules
    set_impl("proxyimpl_a")
    assert "proxyimpl_a.week9.m" not in sys.modules          # still nothing imported
    assert mod.WHO == "proxyimpl_a" and mod.f(1) == 2
    set_impl("proxyimpl_b")
    assert mod.WHO == "proxyimpl_b"
    set_impl(None)
    monkeypatch.setenv("TGLM_IMPL", "proxyimpl_a")
    assert current_impl() == "proxyimpl_a" and mod.WHO == "proxyimpl_a"
    monkeypatch.delenv("TGLM_IMPL")
    assert current_impl() == "exercises"


def test_load_errors_are_clear(two_impls):
    set_impl("proxyimpl_a")
    with pytest.raises(ModuleNotFoundError, match=r"proxyimpl_a/week9/nope\.py"):
        load("week9.nope").f
    with pytest.raises(AttributeError, match=r"no attribute 'g'.*renamed or deleted"):
        load("week9.m").g
    with pytest.raises(AttributeError):            # dunder probes do not import anything
        load("week9.m").__wrapped__
    with pytest.raises(ValueError):
        load("week9/m")
    with pytest.raises(ValueError):
        set_impl("not a package")


def test_proxy_setattr_reaches_the_module(two_impls):
    set_impl("proxyimpl_a")
    mod = load("week9.m")
    with pytest.MonkeyPatch.context() as mp:       # undone before two_impls resets the impl
        mp.setattr(mod, "WHO", "patched")
        assert sys.modules["proxyimpl_a.week9.m"].WHO == "patched"
    assert mod.WHO == "proxyimpl_a"


# ---- assertions ------------------------------------------------------------------------------------

def _message(fn, *args, **kw) -> str:
    with pytest.raises(AssertionError) as e:
        fn(*args, **kw)
    return str(e.value)


def test_assert_close_messages():
    assert_close(np.float32(1.0), 1.0 + 1e-7)
    assert_close([[1.0, np.nan]], np.array([[1.0, np.nan]]))
    msg = _message(assert_close, np.array([[1.0, 2.0], [3.0, 4.0]]), [[1.0, 2.0], [3.0, 5.0]],
                   name="dW", hint="dW = x.T @ dout")
    first = msg.splitlines()[0]
    assert first.startswith("dW: 1 of 4 values differ (shape (2, 2))") and "index (1, 1)" in first
    assert "expected 5, got 4" in first and "hint: dW = x.T @ dout" in msg
    assert "shape mismatch" in _message(assert_close, np.zeros(3), np.zeros((3, 1)))
    assert "NaN" in _message(assert_close, [np.nan, 1.0], [0.0, 1.0])
    assert "forget to `return`" in _message(assert_close, None, 1.0)
    assert "dtype mismatch" in _message(assert_close, np.zeros(2), np.zeros(2, np.float32), check_dtype=True)


def test_assert_equal_messages():
    assert_equal("abc", "abc")
    assert "2 character(s) missing at the end (from character 6): expected 'es'" in \
        _message(assert_equal, "caress", "caresses")
    assert "1 extra character(s) at the end (from character 7): 'e'" in _message(assert_equal, "plastere", "plaster")
    assert "differ at character 2: expected 'a', got 'X'" in _message(assert_equal, "plXster", "plaster")
    assert "item [1]" in _message(assert_equal, [1, 9, 3], [1, 2, 3])
    assert "length differs" in _message(assert_equal, [1, 2, 3], [1, 2])
    msg = _message(assert_equal, {"a": 1, "b": 2}, {"a": 1, "c": 2})
    assert "missing key" in msg and "unexpected key" in msg
    assert "first at index (2,)" in _message(assert_equal, np.array([1, 2, 3]), np.array([1, 2, 4]))


# ---- stub generator --------------------------------------------------------------------------------

GOOD = '''
import numpy as np

def helper(x):
    return x

class Layer:
    def forward(self, x):
        """Task 3.2: the forward pass.

        HINT: multiply.
        """
        if x is None:
            ### BEGIN SOLUTION
            return 0
            ### END SOLUTION
        ### BEGIN SOLUTION
        y = x * 2
        return y
        ### END SOLUTION
    # a comment
'''


def test_make_stub_replaces_fences_and_keeps_docstrings():
    stub = make_stub(textwrap.dedent(GOOD), week=3)
    assert "### BEGIN" not in stub and "y = x * 2" not in stub
    assert stub.count('raise NotImplementedError("Week 3, task 3.2: the forward pass.")') == 2
    assert '            raise NotImplementedError(' in stub        # inside the if: deeper indent
    assert "HINT: multiply." in stub and "def helper(x):\n    return x" in stub
    compile(stub, "stub", "exec")
    assert make_stub("x = 1\n") == "x = 1\n"                        # no fences: unchanged
    assert make_stub('s = """\n### BEGIN SOLUTION\n"""\n') == 's = """\n### BEGIN SOLUTION\n"""\n'  # in a string


@pytest.mark.parametrize("source, pattern", [
    ("def f():\n    '''Task 1.1: x'''\n    ### BEGIN SOLUTION\n    return 1\n", "no matching"),
    ("def f():\n    '''Task 1.1: x'''\n    return 1\n    ### END SOLUTION\n", "without a matching"),
    ("def f():\n    '''Task 1.1: x'''\n    ### BEGIN SOLUTION\n    ### BEGIN SOLUTION\n    return 1\n"
     "    ### END SOLUTION\n", "cannot nest"),
    ("### BEGIN SOLUTION\nx = 1\n### END SOLUTION\n", "outside a function"),
    ("def f():\n    '''Compute things.'''\n    ### BEGIN SOLUTION\n    return 1\n    ### END SOLUTION\n",
     "does not start with 'Task N.M"),
    ("def f():\n    '''Task 2.1: x'''\n    ### BEGIN SOLUTION\n    return 1\n    ### END SOLUTION\n",
     "belongs to week 2"),
    ("def f():\n    '''Task 1.1: x'''\n    ### BEGIN SOLUTION\n    return 1\n\ndef g():\n    '''Task 1.2: y'''\n"
     "    return 2\n    ### END SOLUTION\n", "different functions"),
    ("def f():\n    '''Task 1.1: x'''\n    ### BEGIN SOLUTIONS\n    return 1\n", "malformed fence"),
])
def test_make_stub_rejects_bad_fences(source, pattern):
    with pytest.raises(StubError, match=pattern):
        make_stub(source, week=1, filename="solutions/week1/bad.py")


def test_build_check_and_stale_files(tmp_path, capsys):
    _write(tmp_path / "solutions" / "week7" / "__init__.py", "")
    _write(tmp_path / "solutions" / "week7" / "task.py",
           "def f():\n    '''Task 7.1: f'''\n    ### BEGIN SOLUTION\n    return 1\n    ### END SOLUTION\n")
    _write(tmp_path / "solutions" / "week7" / "util.py", "K = 3\n")
    _write(tmp_path / "exercises" / "week7" / "test_task.py", "# authored here, never touched\n")
    assert build_main(["build", "--check", "--root", str(tmp_path)]) == 1
    assert "exercises/week7/task.py: missing" in capsys.readouterr().out
    assert build_main(["build", "--root", str(tmp_path)]) == 0
    ex = tmp_path / "exercises" / "week7"
    assert (ex / "task.py").read_text().startswith("# Generated from solutions/week7/task.py")
    assert not (ex / "util.py").exists(), "a module with nothing to fill in is not mirrored"
    assert (ex / "__init__.py").read_text() == ""
    assert build(tmp_path, check=True) == []                             # regeneration is a no-op
    (tmp_path / "solutions" / "week7" / "task.py").unlink()
    assert build(tmp_path, ["week7"], check=True) == [ex / "task.py"]    # stale generated file
    with pytest.raises(WouldOverwrite, match=r"exercises/week7/task\.py.*--force"):
        build(tmp_path, ["7"])                                          # removing it needs --force
    assert (ex / "task.py").exists()
    build(tmp_path, ["7"], force=True)
    assert not (ex / "task.py").exists() and (ex / "test_task.py").exists()
    _write(tmp_path / "solutions" / "week7" / "bad.py", "### BEGIN SOLUTION\n")
    assert build_main(["build", "--root", str(tmp_path)]) == 2
    assert "bad.py:1" in capsys.readouterr().err


# ---- summary and JSON ------------------------------------------------------------------------------

def _rec(nodeid, task, points, outcome="passed", kind="passed", reason="", week="week5"):
    return {"nodeid": nodeid, "name": nodeid, "file": "f.py", "week": week, "dir": "", "task": task,
            "points": points, "title": None, "outcome": outcome, "kind": kind, "reason": reason, "output": ""}


def test_grading_is_proportional_and_honest():
    records = [_rec("a", "5.1", 3), _rec("b", "5.1", 3, "failed", "assertion", "x: expected 1, got 2"),
               _rec("c", "5.1", 3),
               _rec("d", "5.10", 2, "failed", "not_implemented", "not implemented yet (raise ...)"),
               _rec("e", "5.2", 1), _rec("u", None, 0, "failed", "exception", "TypeError: boom")]
    tasks = grade_tasks(records)
    assert list(tasks) == ["5.1", "5.2", "5.10"] and task_key("5.10") > task_key("5.2")
    assert tasks["5.1"]["earned"] == 2.0 and tasks["5.1"]["status"] == "partial"
    assert tasks["5.10"]["status"] == "not started" and tasks["5.2"]["status"] == "passed"
    text = format_summary(records, impl="solutions", titles={"5.1": "the first task"})
    assert "the first task" in text and "x: expected 1, got 2" in text and "TypeError: boom" in text
    assert "total: 3 / 6 points (50%); 3 of 5 graded tests passed" in text
    assert "passed the course" not in text
    js = gradescope_json(records, titles={})
    assert js["score"] == 3.0 and len(js["tests"]) == 6
    t = {e["extra_data"]["nodeid"]: e for e in js["tests"]}
    assert t["a"]["max_score"] == 1.0 and t["b"]["score"] == 0.0 and t["b"]["status"] == "failed"
    assert t["u"]["max_score"] == 0.0 and t["d"]["number"] == "5.10"
    assert all(set(e) >= {"name", "score", "max_score", "output", "visibility"} for e in js["tests"])
    assert "All tests in this run passed." in format_summary([_rec("a", "5.1", 3)])


# ---- end to end through pytest ---------------------------------------------------------------------

def test_plugin_end_to_end(tmp_path):
    """A throw-away course (packages e2e_ex / e2e_sol) graded by a pytest subprocess."""
    _write(tmp_path / "pytest.ini", "[pytest]\n")
    _write(tmp_path / "conftest.py", "from tinygrad_lm.course.plugin import *  # noqa\n")
    for pkg, body in (("e2e_sol", "return 2 * x"), ("e2e_ex", "raise NotImplementedError('Week 9, task 9.1: double')")):
        _write(tmp_path / pkg / "__init__.py", "")
        _write(tmp_path / pkg / "week9" / "__init__.py", "")
        _write(tmp_path / pkg / "week9" / "m.py", f"def double(x):\n    '''Task 9.1: double it'''\n    {body}\n")
    _write(tmp_path / "e2e_ex" / "week9" / "test_m.py", """
        import pytest
        from tinygrad_lm.course import load, assert_close
        mod = load("week9.m")

        @pytest.fixture
        def broken():
            raise RuntimeError("fixture broke")

        @pytest.mark.task("9.1", points=4)
        def test_ok():
            assert_close(mod.double(2.0), 4.0, name="double(2)")

        @pytest.mark.task("9.1", points=4)
        def test_wrong():
            assert_close(mod.double(2.0), 5.0, name="double(2)", hint="a hint")

        @pytest.mark.task("9.2", points=1)
        def test_error(broken):
            pass

        @pytest.mark.task("9.3", points=1)
        def test_exception():
            {}["missing"]

        @pytest.mark.task("9.3", points=1)
        @pytest.mark.skip(reason="not today")
        def test_skip():
            pass

        def test_unmarked():
            pass
    """)
    _write(tmp_path / "e2e_ex" / "week9" / "test_broken.py", "import nonexistent_module_xyz\n")
    out = tmp_path / "out.json"
    env = {k: v for k, v in os.environ.items() if k != "TGLM_IMPL"}
    env["PYTHONPATH"] = str(ROOT)
    proc = subprocess.run([sys.executable, "-m", "pytest", "e2e_ex/week9", "-q", "--tb=no", "-p", "no:cacheprovider",
                           "--impl=e2e_sol", f"--grade-json={out}", "-W", "error::pytest.PytestUnknownMarkWarning"],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    text = proc.stdout
    assert proc.returncode == 1, text + proc.stderr
    assert "grading summary" in text and "implementation graded: e2e_sol" in text
    assert "double it" in text and "2 / 4" in text and "double(2): expected 5, got 4" in text
    assert "KeyError" in text and "error in setup" in text and "collection error" in text
    result = json.loads(out.read_text())
    kinds = {e["extra_data"]["nodeid"].split("::")[-1]: e["extra_data"]["kind"] for e in result["tests"]}
    assert kinds["test_ok"] == "passed" and kinds["test_wrong"] == "assertion"
    assert kinds["test_error"] == "error" and kinds["test_exception"] == "exception"
    assert kinds["test_skip"] == "skipped" and kinds["test_unmarked"] == "passed"
    assert "collection_error" in kinds.values()
    assert result["score"] == 2.0
    # the same tests against the stub package: NotImplementedError is recognised as "not implemented yet"
    proc = subprocess.run([sys.executable, "-m", "pytest", "e2e_ex/week9/test_m.py", "-q", "--tb=no",
                           "-p", "no:cacheprovider", "--impl=e2e_ex", f"--grade-json={out}"],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert "not implemented yet (raise NotImplementedError in e2e_ex/week9/m.py:double)" in proc.stdout
    kinds = {e["extra_data"]["nodeid"].split("::")[-1]: e["extra_data"]["kind"] for e in json.loads(out.read_text())["tests"]}
    assert kinds["test_ok"] == kinds["test_wrong"] == "not_implemented"


def test_assert_close_relative_difference_against_zero():
    msg = _message(assert_close, [0.0, 1.0, 1.0], [0.0, 0.0, 1.0])
    assert "rel diff undefined (expected 0)" in msg and "e+300" not in msg
    assert "max rel diff 0.333 where expected != 0" in _message(assert_close, [0.0, 2.0, 1.0], [0.0, 0.0, 1.5])
