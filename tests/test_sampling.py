"""tinygrad_lm.generation.sampling on hand-built distributions: temperature, top-k, top-p, greedy, generate."""
import numpy as np
import pytest

from tinygrad_lm import Tensor
from tinygrad_lm.generation.sampling import generate_from_step, probs_from_logits, sample, top_k_filter, top_p_filter


def test_temperature_and_greedy():
    x = np.array([1.0, 2.0, 3.0])
    e = np.exp(x / 0.5 - 6)
    np.testing.assert_allclose(probs_from_logits(x, 0.5), e / e.sum())
    np.testing.assert_array_equal(probs_from_logits(x, 0.0), [0, 0, 1])
    assert sample(x, temperature=0) == 2
    with pytest.raises(ValueError, match="temperature"):
        probs_from_logits(x, -1.0)


def test_top_k_keeps_ties_and_is_batched():
    x = np.array([[2.0, 1.0, 2.0, 0.0], [0.0, 1.0, 2.0, 3.0]])
    f = top_k_filter(x, 1)
    assert np.isinf(f[0, [1, 3]]).all() and np.isfinite(f[0, [0, 2]]).all()
    np.testing.assert_array_equal(np.isfinite(f[1]), [False, False, False, True])
    np.testing.assert_allclose(probs_from_logits(x, 1.0, top_k=2)[1], [0, 0, 1 / (1 + np.e), np.e / (1 + np.e)])
    assert top_k_filter(x, 10) is not None and np.isfinite(top_k_filter(x, 10)).all()


def test_top_p_nucleus():
    p = np.array([0.5, 0.3, 0.15, 0.05])
    keep = np.isfinite(top_p_filter(np.log(p), 0.75))
    np.testing.assert_array_equal(keep, [True, True, False, False])     # 0.5 < 0.75, 0.5 + 0.3 >= 0.75
    keep = np.isfinite(top_p_filter(np.log(p), 0.1))
    np.testing.assert_array_equal(keep, [True, False, False, False])    # the top token is always kept
    np.testing.assert_allclose(probs_from_logits(np.log(p), 1.0, top_p=0.75), [0.625, 0.375, 0, 0])


def test_sample_frequencies_and_tensor_input():
    rng = np.random.default_rng(0)
    logits = Tensor(np.log(np.array([0.6, 0.3, 0.1], dtype=np.float32)))
    draws = [sample(logits, rng=rng) for _ in range(4000)]
    np.testing.assert_allclose(np.bincount(draws, minlength=3) / 4000, [0.6, 0.3, 0.1], atol=0.03)
    batch = sample(np.zeros((5, 7)), rng=rng)
    assert batch.shape == (5,) and batch.dtype == np.int64 and (batch < 7).all()


def test_generate_primes_once_and_feeds_back():
    calls = []

    def step(ids, state):
        calls.append(list(ids))
        logits = np.full(10, -5.0)
        logits[(ids[-1] + 1) % 10] = 5.0
        return logits, state
    out = generate_from_step(step, [1, 2], 3, temperature=0)
    assert out.tolist() == [3, 4, 5]
    assert calls[0] == [1, 2] and all(len(c) == 1 for c in calls[1:])
    with pytest.raises(ValueError, match="prime"):
        generate_from_step(step, [], 3)


def test_bad_arguments_give_clear_errors():
    logits = np.array([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="top_k must be >= 1"):
        sample(logits, top_k=0)
    with pytest.raises(TypeError, match="top_k must be an int"):
        sample(logits, top_k=2.5)
    for p in (0.0, 1.5, -0.1, float("nan")):
        with pytest.raises(ValueError, match=r"top_p must be in \(0, 1\]"):
            sample(logits, top_p=p)
    assert probs_from_logits(logits, top_p=1.0).tolist() == probs_from_logits(logits).tolist()
    with pytest.raises(ValueError, match="contain NaN"):
        sample(np.array([0.0, np.nan, 1.0]))
    with pytest.raises(ValueError, match="every logit of a row is -inf"):
        sample(np.array([-np.inf, -np.inf]))
    for t in (float("nan"), float("inf"), -1.0):
        with pytest.raises(ValueError, match="temperature must be"):
            sample(logits, temperature=t)
    with pytest.raises(TypeError, match="prime_ids must be integer"):
        generate_from_step(lambda ids, s: (logits, s), [1.7], 2)
