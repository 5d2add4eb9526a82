"""Week 0 project script: see why the warm-up functions are written the way they are.

Run on your own code:      python -m solutions.week0.demo --impl exercises
Run on the reference:      python -m solutions.week0.demo
Prints: (1) naive vs stable softmax / log-sum-exp on large inputs, (2) Python loops vs broadcasting
for pairwise distances (time and agreement), (3) the cross-entropy of a uniform guess = log V.
Does not handle: anything beyond these three demonstrations (no training here; that starts in week 1).
"""
import math
import sys
import time

import numpy as np

from tinygrad_lm.course import load, pop_impl

broadcasting = load("week0.broadcasting")   # the reference (solutions/) or yours (exercises/): --impl
softmax_mod = load("week0.softmax")


def _try(label, fn):
    try:
        return fn()
    except NotImplementedError as e:
        print(f"  {label}: not implemented yet ({e})")
        return None


def demo_stability():
    print("1) large logits: naive formulas overflow, shifted ones do not")
    x = np.array([1000.0, 1001.0, 1002.0], dtype=np.float32)
    with np.errstate(over="ignore", invalid="ignore"):
        naive = np.exp(x) / np.exp(x).sum()
        naive_lse = np.log(np.exp(x).sum())
    print(f"  naive softmax   {naive}    naive logsumexp {naive_lse}")
    p = _try("softmax", lambda: softmax_mod.softmax(x))
    if p is not None:
        print(f"  your softmax    {np.round(p, 6)}  (sums to {float(np.sum(p)):.6f})")
    lse = _try("logsumexp", lambda: softmax_mod.logsumexp(x))
    if lse is not None:
        print(f"  your logsumexp  {float(lse):.4f}  (exact: {1002 + math.log(1 + math.exp(-1) + math.exp(-2)):.4f})")


def demo_broadcasting(n=300, d=32, seed=0):
    print(f"\n2) pairwise squared distances, N = M = {n}, D = {d}")
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d)).astype(np.float32)
    t0 = time.perf_counter()
    S_loop = np.zeros((n, n), dtype=np.float32)
    for i in range(n):
        for j in range(n):
            S_loop[i, j] = np.sum((X[i] - X[j]) ** 2)
    t_loop = time.perf_counter() - t0
    print(f"  Python double loop : {t_loop * 1e3:8.1f} ms")
    S = _try("pairwise_sq_dists", lambda: broadcasting.pairwise_sq_dists(X, X))
    if S is not None:
        t_vec = float("inf")
        for _ in range(5):                  # best of 5: the machine is shared, the minimum is the signal
            t0 = time.perf_counter()
            broadcasting.pairwise_sq_dists(X, X)
            t_vec = min(t_vec, time.perf_counter() - t0)
        print(f"  your broadcasting  : {t_vec * 1e3:8.1f} ms   ({t_loop / max(t_vec, 1e-9):.0f}x faster; "
              f"max |difference| {float(np.max(np.abs(S - S_loop))):.2e})")


def demo_cross_entropy():
    print("\n3) cross-entropy of a uniform guess is log V")
    for V in (2, 10, 50257):
        ce = _try("cross_entropy", lambda: softmax_mod.cross_entropy(np.zeros((8, V), np.float32), np.arange(8) % V))
        if ce is None:
            return
        print(f"  V = {V:>5}: cross_entropy = {ce:.4f}   log V = {math.log(V):.4f}")


def main(argv=None) -> int:
    pop_impl(sys.argv[1:] if argv is None else argv)        # --impl exercises: your broadcasting.py / softmax.py
    demo_stability()
    demo_broadcasting()
    demo_cross_entropy()
    return 0


if __name__ == "__main__":
    sys.exit(main())
