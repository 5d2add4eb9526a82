"""Progressive hints: `tglm hint 4.11` shows the next step of a task's APPROACH, one step per call.

The stubs keep each task's TODO, EXAMPLE and HINT; the step-by-step APPROACH is taken out of the stub
(build.py replaces it by one line pointing here), so a student who wants to think first can, and one
who is stuck asks for one step at a time:

    tglm hint 4.11            # step 1 of the approach of task 4.11; again for step 2, ...
    tglm hint 4.11 --all      # every step at once
    tglm hint 4.11 --reset    # start again from step 1

The approach is read from the task's docstring in solutions/weekN/ (the same text the stub used to
show); steps are its sentences / semicolon-separated clauses. How far each task has been revealed is
remembered in exercises/.hints.json (not tracked by git).
Does not handle: hints for tasks without an APPROACH section (the command says so).
"""
import argparse
import ast
import json
import re
import sys
from pathlib import Path

from .proxy import repo_root

HEADERS = ("TODO", "APPROACH", "EXAMPLE", "HINT")
TASK = re.compile(r"^\s*Task\s+(\d+(?:\.\d+)+)\s*:")
SECTION = re.compile(r"^\s*(" + "|".join(HEADERS) + r"):\s?(.*)$")
STATE_FILE = ".hints.json"


def sections(doc: str) -> dict:
    """{header: text} of a task docstring (a section runs until the next header line)."""
    out, current = {}, None
    for line in doc.splitlines():
        m = SECTION.match(line)
        if m:
            current = m.group(1)
            out[current] = [m.group(2)]
        elif current:
            out[current].append(line.strip())
    return {k: "\n".join(v).strip() for k, v in out.items()}


def find_task(task: str, root: Path = None):
    """-> (solution file, docstring) of the function whose docstring starts with `Task <task>:`."""
    root = Path(root) if root is not None else repo_root()
    week = task.split(".")[0]
    folder = root / "solutions" / f"week{week}"
    if not folder.is_dir():
        raise ValueError(f"no week {week}: {folder} does not exist")
    for py in sorted(folder.glob("*.py")):
        for node in ast.walk(ast.parse(py.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                doc = ast.get_docstring(node) or ""
                m = TASK.match(doc)
                if m and m.group(1) == task:
                    return py, doc
    raise ValueError(f"no task {task} in {folder} (tasks are listed in exercises/week{week}/README.md)")


def steps(approach: str) -> list:
    """The approach cut into steps: sentences, and clauses separated by '; ' (code stays intact)."""
    text = " ".join(approach.split())
    parts = re.split(r"(?<=[.;])\s+(?=[A-Za-z(`'\"])", text)
    return [p.strip() for p in parts if p.strip()]


def _state(root: Path) -> dict:
    path = root / "exercises" / STATE_FILE
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _save(root: Path, state: dict) -> None:
    path = root / "exercises" / STATE_FILE
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(state, indent=1), encoding="utf-8")
    tmp.replace(path)


def next_hint(task: str, root: Path = None, show_all: bool = False, reset: bool = False) -> str:
    """The text to print for `tglm hint <task>` (and remember how far this task has been revealed)."""
    root = Path(root) if root is not None else repo_root()
    py, doc = find_task(task, root)
    approach = sections(doc).get("APPROACH")
    if not approach:
        return f"task {task} has no step-by-step approach; its TODO, EXAMPLE and HINT are in the stub's docstring"
    parts = steps(approach)
    state = _state(root)
    shown = 0 if reset else int(state.get(task, 0))
    if show_all:
        shown = len(parts)
    else:
        shown = min(shown + 1, len(parts))
    state[task] = shown
    _save(root, state)
    lines = [f"task {task}, approach step {i + 1} of {len(parts)}: {p}" for i, p in enumerate(parts[:shown])]
    if shown == len(parts):
        lines.append(f"(that was every step; after trying, the reference is {py.relative_to(root).as_posix()})")
    else:
        lines.append(f"(run `tglm hint {task}` again for the next step)")
    return "\n".join(lines)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="tglm hint", description="the next step of a task's approach, one per call")
    p.add_argument("task", help="a task number, e.g. 4.11")
    p.add_argument("--all", action="store_true", help="show every step")
    p.add_argument("--reset", action="store_true", help="start again from the first step")
    args = p.parse_args(argv)
    if not re.fullmatch(r"\d+(\.\d+)+", args.task):
        print(f"tglm hint: {args.task!r} is not a task number (e.g. 4.11)", file=sys.stderr)
        return 2
    try:
        print(next_hint(args.task, show_all=args.all, reset=args.reset))
    except ValueError as e:
        print(f"tglm hint: {e}", file=sys.stderr)
        return 2
    return 0
