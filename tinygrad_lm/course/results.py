"""The grading results file: written atomically after every test, read back by `tglm grade`.

Handles: atomic writes (a temp file in the same folder, then os.replace: a reader or a killed writer
never sees half a file); checking up front that the path can be written (`prepare`); turning a
results.json back into per-test records and the run's state; the static list of tests a test file
declares (`declared_tests`), so a file that does not import, or was not selected, still counts its
tasks' points in the total.
Run state (top-level extra_data of the JSON): "starting" (no test collected yet), "running" (the
process is alive, or died: extra_data.running names the test it was in), "stopped" (the grader
stopped the process after a test it could not interrupt), "interrupted" (Ctrl-C), "finished".
Does not handle: several processes writing one file at once.
"""
import ast
import json
import os
import tempfile
from pathlib import Path

STATES = ("starting", "running", "stopped", "interrupted", "finished")


class ResultsPathError(OSError):
    """The results file cannot be written (message names the path and the reason)."""


def atomic_write_json(path, data) -> None:
    """Write `data` as JSON to `path` through a temp file + os.replace."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=str(path.parent), prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(data, f, indent=1)
        os.replace(tmp, str(path))
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def placeholder(impl: str, message: str) -> dict:
    """A valid results.json worth 0 points, written before anything runs."""
    return {"score": 0.0, "output": message, "visibility": "visible", "tests": [],
            "extra_data": {"state": "starting", "impl": impl}}


def prepare(path, data) -> Path:
    """Create the folder and write `data` to `path` now; raise ResultsPathError with a clear message."""
    path = Path(path).expanduser().absolute()
    try:
        if path.is_dir():
            raise IsADirectoryError(21, "it is a folder")
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_json(path, data)
    except OSError as e:
        why = e.strerror or str(e)
        raise ResultsPathError(f"cannot write the grading results to {path}: {why}; "
                               f"give a writable file path") from None
    return path


def read(path):
    """The results dict, or None if the file is missing or not valid JSON."""
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def meta_of(data) -> dict:
    extra = (data or {}).get("extra_data")
    return dict(extra) if isinstance(extra, dict) else {}


def records_of(data) -> list:
    """Per-test records (see summary.py) from a results dict written by the course plugin."""
    records = []
    for e in (data or {}).get("tests", []):
        x = e.get("extra_data") or {}
        if "nodeid" not in x:
            continue
        out = e.get("output", "")
        reason = x.get("reason", out.split("\n\n", 1)[0])
        trace = out.split("\n\n", 1)[1] if out.startswith(reason) and "\n\n" in out else ""
        rec = {"nodeid": x["nodeid"], "name": x.get("name", x["nodeid"].split("::")[-1]),
               "file": x.get("file", x["nodeid"].split("::")[0]), "week": x.get("week", "?"),
               "dir": x.get("dir", ""), "task": x.get("task"), "points": float(x.get("points", 0.0)),
               "title": x.get("title"), "outcome": x.get("outcome", "error"), "kind": x.get("kind", "error"),
               "reason": reason, "output": trace}
        records.append(rec)
    return records


# ---- tests a file declares, read without importing it ----------------------------------------------

def _task_marker(node):
    """(task, points, title) if `node` is `pytest.mark.task(...)` / `mark.task(...)` with literal args."""
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "task"):
        return None
    owner = node.func.value
    if not (isinstance(owner, ast.Attribute) and owner.attr == "mark"
            or isinstance(owner, ast.Name) and owner.id == "mark"):
        return None
    try:
        args = [ast.literal_eval(a) for a in node.args]
        kw = {k.arg: ast.literal_eval(k.value) for k in node.keywords if k.arg}
    except ValueError:
        return None
    task = str(args[0]) if args else str(kw.get("id", "?"))
    points = kw.get("points", args[1] if len(args) > 1 else 1)
    return task, float(points), kw.get("title")


def _markers(expr):
    items = expr.elts if isinstance(expr, (ast.List, ast.Tuple)) else [expr]
    return [m for m in (_task_marker(i) for i in items) if m]


def declared_tests(path) -> list:
    """[(test name, task, points, title)] for the task-marked tests of a test file, statically.

    Reads `@pytest.mark.task(...)` on functions and classes and a module-level `pytestmark`. A
    parametrized test counts once. Returns [] if the file cannot be parsed.
    """
    try:
        tree = ast.parse(Path(path).read_text(encoding="utf-8"))
    except (OSError, SyntaxError, ValueError):
        return []
    module_marks = []
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "pytestmark"
                                                for t in node.targets):
            module_marks += _markers(node.value)
    out = []

    def visit(body, prefix, inherited):
        for node in body:
            marks = [m for d in getattr(node, "decorator_list", []) for m in _markers(d)] or inherited
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name.startswith("test"):
                if marks:
                    out.append((prefix + node.name,) + marks[0])
            elif isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
                visit(node.body, prefix + node.name + "::", marks)
    visit(tree.body, "", module_marks)
    return out
