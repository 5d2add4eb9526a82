"""Week 5 autograder: one beam-search step (task 5.7)."""
import numpy as np
import pytest

from tinygrad_lm.course import assert_close, assert_equal, load

mod = load("week5.beam")


@pytest.mark.task("5.7", points=2, title="beam_step: extend every beam, keep the best")
def test_first_step_and_scores():
    logp = np.log(np.array([[0.5, 0.3, 0.2], [0.1, 0.1, 0.8]]))
    s, b, t = mod.beam_step([0.0, -np.inf], logp, 2)
    assert_equal(list(map(int, b)), [0, 0], name="beams at the first step (beam 1 is -inf)")
    assert_equal(list(map(int, t)), [0, 1], name="tokens at the first step")
    assert_close(s, np.log([0.5, 0.3]), atol=1e-12, name="scores")
    s, b, t = mod.beam_step([np.log(0.5), np.log(0.1)], np.log([[0.2, 0.8], [0.9, 0.1]]), 2)
    if list(map(int, b)) == [1, 0] and list(map(int, t)) == [0, 1]:
        pytest.fail("you ranked by the next-token log-probability alone: add the beam's own score first")
    assert_equal((list(map(int, b)), list(map(int, t))), ([0, 0], [1, 0]), name="beams, tokens after adding scores",
                 hint="cand = beam_scores[:, None] + next_logprobs, then the best of all K * V")
    assert_close(s, [np.log(0.4), np.log(0.1)], atol=1e-12, name="scores after adding")


@pytest.mark.task("5.7", points=2)
def test_random_against_brute_force_and_ties():
    rng = np.random.default_rng(0)
    for _ in range(20):
        K, V, n = int(rng.integers(1, 5)), int(rng.integers(2, 9)), int(rng.integers(1, 5))
        sc, lp = rng.standard_normal(K), rng.standard_normal((K, V))
        cands = sorted(((sc[k] + lp[k, v], k, v) for k in range(K) for v in range(V)), key=lambda x: (-x[0], x[1], x[2]))
        s, b, t = mod.beam_step(sc, lp, min(n, K * V))
        assert_equal(list(zip(map(int, b), map(int, t))), [(k, v) for _, k, v in cands[:min(n, K * V)]],
                     name=f"beam_step on random scores (K={K}, V={V}, num_beams={n})")
    s, b, t = mod.beam_step([0.0, 0.0], np.zeros((2, 2)), 3)
    assert_equal(list(zip(map(int, b), map(int, t))), [(0, 0), (0, 1), (1, 0)], name="ties",
                 hint="equal scores: the smaller flat index k * V + v first (a stable sort)")
