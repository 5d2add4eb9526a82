"""How one test's setup / call / teardown become one graded record with a one-line reason.

Handles: classifying an exception (not implemented yet in the stub, wrong answer, unexpected exception,
import error, time-out, the code stopping the grader with KeyboardInterrupt / sys.exit / pytest.exit);
turning a `raise KeyboardInterrupt` or `pytest.exit()` in the code under test into a failure of that
test (pytest would otherwise end the whole session); merging the three phase reports into one record
where a test passes only if its call phase passed.
Does not handle: telling a real Ctrl-C from a raised KeyboardInterrupt (the watchdog's SIGINT handler
does that and says so through `user_interrupted`).
"""
import os

import pytest

from .watchdog import TestTimedOut, locate

OUTPUT_LIMIT = 4000  # characters of traceback kept per test in the JSON


class CodeAborted(Exception):
    """The code under test raised KeyboardInterrupt or called pytest.exit (turned into a test failure)."""


def first_line(text: str) -> str:
    for line in str(text).splitlines():
        if line.strip():
            return line.strip()
    return ""


def where(tb, impl_dirs) -> str:
    """' in func (file:line)' for the innermost learner frame of a traceback, else ''."""
    frame = None
    while tb is not None:
        frame, tb = tb.tb_frame, tb.tb_next
    at = locate(frame, impl_dirs) if frame is not None else None
    return f" in {at[0]} ({at[1]})" if at else ""


def tame(outcome, real_interrupt: bool, impl_dirs) -> None:
    """In a hookwrapper around setup/call/teardown: replace a KeyboardInterrupt raised by the code (not
    a real Ctrl-C) or a pytest.exit() by CodeAborted, which pytest reports as an ordinary failure."""
    exc = outcome.excinfo[1] if outcome.excinfo else None
    if isinstance(exc, KeyboardInterrupt) and not real_interrupt:
        what = "raised KeyboardInterrupt"
    elif isinstance(exc, pytest.exit.Exception):
        what = f"called pytest.exit({first_line(str(exc))!r})"
    else:
        return
    new = CodeAborted(f"the code {what}{where(exc.__traceback__, impl_dirs)}: do not stop the grader from "
                      f"your code; this test scores 0").with_traceback(exc.__traceback__)
    new.__cause__ = exc
    if hasattr(outcome, "force_exception"):
        outcome.force_exception(new)
    else:                                                      # pluggy < 1.1
        raise new


def classify(excinfo, impl_dirs, rel):
    """(kind, one-line reason) for an exception raised by a test; rel(path) shortens paths."""
    exc = excinfo.value
    if isinstance(exc, TestTimedOut):
        return "timeout", str(exc)
    if isinstance(exc, CodeAborted):
        return "aborted", str(exc)
    if isinstance(exc, SystemExit):
        return "aborted", (f"the code called sys.exit({exc.code!r}){where(excinfo.tb, impl_dirs)}: do not call "
                           f"sys.exit/exit()/quit() in your code")
    if isinstance(exc, NotImplementedError):
        entry = excinfo.traceback[-1]
        path = os.path.realpath(str(entry.path))
        if any(path.startswith(d + os.sep) for d in impl_dirs):
            code = entry.frame.code.raw                        # co_qualname: "Value.__mul__", not "__mul__"
            func = getattr(code, "co_qualname", code.co_name)
            return "not_implemented", f"not implemented yet (raise NotImplementedError in {rel(path)}:{func})"
    if isinstance(exc, AssertionError):
        line = first_line(str(exc))
        if not line:
            entry = excinfo.traceback[-1]
            line = f"assertion failed at {rel(entry.path)}:{entry.lineno + 1}"
        return "assertion", line
    if isinstance(exc, pytest.fail.Exception):
        return "assertion", first_line(str(exc)) or "failed"
    if isinstance(exc, (ImportError, SyntaxError)):
        return "import_error", f"{type(exc).__name__}: {first_line(str(exc))}"
    entry = excinfo.traceback[-1]
    return "exception", f"{type(exc).__name__}: {first_line(str(exc))} (at {rel(entry.path)}:{entry.lineno + 1})"


def phase(rep, call, impl_dirs, rel):
    """(report, kind, reason) for one phase's report."""
    if rep.skipped:
        if hasattr(rep, "wasxfail"):
            return rep, "xfail", f"expected failure: {rep.wasxfail}"
        why = rep.longrepr[2] if isinstance(rep.longrepr, tuple) else str(rep.longrepr)
        return rep, "skipped", f"skipped: {first_line(why)}"
    if rep.failed:
        if call.excinfo is not None:
            return (rep,) + classify(call.excinfo, impl_dirs, rel)
        return rep, "exception", first_line(rep.longreprtext) or "failed"
    return rep, "passed", ""


def finish(rec: dict, phases: dict, stopped: bool) -> None:
    """Set rec's outcome / kind / reason / output from the phases {"setup"|"call"|"teardown": phase(...)}.
    stopped: a real Ctrl-C ended the test."""
    setup, call, teardown = (phases.get(w) for w in ("setup", "call", "teardown"))

    def use(ph, outcome, prefix=""):
        rep, kind, reason = ph
        rec.update(outcome=outcome, kind=kind, reason=prefix + reason,
                   output=rep.longreprtext[-OUTPUT_LIMIT:] if rep.failed else "")
    if setup is not None and setup[0].failed:
        kind = setup[1] if setup[1] in ("not_implemented", "timeout", "aborted") else "error"
        use((setup[0], kind, setup[2]), "error", "error in setup: ")
    elif setup is not None and setup[0].skipped:
        use(setup, "failed" if setup[1] == "xfail" else "skipped")
    elif call is None:
        kind, why = ("interrupted", "the run was interrupted (Ctrl-C) during this test") if stopped else \
            ("crashed", "the test stopped before it finished")
        rec.update(outcome="error", kind=kind, reason=why, output="")
    elif call[0].passed and teardown is not None and teardown[0].failed:
        kind = teardown[1] if teardown[1] in ("timeout", "aborted") else "error"
        use((teardown[0], kind, teardown[2]), "error", "error in teardown: ")
    elif call[0].passed:
        rec.update(outcome="passed", kind="passed", reason="", output="")
    elif call[0].skipped:
        use(call, "failed" if call[1] == "xfail" else "skipped")
    else:
        use(call, "failed")
