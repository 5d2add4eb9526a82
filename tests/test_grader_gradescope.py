"""`tglm course gradescope weekN`: the autograder zip has Gradescope's layout, ships no answers of the
week, and its run_autograder grades an upload into results.json (simulated in a tmp dir)."""
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tinygrad_lm.course.build import main as course_main
from tinygrad_lm.course.gradescope import PackageError, collect

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def week0_zip(tmp_path_factory):
    out = tmp_path_factory.mktemp("zip") / "autograder_week0.zip"
    assert course_main(["gradescope", "week0", "-o", str(out), "--root", str(ROOT)]) == 0
    return out


def test_zip_layout(week0_zip):
    with zipfile.ZipFile(week0_zip) as z:
        names = set(z.namelist())
        modes = {i.filename: (i.external_attr >> 16) & 0o777 for i in z.infolist()}
        run = z.read("run_autograder").decode()
        setup = z.read("setup.sh").decode()
        stub = z.read("exercises/week0/softmax.py").decode()
    assert {"setup.sh", "run_autograder", "pyproject.toml", "exercises/__init__.py", "exercises/conftest.py",
            "exercises/week0/test_softmax.py", "exercises/week0/softmax.py",
            "tinygrad_lm/course/plugin.py"} <= names
    assert modes["setup.sh"] == modes["run_autograder"] == 0o755
    assert not [n for n in names if n.startswith("solutions/") or n.startswith("exercises/week1")
                or "__pycache__" in n]
    assert "raise NotImplementedError" in stub and "### BEGIN SOLUTION" not in stub
    assert "/autograder/results/results.json" in run and "/autograder/submission" in run
    assert "numpy" in setup and "pytest" in setup


def test_run_autograder_grades_an_upload(week0_zip, tmp_path):
    source, upload, results = tmp_path / "source", tmp_path / "submission", tmp_path / "results" / "results.json"
    with zipfile.ZipFile(week0_zip) as z:
        z.extractall(source)
    (upload / "my_work").mkdir(parents=True)
    (upload / "my_work" / "softmax.py").write_text((ROOT / "solutions" / "week0" / "softmax.py").read_text())
    (upload / "my_work" / "test_softmax.py").write_text("raise SystemExit('a hostile test file is never copied')\n")
    env = {k: v for k, v in os.environ.items() if k not in ("TGLM_IMPL", "PYTHONPATH")}
    proc = subprocess.run([sys.executable, "-m", "tinygrad_lm.course.gradescope", "run", "week0",
                           "--submission", str(upload), "--source", str(source), "--results", str(results)],
                          cwd=source, env=env, capture_output=True, text=True, timeout=300)
    data = json.loads(results.read_text())
    assert data["extra_data"]["state"] == "finished", proc.stdout + proc.stderr
    assert data["score"] == 7.0                    # softmax.py (tasks 0.2-0.4) uploaded, broadcasting.py not
    assert "graded from your upload: softmax.py (my_work/softmax.py)" in data["output"]
    assert "graded as the unchanged stub: broadcasting.py" in data["output"]
    assert sum(e["max_score"] for e in data["tests"]) == 10.0
    assert "hostile" not in (source / "exercises" / "week0" / "test_softmax.py").read_text()


def test_tests_that_import_the_weeks_own_solutions_are_refused(tmp_path):
    ex = tmp_path / "exercises" / "week5"
    ex.mkdir(parents=True)
    for f in ("exercises/__init__.py", "exercises/conftest.py"):
        (tmp_path / f).write_text("")
    (tmp_path / "tinygrad_lm").mkdir()
    (ex / "test_x.py").write_text("from solutions.week5.x import f\n")
    with pytest.raises(PackageError, match="would ship the answers"):
        collect(tmp_path, "week5")
    (ex / "test_x.py").write_text("from solutions.week4.bpe import merge_pair\n")
    for f in ("solutions/__init__.py", "solutions/week4/__init__.py", "solutions/week4/bpe.py"):
        (tmp_path / f).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / f).write_text("")
    assert "solutions/week4/bpe.py" in collect(tmp_path, "week5")
