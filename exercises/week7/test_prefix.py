"""Week 7 autograder: the prefix-captioning input (7.12), against tinygrad_lm/models/captioner.py."""
import numpy as np
import pytest

from tinygrad_lm.course import assert_close, assert_equal, load
from tinygrad_lm.models.captioner import prefix_inputs as library_prefix
from tinygrad_lm.tensor import Tensor

mod = load("week7.prefix")


@pytest.mark.task("7.12", points=2, title="prefix_inputs: prefix + token embeddings, shifted labels")
def test_prefix_inputs():
    ids = np.array([[1, 5, 2, 0]])
    x, labels = mod.prefix_inputs(np.zeros((1, 2, 3)), np.ones((1, 4, 3)), ids, 0)
    labels = np.asarray(labels)
    if labels.shape == (1, 6) and np.array_equal(labels[0, 2:], [1, 5, 2, -100]):
        pytest.fail("the labels are the ids themselves: position k + i must predict the NEXT token, ids[i + 1]")
    if labels.shape == (1, 6) and labels[0, 1] == 1:
        pytest.fail("the last prefix position has label <bos>: <bos> is always given, label it -100")
    if labels.shape == (1, 6) and (labels == 0).any():
        pytest.fail("padding is a label: set -100 where the label is <pad> (the cross-entropy ignores -100)")
    assert_equal(labels.tolist(), [[-100, -100, 5, 2, -100, -100]], name="labels for k=2, ids [<bos> w <eos> <pad>]")
    assert_close(np.asarray(x).shape, (1, 6, 3), name="x.shape", hint="(B, k + T, C): prefix first, then tokens")
    rng = np.random.default_rng(0)
    for B, k, T, C in ((3, 4, 7, 5), (2, 1, 12, 8)):
        prefix, emb = rng.normal(size=(B, k, C)), rng.normal(size=(B, T, C))
        ids = rng.integers(3, 20, size=(B, T))
        ids[:, 0] = 1
        for i in range(B):
            n = int(rng.integers(2, T))
            ids[i, n] = 2
            ids[i, n + 1:] = 0
        wx, wl = library_prefix(Tensor(prefix), Tensor(emb), ids, 0)
        x, labels = mod.prefix_inputs(prefix, emb, ids, 0)
        assert_close(np.asarray(x), wx.data, atol=1e-12, name=f"x for B={B}, k={k}, T={T}")
        assert_equal(np.asarray(labels).tolist(), wl.tolist(), name=f"labels for B={B}, k={k}, T={T}")
    with pytest.raises(ValueError):
        mod.prefix_inputs(np.zeros((1, 2, 3)), np.zeros((1, 4, 5)), np.ones((1, 4), int), 0)
