"""Week 1 autograder: accuracy, confusion matrix, F1 (1.10)."""
import numpy as np
import pytest

from tinygrad_lm import metrics as ref
from tinygrad_lm.course import assert_close, assert_equal, load

mod = load("week1.metrics")


@pytest.mark.task("1.10", points=2, title="accuracy, confusion matrix, F1")
def test_small():
    assert_close(mod.accuracy([0, 1, 1, 2], [0, 1, 0, 2]), 0.75, name="accuracy")
    assert_equal(np.asarray(mod.confusion_matrix([0, 0, 1], [0, 1, 1], 2)).tolist(), [[1, 1], [0, 1]],
                 name="confusion_matrix", hint="rows = true class, columns = predicted class")
    p, r, f, macro = mod.f1_scores([0, 0, 1, 1], [0, 1, 1, 1], 2)
    assert_close(p, [1, 2 / 3], name="precision", hint="TP / column sum of the confusion matrix")
    assert_close(r, [1 / 2, 1], name="recall", hint="TP / row sum")
    assert_close(f, [2 / 3, 4 / 5], name="f1")
    assert_close(macro, (2 / 3 + 4 / 5) / 2, name="macro_f1")


@pytest.mark.task("1.10", points=2, title="accuracy, confusion matrix, F1")
def test_random_three_class_and_zero_division():
    rng = np.random.default_rng(0)
    yt, yp = rng.integers(0, 3, 200), rng.integers(0, 3, 200)
    assert_equal(np.asarray(mod.confusion_matrix(yt, yp, 3)).tolist(), ref.confusion_matrix(yt, yp, 3).tolist(),
                 name="confusion_matrix (200 random labels, K=3)")
    p, r, f, macro = mod.f1_scores(yt, yp, 3)
    rp, rr, rf, _ = ref.precision_recall_f1(yt, yp, None, 3)
    assert_close(f, rf, name="per-class f1 (200 random labels, K=3)",
                 hint="precision = cm[k, k] / column sum (predicted k), recall = cm[k, k] / row sum (true k), "
                      "f1 = 2 p r / (p + r)")
    assert_close(macro, ref.f1_score(yt, yp, "macro", 3), name="macro f1 (200 random labels, K=3)",
                 hint="macro = the plain mean of the K per-class F1 scores (every class weighs the same, "
                      "not weighted by support)")
    p, r, f, macro = mod.f1_scores([0, 0, 1], [0, 0, 0], 3)
    assert not np.isnan(np.asarray(f)).any(), f"f1 contains NaN: {f}; hint: define 0/0 as 0"
    assert_close(f, [0.8, 0, 0], name="f1 when classes 1 and 2 are never predicted",
                 hint="a class never predicted has precision 0/0 := 0 (scikit-learn's zero_division=0), so F1 = 0")
