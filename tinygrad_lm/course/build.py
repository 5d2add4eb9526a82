"""`tglm course build [--check] [--force] [weekN ...]`: generate exercises/weekN/ stubs from solutions/weekN/.

FOR INSTRUCTORS (course authors), not learners: the stubs are the learners' work files.
Rules:
- Every solutions/weekN/**/*.py is mirrored to exercises/weekN/ with the same relative path.
- Code between comment lines `### BEGIN SOLUTION` and `### END SOLUTION` (fences included) becomes one
  line `raise NotImplementedError("Week N, task N.M: <title>")`, indented like the BEGIN line. The
  enclosing function's docstring (which must start with `Task N.M: <title>`, N = the week) stays: it is
  the learner's hint. Imports used only by the removed code stay (harmless).
- A module without fences is NOT mirrored: it has nothing for the learner to fill in (project scripts
  such as solutions/week2/sentiment.py run from solutions/, with `--impl exercises` to use the learner's
  code; see course/proxy.py pop_impl). Package __init__.py files are mirrored (empty stays empty).
- Each non-empty generated file starts with a header comment naming its source.
- A task's APPROACH section (the step-by-step recipe) is replaced in the stub by a pointer to
  `tglm hint N.M` (course/hints.py), which reveals it one step per call; TODO, EXAMPLE and HINT stay.
- A generated file whose solution was deleted is removed (build) or reported (--check). Files in
  exercises/weekN/ that do not carry the header (tests, README.md, conftest.py, data) are never touched.
- --check writes nothing, lists out-of-date files and exits 1 if any.
- Never silently destroys work: an existing exercise file that differs from what the build would
  generate (a learner's answers, or a stub made from an older solution) is neither overwritten nor
  removed; the build writes nothing, names those files and exits 1. `--force` overwrites them.

Errors (exit 2, file and line given): unbalanced or nested fences, a fence outside a function, BEGIN and
END in different functions, no `Task N.M` docstring on the enclosing function, a task of another week.
Does not handle: fences in non-Python files, notebooks.
"""
import argparse
import ast
import io
import re
import sys
import tokenize
from pathlib import Path

from .proxy import repo_root

BEGIN = "### BEGIN SOLUTION"
END = "### END SOLUTION"
GENERATED_MARK = "# Generated from solutions/"
HEADER = ("# Generated from {src} by `tglm course build`: fill in the parts that raise NotImplementedError.\n"
          "# Your edits are safe: the build refuses to overwrite this file unless --force; the reference is {src}.\n")
HEADER_COPY = ("# Generated from {src} by `tglm course build` (copied unchanged: nothing to fill in here).\n"
               "# The build refuses to overwrite this file unless --force.\n")
TASK_DOC = re.compile(r"^\s*Task\s+(\d+)((?:\.\d+)+)\s*[:.\-]?\s*(.*)$")
WEEK_DIR = re.compile(r"^week(\d+)$")


class StubError(ValueError):
    """A solution file cannot be turned into a stub (bad fences or missing task docstring)."""


class WouldOverwrite(Exception):
    """The build would overwrite or remove exercise files that differ from the generated text."""

    def __init__(self, paths, root: Path):
        self.paths = list(paths)
        rel = [p.relative_to(root).as_posix() for p in self.paths]
        super().__init__(
            f"refusing to overwrite {len(rel)} exercise file(s) that differ from the generated stub "
            f"(they may hold a learner's work): {', '.join(rel)}. Nothing was written. If you are the "
            f"instructor and want the stubs regenerated, rerun with --force "
            f"(`tglm course build --force {' '.join(sorted({p.split('/')[1] for p in rel}))}`).")


def _fence_lines(source: str, filename: str):
    """[(lineno, 'BEGIN'|'END', indent)] for comment-only lines that are fences (1-based)."""
    out = []
    lines = source.splitlines()
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, IndentationError, SyntaxError) as e:
        raise StubError(f"{filename}: cannot tokenize: {e}") from None
    for tok in tokens:
        if tok.type != tokenize.COMMENT:
            continue
        text = tok.string.strip()
        kind = "BEGIN" if text == BEGIN else "END" if text == END else None
        if kind is None:
            if text.startswith("###") and ("BEGIN" in text or "END" in text) and "SOLUTION" in text:
                raise StubError(f"{filename}:{tok.start[0]}: malformed fence {text!r}; write exactly "
                                f"{BEGIN!r} or {END!r}")
            continue
        line = lines[tok.start[0] - 1]
        if line.strip() != text:
            raise StubError(f"{filename}:{tok.start[0]}: a fence must be alone on its line: {line.strip()!r}")
        out.append((tok.start[0], kind, line[: len(line) - len(line.lstrip())]))
    return out


def _functions(tree):
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield node


def _quote(s: str) -> str:
    return f'"{s}"' if '"' not in s and "\\" not in s else repr(s)


def make_stub(source: str, week: int = None, filename: str = "<solution>") -> str:
    """The exercise text for one solution module (without the header). Raises StubError."""
    fences = _fence_lines(source, filename)
    if not fences:
        return source
    pairs, open_at = [], None
    for lineno, kind, indent in fences:
        if kind == "BEGIN":
            if open_at is not None:
                raise StubError(f"{filename}:{lineno}: {BEGIN!r} inside another fence opened at line "
                                f"{open_at[0]} (fences cannot nest; close it with {END!r} first)")
            open_at = (lineno, indent)
        else:
            if open_at is None:
                raise StubError(f"{filename}:{lineno}: {END!r} without a matching {BEGIN!r} above it")
            pairs.append((open_at[0], lineno, open_at[1]))
            open_at = None
    if open_at is not None:
        raise StubError(f"{filename}:{open_at[0]}: {BEGIN!r} has no matching {END!r}")
    try:
        tree = ast.parse(source, filename=filename)
    except SyntaxError as e:
        raise StubError(f"{filename}:{e.lineno}: the solution itself has a syntax error: {e.msg}") from None
    funcs = list(_functions(tree))
    lines = source.splitlines(keepends=True)
    replacements = []
    for b, e, indent in pairs:
        def enclosing(line):
            # A function's lines run from its docstring to its last statement, plus any comment/blank
            # lines right after it that are indented deeper than the `def` (e.g. a closing fence).
            def inside(f):
                if f.body[0].lineno <= line <= f.end_lineno:
                    return True
                tail = [t for t in lines[f.end_lineno:line - 1] if t.strip() and not t.lstrip().startswith("#")]
                text = lines[line - 1]
                return line > f.end_lineno and not tail and len(text) - len(text.lstrip()) > f.col_offset
            return sorted((f for f in funcs if inside(f)), key=lambda f: f.lineno, reverse=True)  # innermost first
        fb, fe = enclosing(b), enclosing(e)
        if not fb:
            raise StubError(f"{filename}:{b}: solution fence outside a function (fences must sit inside "
                            f"the body of a function whose docstring says 'Task N.M: ...')")
        if not fe or fe[0] is not fb[0]:
            raise StubError(f"{filename}:{b}-{e}: {BEGIN!r} and {END!r} are in different functions")
        task = None
        for f in fb:
            doc = ast.get_docstring(f) or ""
            m = TASK_DOC.match(doc.splitlines()[0]) if doc.strip() else None
            if m:
                task = (m.group(1), m.group(1) + m.group(2), m.group(3).strip())
                break
        if task is None:
            raise StubError(f"{filename}:{b}: the function {fb[0].name!r} (line {fb[0].lineno}) holds a "
                            f"solution fence but its docstring does not start with 'Task N.M: <what to "
                            f"implement>'")
        major, tid, title = task
        if week is not None and int(major) != int(week):
            raise StubError(f"{filename}:{fb[0].lineno}: task {tid} in {fb[0].name!r} belongs to week "
                            f"{major}, but this file is in week {week}")
        msg = f"Week {int(major)}, task {tid}: {title}" if title else f"Week {int(major)}, task {tid}"
        replacements.append((b, e, f"{indent}raise NotImplementedError({_quote(msg)})\n"))
    for b, e, new in sorted(replacements, reverse=True):
        lines[b - 1:e] = [new]
    stub = "".join(lines)
    try:
        compile(stub, filename, "exec")
    except SyntaxError as err:
        raise StubError(f"{filename}: the generated stub does not compile (line {err.lineno}: {err.msg}); "
                        f"check the fence indentation") from None
    return stub


_TASK_LINE = re.compile(r'"""\s*Task\s+(\d+(?:\.\d+)+)\s*[:.\-]')
_HEADER_LINE = re.compile(r"^\s*(TODO|APPROACH|EXAMPLE|HINT):")


def hide_approach(stub: str) -> str:
    """Replace each task's APPROACH section by a pointer to `tglm hint N.M` (course/hints.py): the
    step-by-step approach is revealed one step at a time, on request, instead of dictating the code."""
    out, task, skipping = [], None, False
    for line in stub.splitlines(keepends=True):
        m = _TASK_LINE.search(line)
        if m:
            task = m.group(1)
        if skipping:
            if line.strip() and not _HEADER_LINE.match(line) and '"""' not in line:
                continue                                   # a continuation line of the approach
            skipping = False
        h = _HEADER_LINE.match(line)
        if h and h.group(1) == "APPROACH" and task:
            indent = line[:len(line) - len(line.lstrip())]
            out.append(f"{indent}APPROACH: stuck? `tglm hint {task}` shows the approach one step at a time.\n")
            skipping = True
            continue
        out.append(line)
    return "".join(out)


def generate_file(src: Path, week: int, root: Path) -> str:
    """Full text of the exercise file generated from solution file `src` (header included)."""
    source = src.read_text(encoding="utf-8")
    rel = src.relative_to(root).as_posix()
    stub = make_stub(source, week=week, filename=rel)
    if not stub.strip():
        return stub
    return (HEADER if stub != source else HEADER_COPY).format(src=rel) + (hide_approach(stub) if stub != source else stub)


def _has_fences(src: Path) -> bool:
    return bool(_fence_lines(src.read_text(encoding="utf-8"), src.name))


def week_dirs(root: Path, names=None):
    """Week folders of solutions/ (all, or those named), in week order."""
    sol = root / "solutions"
    found = sorted((d for d in sol.iterdir() if d.is_dir() and WEEK_DIR.match(d.name)),
                   key=lambda d: int(WEEK_DIR.match(d.name).group(1))) if sol.is_dir() else []
    if not names:
        return found
    by_name = {d.name: d for d in found}
    out = []
    for n in names:
        n = f"week{n}" if str(n).isdigit() else str(n)
        if n not in by_name:
            raise StubError(f"no folder solutions/{n}/ (weeks found: {', '.join(by_name) or 'none'})")
        out.append(by_name[n])
    return out


def plan_week(root: Path, week_dir: Path):
    """{target path: generated text or None (= stale, delete)} for one week."""
    week = int(WEEK_DIR.match(week_dir.name).group(1))
    out_dir = root / "exercises" / week_dir.name
    plan = {}
    for src in sorted(week_dir.rglob("*.py")):
        if "__pycache__" in src.parts:
            continue
        text = generate_file(src, week, root)
        if src.name != "__init__.py" and not _has_fences(src):
            continue                                 # nothing to fill in: not mirrored (see the rules above)
        plan[out_dir / src.relative_to(week_dir)] = text
    if out_dir.is_dir():
        for old in sorted(out_dir.rglob("*.py")):
            if old not in plan and "__pycache__" not in old.parts and _is_generated(old):
                plan[old] = None
    init = out_dir / "__init__.py"
    if init not in plan and not init.exists():
        plan[init] = ""
    return plan


def _is_generated(path: Path) -> bool:
    try:
        with open(path, encoding="utf-8") as f:
            return f.readline().startswith(GENERATED_MARK)
    except OSError:
        return False


def build(root: Path = None, weeks=None, check: bool = False, out=print, force: bool = False):
    """Generate (or with check=True compare) the stubs. Returns the list of out-of-date paths.

    Without force, raises WouldOverwrite (writing nothing) if an existing file would change or go.
    """
    root = Path(root) if root is not None else repo_root()
    todo = []
    for wd in week_dirs(root, weeks):
        for target, text in plan_week(root, wd).items():
            current = target.read_text(encoding="utf-8") if target.exists() else None
            if text != current:
                todo.append((target, text, current))
    conflicts = [t for t, _, current in todo if current is not None]
    if conflicts and not check and not force:
        raise WouldOverwrite(conflicts, root)
    changed = []
    for target, text, current in todo:
        rel = target.relative_to(root).as_posix()
        changed.append(target)
        if check:
            what = "stale (its solution is gone, or has nothing to fill in)" if text is None else "missing" if current is None \
                else "out of date"
            out(f"{rel}: {what}")
        elif text is None:
            target.unlink()
            out(f"removed {rel} (its solution is gone, or has nothing to fill in)")
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
            out(f"wrote {rel}" + (" (overwritten: --force)" if current is not None else ""))
    return changed


def main(argv=None) -> int:
    """`tglm course ...` (subcommands: build, gradescope). Instructor tools."""
    p = argparse.ArgumentParser(prog="tglm course", description="INSTRUCTOR tools (course authors, not learners): "
                                "regenerate exercise stubs from solutions/, package a week for Gradescope")
    sub = p.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("build", help="(instructors) generate exercises/weekN stubs from solutions/weekN; "
                       "never overwrites a learner's work without --force",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    b.add_argument("weeks", nargs="*", help="week0 week1 ... (default: every solutions/week*/)")
    b.add_argument("--check", action="store_true", help="write nothing; exit 1 if any stub is out of date")
    b.add_argument("--force", action="store_true",
                   help="overwrite (or remove) exercise files that differ from the generated stubs: "
                        "DESTROYS any answers written in them")
    b.add_argument("--root", default=None, help="repository root (default: the checkout of tinygrad_lm)")
    g = sub.add_parser("gradescope", help="(instructors) write the Gradescope autograder zip of one week")
    from . import gradescope
    gradescope.add_arguments(g)
    args = p.parse_args(argv)
    if args.cmd == "gradescope":
        return gradescope.main_from_args(args)
    try:
        changed = build(args.root, args.weeks, check=args.check, force=args.force)
    except StubError as e:
        print(f"tglm course build: error: {e}", file=sys.stderr)
        return 2
    except WouldOverwrite as e:
        print(f"tglm course build: {e}", file=sys.stderr)
        return 1
    if args.check:
        if changed:
            print(f"{len(changed)} file(s) out of date: run `tglm course build` to regenerate", file=sys.stderr)
            return 1
        print("exercises are in sync with solutions")
    elif not changed:
        print("exercises already up to date")
    return 0
