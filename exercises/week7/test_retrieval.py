"""Week 7 autograder: recall@k (7.13) and zero-shot classification (7.14), against
tinygrad_lm/models/clip.py."""
import numpy as np
import pytest

from tinygrad_lm.course import assert_close, assert_equal, load
from tinygrad_lm.models.clip import recall_at_k as library_recall, zero_shot_classify as library_zero_shot

mod = load("week7.retrieval")


@pytest.mark.task("7.13", points=1, title="recall_at_k: retrieval recall")
def test_recall_at_k():
    sim, rel = np.array([[0.9, 0.1], [0.8, 0.7]]), np.eye(2, dtype=bool)
    got = mod.recall_at_k(sim, rel, 1)
    if np.isclose(mod.recall_at_k(np.array([[0.9, 0.1], [0.2, 0.7]]), rel, 1), 0.0):
        pytest.fail("recall_at_k ranked the LEAST similar items first: np.argsort sorts ascending; sort -sim")
    assert_close(got, 0.5, name="R@1 of the docstring example")
    assert_close(mod.recall_at_k(sim, rel, 2), 1.0, name="R@2 of the docstring example")
    rng = np.random.default_rng(0)
    for Q, G, k in ((10, 10, 1), (20, 50, 5), (7, 7, 3)):
        sim = rng.normal(size=(Q, G)).round(1)                          # ties happen: broken by index
        rel = rng.random((Q, G)) < 0.15
        assert_close(mod.recall_at_k(sim, rel, k), library_recall(sim, rel, k), atol=1e-12,
                     name=f"R@{k} with {Q} queries, a gallery of {G}, several relevant items each",
                     hint="a query counts once if ANY relevant item is in its top k; ties: the lower index first")
    with pytest.raises(ValueError):
        mod.recall_at_k(np.zeros((2, 3)), np.zeros((3, 2), bool))


@pytest.mark.task("7.14", points=1, title="zero_shot_classify: prompt ensembling")
def test_zero_shot():
    rng = np.random.default_rng(1)
    unit = lambda a: a / np.linalg.norm(a, axis=-1, keepdims=True)          # noqa: E731
    K, P, E, N = 6, 3, 8, 40
    centres = unit(rng.normal(size=(K, E)))
    spread = np.array([0.1, 0.1, 2.0, 0.1, 0.1, 0.1])[:, None, None]      # class 2's prompts disagree
    prompts = unit(centres[:, None, :] + spread * rng.normal(size=(K, P, E)))
    images = unit(centres[rng.integers(0, K, N)] + 0.3 * rng.normal(size=(N, E)))
    got = np.asarray(mod.zero_shot_classify(images, prompts))
    want = library_zero_shot(images, prompts)
    raw = (images @ prompts.mean(axis=1).T).argmax(axis=1)
    if np.array_equal(got, raw) and not np.array_equal(raw, want):
        pytest.fail("the mean of a class's prompts was not renormalised: classes with disagreeing prompts lose")
    assert_equal(got.tolist(), want.tolist(), name="zero-shot predictions of 40 images, 6 classes x 3 prompts")
