"""Week 6 autograder: Bradley-Terry ratings by gradient ascent (task 6.11), compared with
tinygrad_lm/metrics/ratings.py (Newton's method; = the Chatbot Arena notebook's compute_mle_elo)."""
import math

import numpy as np
import pytest

from tinygrad_lm.course import assert_close, load
from tinygrad_lm.metrics import bradley_terry as library_bt

mod = load("week6.ratings")


def _battles(strengths, n, tie_rate, seed):
    rng = np.random.default_rng(seed)
    names = [f"model-{i}" for i in range(len(strengths))]
    out = []
    for _ in range(n):
        i, j = rng.choice(len(names), size=2, replace=False)
        p = 1 / (1 + 10 ** ((strengths[j] - strengths[i]) / 400))
        u = rng.random()
        out.append((names[i], names[j], "tie" if u < tie_rate else ("model_a" if rng.random() < p else "model_b")))
    return out


@pytest.mark.task("6.11", points=3, title="bradley_terry: ratings by gradient ascent")
def test_two_models():
    got = np.asarray(mod.bradley_terry([[0, 3], [1, 0]]), dtype=np.float64)
    if got.shape == (2,) and got[0] < got[1]:
        pytest.fail(f"bradley_terry ranks the model that won 3 of 4 games lower ({got}): the gradient is "
                    "observed wins minus expected wins, (W - N * P).sum(axis=1)")
    d = 400 * math.log10(3)
    assert_close(got, [1000 + d / 2, 1000 - d / 2], atol=1e-4, name="ratings of W = [[0, 3], [1, 0]]",
                 hint="P(0 beats 1) = 3/4 at the optimum: R_0 - R_1 = 400 log10 3; the mean stays 1000")
    got = np.asarray(mod.bradley_terry([[0, 3], [1, 0]], scale=1, base=math.e, init_rating=0))
    assert_close(got, [math.log(3) / 2, -math.log(3) / 2], atol=1e-6, name="scale=1, base=e, init_rating=0",
                 hint="P(i beats j) = sigmoid(c (beta_i - beta_j)) with c = ln(base); R = scale * beta + init_rating")


@pytest.mark.task("6.11", points=3)
def test_equals_newton_on_random_arenas():
    for k, (strengths, n, tie_rate) in enumerate([([0, 100, 250], 120, 0.0), ([0, -50, 80, 300, 120], 600, 0.2),
                                                  ([0, 0, 0, 0], 200, 0.3), ([400, 0, -200, 100, 50, 10], 900, 0.1)]):
        battles = _battles(strengths, n, tie_rate, seed=k)
        models, W = mod.win_matrix(battles)
        got = np.asarray(mod.bradley_terry(W), dtype=np.float64)
        want = library_bt(battles)
        assert_close(got, [want[m] for m in models], atol=1e-3, rtol=0,
                     name=f"arena {k}: {len(models)} models, {n} battles, {tie_rate:.0%} ties",
                     hint="beta += lr * g until max |lr * g| < tol; g = c (W - N * P).sum(axis=1), N = W + W.T")
        assert_close(float(got.mean()), 1000.0, atol=1e-6, name=f"arena {k}: mean rating",
                     hint="start from beta = 0: the gradient sums to 0, so the mean rating stays init_rating")
