"""Per-test time limits for the course grader, with the standard library only.

Three layers, from gentle to brutal (grace = min(10 s, max(1 s, limit))):
1. At the limit a watchdog thread signals the main thread (SIGINT through pthread_kill on POSIX, so a
   blocking sleep is woken too; _thread.interrupt_main elsewhere). The handler raises TestTimedOut in
   the test's own frame. It is a BaseException, so `except Exception` in the learner's code does not
   swallow it: the test fails with "timed out after 30 s: look for a loop that never ends in merge_pair
   (exercises/week4/bpe.py:57)" and the run goes on with the next test. The signal is repeated every
   half second while the test runs.
2. At limit + grace, if the test still runs (the code swallowed the exception, or sits in C code that
   released the GIL), the watchdog calls `on_hard_timeout(nodeid, reason)` (the plugin writes the
   results) and ends the process with os._exit(EXIT_STOPPED).
3. At limit + 2 * grace, if even the watchdog thread could not run (Numba or C code holding the GIL),
   faulthandler's C-level timer dumps the stacks to `stack_file` and exits the process. The results file
   still names the test that was running; `tglm grade` scores it "timed out" and grades the rest in a
   fresh process.
Numba JIT compilation does not count toward a limit: a listener on numba's "numba:compile" events
pauses the clock (a first call that compiles kernels for 30 s is not a slow solution).
The SIGINT handler also tells a real Ctrl-C (sets `user_interrupted`, raises KeyboardInterrupt) from a
`raise KeyboardInterrupt` in the learner's code (which never goes through the handler).
Does not handle: sessions run outside the main thread (no handler: layer 1 is skipped), child
processes started by a test.
"""
import _thread
import faulthandler
import os
import signal
import sys
import sysconfig
import threading
import time

EXIT_STOPPED = 3          # exit code after layer 2
_HERE = os.path.dirname(os.path.abspath(__file__))
_INTERNAL = tuple(os.sep + p + os.sep for p in ("_pytest", "pluggy"))
_STDLIB = os.path.realpath(sysconfig.get_paths()["stdlib"]) + os.sep


class TestTimedOut(BaseException):
    """Raised inside a test that ran past its time limit (not an Exception: hard to swallow)."""
    __test__ = False      # not a test class, whatever pytest's naming rules say


def grace_for(limit: float) -> float:
    return min(10.0, max(1.0, float(limit)))


def _internal(filename: str) -> bool:
    f = os.path.abspath(filename)
    return f.startswith(_HERE + os.sep) or any(p in f for p in _INTERNAL) or f.startswith("<")


def _in_grader(frame) -> bool:
    """Is the innermost frame that is not the standard library's pytest's or the grader's?"""
    while frame is not None:
        path = os.path.realpath(frame.f_code.co_filename)
        if not (path.startswith(_STDLIB) and os.sep + "site-packages" + os.sep not in path):
            return _internal(path)
        frame = frame.f_back
    return True


def locate(frame, impl_dirs=()):
    """(function, "file:line", in_impl) for the innermost frame under impl_dirs, else the innermost
    frame that is not pytest's or the grader's; None if there is none."""
    first = None
    f = frame
    while f is not None:
        path = os.path.realpath(f.f_code.co_filename)
        where = (getattr(f.f_code, "co_qualname", f.f_code.co_name), f"{_rel(path)}:{f.f_lineno}")
        if any(path.startswith(d + os.sep) for d in impl_dirs):
            return where + (True,)
        if first is None and not _internal(path):
            first = where + (False,)
        f = f.f_back
    return first


def _rel(path: str) -> str:
    try:
        rel = os.path.relpath(path)
    except ValueError:
        return path
    return path if rel.startswith("..") else rel


def timeout_reason(limit: float, where) -> str:
    text = f"timed out after {limit:g} s"
    if where and where[2]:
        return f"{text}: look for a loop that never ends in {where[0]} ({where[1]})"
    if where:
        return f"{text} (in {where[0]}, {where[1]}): look for a loop that never ends in your code"
    return f"{text}: look for a loop that never ends in your code"


class Watchdog:
    """Times one test at a time: start(nodeid, limit) ... stop()."""

    def __init__(self, impl_dirs=lambda: (), on_hard_timeout=None, stack_file=None):
        self._impl_dirs = impl_dirs
        self._on_hard = on_hard_timeout
        self._stack_file = stack_file          # an open file (or fd) for layer 3's stack dump
        self._lock = threading.RLock()
        self._wake = threading.Event()
        self._active = None                    # dict: nodeid, limit, start, paused, fired
        self._last_fire = -1e9
        self._compiling, self._compile_t0 = 0, 0.0
        self._numba_listener = None
        self._prev_handler = None
        self._thread = None
        self._closing = False
        self.signals = False
        self.user_interrupted = False
        self.in_test = False                   # set by the plugin around setup / call / teardown
        self._main_ident = threading.main_thread().ident

    # --- setup ------------------------------------------------------------------------------------
    def install(self):
        if threading.current_thread() is threading.main_thread():
            self._prev_handler = signal.getsignal(signal.SIGINT)
            signal.signal(signal.SIGINT, self._on_sigint)
            self.signals = True
        self._thread = threading.Thread(target=self._run, name="tglm-grader-watchdog", daemon=True)
        self._thread.start()

    def uninstall(self):
        self._closing = True
        self.stop()
        if self.signals and threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGINT, self._prev_handler or signal.default_int_handler)
            self.signals = False
        if self._numba_listener is not None:
            from numba.core import event
            event.unregister("numba:compile", self._numba_listener)
            self._numba_listener = None

    def _listen_to_numba(self):
        if self._numba_listener is not None or "numba" not in sys.modules:
            return
        try:
            from numba.core import event
        except Exception:       # an old or broken numba: compile time then counts
            return
        dog = self

        class _Compile(event.Listener):
            def on_start(self, ev):
                dog._compile_event(+1)

            def on_end(self, ev):
                dog._compile_event(-1)
        self._numba_listener = _Compile()
        event.register("numba:compile", self._numba_listener)

    def _compile_event(self, step):
        with self._lock:
            now = time.monotonic()
            if step > 0:
                if self._compiling == 0:
                    self._compile_t0 = now
                    faulthandler.cancel_dump_traceback_later()
                self._compiling += 1
                return
            self._compiling = max(0, self._compiling - 1)
            if self._compiling == 0 and self._active is not None:
                self._active["paused"] += now - self._compile_t0
                self._arm_faulthandler()

    # --- one test ---------------------------------------------------------------------------------
    def start(self, nodeid: str, limit):
        self._listen_to_numba()
        with self._lock:
            self._active = None if not limit else {"nodeid": nodeid, "limit": float(limit), "paused": 0.0,
                                                   "start": time.monotonic(), "fired": False}
            if self._compiling:
                self._compile_t0 = time.monotonic()
            self._arm_faulthandler()
        self._wake.set()

    def stop(self):
        with self._lock:
            self._active = None
            try:
                faulthandler.cancel_dump_traceback_later()
            except Exception:
                pass
        self._wake.set()

    def _deadline(self, a):
        return a["start"] + a["paused"] + a["limit"]

    def _arm_faulthandler(self):
        a = self._active
        if a is None or self._compiling:
            return
        left = self._deadline(a) + 2 * grace_for(a["limit"]) - time.monotonic()
        kw = {"file": self._stack_file} if self._stack_file is not None else {}
        try:
            faulthandler.dump_traceback_later(max(left, 0.5), exit=True, **kw)
        except (ValueError, OSError, RuntimeError):
            pass

    # --- the watchdog thread ----------------------------------------------------------------------
    def _run(self):
        while not self._closing:
            wait = None
            hard = None
            with self._lock:
                a, now = self._active, time.monotonic()
                if a is not None and self._compiling:
                    wait = 0.5
                elif a is not None:
                    deadline = self._deadline(a)
                    if now >= deadline + grace_for(a["limit"]) or (now >= deadline and not self.signals):
                        hard = a
                    elif now >= deadline:
                        a["fired"] = True
                        self._last_fire = now
                        self._signal_main()
                        wait = 0.5
                    else:
                        wait = deadline - now
            if hard is not None:
                self._hard_timeout(hard)
                return
            self._wake.wait(wait)
            self._wake.clear()

    def _signal_main(self):
        try:
            if hasattr(signal, "pthread_kill"):
                signal.pthread_kill(self._main_ident, signal.SIGINT)
            else:
                _thread.interrupt_main()
        except (OSError, RuntimeError, ValueError):
            pass

    def _hard_timeout(self, a):
        frame = sys._current_frames().get(self._main_ident)
        reason = timeout_reason(a["limit"], locate(frame, self._impl_dirs()))
        try:
            if self._on_hard is not None:
                self._on_hard(a["nodeid"], reason + " (the grader had to stop the test process)")
        finally:
            os._exit(EXIT_STOPPED)

    def _on_sigint(self, signum, frame):
        __tracebackhide__ = True
        a = self._active
        if a is not None and a["fired"]:
            if not self.in_test or _in_grader(frame):
                return                     # inside pytest itself: the next signal lands in the test
            raise TestTimedOut(timeout_reason(a["limit"], locate(frame, self._impl_dirs())))
        if time.monotonic() - self._last_fire < 2.0:
            return                         # a late timeout signal after its test ended: ignore
        self.user_interrupted = True
        raise KeyboardInterrupt
