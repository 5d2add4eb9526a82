"""Week 4 autograder, part 2: attention in NumPy (tasks 4.7-4.9).

The reference is the library's fused attention (tinygrad_lm/ops/attention.py), run on the same arrays.

Typical mistakes (docs/course/mistakes.md, mutation-tested by tests/test_mutants.py) fail with a first
line that names them; where a mistake shows in only some inputs, every test of the task runs a shared
screen first, so the mistake costs the whole task.
"""
import numpy as np
import pytest

import tinygrad_lm as tg
from tinygrad_lm.ops.attention import attention_probs, scaled_dot_product_attention
from tinygrad_lm.course import assert_close, assert_equal, load

mod = load("week4.attention")


def _qkv(seed, B=2, H=3, Tq=5, Tk=5, D=4):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(s).astype(np.float32) for s in ((B, H, Tq, D), (B, H, Tk, D), (B, H, Tk, D))]


def _library(q, k, v, causal):
    return scaled_dot_product_attention(tg.Tensor(q), tg.Tensor(k), tg.Tensor(v), causal=causal).data


def _mistake(first_line, hint):
    """Fail with a first line that names a recognised mistake (the grading table shows only that line)."""
    raise AssertionError(f"{first_line}\n  hint: {hint}")


def _your_weights(q, k, causal):
    """The attention weights of YOUR attention(): with v = the identity (and D = Tk) the output y IS the
    (..., Tq, Tk) weight matrix, so the mask and the scale can be read off it directly."""
    Tk = k.shape[-2]
    v = np.ascontiguousarray(np.broadcast_to(np.eye(Tk, dtype=np.float32), k.shape[:-2] + (Tk, Tk)))
    with np.errstate(all="ignore"):
        return np.asarray(mod.attention(q, k, v, causal=causal), dtype=np.float64)


def _named_attention_mistake(q, k):
    """The first line naming a recognised mistake in YOUR causal attention on q, k (D = Tk), or None."""
    Tq, Tk, D = q.shape[-2], k.shape[-2], q.shape[-1]
    w, want = _your_weights(q, k, True), attention_probs(q, k, True)
    if w.shape != want.shape or np.allclose(w, want, atol=1e-5):
        return None
    diag = np.diagonal(w[..., :, Tk - Tq:], axis1=-2, axis2=-1)          # query i with its own key i + Tk - Tq
    shift = Tk - Tq
    if shift and np.allclose(w[..., :, Tq:], 0, atol=1e-7):
        no_offset = np.concatenate([attention_probs(q, np.ascontiguousarray(k[..., :Tq, :]), True),
                                    np.zeros(q.shape[:-1] + (shift,))], axis=-1)
        if np.allclose(w, no_offset, atol=1e-5):
            return (f"with Tq={Tq} < Tk={Tk} query i sits at key position i + (Tk - Tq) = i + {shift}; your causal "
                    f"mask treats it as position i, hiding keys it may see",
                    "q_pos = np.arange(Tk - Tq, Tk)[:, None]; mask = np.arange(Tk)[None, :] > q_pos")
    if Tq > 1 and np.allclose(np.nan_to_num(diag[..., 1:], nan=1.0), 0, atol=1e-7):
        return ("the causal mask also hides the diagonal: query i must see key i (mask keys j > i, not j >= i); "
                "query 0 then sees no key at all (with -inf masking its row is 0/0 = NaN)",
                "mask = key position > query position (strictly greater); subtracting the row max cannot help a "
                "row whose keys are all masked")
    for factor, what in ((D ** -0.5, "divided by D"), (D ** 0.5, "not scaled at all")):
        if np.allclose(w, attention_probs((q * factor).astype(np.float32), k, True), atol=1e-5):
            return (f"the attention scores are {what}: divide q @ k^T by sqrt(D) (D = {D})",
                    "scores = (q @ k^T) * D ** -0.5: with unit-variance q and k the dot product has variance D, "
                    "so sqrt(D) brings it back to 1")
    if np.allclose(w, attention_probs(q, k, False), atol=1e-5):
        return ("causal=True, but query i also sees the keys after it (j > i): the causal mask is missing",
                "set scores[..., mask] = -inf where key position > query position, BEFORE the softmax")
    return None


def _attention_screen():
    """Run first by every 4.7 test: the mask and the scale, read off your weights (v = identity)."""
    rng = np.random.default_rng(7)
    for Tq, Tk in ((4, 4), (2, 5)):
        q = rng.standard_normal((1, 2, Tq, Tk)).astype(np.float32)
        k = rng.standard_normal((1, 2, Tk, Tk)).astype(np.float32)
        named = _named_attention_mistake(q, k)
        if named:
            _mistake(f"attention(causal=True, Tq={Tq}, Tk={Tk}): {named[0]}", named[1])


# ---- 4.7 ----------------------------------------------------------------------------------------
@pytest.mark.task("4.7", points=2, title="attention (scaled dot-product, causal mask)")
def test_attention_matches_library_causal():
    _attention_screen()
    q, k, v = _qkv(0)
    y = mod.attention(q, k, v, causal=True)
    assert_close(y, _library(q, k, v, True), atol=1e-5, name="attention(q, k, v, causal=True) (2, 3, 5, 4)",
                 hint="scores = q @ k^T / sqrt(D); mask keys j > i with -inf BEFORE the softmax; softmax over keys")
    assert_equal(np.asarray(y).dtype, np.dtype(np.float32), name="dtype of attention(float32 q, k, v)",
                 hint="a NumPy float64 scalar (1 / np.sqrt(D)) or a float64 mask upcasts; scale by D ** -0.5")
    assert_close(y[..., 0, :], v[..., 0, :], atol=1e-6, name="y[..., 0, :] (the first position sees only itself)")


@pytest.mark.task("4.7", points=2)
def test_attention_not_causal_and_offset():
    _attention_screen()
    q, k, v = _qkv(1, Tq=4, Tk=7)
    assert_close(mod.attention(q, k, v, causal=False), _library(q, k, v, False), atol=1e-5,
                 name="attention(causal=False), Tq=4, Tk=7", hint="without the mask every query sees every key")
    assert_close(mod.attention(q, k, v, causal=True), _library(q, k, v, True), atol=1e-5,
                 name="attention(causal=True), Tq=4, Tk=7",
                 hint="queries are the LAST Tq of Tk positions: query i sits at position i + Tk - Tq")
    big = [a * 30 for a in _qkv(2, Tq=6, Tk=6)]                        # large scores: needs a stable softmax
    y = mod.attention(*big, causal=True)
    assert np.isfinite(y).all(), "attention gave inf/nan for large scores: subtract the row max before np.exp"


# ---- 4.8 ----------------------------------------------------------------------------------------
@pytest.mark.task("4.8", points=1, title="split_heads / merge_heads")
def test_split_heads():
    x = np.arange(2 * 5 * 12, dtype=np.float32).reshape(2, 5, 12)
    s = mod.split_heads(x, 3)
    assert_equal(tuple(s.shape), (2, 3, 5, 4), name="split_heads((2, 5, 12), 3).shape")
    assert_close(s[1, 2, 3], x[1, 3, 8:12], name="split_heads(x, 3)[b=1, h=2, t=3]",
                 hint="head h holds channels h*D ... (h+1)*D - 1 of every position: reshape (B, T, H, D), "
                      "then transpose(0, 2, 1, 3)")
    with pytest.raises(ValueError):
        mod.split_heads(np.zeros((1, 2, 10), np.float32), 3)


@pytest.mark.task("4.8", points=1)
def test_merge_heads_inverts_split():
    x = np.random.default_rng(0).standard_normal((3, 7, 8)).astype(np.float32)
    m = mod.merge_heads(mod.split_heads(x, 2))
    assert_close(m, x, atol=0, name="merge_heads(split_heads(x, 2))", hint="transpose back to (B, T, H, D) first")
    q, _, _ = _qkv(3, B=1, H=2, Tq=3, D=4)
    assert_close(mod.merge_heads(q)[0, 1], np.concatenate([q[0, 0, 1], q[0, 1, 1]]),
                 name="merge_heads(q)[0, t=1]", hint="heads go side by side: channels of head 0, then head 1")


# ---- 4.9 ----------------------------------------------------------------------------------------
@pytest.mark.task("4.9", points=2, title="attention_step with a KV cache")
def test_kv_cache_steps_match_full_attention():
    q, k, v = _qkv(4, Tq=7, Tk=7)
    cache = {"k": None, "v": None}
    ys = [mod.attention_step(q[:, :, :3], k[:, :, :3], v[:, :, :3], cache)]            # a 3-token prompt
    ys += [mod.attention_step(q[:, :, t:t + 1], k[:, :, t:t + 1], v[:, :, t:t + 1], cache) for t in range(3, 7)]
    assert_equal(tuple(cache["k"].shape), (2, 3, 7, 4), name="cache['k'].shape after 3 + 4 tokens",
                 hint="append the new keys along axis 2 and store the result back in the dict")
    got, want = np.concatenate(ys, axis=2), _library(q, k, v, True)
    if got.shape == want.shape and not np.allclose(got, want, atol=1e-5):
        rng = np.random.default_rng(8)
        qs = rng.standard_normal((1, 2, 1, 5)).astype(np.float32)            # one new query, D = Tk = 5
        ks = rng.standard_normal((1, 2, 5, 5)).astype(np.float32)
        named = _named_attention_mistake(qs, ks)
        if named:
            _mistake(f"attention_step: one new query over 5 cached keys goes wrong in attention(): {named[0]}",
                     named[1] + " (attention_step calls your attention of task 4.7)")
    assert_close(got, want, atol=1e-5,
                 name="KV-cached steps vs full causal attention",
                 hint="new query i sees all past keys plus the new keys up to itself (mask offset Tk - Tq)")
