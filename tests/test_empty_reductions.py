"""An empty reduction raises ValueError naming the op, instead of returning 0 (or NaN) silently."""
import numpy as np
import pytest

import tinygrad_lm.functional as F
from tinygrad_lm import Tensor


def test_cross_entropy_with_no_targets_raises():
    logits = Tensor(np.zeros((2, 3, 5), np.float32), requires_grad=True)
    with pytest.raises(ValueError, match=r"cross_entropy: no targets.*6 targets.*ignore_index=-100"):
        F.cross_entropy(logits, np.full((2, 3), -100))
    with pytest.raises(ValueError, match="cross_entropy: no targets.*0 targets"):
        F.cross_entropy(Tensor(np.zeros((0, 5), np.float32)), np.zeros(0, np.int64))
    with pytest.raises(ValueError, match="ignore_index=7"):
        F.cross_entropy(logits, np.full((2, 3), 7), ignore_index=7)
    # one real target among ignored ones is fine, and equals the loss of that row alone
    t = np.full((2, 3), -100)
    t[1, 2] = 4
    got = F.cross_entropy(logits, t).item()
    assert abs(got - np.log(5)) < 1e-6


@pytest.mark.parametrize("shape,axis", [((0,), None), ((3, 0), 1), ((0, 4), 0), ((2, 0, 3), (0, 1))])
def test_mean_and_var_of_nothing_raise(shape, axis):
    x = Tensor(np.zeros(shape, np.float32), requires_grad=True)
    with pytest.raises(ValueError, match=r"mean\(\) over zero elements"):
        x.mean(axis=axis)
    with pytest.raises(ValueError, match=r"var\(\) over zero elements"):
        x.var(axis=axis)


def test_empty_output_and_sums_still_work():
    x = Tensor(np.zeros((3, 0), np.float32), requires_grad=True)
    assert x.mean(axis=0).shape == (0,)                # averaging 3 values for each of 0 columns
    assert x.sum().item() == 0.0                        # the sum of nothing is 0: well defined
