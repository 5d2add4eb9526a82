"""Classification metrics (values checked by hand / against scikit-learn's documented conventions)."""
import numpy as np
import pytest

from tinygrad_lm.metrics import (accuracy, classification_report, confusion_matrix, cross_validate, f1_score,
                                 format_confusion_matrix, kfold_indices, precision_recall_f1)

Y_TRUE = [0, 0, 0, 1, 1, 2, 2, 2, 2]
Y_PRED = [0, 1, 0, 1, 2, 2, 2, 0, 2]


def test_accuracy_and_confusion():
    assert accuracy(Y_TRUE, Y_PRED) == pytest.approx(6 / 9)
    np.testing.assert_array_equal(confusion_matrix(Y_TRUE, Y_PRED), [[2, 1, 0], [0, 1, 1], [1, 0, 3]])
    assert confusion_matrix([0], [0], n_classes=3).shape == (3, 3)
    with pytest.raises(ValueError, match="labels"):
        accuracy([0, 1], [0])


def test_precision_recall_f1():
    p, r, f, s = precision_recall_f1(Y_TRUE, Y_PRED)
    np.testing.assert_allclose(p, [2 / 3, 1 / 2, 3 / 4])
    np.testing.assert_allclose(r, [2 / 3, 1 / 2, 3 / 4])
    np.testing.assert_array_equal(s, [3, 2, 4])
    assert f1_score(Y_TRUE, Y_PRED, "macro") == pytest.approx(np.mean([2 / 3, 1 / 2, 3 / 4]))
    assert f1_score(Y_TRUE, Y_PRED, "micro") == pytest.approx(6 / 9)
    assert f1_score(Y_TRUE, Y_PRED, "weighted") == pytest.approx((3 * 2 / 3 + 2 * 1 / 2 + 4 * 3 / 4) / 9)
    p, r, f, _ = precision_recall_f1([0, 0, 1], [0, 0, 0])           # class 1 never predicted -> 0, not NaN
    assert p[1] == 0 and r[1] == 0 and f[1] == 0
    with pytest.raises(ValueError):
        f1_score(Y_TRUE, Y_PRED, "bogus")


def test_pretty_printing():
    s = format_confusion_matrix(confusion_matrix(Y_TRUE, Y_PRED), ["neg", "neu", "pos"])
    assert "predicted" in s and "neu" in s and len(s.splitlines()) == 5
    rep = classification_report(Y_TRUE, Y_PRED, ["neg", "neu", "pos"])
    assert "macro avg" in rep and "0.6667" in rep


def test_kfold_stratified_and_cv():
    y = np.array([0] * 30 + [1] * 10)
    folds = kfold_indices(40, 5, y=y, seed=0)
    all_test = np.sort(np.concatenate([te for _, te in folds]))
    np.testing.assert_array_equal(all_test, np.arange(40))
    for tr, te in folds:
        assert len(np.intersect1d(tr, te)) == 0 and len(tr) + len(te) == 40
        assert y[te].sum() == 2 and len(te) == 8                      # class balance kept in every fold
    accs = cross_validate(lambda tr, te: y[te], y, k=5)
    np.testing.assert_array_equal(accs, np.ones(5))
    with pytest.raises(ValueError):
        kfold_indices(3, 5)


def test_labels_that_would_be_silently_mangled_raise():
    with pytest.raises(TypeError, match=r"y_pred must be integer class ids .* values like \[0.7, 0.2\].*argmax"):
        accuracy([0, 1], [0.7, 0.2])                       # int() would turn both into class 0
    with pytest.raises(TypeError, match="y_true must be integer class ids"):
        accuracy(["neg", "pos"], [0, 1])
    with pytest.raises(ValueError, match=r"y_pred has labels in \[2, 2\] but n_classes=2"):
        confusion_matrix([0], [2], n_classes=2)             # bincount would count it as cm[1, 0]
    with pytest.raises(ValueError, match="3 labels but y_pred has 2"):
        accuracy([0, 1, 1], [0, 1])
    assert accuracy(np.array([1.0, 0.0]), [1, 1]) == 0.5   # integral float labels are fine
