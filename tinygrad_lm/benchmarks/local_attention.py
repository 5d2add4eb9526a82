"""`tglm bench --only local_attention`: dense causal vs locally banded attention, fused kernel fwd+bwd.

GPT-3's local layers let query t see keys t - w < s <= t only. The fused kernel (kernels/attention.py)
skips every key outside the band, so the work per (b, h) drops from the causal triangle's
T (T + 1) / 2 query-key pairs to w T - w (w - 1) / 2. Printed per T: the dense time, each window's
time and the measured speedup (dense / local, both in the same run, interleaved repeat by repeat),
beside the ideal one (the ratio of query-key pairs). The measured speedup stays below the ideal:
copying q, k, v per head and writing y and dqkv cost O(T D) whatever the window.

Shapes: B=4, H=4, D=64 (C=256), T = 256, 512, 1024, w = 64, 128 (--quick: B=2, T=256 only).
Legend: B batch, T time, H heads, D head size, C channels, w window.
Omissions: no PyTorch twin (PyTorch has no banded kernel to compare with), float32 only.
"""
import numpy as np

from . import timeit
from ..kernels import api as K

SHAPES = (4, 4, 64, (256, 512, 1024))          # B, H, D, T values
QUICK = (2, 4, 64, (256,))
WINDOWS = (64, 128)


def pairs(T, w=None):
    """Query-key pairs computed per (b, h): the causal triangle, or the band of width w."""
    if w is None or w >= T:
        return T * (T + 1) // 2
    return w * T - w * (w - 1) // 2


def fwd_bwd(qkv, dy, H, window):
    """One forward + backward of the fused attention: qkv (B, T, 3C), dy (B, T, C) -> dqkv."""
    y, p = K.attention_qkv_forward(qkv, H, True, window)
    return K.attention_qkv_backward(dy, qkv, p, H, True, window)


def run(args):
    B, H, D, Ts = QUICK if args.quick else SHAPES
    C = H * D
    rng = np.random.default_rng(0)
    print(f"B={B} H={H} D={D}: fused attention forward + backward, ms (median of {args.repeats})")
    head = f"{'T':>5} {'dense ms':>9}" + "".join(f" {f'w={w} ms':>9} {'speedup':>8} {'ideal':>6}" for w in WINDOWS)
    print(head)
    for T in Ts:
        qkv = rng.standard_normal((B, T, 3 * C)).astype(np.float32)      # (B, T, 3C)
        dy = rng.standard_normal((B, T, C)).astype(np.float32)           # (B, T, C)
        fns = [lambda w=w: fwd_bwd(qkv, dy, H, w) for w in (None,) + WINDOWS]
        times = timeit(fns, repeats=args.repeats, min_time=0.05)
        row = f"{T:5d} {times[0] * 1e3:9.2f}"
        for w, t in zip(WINDOWS, times[1:]):
            row += f" {t * 1e3:9.2f} {times[0] / t:7.2f}x {pairs(T) / pairs(T, w):5.2f}x"
        print(row)
