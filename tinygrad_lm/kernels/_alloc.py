"""Keep freed memory in the process: fresh arrays then cost no page faults.

Every op returns a fresh NumPy array, so a GPT training step allocates and frees ~100 MB of
activations and gradients. glibc's malloc hands big blocks back to the kernel on free (mmap /
heap trimming), so the next step's arrays are fresh pages again: each first touch is a page fault
plus the kernel zeroing the page. Measured on config (a) of benchmarks/gpt.py (single thread,
CPU time): 575 -> 427 ms per step with the settings below, the same numbers out.

`tune()` calls glibc's mallopt (Linux only, a no-op elsewhere) so that
  * blocks up to 32 MB (glibc's maximum) come from the heap instead of their own mmap, and
  * the heap is not trimmed back to the OS when its top becomes free, and grows in 64 MB steps.
Freed memory is reused by later allocations; the cost is that the process keeps its peak memory
until it exits (as PyTorch's caching allocators do). A user's own MALLOC_* environment settings
win, and TGLM_MALLOC=default turns this off.
Does not: pool buffers per shape, or do anything on macOS / Windows.
"""
import ctypes
import ctypes.util
import os
import sys

M_TRIM_THRESHOLD, M_TOP_PAD, M_MMAP_THRESHOLD = -1, -2, -3
MMAP_THRESHOLD = 32 * 1024 * 1024           # glibc refuses more than HEAP_MAX_SIZE / 2 = 32 MB
TRIM_THRESHOLD = 1 << 30
TOP_PAD = 64 * 1024 * 1024               # grow the heap in 64 MB steps (fewer brk calls)

_done = None


def tune() -> bool:
    """Apply the malloc settings once; returns whether they are in effect."""
    global _done
    if _done is not None:
        return _done
    _done = False
    if not sys.platform.startswith("linux") or os.environ.get("TGLM_MALLOC", "").lower() == "default":
        return _done
    if any(k.startswith("MALLOC_") for k in os.environ) or "GLIBC_TUNABLES" in os.environ:
        return _done                          # the user chose their own malloc settings
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):         # musl, or no libc found: leave malloc alone
        return _done
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    ok = mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD) == 1
    ok = (mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD) == 1) and ok
    ok = (mallopt(M_TOP_PAD, TOP_PAD) == 1) and ok
    _done = ok
    return _done
