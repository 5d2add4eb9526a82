"""Activates the course's pytest plugin for everything under exercises/ (see tinygrad_lm/course/plugin.py).

The hooks are imported by name rather than via `pytest_plugins`, which pytest only allows in the
top-level conftest. Because this folder is a package, pytest puts the repo root on sys.path, so
`exercises` and `solutions` import without being installed.
"""
from tinygrad_lm.course.plugin import *  # noqa: F401,F403  (pytest hooks)
