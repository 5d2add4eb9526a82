"""kernels/step_matmul.py: the per-step product on a packed weight equals its NumPy twin.

Shapes cross the micro-tile edges (rows % MR, columns % NR), offsets into bigger buffers, both
accumulate modes, both packing paths (C-contiguous w, and w = v.T of a contiguous v), and the
kernel once more as plain Python under NUMBA_DISABLE_JIT=1 (subprocess).
"""
import os
import subprocess
import sys

import numpy as np
import pytest

import tinygrad_lm  # noqa: F401  (thread settings)
from tinygrad_lm.kernels import step_matmul as S
from tinygrad_lm.kernels.matmul import MR, NR


def _rand(rng, *shape):
    return rng.standard_normal(shape).astype(np.float32)


def _run(a_full, r0, M, w, c_full, accumulate, transposed):
    """step_matmul on rows r0:r0+M of a_full into the same rows of c_full."""
    K, N = w.shape
    wp = S.pack_weight(np.ascontiguousarray(w.T).T if transposed else w)
    apad, ct = np.empty(K * MR, np.float32), np.empty(MR * NR, np.float32)
    S.step_matmul(a_full.reshape(-1), r0 * K, K, M, K, wp, N, c_full.reshape(-1), r0 * N, N,
                  accumulate, apad, ct)


@pytest.mark.parametrize("M,K,N", [(1, 1, 1), (3, 5, 7), (8, 16, 32), (9, 33, 65), (16, 64, 256), (21, 40, 96)])
@pytest.mark.parametrize("accumulate", [True, False])
@pytest.mark.parametrize("transposed", [False, True])
def test_step_matmul_equals_twin(M, K, N, accumulate, transposed):
    rng = np.random.default_rng(M * 1000 + K * 10 + N)
    a, w = _rand(rng, M + 5, K), _rand(rng, K, N)         # extra rows: the kernel must touch only its own
    c = _rand(rng, M + 5, N)
    want = c.copy()
    S.step_matmul_numpy(a[2:2 + M], w, want[2:2 + M], accumulate)
    _run(a, 2, M, w, c, accumulate, transposed)
    np.testing.assert_allclose(c, want, atol=1e-4, rtol=1e-5,
                               err_msg=f"step_matmul M,K,N={M, K, N} accumulate={accumulate}")


def test_pack_weight_both_layouts_agree():
    rng = np.random.default_rng(1)
    v = _rand(rng, 37, 11)                                  # w = v.T: (11, 37)
    assert S.pack_weight(v.T).shape == (S.packed_size(11, 37),)
    np.testing.assert_array_equal(S.pack_weight(v.T), S.pack_weight(np.ascontiguousarray(v.T)))


@pytest.mark.parametrize("B,n", [(32, 2), (20, 2), (13, 3), (5, 2), (4, 1), (64, 3)])
def test_chunk_start_covers_rows(B, n):
    starts = [S.chunk_start(B, i, n) for i in range(n + 1)]
    assert starts[0] == 0 and starts[-1] == B and starts == sorted(starts)
    if B >= MR * n:
        assert all(s % MR == 0 for s in starts[:-1]), starts
        assert all(b > a for a, b in zip(starts, starts[1:])), starts


def test_step_matmul_as_python_under_disable_jit():
    code = ("import numpy as np\n"
            "from tinygrad_lm.kernels import step_matmul as S\n"
            "from tinygrad_lm.kernels.matmul import MR, NR\n"
            "r = np.random.default_rng(0)\n"
            "a, w, c = (r.standard_normal(s).astype(np.float32) for s in ((11, 6), (6, 35), (11, 35)))\n"
            "want = c + a @ w\n"
            "S.step_matmul(a.reshape(-1), 0, 6, 11, 6, S.pack_weight(w), 35, c.reshape(-1), 0, 35, True,\n"
            "              np.empty(6 * MR, np.float32), np.empty(MR * NR, np.float32))\n"
            "print(float(np.abs(c - want).max()))\n")
    env = dict(os.environ, NUMBA_DISABLE_JIT="1")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert float(out.stdout.split()[-1]) < 1e-4
