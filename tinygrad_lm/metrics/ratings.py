"""Ratings from pairwise battles, as Chatbot Arena's published analysis notebook computes them (week 6).

Handles: online Elo (compute_online_elo: K=4, SCALE=400, BASE=10, INIT_RATING=1000, battles in
order, a tie is half a win for each side); Bradley-Terry ratings by maximum likelihood (the
notebook's compute_mle_elo: logistic regression without intercept or penalty, a decisive battle
counted twice and a tie once each way, rating = SCALE * coef + INIT_RATING, coefficients summing to
zero as L-BFGS started at zero leaves them), fitted here by Newton's method instead of scikit-learn;
a gradient-ascent twin for reading; bootstrap intervals by resampling battles.

Does not handle: style control or other covariates, per-battle weights, the Rao-Kupper / Davidson
tie models (a tie is just half a win), anchoring to several models at once.

Battles: an iterable of (model_a, model_b, winner) with winner one of "model_a", "model_b", "tie",
"tie (bothbad)" (the notebook's vocabulary). Legend: M models, n battles.
"""
import math
from dataclasses import dataclass

import numpy as np

OUTCOME = {"model_a": 1.0, "model_b": 0.0, "tie": 0.5, "tie (bothbad)": 0.5}   # score of model_a


def parse_battles(battles):
    """Battles -> (models, a (n,), b (n,), s (n,)): model ids and model_a's score 1 / 0 / 0.5.

    Model ids follow the notebook's order: first appearance in the model_a column, then model_b.
    """
    rows = list(battles)
    if not rows:
        raise ValueError("no battles: give a list of (model_a, model_b, winner) triples")
    for i, row in enumerate(rows):
        if isinstance(row, str) or len(row) != 3:
            raise ValueError(f"battle {i} is {row!r}: each battle must be a (model_a, model_b, winner) triple")
        if row[2] not in OUTCOME:
            raise ValueError(f"battle {i} has winner {row[2]!r}; expected one of {sorted(OUTCOME)}")
        if row[0] == row[1]:
            raise ValueError(f"battle {i} pits {row[0]!r} against itself; drop self-battles first")
    models = list(dict.fromkeys([r[0] for r in rows] + [r[1] for r in rows]))
    index = {m: i for i, m in enumerate(models)}
    a = np.array([index[r[0]] for r in rows], dtype=np.int64)                # (n,)
    b = np.array([index[r[1]] for r in rows], dtype=np.int64)                # (n,)
    s = np.array([OUTCOME[r[2]] for r in rows], dtype=np.float64)            # (n,)
    return models, a, b, s


def _sorted(models, values) -> dict:
    """{model: rating}, highest first (the notebook sorts its tables the same way)."""
    order = sorted(range(len(models)), key=lambda i: -values[i])
    return {models[i]: float(values[i]) for i in order}


def _anchor(ratings: np.ndarray, models, anchor, anchor_rating):
    if anchor is None:
        return ratings
    if anchor not in models:
        raise ValueError(f"anchor model {anchor!r} does not appear in the battles (models: {models[:10]}...)")
    return ratings + (anchor_rating - ratings[models.index(anchor)])


def online_elo(battles, k: float = 4, scale: float = 400, base: float = 10, init_rating: float = 1000,
               anchor=None, anchor_rating: float = None) -> dict:
    """Online Elo: visit battles in order and nudge the two ratings towards the result.

        E_a = 1 / (1 + base^((R_b - R_a) / scale)),   E_b = 1 / (1 + base^((R_a - R_b) / scale))
        R_a += k (S_a - E_a),   R_b += k (1 - S_a - E_b)        S_a = 1 win, 0 loss, 0.5 tie
    Same float operations as the notebook's compute_online_elo, so the results are bit-identical.
    The order of battles matters (recent battles weigh more); bradley_terry does not have that flaw.
    anchor: shift all ratings so that this model has anchor_rating (default init_rating). The notebook's
    "calibrate llama-13b to 800" shifts only models seen as model_a; we shift every model.
    """
    rating = {}
    for i, (ma, mb, winner) in enumerate(battles):
        if winner not in OUTCOME:
            raise ValueError(f"battle {i} has winner {winner!r}; expected one of {sorted(OUTCOME)}")
        ra, rb = rating.setdefault(ma, init_rating), rating.setdefault(mb, init_rating)
        ea = 1 / (1 + base ** ((rb - ra) / scale))
        eb = 1 / (1 + base ** ((ra - rb) / scale))
        sa = OUTCOME[winner]                         # 1 win, 0 loss, 0.5 tie
        rating[ma] += k * (sa - ea)
        rating[mb] += k * (1 - sa - eb)
    if not rating:
        raise ValueError("no battles: give a list of (model_a, model_b, winner) triples")
    models = list(rating)
    values = _anchor(np.array([rating[m] for m in models], dtype=np.float64), models, anchor,
                     init_rating if anchor_rating is None else anchor_rating)
    return _sorted(models, values)


def win_counts(a, b, s, M: int) -> np.ndarray:
    """W (M, M): W[i, j] = wins of i over j in the notebook's doubled data (2 per win, 1 per tie).

    The notebook duplicates the battle table: a decisive battle becomes two identical rows, a tie one
    row won by model_a and one won by model_b. Only these counts enter the likelihood.
    """
    wa = 2.0 * s                                     # (n,) doubled wins of model_a: 2, 0 or 1
    W = np.bincount(a * M + b, weights=wa, minlength=M * M)
    W += np.bincount(b * M + a, weights=2.0 - wa, minlength=M * M)
    return W.reshape(M, M)


def _check_mle_exists(W: np.ndarray, models):
    """The MLE is finite iff the 'i beat j' graph is strongly connected: no group of models that never
    lost (or never won) against all the others. Otherwise its ratings run off to +-infinity."""
    M = W.shape[0]
    for edges, unseen_won in ((W > 0, True), ((W > 0).T, False)):
        seen = np.zeros(M, dtype=bool)                   # models reachable from model 0 along edges
        seen[0], frontier = True, [0]
        while frontier:
            nxt = np.flatnonzero(edges[frontier].any(axis=0) & ~seen)
            seen[nxt] = True
            frontier = list(nxt)
        if not seen.all():
            unseen, rest = [models[i] for i in np.flatnonzero(~seen)], [models[i] for i in np.flatnonzero(seen)]
            top, bottom = (unseen, rest) if unseen_won else (rest, unseen)
            raise ValueError(f"Bradley-Terry has no finite maximum-likelihood ratings: {top[:5]} never lost (nor tied) "
                             f"against {bottom[:5]}, so their gap would be infinite (add battles between them, or "
                             "drop the disconnected models)")


def _log_likelihood(beta, W, c):
    """l(beta) = sum_ij W_ij log sigmoid(c (beta_i - beta_j)), c = ln(base)."""
    z = c * (beta[:, None] - beta[None, :])                                  # (M, M)
    return -float(np.sum(W * np.logaddexp(0.0, -z)))


def fit_bradley_terry(W: np.ndarray, c: float, tol: float = 1e-13, max_iter: int = 200) -> np.ndarray:
    """Newton's method for the BT coefficients beta (M,), sum(beta) = 0, from doubled win counts W (M, M).

        P_ij = sigmoid(c (beta_i - beta_j))                   probability that i beats j
        g_i  = c sum_j (W_ij - N_ij P_ij),  N = W + W^T       gradient of the log-likelihood
        L    = c^2 Laplacian(N * P * (1 - P))                 minus the Hessian (M, M), singular along 1
        (L + 11^T / M) step = g                               the 11^T / M term pins sum(step) = 0
    Halving the step while the likelihood would drop keeps it safe far from the optimum.
    """
    M = W.shape[0]
    N = W + W.T                                                              # (M, M) games per pair
    beta, ll = np.zeros(M), _log_likelihood(np.zeros(M), W, c)
    for _ in range(max_iter):
        z = c * (beta[:, None] - beta[None, :])
        P = np.exp(-np.logaddexp(0.0, -z))                                   # (M, M) stable sigmoid
        g = c * np.sum(W - N * P, axis=1)                                    # (M,)
        A = c * c * N * P * (1.0 - P)                                        # (M, M)
        L = np.diag(A.sum(axis=1)) - A
        step = np.linalg.solve(L + 1.0 / M, g)
        t = 1.0
        while t > 1e-8:
            new_ll = _log_likelihood(beta + t * step, W, c)
            if new_ll >= ll - 1e-12 * abs(ll):
                break
            t *= 0.5
        beta, ll = beta + t * step, new_ll
        if np.max(np.abs(t * step)) < tol:
            break
    return beta - beta.mean()


def _prepare(battles, base):
    models, a, b, s = parse_battles(battles)
    W = win_counts(a, b, s, len(models))
    _check_mle_exists(W, models)
    return models, W, math.log(base)


def bradley_terry(battles, scale: float = 400, base: float = 10, init_rating: float = 1000,
                  anchor=None, anchor_rating: float = None) -> dict:
    """Bradley-Terry ratings by maximum likelihood, equal to the notebook's compute_mle_elo.

        P(i beats j) = 1 / (1 + base^((R_j - R_i) / scale)),   R_i = scale * beta_i + init_rating
    Ratings average init_rating (sum beta = 0) unless anchor names a model to put at anchor_rating
    (default init_rating). Unlike online Elo, the order of battles does not matter.
    """
    models, W, c = _prepare(battles, base)
    values = _anchor(scale * fit_bradley_terry(W, c) + init_rating, models, anchor,
                     init_rating if anchor_rating is None else anchor_rating)
    return _sorted(models, values)


def bradley_terry_gradient_ascent(battles, scale: float = 400, base: float = 10, init_rating: float = 1000,
                                  tol: float = 1e-10, max_iter: int = 200_000) -> dict:
    """Teaching twin of bradley_terry: plain gradient ascent on the same log-likelihood (slower, same answer).

        beta <- beta + lr * g,   g_i = c sum_j (W_ij - N_ij sigmoid(c (beta_i - beta_j)))
    lr = 1 / (c^2 / 2 * max_i sum_j N_ij) bounds the curvature (sigmoid' <= 1/4, Laplacian eigenvalues
    <= 2 * max degree), so every step increases the likelihood. g sums to zero, so sum(beta) stays 0.
    """
    # A readable twin for learners; bradley_terry (Newton) is the one to use.
    models, W, c = _prepare(battles, base)
    N = W + W.T
    lr = 1.0 / (c * c / 2.0 * N.sum(axis=1).max())
    beta = np.zeros(len(models))
    for _ in range(max_iter):
        P = 1.0 / (1.0 + np.exp(-c * (beta[:, None] - beta[None, :])))     # (M, M)
        g = c * np.sum(W - N * P, axis=1)                                    # (M,)
        beta += lr * g
        if np.max(np.abs(lr * g)) < tol:
            break
    return _sorted(models, scale * beta + init_rating)


@dataclass
class BootstrapRatings:
    """Bootstrap of Bradley-Terry ratings. samples (rounds, M): nan where a model is absent from a round
    or the round had no finite MLE (counted in failed_rounds). models are sorted by median, highest first."""
    models: list
    samples: np.ndarray
    median: dict
    lower: dict
    upper: dict
    confidence: float
    failed_rounds: int


def bootstrap_bradley_terry(battles, rounds: int = 1000, seed: int = 0, confidence: float = 0.95,
                            scale: float = 400, base: float = 10, init_rating: float = 1000) -> BootstrapRatings:
    """Resample the battles with replacement `rounds` times, refit Bradley-Terry, report percentile intervals.

    As the notebook's get_bootstrap_result(battles, compute_mle_elo, 1000): each round draws n battles
    from the n given; a model missing from a round is nan there (pandas does the same) and the
    quantiles skip nans. lower / upper are the (1 -+ confidence) / 2 quantiles (linear interpolation).
    A round where some group of models never lost has no finite MLE (sklearn would stop at huge
    ratings); we skip it and count it in failed_rounds. More than a few percent means: collect more battles.
    """
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be in (0, 1), e.g. 0.95, got {confidence}")
    if rounds < 1:
        raise ValueError(f"rounds must be >= 1, got {rounds}")
    models, a, b, s = parse_battles(battles)
    M, n, c = len(models), len(a), math.log(base)
    rng = np.random.default_rng(seed)
    samples = np.full((rounds, M), np.nan)
    failed = 0
    for r in range(rounds):
        idx = rng.integers(0, n, size=n)                                    # (n,) battles drawn
        W = win_counts(a[idx], b[idx], s[idx], M)
        present = np.flatnonzero((W + W.T).sum(axis=1) > 0)                  # models that played
        Wp = W[np.ix_(present, present)]
        try:
            _check_mle_exists(Wp, [models[i] for i in present])
        except ValueError:
            failed += 1
            continue
        samples[r, present] = scale * fit_bradley_terry(Wp, c) + init_rating
    if failed == rounds:
        raise ValueError("no bootstrap round had finite Bradley-Terry ratings: some models never lost (or never "
                         "won); collect more battles")
    lo_q, hi_q = (1 - confidence) / 2, (1 + confidence) / 2
    med = np.nanmedian(samples, axis=0)
    order = sorted(range(M), key=lambda i: -med[i])
    pick = lambda v: {models[i]: float(v[i]) for i in order}                 # noqa: E731
    return BootstrapRatings(models=[models[i] for i in order], samples=samples[:, order], median=pick(med),
                            lower=pick(np.nanquantile(samples, lo_q, axis=0)),
                            upper=pick(np.nanquantile(samples, hi_q, axis=0)),
                            confidence=confidence, failed_rounds=failed)
