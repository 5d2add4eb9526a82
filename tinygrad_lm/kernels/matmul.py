"""Matrix multiply, C = A @ B in float32: a BLIS-style Numba kernel, its NumPy twin, and `matmul`.

`matmul(a, b)`: (..., M, K) @ (..., K, N) -> (..., M, N), batch dims broadcast as in NumPy; the
dispatch function every Tensor op calls (validates, then kernel or twin: see its docstring).

Shapes: batch entry z computes C[z] (M, N) = A[z] (M, K) @ B[z] (K, N). Operands are read in
place from a flat buffer: A[z][m, k] = abuf[a_off[z] + m*s_am + k*s_ak] (element strides), so
transposed views and numpy-broadcast batch dims (a stride of 0) are never copied; `flat_view`
computes buffer, offsets and strides. C is written flattened, c (batch * M * N,).
Omissions: float32 only (the dispatcher runs NumPy for other dtypes); no complex/integer matmul.

The algorithm is Goto's / BLIS's. Each thread takes whole work units (a batch entry, or a range
of its rows when there are fewer entries than threads); within a unit, for every NC-wide panel
of columns and every KC-deep slice of K:
  1. PACK an (MC, KC) block of A and a (KC, NC) block of B into small contiguous buffers, in
     exactly the order the micro-kernel reads them: A in slivers of MR rows (p-major: the MR
     values of column p are adjacent), B in slivers of NR columns (the NR values of row p are
     adjacent). Packing turns every later read into a sequential, cache-resident one, and pads
     the edges with zeros so the micro-kernel never needs bounds checks.
  2. MICRO-KERNEL: for each (MR, NR) = (8, 32) block of C, keep the 8 x 32 partial sums in 16
     AVX-512 registers (2 registers of 16 floats per row) for the whole KC loop. One step of that
     loop loads 2 vectors of B, broadcasts 8 values of A and issues 16 fused multiply-adds:
     16 independent FMA chains cover the FMA latency of both FMA units of a core.
Loop order: jr (NR slivers of packed B, KC x NR = 64 KB: L1/L2) outside ir (MR slivers of the
MC x KC block of A, ~300 KB: L2); the packed B panel is reused by every A block of the unit. A row-major
A is read in place rather than packed (see matmul_kernel).

Why an @intrinsic for the micro-kernel: written as plain Numba loops, LLVM does not keep an
accumulator array in registers (it spills to the stack, or vectorizes the wrong loop); our
plain-loop micro-kernels ran at ~1 GFLOP/s where this one runs at ~100 (one core). So the micro-kernel is emitted directly as
LLVM IR with <16 x float> vectors and llvm.fma; `microkernel_numpy` below is the same
computation in NumPy and runs instead when NUMBA_DISABLE_JIT=1.
"""
import math
import os
import threading

import numpy as np
from numba import prange

from . import _jit
from ._jit import as_float_array, contiguous, jit, pjit, threads_for, use_kernel
from .gemv import gemv


def _has_avx512() -> bool:
    try:
        import llvmlite.binding as llvm
        return bool(llvm.get_host_cpu_features().get("avx512f", False))
    except Exception:
        return False


# Register blocking follows the vector width: with AVX-512 (32 zmm registers of 16 floats) an
# 8 x 32 micro-tile is 16 accumulators; with AVX2 (16 ymm registers of 8 floats) 6 x 16 is 12.
# Measured (one thread, GFLOP/s): 8 x 32 matched 12 x 32 on large products and beat it on
# power-of-two sizes (1024^3: 95 vs 87; attention-sized batches: ~65 vs ~50), where 12 leaves
# ragged edge tiles.
# TGLM_MATMUL_VEC=8 forces the AVX2 shape (to test it; use a separate NUMBA_CACHE_DIR then).
VEC = int(os.environ.get("TGLM_MATMUL_VEC", 0)) or (16 if _has_avx512() else 8)
MR, NR = (8, 2 * VEC) if VEC == 16 else (6, 2 * VEC)
MC, KC, NC = 144, 768, 1024   # cache blocks: A block MC x KC in L2, B panel KC x NC in L2/L3
# (KC 512 beat 256 by 5-20% on the benchmark shapes: fewer passes over C, fewer B packs; KC 768
#  beat 512 by ~10% at (8192,768)x(768,3072) (one K slice, C written once instead of written, read and
#  rewritten), 1 thread, CPU time, two interleaved rounds: ratio to numpy 0.92/0.86 -> 1.02/0.97; other
#  shapes within noise; KC 1024 no better. The A block, 144 x 768 floats = 442 KB, still fits this L2.)
DIRECT_A = True                # skip packing a row-major A (see matmul_kernel)
# PREFETCH_C: the micro-kernel first prefetches (for writing) the cache lines of its C tile, so
# they arrive while its K loop runs; a cold C tile otherwise stalls the stores at the end. Pays
# when K is small (few FMAs per tile to hide the misses). 1 thread, CPU time, ratio to numpy, two
# interleaved rounds (separate Numba caches): (4096,128)x(128,384) 0.88 / 0.85 -> 1.01 / 0.94,
# (4096,128)x(128,512) 0.96 / 0.97 -> 0.99 / 1.05, the other bench shapes unchanged within noise.
# TGLM_PREFETCH_C=0 turns it off (use a separate NUMBA_CACHE_DIR then: the cache keys on source only).
PREFETCH_C = os.environ.get("TGLM_PREFETCH_C", "1") == "1"


# ---- NumPy twin -----------------------------------------------------------------------------------
def matmul_numpy(a, b):
    return np.matmul(a, b)                         # (..., M, K) @ (..., K, N) -> (..., M, N)


def microkernel_numpy(kc, ap, a_off, a_rs, a_cs, bp, b_off, c, c_off, ldc, accumulate):
    """c[c_off + i*ldc + j] (+)= sum_p ap[a_off + i*a_rs + p*a_cs] * bp[b_off + p*NR + j] for
    i < MR, j < NR; `+=` when accumulate else `=` (the first K slice overwrites: no zeroing).
    A is packed (a_rs, a_cs = 1, MR) or read in place from a row-major matrix (lda, 1)."""
    idx = a_off + np.arange(MR)[None, :] * a_rs + np.arange(kc)[:, None] * a_cs
    a = ap[idx]                                            # (kc, MR)
    b = bp[b_off:b_off + kc * NR].reshape(kc, NR)          # (kc, NR)
    prod = a.T @ b                                         # (MR, NR)
    for i in range(MR):
        row = c[c_off + i * ldc:c_off + i * ldc + NR]
        row[:] = row + prod[i] if accumulate else prod[i]


# ---- the register-blocked micro-kernel, as LLVM IR -------------------------------------------------
if _jit.JIT_DISABLED:
    microkernel = microkernel_numpy
else:
    from llvmlite import ir
    from numba.core import cgutils, types
    from numba.extending import intrinsic

    @intrinsic
    def microkernel(typingctx, kc, ap, a_off, a_rs, a_cs, bp, b_off, c, c_off, ldc, accumulate):
        """Same contract as microkernel_numpy; kc >= 1; ap, bp, c 1-D float32 arrays."""
        sig = types.void(kc, ap, a_off, a_rs, a_cs, bp, b_off, c, c_off, ldc, accumulate)

        def codegen(context, builder, signature, args):
            kc, ap, a_off, a_rs, a_cs, bp, b_off, c, c_off, ldc, accumulate = args
            f32, i64, i32 = ir.FloatType(), ir.IntType(64), ir.IntType(32)
            vty = ir.VectorType(f32, VEC)                       # one zmm (ymm) register
            nv = NR // VEC

            def data(k):                                        # float* to element offset of arg k
                arr = context.make_array(signature.args[k])(context, builder, args[k])
                return builder.gep(arr.data, [args[k + 1]])
            pa, pb, pc = data(1), data(5), data(7)
            fma = cgutils.get_or_insert_function(
                builder.module, ir.FunctionType(vty, [vty, vty, vty]), f"llvm.fma.v{VEC}f32")
            undef = ir.Constant(vty, ir.Undefined)
            splat_mask = ir.Constant(ir.VectorType(i32, VEC), [0] * VEC)

            def const(v):
                return ir.Constant(i64, v)

            a_rows = [builder.gep(pa, [builder.mul(a_rs, const(i))]) for i in range(MR)]

            def vec_ptr(ptr, offset):
                return builder.bitcast(builder.gep(ptr, [offset]), vty.as_pointer())

            if PREFETCH_C:        # the C tile's cache lines, for writing, while the K loop runs
                i8p = ir.IntType(8).as_pointer()
                prefetch = cgutils.get_or_insert_function(
                    builder.module, ir.FunctionType(ir.VoidType(), [i8p, i32, i32, i32]), "llvm.prefetch.p0i8")
                for i in range(MR):
                    for v in range(0, NR, 16):        # one 64-byte line per 16 floats
                        ptr = builder.gep(pc, [builder.add(builder.mul(ldc, const(i)), const(v))])
                        builder.call(prefetch, [builder.bitcast(ptr, i8p), ir.Constant(i32, 1),
                                                ir.Constant(i32, 3), ir.Constant(i32, 1)])
            entry = builder.block
            loop = builder.append_basic_block("microkernel.loop")
            done = builder.append_basic_block("microkernel.done")
            builder.branch(loop)
            # for p in range(kc): acc[i][v] += broadcast(A[p, i]) * B[p, VEC*v : VEC*(v + 1)]
            builder.position_at_end(loop)
            p = builder.phi(i64)
            acc = [builder.phi(vty) for _ in range(MR * nv)]       # MR * NR / VEC accumulators
            b_row = builder.mul(p, const(NR))
            bvec = [builder.load(vec_ptr(pb, builder.add(b_row, const(VEC * v))), align=4)
                    for v in range(nv)]
            a_col = builder.mul(p, a_cs)
            new = []
            for i in range(MR):
                a_ip = builder.load(builder.gep(a_rows[i], [a_col]))
                a_vec = builder.shuffle_vector(builder.insert_element(undef, a_ip, ir.Constant(i32, 0)),
                                               undef, splat_mask)
                new += [builder.call(fma, [a_vec, bvec[v], acc[i * nv + v]]) for v in range(nv)]
            p_next = builder.add(p, const(1))
            p.add_incoming(const(0), entry)
            p.add_incoming(p_next, loop)
            for phi, value in zip(acc, new):
                phi.add_incoming(ir.Constant(vty, None), entry)    # start from zeros
                phi.add_incoming(value, loop)
            builder.cbranch(builder.icmp_signed("<", p_next, kc), loop, done)
            # C[i, :] += acc[i]  or  C[i, :] = acc[i]  (unaligned vector loads / stores)
            builder.position_at_end(done)
            ptrs = [vec_ptr(pc, builder.add(builder.mul(ldc, const(i)), const(VEC * v)))
                    for i in range(MR) for v in range(nv)]
            is_acc = builder.icmp_signed("!=", accumulate, ir.Constant(accumulate.type, 0))
            with builder.if_else(is_acc) as (then, otherwise):
                with then:
                    for ptr, value in zip(ptrs, new):
                        builder.store(builder.fadd(builder.load(ptr, align=4), value), ptr, align=4)
                with otherwise:
                    for ptr, value in zip(ptrs, new):
                        builder.store(value, ptr, align=4)
            return context.get_dummy_value()
        return sig, codegen


# ---- packing -------------------------------------------------------------------------------------
# Operands arrive as a flat float32 buffer plus element strides, so a transposed or sliced view
# is read in place; the common unit-stride case gets its own loop, which LLVM vectorizes.
# Indices are unsigned (U): with signed ones Numba must allow for negative, wrap-around indexing,
# which blocks contiguous vector loads; measured 2-3x slower packing here.
U = np.uint64


@jit
def pack_a(abuf, off, s_m, s_k, i0, mc, p0, kc, apack):
    """apack[ir*kc + p*MR + i] = A[i0 + ir + i, p0 + p] for i < MR (zero past row i0 + mc),
    where A[m, k] = abuf[off + m*s_m + k*s_k]."""
    um, uk, ukc, umr = U(s_m), U(s_k), U(kc), U(MR)
    for ir in range(0, mc, MR):
        base = U(ir * kc)
        rows = U(min(MR, mc - ir))
        src0 = U(off + (i0 + ir) * s_m + p0 * s_k)
        if rows == umr and s_k == 1:             # full sliver, rows contiguous along K
            for p in range(ukc):
                for i in range(umr):             # MR row streams, one contiguous write
                    apack[base + p * umr + i] = abuf[src0 + i * um + p]
        else:
            for p in range(ukc):
                for i in range(rows):
                    apack[base + p * umr + i] = abuf[src0 + i * um + p * uk]
                for i in range(rows, umr):
                    apack[base + p * umr + i] = 0.0


@jit
def pack_b(bbuf, off, s_k, s_n, p0, kc, j0, nc, bpack):
    """bpack[jr*kc + p*NR + j] = B[p0 + p, j0 + jr + j] for j < NR (zero past column j0 + nc),
    where B[k, n] = bbuf[off + k*s_k + n*s_n]."""
    uk, un, ukc, unr = U(s_k), U(s_n), U(kc), U(NR)
    n_full = U(nc // NR * NR)                    # columns in full NR-wide slivers
    for p in range(ukc):                         # row by row: sequential reads of B
        src = U(off + p0 * s_k + j0 * s_n) + p * uk
        dst0 = p * unr
        if s_n == 1:
            for jr in range(U(0), n_full, unr):
                dst = jr * ukc + dst0
                for j in range(unr):             # one 32-float vector copy
                    bpack[dst + j] = bbuf[src + jr + j]
        else:
            for jr in range(U(0), n_full, unr):
                dst = jr * ukc + dst0
                for j in range(unr):
                    bpack[dst + j] = bbuf[src + (jr + j) * un]
        if n_full < U(nc):                       # the last, partial sliver: pad with zeros
            dst = n_full * ukc + dst0
            for j in range(unr):
                if n_full + j < U(nc):
                    bpack[dst + j] = bbuf[src + (n_full + j) * un]
                else:
                    bpack[dst + j] = 0.0


# ---- the parallel driver ----------------------------------------------------------------------------
@pjit
def matmul_kernel(abuf, a_off, s_am, s_ak, bbuf, b_off, s_bk, s_bn, M, K, N, n_split,
                  c, apack, bpack, ctmp, bias):
    """C[z] = A[z] @ B[z] for z < batch, where A[z][m, k] = abuf[a_off[z] + m*s_am + k*s_ak],
    B[z][k, n] = bbuf[b_off[z] + k*s_bk + n*s_bn] (element strides), C[z][m, n] = c[(z*M + m)*N + n].
    c may be uninitialized: the first K slice (pc == 0) overwrites, later ones accumulate.
    apack (nt, MC*KC), bpack (nt, KC*NC), ctmp (nt, MR*NR) are per-thread scratch for nt threads.
    Work units: (batch entry, one of n_split row ranges); thread t takes units t, t + nt, ...
    Each unit packs every B block once. A row-major A (unit stride along K) is not packed at all:
    the micro-kernel's MR broadcast loads read MR rows in place (measured ~10% faster when N is
    small, e.g. (4096, 512) x (512, 128), where packing A costs as much as using it).
    bias (N,) or empty: C[z][m, :] += bias, added to each (MC, NC) block of C right after its last
    K slice, while the block is still in L2 (a Linear's `y += b` as a separate NumPy pass ran on
    one thread: ~2% of a GPT step, serial)."""
    batch = a_off.shape[0]
    nt = apack.shape[0]
    direct_a = s_ak == 1 and DIRECT_A     # row-major A: the micro-kernel reads it in place
    n_units = batch * n_split
    n_k = (K + KC - 1) // KC
    has_bias = bias.shape[0] > 0
    for t in prange(nt):
        ap = apack[t]
        bp = bpack[t]
        ct = ctmp[t]
        for unit in range(t, n_units, nt):
            z = unit // n_split
            r = unit % n_split
            r0 = min(M, (r * M // n_split + MR - 1) // MR * MR)    # row range, MR-aligned
            r1 = min(M, ((r + 1) * M // n_split + MR - 1) // MR * MR)
            for jc in range(0, N, NC):
                nc = min(NC, N - jc)
                for ks in range(n_k):                  # K in n_k equal slices of <= KC
                    pc = ks * K // n_k
                    kc = (ks + 1) * K // n_k - pc
                    pack_b(bbuf, b_off[z], s_bk, s_bn, pc, kc, jc, nc, bp)
                    for ic in range(r0, r1, MC):
                        mc = min(MC, r1 - ic)
                        if not direct_a:
                            pack_a(abuf, a_off[z], s_am, s_ak, ic, mc, pc, kc, ap)
                        for jr in range(0, nc, NR):
                            cols = min(NR, nc - jr)
                            for ir in range(0, mc, MR):
                                rows = min(MR, mc - ir)
                                off = (z * M + ic + ir) * N + jc + jr
                                if direct_a and rows == MR:        # A read in place, row-major
                                    a_src, a_o, a_rs, a_cs = abuf, a_off[z] + (ic + ir) * s_am + pc, s_am, 1
                                elif direct_a:                     # last rows: pack, zero-padded
                                    pack_a(abuf, a_off[z], s_am, s_ak, ic + ir, rows, pc, kc, ap)
                                    a_src, a_o, a_rs, a_cs = ap, 0, 1, MR
                                else:
                                    a_src, a_o, a_rs, a_cs = ap, ir * kc, 1, MR
                                if rows == MR and cols == NR:      # full tile: straight into C
                                    microkernel(kc, a_src, a_o, a_rs, a_cs, bp, jr * kc, c, off, N, pc)
                                else:                              # edge: via a small buffer
                                    microkernel(kc, a_src, a_o, a_rs, a_cs, bp, jr * kc, ct, 0, NR, 0)
                                    for i in range(rows):
                                        for j in range(cols):
                                            if pc == 0:
                                                c[off + i * N + j] = ct[i * NR + j]
                                            else:
                                                c[off + i * N + j] += ct[i * NR + j]
                        if has_bias and ks == n_k - 1:         # block done: + bias, in cache
                            for i in range(ic, ic + mc):
                                row = (z * M + i) * N + jc
                                c[row:row + nc] += bias[jc:jc + nc]


def flat_view(x, batch_shape):
    """(buf, offsets (batch,), stride_row, stride_col) describing x (..., R, S) in place:
    x[idx][r, s] = buf[offsets[z] + r*stride_row + s*stride_col], z = flat index of idx in
    batch_shape (x's own batch dims broadcast to it). Copies only views with negative strides."""
    if x.ndim == 2 and x.flags.c_contiguous and x.flags.writeable:   # the common case, cheap
        return x.reshape(-1), np.zeros(max(1, math.prod(batch_shape)), np.int64), x.shape[1], 1
    if any(st < 0 or st % 4 for st in x.strides):
        x = np.ascontiguousarray(x)
    st = [s // 4 for s in x.strides]
    span = 1 + sum((n - 1) * s for n, s in zip(x.shape, st))
    buf = np.lib.stride_tricks.as_strided(x, shape=(span,), strides=(4,))
    nb = x.ndim - 2
    offs = np.zeros(x.shape[:nb], dtype=np.int64)
    for d in range(nb):
        shape = [1] * nb
        shape[d] = x.shape[d]
        offs = offs + (np.arange(x.shape[d], dtype=np.int64) * st[d]).reshape(shape)
    offs = np.broadcast_to(offs, batch_shape).ravel()
    if not buf.flags.writeable:       # read-only views would compile a second kernel version
        buf = buf.copy()
    return buf, np.array(offs, dtype=np.int64), st[-2], st[-1]


_scratch = threading.local()          # one set per Python thread: concurrent calls stay safe


def scratch(nt):
    """Per-thread packing buffers (nt Numba threads), allocated once per Python thread and reused:
    fresh big arrays are slow (page faults), and B's panel alone is KC * NC * 4 = 2 MB."""
    bufs = getattr(_scratch, "bufs", None)
    if bufs is None or bufs[0].shape[0] != nt:
        bufs = (np.empty((nt, MC * KC), np.float32), np.empty((nt, KC * NC), np.float32),
                np.empty((nt, MR * NR), np.float32))
        _scratch.bufs = bufs
    return bufs


# ---- dispatch: validate, then the kernel (float32) or the twin ------------------------------------
SMALL_MATMUL_FLOPS = 1 << 20    # 2*M*N*K below this: np.matmul (~2-20 us vs our ~60 us dispatch)
SKINNY_ROWS = 4                 # a with <= this many rows (2-D b): np.matmul (matrix-vector, no packing)


def matmul(a, b, bias=None):
    """(..., M, K) @ (..., K, N) -> (..., M, N) with numpy broadcasting of the batch dims;
    with bias (N,) (same dtype): a @ b + bias, the add fused into the kernel (a Linear layer).

    Kernel when both are float32 and the backend is numba; the twin (np.matmul) for other dtypes,
    vector operands, tiny products (< SMALL_MATMUL_FLOPS: numpy starts faster than our dispatch)
    and skinny ones (<= SKINNY_ROWS rows of a against a 2-D b: KV-cached decoding, where gemv or
    BLAS beat packing all of b for a few rows). Size-0 dims give zeros without a kernel call.
    """
    a = as_float_array(a, "matmul", "a")
    b = as_float_array(b, "matmul", "b")
    if a.ndim == 0 or b.ndim == 0:
        raise ValueError(f"matmul: inputs must have at least 1 dim, got a {a.shape}, b {b.shape}")
    if a.shape[-1] != b.shape[-2 if b.ndim >= 2 else 0]:
        raise ValueError(f"matmul: inner dims differ: a (..., M, K) = {a.shape}, "
                         f"b (..., K, N) = {b.shape}")
    if bias is not None:
        bias = as_float_array(bias, "matmul", "bias")
        if bias.shape != (b.shape[-1],) or b.ndim < 2:
            raise ValueError(f"matmul: bias must be (N,) = ({b.shape[-1]},) for b (..., K, N) = {b.shape}, "
                             f"got {bias.shape}")
    if not use_kernel(a, b) or a.ndim == 1 or b.ndim == 1 or (bias is not None and bias.dtype != a.dtype):
        return _plus(matmul_numpy(a, b), bias)   # float64 / mixed dtypes / vector products
    try:
        batch_shape = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    except ValueError:
        raise ValueError(f"matmul: batch dims do not broadcast: a {a.shape}, b {b.shape}") from None
    M, K = a.shape[-2:]
    N = b.shape[-1]
    out_shape = batch_shape + (M, N)
    if M == 0 or N == 0 or K == 0 or 0 in batch_shape:
        return _plus(np.zeros(out_shape, dtype=np.float32), bias)
    if 2 * M * N * K * math.prod(batch_shape) < SMALL_MATMUL_FLOPS:
        return _plus(matmul_numpy(a, b), bias)
    if b.ndim == 2 and a.ndim > 2:             # (B, T, K) @ (K, N): one tall 2-D product
        a, batch_shape = a.reshape(-1, K), ()
        M = a.shape[0]
    if M * math.prod(batch_shape) <= SKINNY_ROWS and b.ndim == 2:   # KV-cached decoding: x (1, K) @ W
        if b.T.flags.c_contiguous:             # x @ W.T of a Linear: W's rows are contiguous dots
            return _plus(gemv(b.T, a.reshape(-1, K)).reshape(out_shape), bias)   # reads W once, all cores
        return _plus(matmul_numpy(a, b).reshape(out_shape), bias)   # BLAS gemv; packing W cost 70x more (benchmarks/gpt2.py)
    batch = math.prod(batch_shape)
    abuf, a_off, s_am, s_ak = flat_view(a, batch_shape)      # read in place, any strides
    bbuf, b_off, s_bk, s_bn = flat_view(b, batch_shape)
    c = np.empty(batch * M * N, dtype=np.float32)            # every element is written
    with threads_for(2 * batch * M * N * K, _jit.PARALLEL_MIN_FLOPS) as nt:
        n_split = nt // math.gcd(batch, nt)                  # so units divide evenly over threads
        matmul_kernel(abuf, a_off, s_am, s_ak, bbuf, b_off, s_bk, s_bn, M, K, N, n_split,
                      c, *scratch(nt), _NO_BIAS if bias is None else contiguous(bias))
    return c.reshape(out_shape)


_NO_BIAS = np.empty(0, np.float32)


def _plus(y, bias):
    """y + bias in place (y is a fresh array) when a bias is given (the non-kernel paths)."""
    if bias is not None:
        y = y + bias if y.dtype != np.result_type(y, bias) else np.add(y, bias, out=y)
    return y
