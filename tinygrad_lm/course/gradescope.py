"""`tglm course gradescope weekN [-o PATH]`: the week's Gradescope autograder zip (for instructors).

Layout (Gradescope's autograder specification): the zip's root holds `setup.sh` (run once when
Gradescope builds the image, from /autograder/source where the zip is unpacked) and `run_autograder`
(copied to /autograder/run_autograder and run for every submission; the learner's upload is in
/autograder/submission; it must write /autograder/results/results.json). Next to them, the source
tree the grader needs:
  tinygrad_lm/ (the library and the course harness) and pyproject.toml;
  exercises/__init__.py, exercises/conftest.py and exercises/weekN/ (tests, README, the generated
    stubs and the support modules: a module the learner did not upload is graded as its stub);
  data/<name>/ and tests/fixtures/<name>/ for each folder the week's tests name (a data folder's
    SOURCE.md travels with it), plus any folder given with --include;
  solutions/weekK/<module>.py only for modules of EARLIER weeks that the week's tests import.
Never shipped: solutions/weekN/ (a submission could import the answers), other weeks' exercises.
`run_autograder` calls `python3 -m tinygrad_lm.course.gradescope run weekN`, which copies the learner's
modules over the stubs (same file name anywhere in the upload; never test_*.py, conftest.py or
__init__.py) and runs `tglm grade weekN --json /autograder/results/results.json` (grade.py: a results
file always exists, a crash or hang scores the test 0 and the rest still run).
Does not handle: notebooks as submissions, sandboxing the learner's code (it runs with the grader's
rights and could, in principle, overwrite the results file).
"""
import argparse
import os
import re
import shutil
import stat
import sys
import zipfile
from pathlib import Path

from .proxy import repo_root

SETUP_SH = """#!/usr/bin/env bash
# Gradescope runs this once, from /autograder/source, when it builds the autograder image.
set -euo pipefail
if ! python3 -m pip --version >/dev/null 2>&1; then
    apt-get update && apt-get install -y python3 python3-pip
fi
python3 -m pip install --no-cache-dir {deps} || \\
    python3 -m pip install --no-cache-dir --break-system-packages {deps}
# fail here, not on a learner's submission, if the harness does not import
cd /autograder/source && python3 -c "import tinygrad_lm.course.plugin"
"""
RUN_AUTOGRADER = """#!/usr/bin/env bash
# Gradescope runs this for every submission. It never fails: the score is in results.json.
mkdir -p /autograder/results
cd /autograder/source
python3 -m tinygrad_lm.course.gradescope run {week} --submission /autograder/submission \\
    --source /autograder/source --results /autograder/results/results.json
if [ ! -s /autograder/results/results.json ]; then
    echo '{{"score": 0.0, "output": "the autograder failed to start: contact the course staff", "tests": []}}' \\
        > /autograder/results/results.json
fi
exit 0
"""
DEFAULT_DEPS = ["numpy>=1.24", "numba>=0.59", "regex>=2023.0", "tqdm>=4.60"]
_SKIP_PARTS = {"__pycache__", ".pytest_cache", ".ipynb_checkpoints"}


class PackageError(ValueError):
    """The week cannot be packaged (message says why)."""


def _files_under(d: Path):
    for p in sorted(d.rglob("*")):
        if p.is_file() and not _SKIP_PARTS.intersection(p.parts) and p.suffix not in (".pyc", ".nbi", ".nbc"):
            yield p


def _deps(root: Path):
    try:
        text = (root / "pyproject.toml").read_text(encoding="utf-8")
        m = re.search(r"^dependencies\s*=\s*\[(.*?)\]", text, re.M | re.S)
        deps = re.findall(r'"([^"]+)"', m.group(1)) if m else []
    except OSError:
        deps = []
    return (deps or DEFAULT_DEPS) + ["pytest>=7"]


def collect(root: Path, week: str, include=()) -> dict:
    """{name in the zip: file} for the week's autograder (see the module docstring)."""
    root = Path(root)
    ex = root / "exercises" / week
    if not re.fullmatch(r"week\d+", week) or not any(ex.glob("test_*.py")):
        raise PackageError(f"no tests in exercises/{week}/ (give a week such as week4)")
    files = {"pyproject.toml": root / "pyproject.toml"} if (root / "pyproject.toml").is_file() else {}
    for p in _files_under(root / "tinygrad_lm"):
        files[p.relative_to(root).as_posix()] = p
    for name in ("__init__.py", "conftest.py"):
        files[f"exercises/{name}"] = root / "exercises" / name
    for p in _files_under(ex):
        files[p.relative_to(root).as_posix()] = p
    tests_text = "\n".join(p.read_text(encoding="utf-8") for p in sorted(ex.glob("test_*.py")))
    n = int(week[4:])
    refs = set(re.findall(r"solutions\.(week\d+)\.(\w+)", tests_text))
    refs |= set(re.findall(r"""import_impl\(\s*["'](week\d+)\.(\w+)["']\s*,\s*impl\s*=\s*["']solutions""", tests_text))
    for wk, mod in sorted(refs):
        if int(wk[4:]) >= n:
            raise PackageError(f"the tests of {week} import solutions.{wk}.{mod}: the autograder would ship "
                               f"the answers; test against the library instead")
        files["solutions/__init__.py"] = root / "solutions" / "__init__.py"
        files[f"solutions/{wk}/__init__.py"] = root / "solutions" / wk / "__init__.py"
        files[f"solutions/{wk}/{mod}.py"] = root / "solutions" / wk / f"{mod}.py"
    folders = set()
    if (root / "data").is_dir():          # data/NAME: named anywhere in the tests (e.g. load_rt_polarity)
        folders |= {f"data/{d.name}" for d in (root / "data").iterdir() if d.is_dir() and d.name in tests_text}
    fx = root / "tests" / "fixtures"
    if fx.is_dir():                       # tests/fixtures/NAME: named as a quoted or /-separated path part
        folders |= {f"tests/fixtures/{d.name}" for d in fx.iterdir()
                    if d.is_dir() and re.search(rf"[\"'/]{re.escape(d.name)}[\"'/]", tests_text)}
    for folder in sorted(folders | {str(x).strip("/") for x in include}):
        if not (root / folder).is_dir():
            raise PackageError(f"--include {folder}: no folder {root / folder}")
        for p in _files_under(root / folder):
            files[p.relative_to(root).as_posix()] = p
    missing = [a for a, p in files.items() if not p.is_file()]
    if missing:
        raise PackageError(f"files missing under {root}: {', '.join(missing)}")
    return files


def build_zip(root: Path, week: str, out: Path, include=()) -> Path:
    """Write the autograder zip of `week` to `out`; returns the path."""
    root = Path(root)
    files = collect(root, week, include)
    deps = " ".join(f'"{d}"' for d in _deps(root))
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in (("setup.sh", SETUP_SH.format(deps=deps)), ("run_autograder", RUN_AUTOGRADER.format(week=week))):
            info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
            info.external_attr = (stat.S_IFREG | 0o755) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, text)
        for name, path in sorted(files.items()):
            z.write(path, name)
    return out


def copy_submission(submission: Path, source: Path, week: str):
    """Copy the learner's modules over the stubs. Returns (taken: {module: file}, missing: [module])."""
    ex = Path(source) / "exercises" / week
    modules = [p.relative_to(ex) for p in sorted(ex.rglob("*.py"))
               if not p.name.startswith("test_") and p.name not in ("conftest.py", "__init__.py")
               and "__pycache__" not in p.parts]
    uploaded = [p for p in Path(submission).rglob("*.py") if p.is_file() and "__MACOSX" not in p.parts]
    taken, missing = {}, []
    for rel in modules:
        cands = [p for p in uploaded if p.name == rel.name]
        best = [p for p in cands if p.as_posix().endswith(f"{week}/{rel.as_posix()}")] or \
            [p for p in cands if p.as_posix().endswith(rel.as_posix())]
        if not best:
            missing.append(rel.as_posix())
            continue
        src = min(best, key=lambda p: (len(p.parts), p.as_posix()))
        shutil.copyfile(src, ex / rel)
        taken[rel.as_posix()] = src.relative_to(submission).as_posix()
    return taken, missing


def run(week: str, submission, source, results) -> int:
    """Gradescope side: copy the submission over the stubs, grade, note what was graded."""
    from . import grade, results as _results
    source, submission, results = Path(source).resolve(), Path(submission).resolve(), Path(results).absolute()
    taken, missing = copy_submission(submission, source, week)
    note = (f"graded from your upload: {', '.join(f'{m} ({f})' for m, f in taken.items()) or 'nothing'}"
            + (f"; not in your upload, graded as the unchanged stub: {', '.join(missing)}" if missing else ""))
    print(note, flush=True)
    cwd = os.getcwd()
    os.chdir(source)
    try:
        code = grade.main([week, "--json", str(results)])
    finally:
        os.chdir(cwd)
    data = _results.read(results)
    if data is not None:
        data["output"] = note + "\n" + data.get("output", "")
        _results.atomic_write_json(results, data)
    return code


def add_arguments(p):
    p.add_argument("week", help="the week to package, e.g. week4")
    p.add_argument("-o", "--output", default=None, help="zip path (default: autograder_<week>.zip)")
    p.add_argument("--include", action="append", default=[], metavar="FOLDER",
                   help="also ship this folder of the repository, e.g. data/tinystories (data/NAME and "
                        "tests/fixtures/NAME folders named in the week's tests are shipped anyway)")
    p.add_argument("--root", default=None, help="repository root (default: the checkout of tinygrad_lm)")


def main_from_args(args) -> int:
    week = f"week{args.week}" if str(args.week).isdigit() else args.week
    root = Path(args.root) if args.root else repo_root()
    out = Path(args.output or f"autograder_{week}.zip")
    try:
        build_zip(root, week, out, include=args.include)
    except PackageError as e:
        print(f"tglm course gradescope: error: {e}", file=sys.stderr)
        return 2
    with zipfile.ZipFile(out) as z:
        n = len(z.namelist())
    print(f"wrote {out} ({n} files, {out.stat().st_size / 1e6:.1f} MB): upload it as the Gradescope autograder "
          f"(Ubuntu base image, Python 3.10+)")
    return 0


def main(argv=None) -> int:
    """`python -m tinygrad_lm.course.gradescope run weekN --submission DIR --source DIR --results PATH`."""
    p = argparse.ArgumentParser(prog="python -m tinygrad_lm.course.gradescope")
    sub = p.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run", help="grade a submission (what run_autograder calls)")
    r.add_argument("week")
    r.add_argument("--submission", default="/autograder/submission")
    r.add_argument("--source", default="/autograder/source")
    r.add_argument("--results", default="/autograder/results/results.json")
    args = p.parse_args(argv)
    return run(args.week, args.submission, args.source, args.results)


if __name__ == "__main__":
    sys.exit(main())
