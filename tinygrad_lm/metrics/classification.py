"""Classification metrics and cross-validation splits (week 1).

Handles: accuracy, confusion matrix (rows = true class, columns = predicted class) and its
pretty-print, precision / recall / F1 per class and averaged (macro, micro, weighted), a text
classification report, and stratified or plain k-fold index splits plus a small CV driver.
Conventions follow scikit-learn: a class with no predicted (or no true) examples gets precision
(or recall) 0 instead of NaN; micro-averaged F1 equals accuracy for single-label problems.

Does not handle: multi-label metrics, ROC/AUC, language-model metrics (perplexity, BLEU live with
the weeks that need them).

Legend: N examples, K classes; labels are int class indices 0..K-1.
"""
import numpy as np


def as_class_ids(y, name: str) -> np.ndarray:
    """Labels as int64 (N,); refuses what int() would silently mangle (probabilities, strings)."""
    y = np.asarray(y).ravel()
    if y.dtype.kind in "iub":
        return y.astype(np.int64)
    if y.dtype.kind == "f" and np.all(np.isfinite(y)) and np.all(y == np.round(y)):
        return y.astype(np.int64)                             # 0.0 / 1.0 labels are fine
    bad = y[~np.isfinite(y) | (y != np.round(y))] if y.dtype.kind == "f" else y
    raise TypeError(f"{name} must be integer class ids 0..K-1, got dtype {y.dtype} with values like {bad[:3].tolist()}"
                    " (scores or probabilities? take argmax over classes first; string labels? map them to ids, "
                    "e.g. TextDataset.y())")


def _labels(y_true, y_pred):
    y_true, y_pred = as_class_ids(y_true, "y_true"), as_class_ids(y_pred, "y_pred")
    if y_true.shape != y_pred.shape:
        raise ValueError(f"y_true has {y_true.shape[0]} labels but y_pred has {y_pred.shape[0]}")
    return y_true, y_pred


def accuracy(y_true, y_pred) -> float:
    """Fraction of examples where the prediction equals the label."""
    y_true, y_pred = _labels(y_true, y_pred)
    return float(np.mean(y_true == y_pred)) if len(y_true) else 0.0


def confusion_matrix(y_true, y_pred, n_classes: int = None) -> np.ndarray:
    """(K, K) int64 counts: cm[i, j] = number of examples of true class i predicted as class j."""
    y_true, y_pred = _labels(y_true, y_pred)
    K = n_classes if n_classes is not None else int(max(y_true.max(initial=-1), y_pred.max(initial=-1)) + 1)
    for name, y in (("y_true", y_true), ("y_pred", y_pred)):
        if y.size and (y.min() < 0 or y.max() >= K):
            raise ValueError(f"{name} has labels in [{y.min()}, {y.max()}] but n_classes={K}: class ids must be "
                             f"in [0, {K})")
    return np.bincount(y_true * K + y_pred, minlength=K * K).reshape(K, K).astype(np.int64)


def precision_recall_f1(y_true, y_pred, average=None, n_classes: int = None):
    """Return (precision, recall, f1, support).

    average=None: arrays of shape (K,), one value per class; support = true examples per class.
    average="macro": unweighted mean over classes; "weighted": mean weighted by support;
    "micro": computed from the pooled counts (equals accuracy for single-label data).
    """
    cm = confusion_matrix(y_true, y_pred, n_classes).astype(np.float64)
    tp = np.diag(cm)
    pred_pos, true_pos = cm.sum(axis=0), cm.sum(axis=1)
    if average == "micro":
        p = r = tp.sum() / max(cm.sum(), 1)
        return float(p), float(r), float(p), int(cm.sum())
    prec = np.divide(tp, pred_pos, out=np.zeros_like(tp), where=pred_pos > 0)
    rec = np.divide(tp, true_pos, out=np.zeros_like(tp), where=true_pos > 0)
    f1 = np.divide(2 * prec * rec, prec + rec, out=np.zeros_like(tp), where=(prec + rec) > 0)
    support = true_pos.astype(np.int64)
    if average is None:
        return prec, rec, f1, support
    if average == "macro":
        return float(prec.mean()), float(rec.mean()), float(f1.mean()), int(support.sum())
    if average == "weighted":
        w = support / max(support.sum(), 1)
        return float(prec @ w), float(rec @ w), float(f1 @ w), int(support.sum())
    raise ValueError(f"average must be None, 'macro', 'micro' or 'weighted', got {average!r}")


def f1_score(y_true, y_pred, average="macro", n_classes: int = None):
    return precision_recall_f1(y_true, y_pred, average, n_classes)[2]


def format_confusion_matrix(cm, labels=None) -> str:
    """A text table with true classes as rows and predicted classes as columns."""
    cm = np.asarray(cm)
    labels = [str(l) for l in (labels if labels is not None else range(len(cm)))]
    w = max(max(len(l) for l in labels), len(str(cm.max(initial=0))), 4)
    lines = [" " * (w + 8) + "predicted", " " * (w + 8) + " ".join(f"{l:>{w}}" for l in labels)]
    for i, l in enumerate(labels):
        head = "true " if i == 0 else "     "
        lines.append(f"{head}{l:>{w}} | " + " ".join(f"{v:>{w}d}" for v in cm[i]))
    return "\n".join(lines)


def classification_report(y_true, y_pred, labels) -> str:
    """Per-class precision / recall / F1 / support, then accuracy and macro / weighted averages."""
    p, r, f, s = precision_recall_f1(y_true, y_pred, None, len(labels))
    w = max(12, max(len(str(l)) for l in labels))
    lines = [f"{'':>{w}} {'precision':>9} {'recall':>9} {'f1':>9} {'support':>8}"]
    for i, l in enumerate(labels):
        lines.append(f"{str(l):>{w}} {p[i]:9.4f} {r[i]:9.4f} {f[i]:9.4f} {s[i]:8d}")
    lines.append(f"{'accuracy':>{w}} {'':>9} {'':>9} {accuracy(y_true, y_pred):9.4f} {s.sum():8d}")
    for avg in ("macro", "weighted"):
        ap, ar, af, _ = precision_recall_f1(y_true, y_pred, avg, len(labels))
        lines.append(f"{avg + ' avg':>{w}} {ap:9.4f} {ar:9.4f} {af:9.4f} {s.sum():8d}")
    return "\n".join(lines)


def kfold_indices(n: int, k: int = 10, y=None, shuffle: bool = True, seed: int = 0):
    """Split range(n) into k folds; return a list of (train_idx, test_idx) int64 arrays.

    With y given, folds are stratified: each class is dealt round-robin over the folds, so every
    fold has (almost) the class proportions of the whole set. Folds are disjoint and cover range(n).
    """
    if not 2 <= k <= n:
        raise ValueError(f"need 2 <= k <= n, got k={k}, n={n}")
    rng = np.random.default_rng(seed)
    order = rng.permutation(n) if shuffle else np.arange(n)
    fold_of = np.empty(n, dtype=np.int64)
    if y is None:
        fold_of[order] = np.arange(n) % k
    else:
        y = np.asarray(y)[order]
        for c in np.unique(y):
            members = order[y == c]
            fold_of[members] = (np.arange(len(members)) + int(c)) % k   # offset so small folds rotate
    all_idx = np.arange(n, dtype=np.int64)
    return [(all_idx[fold_of != f], all_idx[fold_of == f]) for f in range(k)]


def cross_validate(fit_predict, y, k: int = 10, seed: int = 0, progress=None):
    """Run k-fold CV. fit_predict(train_idx, test_idx) -> predicted labels for test_idx.

    Returns the per-fold accuracies as a float64 array (k,). `progress` wraps the fold iterator
    (e.g. tqdm) if given.
    """
    y = np.asarray(y)
    folds = kfold_indices(len(y), k, y=y, seed=seed)
    it = progress(folds) if progress is not None else folds
    return np.array([accuracy(y[te], fit_predict(tr, te)) for tr, te in it], dtype=np.float64)
