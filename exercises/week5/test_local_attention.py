"""Week 5 autograder: banded (local) causal attention, tasks 5.3 and 5.4."""
import numpy as np
import pytest

from tinygrad_lm.course import assert_close, assert_equal, load

mod = load("week5.local_attention")


def _reference(q, k, v, window):
    T, D = q.shape[-2], q.shape[-1]
    out = np.zeros_like(q)
    for t in range(T):                                # one query at a time, only its band of keys
        lo = max(0, t - window + 1)
        s = q[..., t:t + 1, :] @ np.swapaxes(k[..., lo:t + 1, :], -1, -2) / np.sqrt(D)   # (B, H, 1, w)
        p = np.exp(s - s.max(-1, keepdims=True))
        out[..., t:t + 1, :] = (p / p.sum(-1, keepdims=True)) @ v[..., lo:t + 1, :]
    return out


@pytest.mark.task("5.3", points=1, title="local_causal_mask: the band below the diagonal")
def test_mask():
    want = np.array([[1, 0, 0, 0], [1, 1, 0, 0], [0, 1, 1, 0], [0, 0, 1, 1]], dtype=bool)
    got = np.asarray(mod.local_causal_mask(4, 2))
    if got.shape == (4, 4) and np.array_equal(got, want.T):
        pytest.fail("local_causal_mask(4, 2) is transposed: rows are queries t, columns keys s (s <= t)")
    assert_equal(got.astype(bool).tolist(), want.tolist(), name="local_causal_mask(4, 2)",
                 hint="allowed[t, s] = s <= t and t - s < window: the window includes the position itself")
    assert_equal(np.asarray(mod.local_causal_mask(5, 1)).astype(bool).tolist(), np.eye(5, dtype=bool).tolist(),
                 name="window 1 (each position sees only itself)")
    assert_equal(np.asarray(mod.local_causal_mask(6, 10)).astype(bool).tolist(),
                 np.tril(np.ones((6, 6), dtype=bool)).tolist(), name="window >= T is the causal mask")


@pytest.mark.task("5.4", points=2, title="local_attention: attention inside the band")
def test_local_attention():
    rng = np.random.default_rng(0)
    q, k, v = (rng.standard_normal((2, 3, 7, 4)) for _ in range(3))
    for w in (1, 2, 3, 7, 20):
        assert_close(mod.local_attention(q, k, v, w), _reference(q, k, v, w), atol=1e-10,
                     name=f"local_attention(window={w})",
                     hint="scores / sqrt(D), -inf outside the band BEFORE the softmax, softmax over keys")
    assert_close(mod.local_attention(q, k, v, 1), v, atol=1e-12, name="window 1 returns v")
