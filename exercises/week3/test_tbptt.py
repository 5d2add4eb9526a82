"""Week 3 autograder, part 3: truncated BPTT batching and the carry + detach step (tasks 3.8-3.9).

Typical mistakes (docs/course/mistakes.md, mutation-tested by tests/test_mutants.py) fail with a first
line that names them; where a mistake shows in only some inputs, every test of the task runs a shared
screen first, so the mistake costs the whole task.
"""
import numpy as np
import pytest

import tinygrad_lm as tg
from tinygrad_lm.course import assert_close, assert_equal, load
from tinygrad_lm.datasets.lm_batches import TBPTTBatches
from tinygrad_lm.optim import SGD
from tinygrad_lm.models.char_lm import CharLM

mod = load("week3.tbptt")


def _mistake(first_line, hint):
    """Fail with a first line that names a recognised mistake (the grading table shows only that line)."""
    raise AssertionError(f"{first_line}\n  hint: {hint}")


# ---- 3.8 ----------------------------------------------------------------------------------------
def _check_not_chunked(got, ids, B, T):
    """Name the classic mistake: window k = the k-th consecutive block of B*T tokens, reshaped (B, T)."""
    if not got:
        return
    x0 = np.asarray(got[0][0])
    if x0.shape == (B, T) and np.array_equal(x0, np.asarray(ids[:B * T]).reshape(B, T)):
        _mistake(f"tbptt_batches(B={B}, T={T}): window 0 is the first {B * T} tokens reshaped to ({B}, {T}), so row "
                 f"b of the next window does not continue row b: cut the stream into {B} lanes instead",
                 "lanes = ids[:B*L].reshape(B, L) with L = N // B; window k is columns k*T .. (k+1)*T of every lane")


@pytest.mark.task("3.8", points=3, title="TBPTT batches (lanes)")
def test_docstring_example():
    got = mod.tbptt_batches(np.arange(13), 2, 2)
    _check_not_chunked(got, np.arange(13), 2, 2)
    want = [([[0, 1], [6, 7]], [[1, 2], [7, 8]]), ([[2, 3], [8, 9]], [[3, 4], [9, 10]]), ([[4], [10]], [[5], [11]])]
    assert len(got) == 3, f"tbptt_batches(0..12, B=2, T=2): expected 3 windows, got {len(got)}"
    for k, ((x, y), (wx, wy)) in enumerate(zip(got, want)):
        assert_equal(np.asarray(x).tolist(), wx, name=f"x of window {k}",
                     hint="lanes = ids[:B*L].reshape(B, L): row b reads a contiguous stretch of the text")
        assert_equal(np.asarray(y).tolist(), wy, name=f"y of window {k}", hint="y is x shifted by one token")


@pytest.mark.task("3.8", points=3)
def test_rows_continue_across_windows_and_match_library():
    ids = np.random.default_rng(0).integers(0, 50, size=1000)
    got = mod.tbptt_batches(ids, 4, 7)
    _check_not_chunked(got, ids, 4, 7)
    lib = TBPTTBatches(ids, 4, 7)
    assert len(got) == len(lib), f"number of windows: expected {len(lib)}, got {len(got)}"
    for k, ((x, y), (wx, wy)) in enumerate(zip(got, lib)):
        assert_equal(np.asarray(x), wx, name=f"x of window {k} (B=4, T=7)")
        assert_equal(np.asarray(y), wy, name=f"y of window {k} (B=4, T=7)")
    assert np.asarray(got[0][0]).dtype == np.int64, "ids should be int64"


# ---- 3.9 ----------------------------------------------------------------------------------------
def _model(seed=0):
    tg.manual_seed(seed)
    return CharLM(11, emb=4, hidden=6, layers=1, cell="lstm")


def _check_first_loss(loss, logits, y, k=0):
    """The loss of window 0 (no state yet) from the reference logits (T, B, V), naming untransposed targets."""
    import tinygrad_lm.functional as F
    flat = logits.reshape(-1, 11)
    want = float(F.cross_entropy(flat, y.T.reshape(-1)).item())
    if not isinstance(loss, float):
        return
    if not np.isclose(loss, want, atol=1e-5) and np.isclose(loss, float(F.cross_entropy(flat, y.reshape(-1)).item()),
                                                              atol=1e-5):
        _mistake(f"tbptt_step: the loss of window {k} pairs the time-major logits (T, B) with y (B, T) "
                 f"untransposed: transpose the targets too",
                 "logits, state = model(x.T, state); loss = F.cross_entropy(logits.reshape(-1, V), y.T.reshape(-1))")
    assert_close(loss, want, atol=1e-5, name=f"loss of window {k} (no state yet)",
                 hint="the logits at (t, b) must meet the target y[b, t] (transpose x AND y, or neither), and the "
                      "loss is the MEAN cross-entropy over all B*T positions")


@pytest.mark.task("3.9", points=4, title="TBPTT step: carry and detach the state")
def test_step_returns_detached_carried_state():
    ids = np.random.default_rng(1).integers(0, 11, size=200)
    batches = TBPTTBatches(ids, 3, 5)                  # the library's batches: 3.9 does not need 3.8
    m = _model()
    opt = SGD(m.parameters(), lr=0.1)
    x, y = batches[0]
    ref_logits, _ = _model()(x.T, None)                # the same weights as m before its step: (T, B, V)
    loss, state = mod.tbptt_step(m, x, y, None, opt)
    assert isinstance(loss, float), f"tbptt_step must return the loss as a Python float, got {type(loss).__name__}"
    _check_first_loss(loss, ref_logits, y)
    assert isinstance(state, tuple) and len(state) == 2, "an LSTM's state is the tuple (h, c)"
    for name, s in zip(("h", "c"), state):
        assert s.shape == (1, 3, 6), f"state {name}: expected shape (layers, B, H) = (1, 3, 6), got {s.shape}"
        detached = bool(not s.requires_grad and s.is_leaf)
        assert detached, (
            f"state {name} is still attached to the graph: detach it, or the next backward() runs through "
            f"every earlier window")
        nonzero = bool(np.abs(s.data).sum() > 0)
        assert nonzero, f"state {name} is all zeros: return the model's new state, not a reset one"


@pytest.mark.task("3.9", points=4)
def test_three_windows_equal_a_reference_loop():
    """Your step and a reference loop, in lockstep: loss, then parameters, then state, window by window."""
    import tinygrad_lm.functional as F
    from tinygrad_lm.optim import clip_grad_norm_
    ids = np.random.default_rng(2).integers(0, 11, size=300)
    max_norm = 0.2                                    # small enough that clipping changes every step
    ref, m = _model(), _model()
    ref_opt, opt = SGD(ref.parameters(), lr=0.5), SGD(m.parameters(), lr=0.5)
    ref_state = state = None
    for k, (x, y) in enumerate(list(TBPTTBatches(ids, 2, 6))[:3]):
        logits, ref_state = ref(x.T, ref_state)
        ref_loss = F.cross_entropy(logits.reshape(-1, 11), y.T.reshape(-1))
        ref_opt.zero_grad()
        ref_loss.backward()
        norm = clip_grad_norm_(list(ref.parameters()), max_norm)
        assert float(norm) > max_norm, "test setup: the gradient norm should exceed max_norm"
        ref_opt.step()
        ref_state = tuple(s.detach() for s in ref_state)

        loss, state = mod.tbptt_step(m, x, y, state, opt, max_norm=max_norm)
        if k == 0:
            _check_first_loss(loss, logits, y)
            hint = ("no state is involved yet: the logits at (t, b) must meet the target y[b, t] (transpose x "
                    "AND y, or neither), and the loss is the MEAN cross-entropy over all B*T positions")
        else:
            hint = ("window 0 was right: window k must start from the state returned for window k-1 (pass the "
                    "state you were given to the model)")
        assert_close(loss, ref_loss.item(), atol=1e-5, name=f"loss of window {k}", hint=hint)
        for (n, p), q in zip(m.named_parameters(), ref.parameters()):
            assert_close(p.data, q.data, atol=1e-5, name=f"parameter {n} after the step on window {k}",
                         hint=f"the loss agrees but the update does not: zero_grad, backward, "
                              f"clip_grad_norm_(params, max_norm) (here max_norm={max_norm}), step: in that order")
        for name, s, r in zip(("h", "c"), state, ref_state):
            assert_close(s.data, r.data, atol=1e-5, name=f"state {name} returned for window {k}",
                         hint="return the state the model produced on THIS window (detached), not the one you got")
