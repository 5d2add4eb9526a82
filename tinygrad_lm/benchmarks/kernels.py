"""Kernel benchmark sections of `tglm bench`: matmul vs numpy.matmul, the rest vs their twins.

Shapes are the ones the course's models use: (B*T, C) x (C, 3C) style projections at C = 128,
384, 512, 768, GPT-2's vocabulary (50257) for softmax / cross-entropy, plus square 512^3, 1024^3.
Goals on 2 threads: matmul >= 0.8x numpy's GFLOP/s; softmax, CE, layer_norm >= 3x their twins.
"""
import os
import statistics

import numpy as np

from . import timeit
from ..kernels import api as K

MATMUL_SHAPES = [(4096, 128, 384), (4096, 384, 128), (4096, 128, 512), (4096, 512, 128),
                 (8192, 768, 3072), (512, 512, 512), (1024, 1024, 1024)]      # (M, K, N)
MATMUL_QUICK = [(1024, 128, 384), (1024, 384, 128), (512, 512, 512)]
SOFTMAX_SHAPES = [(4096, 65), (4096, 256), (2048, 50257)]
SOFTMAX_QUICK = [(4096, 65), (256, 50257)]
CE_SHAPES = [(4096, 65), (8192, 256), (1024, 50257)]
CE_QUICK = [(4096, 65), (128, 50257)]
LN_SHAPES = [(4096, 128), (4096, 384), (8192, 768)]
LN_QUICK = [(4096, 128)]


def _rand(shape, seed=0, scale=1.0):
    return (np.random.default_rng(seed).standard_normal(shape) * scale).astype(np.float32)


def openblas_info():
    """[(library, architecture/kernel, threads)] for numpy's BLAS, via threadpoolctl when present."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return [("(install threadpoolctl or see numpy.show_runtime())", "?", "?")]
    return [(os.path.basename(d.get("filepath", "?")), d.get("architecture", "?"), d.get("num_threads", "?"))
            for d in threadpool_info() if d.get("user_api") == "blas"]


def run_runtime(args):
    import numba
    K.softmax(np.ones((2, 2), np.float32))          # start the Numba pool, so the layer is known
    try:
        layer = numba.threading_layer()
    except ValueError:
        layer = "none (JIT disabled)"
    print(f"numba {numba.__version__}: {numba.get_num_threads()} threads, layer {layer}, "
          f"JIT disabled: {bool(numba.config.DISABLE_JIT)}, kernels backend: {K.backend()}")
    for lib, arch, nt in openblas_info():
        print(f"numpy BLAS: {lib}  kernel (architecture) = {arch}, threads = {nt}")
    pinned = {k: os.environ[k] for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE") if k in os.environ}
    if pinned:
        print(f"OpenBLAS pinned by {pinned}: numpy is NOT at its best kernel here; compare with\n"
              f"  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE tglm bench")
    else:
        print("OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE not set: numpy uses its auto-detected kernel")


def _ratio_table(title, rows):
    print(f"{title:<28} {'twin ms':>10} {'tglm ms':>10} {'speedup':>8}")
    for name, t_twin, t_k in rows:
        print(f"{name:<28} {t_twin * 1e3:10.2f} {t_k * 1e3:10.2f} {t_twin / t_k:7.1f}x")


def run_matmul(args):
    shapes = MATMUL_QUICK if args.quick else MATMUL_SHAPES
    print(f"{'(M,K) x (K,N)':<28} {'numpy GF/s':>10} {'tglm GF/s':>10} {'ratio':>7}")
    ratios = []
    for M, Kd, N in shapes:
        a, b = _rand((M, Kd), 1), _rand((Kd, N), 2)
        t_np, t_k = timeit([lambda: np.matmul(a, b), lambda: K.matmul(a, b)],
                           repeats=args.repeats, min_time=0.05)
        gf = 2.0 * M * Kd * N / 1e9
        ratios.append(t_np / t_k)
        print(f"{f'({M},{Kd}) x ({Kd},{N})':<28} {gf / t_np:10.1f} {gf / t_k:10.1f} {t_np / t_k:6.2f}x")
    print(f"{'geometric mean ratio':<50} {statistics.geometric_mean(ratios):6.2f}x")


def run_softmax(args):
    rows = []
    for N, V in (SOFTMAX_QUICK if args.quick else SOFTMAX_SHAPES):
        x = _rand((N, V), 3, 4.0)
        rows.append((f"softmax ({N}, {V})", *timeit([lambda: K.softmax_numpy(x), lambda: K.softmax(x)],
                                                    repeats=args.repeats, min_time=0.05)))
        rows.append((f"log_softmax ({N}, {V})",
                     *timeit([lambda: K.log_softmax_numpy(x), lambda: K.log_softmax(x)],
                             repeats=args.repeats, min_time=0.05)))
    _ratio_table("row-wise (N, V)", rows)


def run_cross_entropy(args):
    rows = []
    for N, V in (CE_QUICK if args.quick else CE_SHAPES):
        x = _rand((N, V), 4, 4.0)
        t = np.random.default_rng(5).integers(0, V, N)
        rows.append((f"CE fwd+bwd ({N}, {V})",
                     *timeit([lambda: K.cross_entropy_numpy(x, t), lambda: K.cross_entropy(x, t)],
                             repeats=args.repeats, min_time=0.05)))
    _ratio_table("fused cross-entropy (N, V)", rows)


def run_layer_norm(args):
    rows = []
    for N, C in (LN_QUICK if args.quick else LN_SHAPES):
        x, dy = _rand((N, C), 6), _rand((N, C), 7)
        w, b = _rand((C,), 8), _rand((C,), 9)

        def twin():
            y, m, r = K.layer_norm_forward_numpy(x, w, b)
            return K.layer_norm_backward_numpy(dy, x, w, m, r)

        def kern():
            y, m, r = K.layer_norm_forward(x, w, b)
            return K.layer_norm_backward(dy, x, w, m, r)
        rows.append((f"layer_norm fwd+bwd ({N}, {C})",
                     *timeit([twin, kern], repeats=args.repeats, min_time=0.05)))
    _ratio_table("layer_norm (N, C)", rows)
