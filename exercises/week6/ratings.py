# Generated from solutions/week6/ratings.py by `tglm course build`: fill in the parts that raise NotImplementedError.
# Your edits are safe: the build refuses to overwrite this file unless --force; the reference is solutions/week6/ratings.py.
"""Week 6: ratings from pairwise battles, the Bradley-Terry model (Chatbot Arena, Chiang et al. 2024).

Judges see two anonymous answers and pick the better one (or call a tie). Many such battles between
M models become one rating per model with the Bradley-Terry model: each model i has a strength
beta_i, and
    P(i beats j) = sigmoid(c (beta_i - beta_j)) = 1 / (1 + base^((R_j - R_i) / scale))
    with R_i = scale x beta_i + init_rating,  c = ln(base)     (Arena: base 10, scale 400, init 1000)
so a 400-point gap means 10:1 odds, as in chess's Elo scale.

Fit beta by maximum likelihood. With W[i, j] = wins of i over j (a tie counts half a win for each
side) and N = W + W^T the games between each pair:
    l(beta)  = sum_ij W_ij ln sigmoid(c (beta_i - beta_j))
    g_i      = dl / dbeta_i = c sum_j (W_ij - N_ij P_ij),      P_ij = sigmoid(c (beta_i - beta_j))
(wins minus expected wins). The likelihood is concave: plain gradient ascent beta <- beta + lr g
climbs to the maximum. lr = 1 / (c^2 / 2 x max_i sum_j N_ij) is safe: sigmoid' <= 1/4 and the
curvature is at most c^2 / 4 x 2 max_i sum_j N_ij. Shifting every beta by the same amount changes no
probability; sum_i g_i = 0, so starting from beta = 0 keeps sum(beta) = 0 and the ratings average
init_rating. Unlike online Elo, the order of the battles does not matter.

The maximum exists only if no group of models always won against the rest (else its gap -> infinity).
Legend: M models, n battles.
Library version (Newton's method, the same answer in ~10 steps; online Elo; bootstrap intervals;
the check that the maximum exists), equal to the Arena notebook's compute_mle_elo:
tinygrad_lm/metrics/ratings.py. Not here: bootstrap intervals, anchoring, ties as their own outcome.
"""
import math

import numpy as np

from tinygrad_lm.metrics.ratings import parse_battles


def win_matrix(battles):
    """(models, W (M, M)) from (model_a, model_b, winner) triples, winner "model_a" / "model_b" / "tie":
    W[i, j] = wins of model i over model j, a tie adding 0.5 to both W[i, j] and W[j, i].
    Models are numbered in order of first appearance (the model_a column first)."""
    models, a, b, s = parse_battles(battles)                  # s: model_a's score 1 / 0 / 0.5
    M = len(models)
    W = np.zeros((M, M), dtype=np.float64)                     # (M, M)
    np.add.at(W, (a, b), s)
    np.add.at(W, (b, a), 1.0 - s)
    return models, W


def bradley_terry(W, scale=400, base=10, init_rating=1000, tol=1e-10, max_iter=200_000):
    """Task 6.11: Bradley-Terry ratings (M,) by gradient ascent on the log-likelihood.

    TODO: W (M, M) win counts as in win_matrix. Starting from beta = 0, repeat
        P = sigmoid(c (beta_i - beta_j)) (M, M);  g = c (W - N * P).sum(axis=1);  beta += lr * g
    with c = ln(base), N = W + W.T, lr = 1 / (c^2 / 2 * max_i sum_j N_ij), until max |lr * g| < tol
    (or max_iter steps). Return scale * beta + init_rating as a float array (M,).

    APPROACH: stuck? `tglm hint 6.11` shows the approach one step at a time.

    EXAMPLE: two models, W = [[0, 3], [1, 0]] (model 0 beat model 1 three times and lost once):
             at the optimum P(0 beats 1) = 3/4, so R_0 - R_1 = 400 log10(3) = 190.85 and the ratings
             are (1095.42, 904.58).

    HINT: the gradient is (observed wins) - (expected wins): W - N * P, not W.T - N * P (that sign
    flip ranks the models upside down). A learning rate much larger than the bound can oscillate and
    never converge.
    """
    W = np.asarray(W, dtype=np.float64)                       # (M, M)
    raise NotImplementedError("Week 6, task 6.11: Bradley-Terry ratings (M,) by gradient ascent on the log-likelihood.")
