"""The course harness: how autograder tests reach an implementation, and how they report.

    from tinygrad_lm.course import load, assert_close, assert_equal
    mod = load("week1.porter")            # exercises.week1.porter, or solutions.week1.porter with --impl
    @pytest.mark.task("1.3", points=2)
    def test_step1a(): assert_equal(mod.step1a("caresses"), "caress", name="step1a('caresses')")

See README.md in this folder for course authors (adding a week, fences, grading rules).
This package imports only NumPy at import time; pytest is needed only by the plugin and `tglm grade`.
"""
from .asserts import assert_close, assert_equal
from .numgrad import numerical_vjp
from .proxy import current_impl, import_impl, load, pop_impl, set_impl

__all__ = ["load", "assert_close", "assert_equal", "numerical_vjp", "current_impl", "set_impl", "import_impl", "pop_impl"]
