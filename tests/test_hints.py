"""tglm hint: the stub hides a task's APPROACH; `tglm hint N.M` reveals it one step per call."""
from pathlib import Path

from tinygrad_lm.course.build import build, hide_approach
from tinygrad_lm.course.hints import main, next_hint

SOL = '''def f(x):
    """Task 7.1: double it.

    TODO: return 2 x.

    APPROACH: multiply by two; then return
    the product. Done.

    EXAMPLE: f(2) == 4
    """
    ### BEGIN SOLUTION
    return 2 * x
    ### END SOLUTION
'''


def _week(tmp_path: Path):
    for d in ("solutions/week7", "exercises/week7"):
        (tmp_path / d).mkdir(parents=True)
    (tmp_path / "solutions/week7/__init__.py").write_text("")
    (tmp_path / "solutions/week7/task.py").write_text(SOL)
    return tmp_path


def test_stub_hides_the_approach(tmp_path):
    build(_week(tmp_path))
    stub = (tmp_path / "exercises/week7/task.py").read_text()
    assert "multiply by two" not in stub and "the product" not in stub
    assert "APPROACH: stuck? `tglm hint 7.1`" in stub and "TODO: return 2 x." in stub and "EXAMPLE: f(2) == 4" in stub
    assert hide_approach("no task here\n    APPROACH: keep\n") == "no task here\n    APPROACH: keep\n"


def test_hint_reveals_one_step_per_call(tmp_path):
    root = _week(tmp_path)
    first = next_hint("7.1", root)
    assert "step 1 of 3: multiply by two;" in first and "step 2" not in first
    second = next_hint("7.1", root)
    assert "step 2 of 3: then return the product." in second
    assert "step 3 of 3: Done." in next_hint("7.1", root, show_all=True)
    assert "step 2" not in next_hint("7.1", root, reset=True)


def test_bad_task_is_one_line(capsys):
    assert main(["4.x"]) == 2 and "not a task number" in capsys.readouterr().err
    assert main(["99.1"]) == 2 and "no week 99" in capsys.readouterr().err
