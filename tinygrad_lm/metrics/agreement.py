"""Inter-annotator agreement: Cohen's kappa (two annotators) and Fleiss' kappa (many) (week 6).

Handles: Cohen's kappa, unweighted or with linear / quadratic disagreement weights, over any hashable
labels (ints, strings), equal to scikit-learn's cohen_kappa_score; Fleiss' kappa from an (items x
categories) count table, equal to statsmodels' fleiss_kappa(method="fleiss"); building that table
from raw labels, like statsmodels' aggregate_raters.

Does not handle: sample weights, missing labels (drop those items first), standard errors or tests
for kappa, Krippendorff's alpha, Randolph's free-marginal kappa.

Legend: N items, K categories, R annotators (raters).
Kappa reads as "agreement beyond chance": 1 = perfect, 0 = what chance gives, < 0 = worse than chance.
"""
import warnings

import numpy as np


def _label_ids(a, b, labels):
    """Map both annotators' labels to ids 0..K-1 in the order of `labels` (sorted union if None).

    Returns (ia, ib, K) with ia, ib int64 (N',) where N' <= N: an item whose label (from either
    annotator) is not in `labels` is dropped, as scikit-learn's confusion_matrix does.
    """
    a, b = np.asarray(a).ravel(), np.asarray(b).ravel()
    if a.shape != b.shape:
        raise ValueError(f"the two annotators labelled a different number of items: {a.shape[0]} vs "
                         f"{b.shape[0]} (kappa compares the labels the two gave to the SAME items, in order)")
    if a.size == 0:
        raise ValueError("no items: cohen_kappa needs at least one item labelled by both annotators")
    if labels is None:
        try:
            uniq, inv = np.unique(np.concatenate([a, b]), return_inverse=True)
        except TypeError as e:
            raise TypeError(f"labels of mixed types cannot be sorted ({e}); give labels=[...] explicitly") from None
        inv = inv.ravel()
        return inv[:a.size].astype(np.int64), inv[a.size:].astype(np.int64), len(uniq)
    labels = list(np.asarray(labels).ravel().tolist())
    if not labels:
        raise ValueError("labels=[] is empty: give the categories to use, or labels=None for all that occur")
    if len(set(labels)) != len(labels):
        raise ValueError(f"labels must be unique, got {labels}")
    index = {lab: i for i, lab in enumerate(labels)}
    K = len(labels)
    ia = np.array([index.get(x, -1) for x in a.tolist()], dtype=np.int64)
    ib = np.array([index.get(x, -1) for x in b.tolist()], dtype=np.int64)
    if not np.any(ia >= 0):
        raise ValueError(f"none of labels={labels} occurs in the first annotator's labels (scikit-learn "
                         "refuses this case too: at least one label must be used by annotator a)")
    keep = (ia >= 0) & (ib >= 0)
    return ia[keep], ib[keep], K


def cohen_kappa(a, b, weights=None, labels=None) -> float:
    """Cohen's kappa between annotator a and annotator b (same items, same order).

        C[i, j] = number of items a labelled i and b labelled j            (K, K)
        E       = outer(colsum(C), rowsum(C)) / sum(C)                      (K, K) chance counts
        W[i, j] = 1 - [i == j]   (weights=None)                             (K, K) disagreement
                = |i - j|        (weights="linear")
                = (i - j)^2      (weights="quadratic")
        kappa   = 1 - sum(W * C) / sum(W * E)

    With weights=None this is the textbook (p_o - p_e) / (1 - p_e), p_o = observed agreement and
    p_e = sum_k p_a(k) p_b(k). Weighted kappa needs ORDERED labels (e.g. a 1-5 rating scale): the
    distance i - j is taken between positions in `labels` (sorted order if labels=None).

    labels: the categories and their order; items whose label is not in it are ignored.
    Returns nan (with a warning), like scikit-learn, when kappa is undefined: no item is left, or
    chance agreement is already perfect (both annotators used one and the same label throughout).
    """
    if weights not in (None, "linear", "quadratic"):
        raise ValueError(f"weights must be None, 'linear' or 'quadratic', got {weights!r}")
    ia, ib, K = _label_ids(a, b, labels)
    C = np.bincount(ia * K + ib, minlength=K * K).reshape(K, K).astype(np.float64)  # (K, K)
    total = C.sum()
    if total == 0:
        warnings.warn("cohen_kappa is undefined: no item has both labels in `labels`; returning nan",
                      RuntimeWarning, stacklevel=2)
        return float("nan")
    E = np.outer(C.sum(axis=0), C.sum(axis=1)) / total                                # (K, K)
    pos = np.zeros((K, K)) + np.arange(K)                                             # pos[i, j] = j
    if weights is None:
        W = 1.0 - np.eye(K)
    elif weights == "linear":
        W = np.abs(pos - pos.T)
    else:
        W = (pos - pos.T) ** 2
    den = np.sum(W * E)
    if den == 0:
        warnings.warn("cohen_kappa is undefined: chance agreement is perfect (both annotators used a single, "
                      "identical label); returning nan", RuntimeWarning, stacklevel=2)
        return float("nan")
    return float(1.0 - np.sum(W * C) / den)


def aggregate_raters(labels, n_categories: int = None):
    """Turn raw labels (N items, R raters) into the (N, K) count table fleiss_kappa wants.

    table[i, k] = how many raters put item i in category k. Returns (table int64 (N, K), categories).
    n_categories=None: categories are the sorted distinct labels seen (any sortable type).
    n_categories=K: labels must already be ints 0..K-1; unused categories get zero columns.
    Per-annotator lists l1, l2, l3 (one label per item each) become (N, R) with np.column_stack.
    """
    data = np.asarray(labels)
    if data.ndim != 2:
        raise ValueError(f"labels must be 2-D (N items, R raters), got shape {data.shape}; per-annotator lists "
                         "become that with np.column_stack([labels_rater1, labels_rater2, ...])")
    N, R = data.shape
    if n_categories is None:
        categories, ids = np.unique(data.ravel(), return_inverse=True)
        ids = ids.reshape(N, R)
        K = len(categories)
    else:
        K = int(n_categories)
        if data.size and (data.dtype.kind not in "iu" or data.min() < 0 or data.max() >= K):
            raise ValueError(f"with n_categories={K} the labels must be ints in [0, {K}), got dtype {data.dtype}"
                             f" and values like {np.unique(data.ravel())[:5].tolist()}; use n_categories=None "
                             "to map arbitrary labels")
        categories, ids = np.arange(K), data.astype(np.int64)
    rows = np.repeat(np.arange(N), R)                                                 # (N*R,)
    table = np.bincount(rows * K + ids.ravel(), minlength=N * K).reshape(N, K)        # (N, K)
    return table.astype(np.int64), categories


def fleiss_kappa(table) -> float:
    """Fleiss' kappa from a count table (N items, K categories); every item rated by the same n raters.

        n     = sum_k table[i, k]  (the same for every item i)
        P_i   = (sum_k table[i, k]^2 - n) / (n (n - 1))    agreeing rater pairs / all pairs, item i
        P_bar = mean_i P_i                                  observed agreement
        p_k   = sum_i table[i, k] / (N n)                   share of all ratings in category k
        P_e   = sum_k p_k^2                                 chance agreement
        kappa = (P_bar - P_e) / (1 - P_e)

    The raters need not be the same people for every item (Fleiss 1971); with two raters this is
    Scott's pi, not Cohen's kappa (it pools the two raters' label distributions).
    Returns nan (with a warning) when P_e = 1: every rating fell in one category.
    """
    t = np.asarray(table, dtype=np.float64)
    if t.ndim != 2 or t.shape[0] == 0 or t.shape[1] == 0:
        raise ValueError(f"table must be 2-D (N items, K categories) and non-empty, got shape {t.shape}; "
                         "build it from raw labels with aggregate_raters(labels)")
    if np.any(t < 0) or np.any(t != np.round(t)):
        raise ValueError("table must hold non-negative integer counts (raters per item and category)")
    per_item = t.sum(axis=1)                                                          # (N,)
    n = per_item.max()
    if np.any(per_item != n):
        bad = int(np.argmax(per_item != n))
        raise ValueError(f"every item must be rated by the same number of raters: item {bad} has "
                         f"{per_item[bad]:g}, the most is {n:g} (drop or complete unevenly rated items)")
    if n < 2:
        raise ValueError(f"each item needs at least 2 ratings for agreement, got {n:g}")
    p_cat = t.sum(axis=0) / t.sum()                                                   # (K,)
    P_i = ((t * t).sum(axis=1) - n) / (n * (n - 1.0))                                 # (N,)
    P_bar, P_e = P_i.mean(), (p_cat * p_cat).sum()
    if P_e == 1:
        warnings.warn("fleiss_kappa is undefined: every rating is in one category (chance agreement is 1); "
                      "returning nan", RuntimeWarning, stacklevel=2)
        return float("nan")
    return float((P_bar - P_e) / (1 - P_e))
