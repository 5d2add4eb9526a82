"""Matrix-vector products for one-token decoding: y = x @ W^T with W stored as float32 OR float16.

Dispatch functions: `gemv(W, x)` (x (R, C) or (C,) float32, W (O, C) float32/float16 -> (R, O) or
(O,)) and `float16_to_float32(a)` (a fast astype); both validate, then kernel or twin.

Shapes: W (O, C) row-major, PyTorch's Linear layout (and the tied LM head: wte (V, C)); x (R, C)
float32 with R a handful of rows (R = 1 when decoding one token with a KV cache) -> y (R, O) float32:
    y[r, o] = sum_c W[o, c] * x[r, c]          (a dot product of two contiguous rows)
Why a kernel of its own: decoding one token reads every weight once and does 2 flops per weight,
so its speed is set by memory bandwidth, not arithmetic (GPT-2 124M in float32 is 500 MB per token;
this machine streams ~25 GB/s, so <= ~50 tokens/s whatever the code). Two things follow:
  * read each weight row exactly once, contiguously, on all threads (prange over blocks of rows);
  * store the weights in float16 to halve the bytes: 16 weights at a time are widened to float32
    in registers (`fpext <16 x half> to <16 x float>`, one vcvtph2ps instruction) and the dot
    product runs in float32. Only the storage is rounded; the arithmetic is float32.
The dot product itself is LLVM IR (dot_f16 / dot_f32): 4 independent 16-lane FMA chains, then a
tree of adds. Written as Numba loops, LLVM kept one accumulator chain and ran at ~1/3 of the speed.
float16 keeps 11 significant bits (relative rounding <= 2^-11 ~ 4.9e-4) and a range of +-65504;
GPT weights are O(0.1), far inside it (inference.float16_weights refuses a weight that would overflow).

NumPy twin: gemv_numpy (W.astype(float32) then x @ W.T). With NUMBA_DISABLE_JIT=1 the float16
widening runs as a NumPy `astype` (dot_f16_numpy: the @intrinsic cannot run as Python).
int8 storage (quantize_int8): W ~ s[:, None] * Q with Q int8 and one float32 scale per output row
(symmetric, s = max|W[o]| / 127): a quarter of float32's bytes. 16 int8 weights are widened in
registers (`sitofp <16 x i8> to <16 x float>`: vpmovsxbd + vcvtdq2ps) inside the same 4-chain dot,
and the row's scale multiplies the finished dot once. Twin: gemv_int8_numpy.
Omissions: no bfloat16 / int4 storage, no int8 activations (x stays float32), no batched (3-D) W,
no backward (inference only).
"""
import numba
import numpy as np

from . import _jit
from ._jit import as_float_array, contiguous, jit, pjit, threads_for, use_kernel

VEC = 16                                  # halves widened per instruction


# ---- NumPy twin -----------------------------------------------------------------------------------
def gemv_numpy(W, x):
    """x (R, C) float32, W (O, C) float32 or float16 -> x @ W^T (R, O) float32."""
    return x @ W.astype(np.float32, copy=False).T


# ---- one row: dot(w row, x row), 16 lanes x 4 accumulators, as LLVM IR ----------------------------
def dot_f16_numpy(src, src_off, x, x_off, n):
    """sum_{i<n} float32(src[src_off+i] as float16 bits) * x[x_off+i]; n a multiple of 16."""
    w = src[src_off:src_off + n].view(np.float16).astype(np.float32)
    return np.float32(w @ x[x_off:x_off + n])


def dot_f32_numpy(w, w_off, x, x_off, n):
    """sum_{i<n} w[w_off+i] * x[x_off+i] (float32); n a multiple of 16."""
    return np.float32(w[w_off:w_off + n] @ x[x_off:x_off + n])


def widen16_numpy(src, src_off, dst, dst_off):
    """dst[dst_off:dst_off+16] = float32 of the 16 float16 bit patterns src[src_off:src_off+16]."""
    dst[dst_off:dst_off + VEC] = src[src_off:src_off + VEC].view(np.float16).astype(np.float32)


def dot_i8_numpy(q, q_off, x, x_off, n):
    """sum_{i<n} float32(q[q_off+i]) * x[x_off+i] for int8 q; n a multiple of 16 (the scale is the caller's)."""
    return np.float32(q[q_off:q_off + n].astype(np.float32) @ x[x_off:x_off + n])


def widen16_i8_numpy(src, src_off, dst, dst_off):
    """dst[dst_off:dst_off+16] = float32 of the 16 int8 values src[src_off:src_off+16]."""
    dst[dst_off:dst_off + VEC] = src[src_off:src_off + VEC].astype(np.float32)


if _jit.JIT_DISABLED:
    dot_f16, dot_f32, dot_i8, widen16 = dot_f16_numpy, dot_f32_numpy, dot_i8_numpy, widen16_numpy
    widen16_i8 = widen16_i8_numpy
else:
    from llvmlite import ir
    from numba.core import cgutils, types
    from numba.extending import intrinsic

    def _dot_codegen(kind: str):
        """IR for sum_i w[i] * x[i] over n (a multiple of 16) elements, w float32 ("f32"), float16
        bits ("f16") or int8 ("i8").
        Why IR: as Numba loops LLVM kept a single accumulator chain (one FMA every 4 cycles) and
        ran at ~1/3 of this speed; here 4 independent 16-lane chains, then a tree of adds."""
        def codegen(context, builder, signature, args):
            w, w_off, x, x_off, n = args
            i64, f32 = ir.IntType(64), ir.FloatType()
            f32v = ir.VectorType(f32, VEC)
            wa = context.make_array(signature.args[0])(context, builder, w)
            xa = context.make_array(signature.args[2])(context, builder, x)
            pw, px = builder.gep(wa.data, [w_off]), builder.gep(xa.data, [x_off])
            fma = cgutils.get_or_insert_function(
                builder.module, ir.FunctionType(f32v, [f32v, f32v, f32v]), f"llvm.fma.v{VEC}f32")
            zero = ir.Constant(f32v, None)

            def load_w(i):                                  # 16 weights as float32
                if kind == "f32":
                    return builder.load(builder.bitcast(builder.gep(pw, [i]), f32v.as_pointer()), align=4)
                if kind == "i8":                            # vpmovsxbd + vcvtdq2ps: exact for -128..127
                    i8v = ir.VectorType(ir.IntType(8), VEC)
                    q = builder.load(builder.bitcast(builder.gep(pw, [i]), i8v.as_pointer()), align=1)
                    return builder.sitofp(q, f32v)
                i16v, halfv = ir.VectorType(ir.IntType(16), VEC), ir.VectorType(ir.HalfType(), VEC)
                h = builder.load(builder.bitcast(builder.gep(pw, [i]), i16v.as_pointer()), align=2)
                return builder.fpext(builder.bitcast(h, halfv), f32v)                # vcvtph2ps

            def product_term(i, acc):                       # acc + w[i:i+16] * x[i:i+16]
                xv = builder.load(builder.bitcast(builder.gep(px, [i]), f32v.as_pointer()), align=4)
                return builder.call(fma, [load_w(i), xv, acc])

            n64 = builder.and_(n, ir.Constant(i64, ~63))
            entry = builder.block
            head64, body64 = builder.append_basic_block("dot.head64"), builder.append_basic_block("dot.body64")
            mid = builder.append_basic_block("dot.mid")
            head16, body16 = builder.append_basic_block("dot.head16"), builder.append_basic_block("dot.body16")
            done = builder.append_basic_block("dot.done")
            builder.branch(head64)
            # for i in range(0, n64, 64): acc[j] += w[i+16j : i+16j+16] * x[...]    (4 chains)
            builder.position_at_end(head64)
            i = builder.phi(i64)
            accs = [builder.phi(f32v) for _ in range(4)]
            builder.cbranch(builder.icmp_signed("<", i, n64), body64, mid)
            builder.position_at_end(body64)
            new = [product_term(builder.add(i, ir.Constant(i64, 16 * j)), accs[j]) for j in range(4)]
            i_next = builder.add(i, ir.Constant(i64, 64))
            builder.branch(head64)
            i.add_incoming(ir.Constant(i64, 0), entry)
            i.add_incoming(i_next, body64)
            for phi, value in zip(accs, new):
                phi.add_incoming(zero, entry)
                phi.add_incoming(value, body64)
            # the remaining 16-chunks: one chain
            builder.position_at_end(mid)
            acc_in = builder.fadd(builder.fadd(accs[0], accs[1]), builder.fadd(accs[2], accs[3]))
            builder.branch(head16)
            builder.position_at_end(head16)
            k = builder.phi(i64)
            acc = builder.phi(f32v)
            builder.cbranch(builder.icmp_signed("<", k, n), body16, done)
            builder.position_at_end(body16)
            acc_next = product_term(k, acc)
            k_next = builder.add(k, ir.Constant(i64, 16))
            builder.branch(head16)
            k.add_incoming(i, mid)
            k.add_incoming(k_next, body16)
            acc.add_incoming(acc_in, mid)
            acc.add_incoming(acc_next, body16)
            # horizontal sum of the 16 lanes: halve 16 -> 8 -> 4 -> 2 -> 1
            builder.position_at_end(done)
            v, width = acc, VEC
            while width > 1:
                width //= 2
                half_idx = [ir.Constant(ir.VectorType(ir.IntType(32), width), list(range(o, o + width)))
                            for o in (0, width)]
                v = builder.fadd(builder.shuffle_vector(v, v, half_idx[0]), builder.shuffle_vector(v, v, half_idx[1]))
            return builder.extract_element(v, ir.Constant(ir.IntType(32), 0))
        return codegen

    @intrinsic
    def dot_f16(typingctx, src, src_off, x, x_off, n):
        """Same contract as dot_f16_numpy: src 1-D uint16, x 1-D float32; bounds are the caller's job."""
        return types.float32(src, src_off, x, x_off, n), _dot_codegen("f16")

    @intrinsic
    def dot_f32(typingctx, w, w_off, x, x_off, n):
        """Same contract as dot_f32_numpy: w, x 1-D float32; bounds are the caller's job."""
        return types.float32(w, w_off, x, x_off, n), _dot_codegen("f32")

    @intrinsic
    def dot_i8(typingctx, q, q_off, x, x_off, n):
        """Same contract as dot_i8_numpy: q 1-D int8, x 1-D float32; bounds are the caller's job."""
        return types.float32(q, q_off, x, x_off, n), _dot_codegen("i8")

    @intrinsic
    def widen16(typingctx, src, src_off, dst, dst_off):
        """Same contract as widen16_numpy (bounds are the caller's job)."""
        sig = types.void(src, src_off, dst, dst_off)

        def codegen(context, builder, signature, args):
            src, src_off, dst, dst_off = args
            s = context.make_array(signature.args[0])(context, builder, src)
            d = context.make_array(signature.args[2])(context, builder, dst)
            i16v, halfv = ir.VectorType(ir.IntType(16), VEC), ir.VectorType(ir.HalfType(), VEC)
            f32v = ir.VectorType(ir.FloatType(), VEC)
            h = builder.load(builder.bitcast(builder.gep(s.data, [src_off]), i16v.as_pointer()), align=2)
            pd = builder.bitcast(builder.gep(d.data, [dst_off]), f32v.as_pointer())
            builder.store(builder.fpext(builder.bitcast(h, halfv), f32v), pd, align=4)   # vcvtph2ps
            return context.get_dummy_value()
        return sig, codegen

    @intrinsic
    def widen16_i8(typingctx, src, src_off, dst, dst_off):
        """Same contract as widen16_i8_numpy (bounds are the caller's job). With a plain Numba loop
        instead, a 16-token GPT-2 prompt took 161-172 ms of CPU (1 thread) against 92-94 ms with this."""
        sig = types.void(src, src_off, dst, dst_off)

        def codegen(context, builder, signature, args):
            src, src_off, dst, dst_off = args
            s = context.make_array(signature.args[0])(context, builder, src)
            d = context.make_array(signature.args[2])(context, builder, dst)
            i8v, f32v = ir.VectorType(ir.IntType(8), VEC), ir.VectorType(ir.FloatType(), VEC)
            q = builder.load(builder.bitcast(builder.gep(s.data, [src_off]), i8v.as_pointer()), align=1)
            pd = builder.bitcast(builder.gep(d.data, [dst_off]), f32v.as_pointer())
            builder.store(builder.sitofp(q, f32v), pd, align=4)              # vpmovsxbd + vcvtdq2ps
            return context.get_dummy_value()
        return sig, codegen


@jit(fastmath=False)          # exact conversion: "nsz" could lose the sign of -0.0
def _half_bits_to_float(h):
    """One float16 bit pattern (0..65535) -> its float32 value (for the < 16 leftover columns)."""
    h = np.int64(h)                                               # signed: e - 25 may be negative
    sign = np.float32(-1.0) if h & 0x8000 else np.float32(1.0)
    e = (h >> 10) & 0x1F
    m = h & 0x3FF
    if e == 0:                                                    # zero / subnormal: m * 2^-24
        return sign * np.float32(m) * np.float32(2.0 ** -24)
    if e == 31:
        return sign * np.float32(np.inf) if m == 0 else np.float32(np.nan)
    return sign * np.float32(1024 + m) * np.float32(2.0 ** (e - 25))   # (1 + m/1024) * 2^(e-15)


# ---- kernels ---------------------------------------------------------------------------------------
ROWS_PER_TASK = 32                        # rows of W per parallel task (a few KB to a few 100 KB)


@pjit
def gemv_f32_kernel(W, C, x, y):
    """y[r, o] = dot(W[o], x[r]): W a flat float32 array of O*C, x (R, C), y (R, O), C-contiguous."""
    O = W.size // C
    R = x.shape[0]
    C16 = C - C % VEC
    xf = x.reshape(-1)
    n_tasks = (O + ROWS_PER_TASK - 1) // ROWS_PER_TASK
    for t in numba.prange(n_tasks):
        for o in range(t * ROWS_PER_TASK, min(O, (t + 1) * ROWS_PER_TASK)):
            base = o * C
            for r in range(R):                                       # W[o] stays in L1 after r = 0
                s = dot_f32(W, base, xf, r * C, C16)                 # the 16-wide part
                for c in range(C16, C):                              # < 16 leftover columns
                    s += W[base + c] * xf[r * C + c]
                y[r, o] = s


@pjit
def gemv_f16_kernel(W16, C, x, y):
    """Same as gemv_f32_kernel with W given as float16 BITS: W16 a flat uint16 array of O*C.
    R <= 2 rows: widen in registers inside each dot; more rows (a prompt): widen each W row once
    into a float32 buffer, then R float32 dots against it."""
    O = W16.size // C
    R = x.shape[0]
    C16 = C - C % VEC
    xf = x.reshape(-1)
    n_tasks = (O + ROWS_PER_TASK - 1) // ROWS_PER_TASK
    for t in numba.prange(n_tasks):
        w = np.empty(C, dtype=np.float32)                            # one widened row
        for o in range(t * ROWS_PER_TASK, min(O, (t + 1) * ROWS_PER_TASK)):
            base = o * C
            if R <= 2:
                for r in range(R):
                    s = dot_f16(W16, base, xf, r * C, C16)
                    for c in range(C16, C):
                        s += _half_bits_to_float(W16[base + c]) * xf[r * C + c]
                    y[r, o] = s
            else:
                for c in range(0, C16, VEC):
                    widen16(W16, base + c, w, c)
                for c in range(C16, C):
                    w[c] = _half_bits_to_float(W16[base + c])
                for r in range(R):
                    s = dot_f32(w, 0, xf, r * C, C16)
                    for c in range(C16, C):
                        s += w[c] * xf[r * C + c]
                    y[r, o] = s


@pjit
def gemv_i8_kernel(Q, C, scale, x, y):
    """y[r, o] = scale[o] * dot(Q[o], x[r]) with Q a flat int8 array of O*C (per-row scales).
    The int8 -> float32 widening happens in registers inside the dot (dot_i8), and the scale is
    applied once per row after it: sum_c (s q_c) x_c = s sum_c q_c x_c. R <= 2 rows: dot_i8 per row;
    more rows (a prompt): widen each Q row once into a float32 buffer, then R float32 dots."""
    O = Q.size // C
    R = x.shape[0]
    C16 = C - C % VEC
    xf = x.reshape(-1)
    n_tasks = (O + ROWS_PER_TASK - 1) // ROWS_PER_TASK
    for t in numba.prange(n_tasks):
        w = np.empty(C, dtype=np.float32)                            # one widened row
        for o in range(t * ROWS_PER_TASK, min(O, (t + 1) * ROWS_PER_TASK)):
            base = o * C
            if R <= 2:
                for r in range(R):
                    s = dot_i8(Q, base, xf, r * C, C16)
                    for c in range(C16, C):
                        s += np.float32(Q[base + c]) * xf[r * C + c]
                    y[r, o] = scale[o] * s
            else:
                for c in range(0, C16, VEC):
                    widen16_i8(Q, base + c, w, c)
                for c in range(C16, C):
                    w[c] = np.float32(Q[base + c])
                for r in range(R):
                    s = dot_f32(w, 0, xf, r * C, C16)
                    for c in range(C16, C):
                        s += w[c] * xf[r * C + c]
                    y[r, o] = scale[o] * s


@pjit
def widen_f16_kernel(src, dst):
    """dst[i] = float32(src[i] as float16 bits) for flat uint16 src and float32 dst of one size.
    (numpy's astype does this at ~2.4 ns per element here; this runs at memory speed.)"""
    n = src.size
    n16 = n - n % VEC
    chunk = 1 << 16
    n_tasks = (n16 + chunk - 1) // chunk
    for t in numba.prange(n_tasks):
        for i in range(t * chunk, min(n16, (t + 1) * chunk), VEC):
            widen16(src, i, dst, i)
    for i in range(n16, n):
        dst[i] = _half_bits_to_float(src[i])


# ---- int8 weight-only quantization -----------------------------------------------------------------------
def quantize_int8(W):
    """W (O, C) float -> (Q (O, C) int8, scale (O,) float32), symmetric, one scale per output row:
        s[o] = max_c |W[o, c]| / 127,   Q[o, c] = round(W[o, c] / s[o])  in [-127, 127]
    so W ~ s[:, None] * Q with |W - s Q| <= s / 2 per weight (an all-zero row gets s = 0, Q = 0).
    Per row because the rows of a weight matrix differ in size; one scale per row costs O floats."""
    W = np.asarray(W)
    if W.ndim != 2 or W.dtype.kind != "f":
        raise TypeError(f"quantize_int8: W must be a 2-D float array (O, C), got {W.dtype} {W.shape}")
    if not np.isfinite(W).all():
        raise ValueError("quantize_int8: W has inf or nan values, which int8 with a finite scale cannot store")
    amax = np.abs(W).max(axis=1).astype(np.float32) if W.shape[1] else np.zeros(W.shape[0], np.float32)
    scale = amax / np.float32(127.0)                                          # (O,)
    safe = np.where(scale > 0, scale, np.float32(1.0))[:, None]               # (O, 1): zero rows divide by 1
    Q = np.clip(np.rint(W / safe), -127, 127).astype(np.int8)                 # (O, C)
    return Q, scale.astype(np.float32)


def dequantize_int8(Q, scale):
    """Q (O, C) int8, scale (O,) -> scale[:, None] * Q as float32 (the weights the int8 path multiplies by)."""
    return Q.astype(np.float32) * np.asarray(scale, dtype=np.float32)[:, None]


def gemv_int8_numpy(Q, scale, x):
    """x (R, C) float32, Q (O, C) int8, scale (O,) -> (x @ Q^T) * scale (R, O) float32 (the int8 twin)."""
    return (x @ Q.astype(np.float32).T) * np.asarray(scale, dtype=np.float32)


# ---- dispatch: validate, then the kernel or the twin --------------------------------------------------
def gemv(W, x, scale=None):
    """x (R, C) float32 (or (C,)) times W^T, W (O, C) float32 or float16 -> (R, O) float32 (or (O,)).
    W may also be int8 (from quantize_int8) with its per-row scale (O,) float32: x @ (scale[:, None] * W)^T."""
    W = np.asarray(W)
    x = as_float_array(x, "gemv", "x")
    if W.ndim != 2 or W.dtype not in (np.float32, np.float16, np.int8):
        raise TypeError(f"gemv: W must be a 2-D float32 or float16 array (O, C), or int8 with scale=, "
                        f"got {W.dtype} {W.shape}")
    if (W.dtype == np.int8) != (scale is not None):
        raise TypeError("gemv: int8 W needs its per-row scale (scale=, from quantize_int8); float W takes none")
    if scale is not None:
        scale = np.ascontiguousarray(scale, dtype=np.float32)
        if scale.shape != (W.shape[0],):
            raise ValueError(f"gemv: scale must have shape ({W.shape[0]},) for W {W.shape}, got {scale.shape}")
    if x.dtype != np.float32 or x.ndim not in (1, 2) or x.shape[-1] != W.shape[1]:
        raise ValueError(f"gemv: x must be float32 (R, C) or (C,) with C = {W.shape[1]} for W {W.shape}, "
                         f"got {x.dtype} {x.shape}")
    x2 = x.reshape(-1, W.shape[1])                                # (R, C)
    if not use_kernel(x2) or 0 in W.shape or x2.shape[0] == 0:
        y = gemv_numpy(W, x2) if scale is None else gemv_int8_numpy(W, scale, x2)
    else:
        y = np.empty((x2.shape[0], W.shape[0]), dtype=np.float32)   # (R, O), every element written
        W, x2 = np.ascontiguousarray(W), contiguous(x2)   # W is never copied when contiguous (even read-only)
        with threads_for(W.size, _jit.PARALLEL_MIN_ELEMENTS):
            if W.dtype == np.float32:
                gemv_f32_kernel(W.reshape(-1), W.shape[1], x2, y)
            elif W.dtype == np.int8:
                gemv_i8_kernel(W.reshape(-1), W.shape[1], scale, x2, y)
            else:
                gemv_f16_kernel(W.reshape(-1).view(np.uint16), W.shape[1], x2, y)
    return y.reshape(x.shape[:-1] + (W.shape[0],))


def float16_to_float32(a):
    """a.astype(float32) for a float16 array, at memory speed (vcvtph2ps) instead of ~2.4 ns/element."""
    a = np.asarray(a)
    if a.dtype != np.float16:
        raise TypeError(f"float16_to_float32: expected a float16 array, got {a.dtype} {a.shape}")
    if _jit.use_numpy() or a.size < _jit.PARALLEL_MIN_ELEMENTS:
        return a.astype(np.float32)
    src = np.ascontiguousarray(a)
    out = np.empty(a.shape, dtype=np.float32)
    widen_f16_kernel(src.reshape(-1).view(np.uint16), out.reshape(-1))
    return out
