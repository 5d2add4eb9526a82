"""pytest plugin of the course: --impl, the `task` marker, the grading summary and Gradescope JSON.

Loaded by exercises/conftest.py (which imports these hooks), so it is active for `pytest exercises/...`
and not for the library's own tests/.
"""
import pytest

from .proxy import IMPL_ENV, current_impl, set_impl

TASK_MARKER_HELP = ("task(id, points=1, title=None): this test grades course task `id` (e.g. \"2.3\"); "
                    "`points` is the task's total, shared by all its tests")


def pytest_addoption(parser):
    group = parser.getgroup("tinygrad_lm course")
    group.addoption("--impl", action="store", default=None,
                    help=f"package the tests grade: exercises (default), solutions, or any package path "
                         f"(env ${IMPL_ENV} works too)")
    group.addoption("--grade-json", action="store", default=None, metavar="PATH",
                    help="write the grading result as Gradescope results.json to PATH")


def pytest_configure(config):
    config.addinivalue_line("markers", TASK_MARKER_HELP)
    impl = config.getoption("--impl", default=None)
    if impl:
        set_impl(impl)


def pytest_report_header(config):
    return f"tinygrad_lm course: grading implementation {current_impl()!r}"
__all__ = ["pytest_addoption", "pytest_configure", "pytest_report_header"]
