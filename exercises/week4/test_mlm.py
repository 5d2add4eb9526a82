"""Week 4 autograder, part 2: the masked-LM objective (tasks 4.12-4.13).

Masking is random, so its test checks proportions with 5-sigma binomial bounds on 100,000 positions
(seeded: the same numbers every run). The loss is compared with F.cross_entropy(ignore_index=-100).

Typical mistakes (docs/course/mistakes.md, mutation-tested by tests/test_mutants.py) fail with a first
line that names them; where a mistake shows in only some inputs, every test of the task runs a shared
screen first, so the mistake costs the whole task.
"""
import numpy as np
import pytest

import tinygrad_lm as tg
import tinygrad_lm.functional as F
from tinygrad_lm.course import assert_close, assert_equal, load

mod = load("week4.mlm")


def _within(count, n, p, what, hint=None):
    sd = np.sqrt(n * p * (1 - p))
    if abs(count - n * p) > 5 * sd:
        raise AssertionError(f"{what}: got {count} of {n} ({count / max(n, 1):.3f}), expected about {n * p:.0f} "
                             f"({p:.3f}) +- {5 * sd:.0f}" + (f"\n  hint: {hint}" if hint else ""))


# ---- 4.12 ---------------------------------------------------------------------------------------
@pytest.mark.task("4.12", points=2, title="mask_tokens (BERT 15% / 80-10-10)")
def test_mask_tokens_proportions():
    V, mask_id = 30, 29
    ids = np.random.default_rng(0).integers(0, 29, size=(100, 1000))
    ids_copy = ids.copy()
    inputs, targets = mod.mask_tokens(ids, mask_id, V, np.random.default_rng(1))
    assert np.array_equal(ids, ids_copy), "mask_tokens modified its input ids in place"
    assert_equal((np.asarray(inputs).dtype, np.asarray(targets).dtype), (np.dtype(np.int64),) * 2,
                 name="dtypes of (inputs, targets)")
    picked = targets != -100
    k = int(picked.sum())
    _within(k, ids.size, 0.15, "picked positions (targets != -100)", "rng.random(shape) < mask_prob")
    assert np.array_equal(targets[picked], ids[picked]), "targets must hold the ORIGINAL ids at picked positions"
    assert np.array_equal(inputs[~picked], ids[~picked]), "inputs must be unchanged where nothing is picked"
    _within(int((inputs[picked] == mask_id).sum()), k, 0.8, "picked positions that became [MASK]")
    changed = int(((inputs[picked] != mask_id) & (inputs[picked] != ids[picked])).sum())
    _within(changed, k, 0.1 * 27 / 28, "picked positions replaced by ANOTHER random token",
            "10% of picked positions get a uniformly random non-[MASK] id (1/28 of those hit the original)")
    assert (inputs[picked & (inputs != mask_id)] < 29).all() and (inputs >= 0).all()


@pytest.mark.task("4.12", points=2)
def test_mask_tokens_never_picks_mask_and_uses_rng():
    ids = np.full((10, 100), 4)
    ids[:, ::2] = 7                                    # id 7 is [MASK] here
    inputs, targets = mod.mask_tokens(ids, 7, 8, np.random.default_rng(5), mask_prob=0.5)
    assert (targets[:, ::2] == -100).all(), "positions that already hold [MASK] must never be picked"
    again = mod.mask_tokens(ids, 7, 8, np.random.default_rng(5), mask_prob=0.5)
    assert np.array_equal(inputs, again[0]) and np.array_equal(targets, again[1]), \
        "same seed, different result: draw all randomness from the rng argument"
    none = mod.mask_tokens(ids, 7, 8, np.random.default_rng(5), mask_prob=0.0)
    assert (none[1] == -100).all() and np.array_equal(none[0], ids), "mask_prob=0 must pick nothing"


# ---- 4.13 ---------------------------------------------------------------------------------------
def _check_mean_over_picked(got, want, K, N, what):
    """A loss K/N times the right one is the mean over ALL positions: name it."""
    if K < N and not np.isclose(got, want, atol=1e-5) and np.isclose(got, want * K / N, atol=1e-5):
        raise AssertionError(f"masked_lm_loss ({what}): {got:.5f} is the mean over all N = {N} positions; average "
                             f"over the K = {K} picked positions only (expected {want:.5f})\n"
                             f"  hint: keep = np.flatnonzero(targets != -100); mean over those K rows")


@pytest.mark.task("4.13", points=2, title="masked_lm_loss (loss on picked positions only)")
def test_masked_lm_loss_matches_cross_entropy_with_ignore_index():
    rng = np.random.default_rng(0)
    logits_np = rng.standard_normal((3, 5, 7)).astype(np.float32)
    targets = np.where(rng.random((3, 5)) < 0.4, rng.integers(0, 7, (3, 5)), -100)
    targets[0, 0] = 3
    a = tg.Tensor(logits_np, requires_grad=True)
    loss = mod.masked_lm_loss(a, targets)
    b = tg.Tensor(logits_np, requires_grad=True)
    ref = F.cross_entropy(b.reshape(15, 7), targets.reshape(15), ignore_index=-100)
    _check_mean_over_picked(float(loss.item()), float(ref.item()), int((targets != -100).sum()), 15, "B=3, T=5")
    assert_close(loss.item(), ref.item(), atol=1e-5, name="masked_lm_loss", hint="mean over the picked positions only, not over B*T")
    loss.backward()
    ref.backward()
    assert_close(a.grad, b.grad, atol=1e-6, name="d loss / d logits",
                 hint="unpicked positions must get exactly zero gradient; use Tensor ops throughout")


@pytest.mark.task("4.13", points=2)
def test_masked_lm_loss_example_and_error():
    logits = np.zeros((1, 3, 4), np.float32)
    logits[0, 1] = np.log([0.25, 0.5, 0.125, 0.125])
    logits[0, 0] = [100, -100, 3, 9]                   # unpicked: must not matter
    loss = mod.masked_lm_loss(tg.Tensor(logits), np.array([[-100, 0, -100]]))
    _check_mean_over_picked(float(loss.item()), float(np.log(4)), 1, 3, "one picked position of 3")
    assert_close(loss.item(), np.log(4), atol=1e-5, name="loss with one picked position, p(target) = 0.25")
    with pytest.raises(ValueError):
        mod.masked_lm_loss(tg.Tensor(logits), np.full((1, 3), -100))
