# Generated from solutions/week1/metrics.py by `tglm course build`: fill in the parts that raise NotImplementedError.
# Your edits are safe: the build refuses to overwrite this file unless --force; the reference is solutions/week1/metrics.py.
"""Week 1, part 5: measuring a classifier.

Task 1.10: accuracy, confusion matrix, per-class and macro-averaged F1.
The library version is tinygrad_lm/metrics/classification.py (also micro/weighted averages, k-fold CV).
Labels are int class indices 0..K-1.
"""
import numpy as np


def accuracy(y_true, y_pred) -> float:
    """Task 1.10: the fraction of predictions that equal the label (a Python float)."""
    raise NotImplementedError("Week 1, task 1.10: the fraction of predictions that equal the label (a Python float).")


def confusion_matrix(y_true, y_pred, n_classes: int):
    """Task 1.10: cm (K, K) int64 with cm[i, j] = number of examples of TRUE class i PREDICTED as j.

    EXAMPLE: y_true [0, 0, 1], y_pred [0, 1, 1], K=2 -> [[1, 1], [0, 1]]
    HINT: np.add.at(cm, (y_true, y_pred), 1), or np.bincount(y_true * K + y_pred, minlength=K*K).
    """
    raise NotImplementedError("Week 1, task 1.10: cm (K, K) int64 with cm[i, j] = number of examples of TRUE class i PREDICTED as j.")


def f1_scores(y_true, y_pred, n_classes: int):
    """Task 1.10: per-class precision, recall, F1 and the macro-F1.

    TODO: return (precision (K,), recall (K,), f1 (K,), macro_f1 float) where for class k
        precision = TP / (TP + FP)  (of the examples predicted k, the fraction truly k)
        recall    = TP / (TP + FN)  (of the examples truly k, the fraction predicted k)
        f1        = 2 * precision * recall / (precision + recall)
        macro_f1  = the unweighted mean of f1 over classes
    Any 0/0 is defined as 0 (scikit-learn's convention), never NaN.

    APPROACH: stuck? `tglm hint 1.10` shows the approach one step at a time.

    EXAMPLE: y_true [0, 0, 1, 1], y_pred [0, 1, 1, 1]: precision [1, 2/3], recall [1/2, 1],
             f1 [2/3, 4/5], macro_f1 = 0.7333
    """
    raise NotImplementedError("Week 1, task 1.10: per-class precision, recall, F1 and the macro-F1.")
