"""Shared plumbing for every kernel: the Numba options, the backend switch, the thread policy.

Handles:
  * `jit` / `pjit`: the ONE place where the Numba options are declared (cache, FASTMATH, nogil,
    error_model); every kernel in tinygrad_lm is decorated with one of them.
  * the backend switch: `use("numpy")` / `use("numba")` / `backend()`, initialised once from the
    environment variable TGLM_KERNELS; `use_numpy()`; and `use_kernel(*arrays)`, the one test every
    dispatch function makes before it calls a Numba kernel (so TGLM_KERNELS=numpy really runs the
    NumPy twins everywhere).
  * `threads_for()` (small inputs run single-threaded), `num_threads()`;
  * small input helpers for dispatchers: `as_float_array`, `contiguous`;
  * `fast_exp` (a float32 exp that LLVM can vectorize, unlike `math.exp`) and three LLVM intrinsics.
Does not: GPU, float64 fast paths (float64 always runs the NumPy twins).

Why not `fastmath=True`: it includes "nnan"/"ninf", which let LLVM assume no inf ever appears.
Attention masks put -inf into logits, and softmax must still return 0 there, so we keep only the
flags that reorder arithmetic (needed to vectorize sums) and drop the two that assume finiteness.
Why error_model="numpy": a float division by zero then gives inf/nan (as in NumPy, the twins)
instead of Numba's default ZeroDivisionError check, and that check stops LLVM from vectorizing any
loop with a division (measured: the sigmoid loop 1 / (1 + exp(-x)) ran 12x slower with it, GELU 10x).

Caching caveat for developers: Numba's on-disk cache is keyed on the source file of each kernel,
not on the files it calls into. After editing THIS file (fast_exp, fmax, the options, ...), delete
tinygrad_lm/kernels/__pycache__/*.nbi and *.nbc, or kernels in other files keep the old code.

NUMBA_DISABLE_JIT=1 must keep working: `@intrinsic` functions cannot run as Python, so the
intrinsics below (fmax, floor32, pow2) have plain-Python twins chosen when the JIT is disabled.
"""
import os
from contextlib import contextmanager

import numba
import numpy as np
from numba import njit

FASTMATH = {"reassoc", "contract", "arcp", "nsz", "afn"}   # no "nnan", no "ninf": -inf is legal
NUMBA_OPTIONS = dict(cache=True, fastmath=FASTMATH, nogil=True, error_model="numpy")
JIT_DISABLED = bool(numba.config.DISABLE_JIT)              # NUMBA_DISABLE_JIT=1: kernels run as Python
KERNELS = []          # (module, name) of every function decorated below: tests/test_kernel_backend.py
                      # replaces them all by functions that raise, to prove use("numpy") reaches none


def jit(fn=None, **options):
    """Serial kernel, compiled once and cached on disk next to its source (__pycache__).
    `@jit`, or `@jit(inline="always")` etc.: keyword options override NUMBA_OPTIONS."""
    if fn is None:
        return lambda f: jit(f, **options)
    KERNELS.append((fn.__module__, fn.__name__))
    return njit(**{**NUMBA_OPTIONS, **options})(fn)


def pjit(fn):
    """Parallel kernel: `numba.prange` loops are split over the Numba thread pool."""
    return jit(fn, parallel=True)


# ---- the backend switch -------------------------------------------------------------------------
_F32 = np.dtype(np.float32)
_backend = os.environ.get("TGLM_KERNELS", "numba").strip().lower() or "numba"
if _backend not in ("numba", "numpy"):
    raise ValueError(f"TGLM_KERNELS must be 'numba' or 'numpy', got {_backend!r}")


def use(name: str) -> str:
    """Select the kernels globally: "numba" (default) or "numpy" (the twins). Returns the old one."""
    global _backend
    name = str(name).strip().lower()
    if name not in ("numba", "numpy"):
        raise ValueError(f"kernels.use: expected 'numba' or 'numpy', got {name!r}")
    old, _backend = _backend, name
    return old


def backend() -> str:
    """The current choice: "numba" or "numpy"."""
    return _backend


def use_numpy() -> bool:
    """True when the NumPy twins must run for everything (TGLM_KERNELS=numpy or use("numpy"))."""
    return _backend == "numpy"


def use_kernel(*arrays, needs_jit: bool = False) -> bool:
    """May a dispatch function run its Numba kernel on `arrays`? Yes only when
      * the backend is "numba" (not TGLM_KERNELS=numpy / use("numpy")), and
      * every array is float32 (float64, e.g. in gradcheck, runs the twins), and
      * with needs_jit=True, the JIT is on. Under NUMBA_DISABLE_JIT=1 a kernel runs as interpreted
        Python: the matmul, softmax, cross-entropy, layer-norm and gemv kernels still do (so their
        logic can be stepped through in pdb, and the tests check it that way); the LSTM/RNN,
        attention, GELU, scatter-add and sparse kernels would loop over every element in Python
        (minutes in the test suite), so they pass needs_jit=True and run their twins there.
    """
    if _backend != "numba" or (needs_jit and JIT_DISABLED):
        return False
    for a in arrays:                       # a plain loop: this runs on every op call
        if a.dtype != _F32:
            return False
    return True


# ---- threads -------------------------------------------------------------------------------------
def num_threads() -> int:
    return numba.get_num_threads()


# Waking the thread pool for a parallel kernel costs ~10 us on an idle machine and was measured
# at ~30 ms (!) here with the 2 cores oversubscribed; small inputs therefore run the very same
# kernel on the calling thread only (a prange over 1 thread runs inline, no wake-up).
# Dispatchers read these two at call time (`_jit.PARALLEL_MIN_FLOPS`), so tests can change them.
PARALLEL_MIN_ELEMENTS = 1 << 16      # row-wise kernels: softmax, cross-entropy, layer norm
PARALLEL_MIN_FLOPS = 1 << 23         # matmul (2*M*N*K, ~8 MFLOP: ~0.1 ms on one core)


@contextmanager
def threads_for(work, threshold):
    """Context that yields the thread count to use for `work`, running 1-threaded if small."""
    n = numba.get_num_threads()
    if work >= threshold or n == 1 or JIT_DISABLED:
        yield n
        return
    numba.set_num_threads(1)
    try:
        yield 1
    finally:
        numba.set_num_threads(n)


# ---- input helpers for the dispatch functions ---------------------------------------------------------
def contiguous(x):
    """C-contiguous and writeable (no copy when it already is): Numba compiles a separate
    kernel for read-only arrays, so those are copied."""
    x = np.ascontiguousarray(x)
    return x if x.flags.writeable else x.copy()


def as_float_array(x, fn, name):
    """x as a floating-point ndarray, or a TypeError naming the function, argument, dtype, shape."""
    if not isinstance(x, np.ndarray):
        x = np.asarray(x)
    if x.dtype.kind != "f":
        raise TypeError(f"{fn}: {name} must be a floating-point array, got dtype {x.dtype} "
                        f"with shape {x.shape}")
    return x


# ---- two LLVM intrinsics Numba does not expose ------------------------------------------------
# pow2: 2**n for an integer-valued float32 n in [-126, 127], built from its IEEE bits
#   ((n + 127) << 23), with a float -> int32 conversion (Numba would go through int64: slower).
# floor32: llvm.floor.f32 (np.floor / math.floor in Numba also round-trip through int64).
# fmax: llvm.maxnum.f32. A loop `m = max(m, x[v])` stays scalar (LLVM may not reorder a
# compare-and-select reduction without assuming no NaN); the same loop over maxnum vectorizes,
# measured 1.7 -> 14 G elements/s. maxnum ignores a NaN operand; a NaN logit still turns the row
# into NaN through the exp pass, as in NumPy.
if JIT_DISABLED:
    def pow2(n):
        return np.float32(2.0 ** int(n))

    def floor32(x):
        return np.float32(np.floor(x))

    def fmax(a, b):
        return a if (a >= b or b != b) else b
else:
    from llvmlite import ir
    from numba.core import cgutils, types
    from numba.extending import intrinsic

    @intrinsic
    def fmax(typingctx, a, b):
        if not (a == types.float32 and b == types.float32):
            return None

        def codegen(context, builder, signature, args):
            fn = cgutils.get_or_insert_function(
                builder.module, ir.FunctionType(ir.FloatType(), [ir.FloatType()] * 2), "llvm.maxnum.f32")
            return builder.call(fn, args)
        return types.float32(a, b), codegen

    @intrinsic
    def floor32(typingctx, x):
        if x != types.float32:
            return None

        def codegen(context, builder, signature, args):
            fn = cgutils.get_or_insert_function(
                builder.module, ir.FunctionType(ir.FloatType(), [ir.FloatType()]), "llvm.floor.f32")
            return builder.call(fn, args)
        return types.float32(x), codegen

    @intrinsic
    def pow2(typingctx, n):
        if n != types.float32:
            return None

        def codegen(context, builder, signature, args):
            i32 = ir.IntType(32)
            bits = builder.shl(builder.add(builder.fptosi(args[0], i32), ir.Constant(i32, 127)),
                               ir.Constant(i32, 23))
            return builder.bitcast(bits, ir.FloatType())
        return types.float32(n), codegen


# ---- exp(x) for float32 that vectorizes --------------------------------------------------------
# exp(x) = 2**n * exp(r) with n = round(x / ln 2) and |r| <= ln(2)/2. exp(r) is a degree-6
# polynomial (Cephes expf coefficients, ~1 ulp); 2**n is built directly from its IEEE bits
# ((n + 127) << 23). Every step is plain arithmetic, so LLVM turns a loop of fast_exp calls into
# AVX-512 code (16 exps per instruction stream) where `math.exp` stays a scalar libm call.
_LOG2E = np.float32(1.4426950408889634)
_LN2_HI = np.float32(0.693359375)        # ln 2 split in two so n * ln2 is exact in float32
_LN2_LO = np.float32(-2.12194440e-4)
_P0 = np.float32(1.9875691500e-4)
_P1 = np.float32(1.3981999507e-3)
_P2 = np.float32(8.3334519073e-3)
_P3 = np.float32(4.1665795894e-2)
_P4 = np.float32(1.6666665459e-1)
_P5 = np.float32(5.0000001201e-1)
_LO = np.float32(-87.33654)              # below this exp(x) underflows float32: return 0
_HI = np.float32(88.37626)               # above this 2**n overflows: return inf (true limit 88.72)
_ONE = np.float32(1.0)
_HALF = np.float32(0.5)


@jit(inline="always")
def fast_exp(x):
    """exp(x) for a float32 scalar; exact 0 below -87.3, inf above 88.37, nan stays nan."""
    xc = x if x > _LO else _LO                       # clamp so the bit trick stays in range
    xc = xc if xc < _HI else _HI                     # (written so nan -> _LO, no exceptions)
    fn = floor32(xc * _LOG2E + _HALF)                # n: nearest integer to x / ln 2
    r = xc - fn * _LN2_HI - fn * _LN2_LO             # |r| <= ln(2) / 2
    r2 = r * r
    p = ((((_P0 * r + _P1) * r + _P2) * r + _P3) * r + _P4) * r + _P5
    e = p * r2 + r + _ONE                            # exp(r)
    y = e * pow2(fn)                                 # exp(r) * 2**n
    if x < _LO:
        y = np.float32(0.0)
    if x > _HI:
        y = np.float32(np.inf)
    if x != x:
        y = x
    return y
