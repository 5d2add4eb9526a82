"""Which implementation do the autograder tests run against? A lazy module proxy decides.

Handles: `load("week1.porter")` -> a proxy that imports `<impl>.week1.porter` on first attribute
access, where impl is "exercises" (the learner's stubs, the default), "solutions", or any importable
package path. The choice is, in order: `set_impl(...)` (the pytest option `--impl=...` calls it), the
environment variable TGLM_IMPL, then "exercises". The impl is looked up on EVERY attribute access,
so one test file grades whichever implementation the session chose, and there is no stale cache.
Does not handle: reloading a module after the learner edits it inside one Python process (pytest
starts a fresh process per run, which is all the course needs).
"""
import importlib
import importlib.util
import os
import re
import sys
from pathlib import Path

IMPL_ENV = "TGLM_IMPL"
DEFAULT_IMPL = "exercises"
_DOTTED = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")
_impl_override = None

# dunder names that may trigger the import; any other dunder (pytest / inspect probing such as
# __wrapped__ or __test__) answers AttributeError without importing the learner's code.
_DUNDERS_THAT_IMPORT = {"__file__", "__doc__", "__dict__", "__all__", "__path__", "__spec__", "__loader__"}


def _check_impl(impl: str) -> str:
    if not isinstance(impl, str) or not _DOTTED.match(impl):
        raise ValueError(f"impl must be a dotted package path such as 'exercises' or 'solutions', got {impl!r}")
    return impl


def set_impl(impl) -> None:
    """Choose the implementation package for every `load` proxy (None: back to env/default)."""
    global _impl_override
    _impl_override = None if impl is None else _check_impl(impl)


def current_impl() -> str:
    """The implementation package in use: set_impl(...) > $TGLM_IMPL > "exercises"."""
    return _check_impl(_impl_override or os.environ.get(IMPL_ENV) or DEFAULT_IMPL)


def pop_impl(argv, default: str = "solutions") -> list:
    """For the project scripts in solutions/: take `--impl NAME` (or `--impl=NAME`) out of argv and
    set_impl(NAME) (default: the reference solutions). `--impl exercises` runs the learner's own code:

        python -m solutions.week2.sentiment train --impl exercises     # your train_loop.py
    """
    argv, rest, impl = list(argv), [], default
    i = 0
    while i < len(argv):
        if argv[i] == "--impl" and i + 1 < len(argv):
            impl, i = argv[i + 1], i + 2
            continue
        if argv[i].startswith("--impl="):
            impl = argv[i].split("=", 1)[1]
        else:
            rest.append(argv[i])
        i += 1
    set_impl(impl)
    return rest


def repo_root() -> Path:
    """The checkout that holds tinygrad_lm/, exercises/ and solutions/ (editable install layout)."""
    return Path(__file__).resolve().parents[2]


def _ensure_importable(top: str) -> None:
    """Put the directory holding package `top` on sys.path if Python cannot find it yet.

    Under pytest the rootdir is already on sys.path (exercises/conftest.py sits in a package, so
    pytest inserts the directory above it); this covers plain `python -c` use and other cwds.
    """
    if top in sys.modules or importlib.util.find_spec(top) is not None:
        return
    candidates = [Path.cwd(), *Path.cwd().parents, repo_root()]
    for base in candidates:
        if (base / top / "__init__.py").is_file():
            sys.path.insert(0, str(base))
            importlib.invalidate_caches()
            return


def import_impl(name: str, impl: str = None):
    """Import `<impl>.<name>` now (impl defaults to current_impl()) with a clear error if missing."""
    impl = current_impl() if impl is None else _check_impl(impl)
    full = f"{impl}.{name}"
    _ensure_importable(impl.split(".")[0])
    try:
        return importlib.import_module(full)
    except ModuleNotFoundError as e:
        # Only rewrite the message when the module itself (or a parent package) is missing; an
        # ImportError raised INSIDE the learner's module must surface unchanged.
        if e.name and (full == e.name or full.startswith(e.name + ".")):
            path = full.replace(".", "/") + ".py"
            raise ModuleNotFoundError(
                f"course.load({name!r}) could not import {full} (implementation {impl!r}, chosen by "
                f"--impl / ${IMPL_ENV}): is there a file {path}? Stubs are regenerated with "
                f"`tglm course build {name.split('.')[0]}`.", name=e.name) from e
        raise


class ModuleProxy:
    """Stands in for `<impl>.<name>`; every attribute access goes to the module of the current impl."""

    __slots__ = ("_name",)

    def __init__(self, name: str):
        object.__setattr__(self, "_name", name)

    def _module(self):
        return import_impl(object.__getattribute__(self, "_name"))

    def __getattr__(self, attr):
        if attr.startswith("__") and attr.endswith("__") and attr not in _DUNDERS_THAT_IMPORT:
            raise AttributeError(attr)
        module = self._module()
        try:
            return getattr(module, attr)
        except AttributeError:
            raise AttributeError(
                f"{module.__name__} has no attribute {attr!r} (file {getattr(module, '__file__', '?')}): "
                f"the tests call `{attr}` — was it renamed or deleted?") from None

    def __setattr__(self, attr, value):
        # monkeypatch.setattr(mod, ...) patches the real module
        setattr(self._module(), attr, value)

    def __delattr__(self, attr):
        delattr(self._module(), attr)

    def __dir__(self):
        return dir(self._module())

    def __repr__(self):
        return f"<course.load({object.__getattribute__(self, '_name')!r}) -> {current_impl()}>"


def load(name: str) -> ModuleProxy:
    """Lazy proxy for the module `name` ("week1.porter") of the implementation under test.

    Nothing is imported until an attribute is used, so a broken or unfinished stub fails the tests
    that touch it, not the collection of the whole week.
    """
    if not isinstance(name, str) or not _DOTTED.match(name):
        raise ValueError(f"load() wants a dotted module name such as 'week1.porter', got {name!r}")
    return ModuleProxy(name)
