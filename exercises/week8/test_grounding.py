"""Week 8 autograder: top-k retrieval into the prompt (task 8.4), compared with tinygrad_lm/retrieval/grounding.py."""
import numpy as np
import pytest

from tinygrad_lm.course import assert_equal, load
from tinygrad_lm.retrieval.grounding import SYSTEM, grounded_system

mod = load("week8.grounding")


@pytest.mark.task("8.4", points=2, title="top_k and grounded_prompt: retrieved passages into the prompt")
def test_top_k():
    got = [int(i) for i in mod.top_k(np.array([0.5, 2.0, 0.0, 2.0]), 3)]
    if got == [3, 1, 0]:
        pytest.fail("top_k put the later of two equal scores first (np.argsort(...)[::-1]); ties keep corpus "
                    "order: np.argsort(-scores, kind='stable')")
    assert_equal(got, [1, 3, 0], name="top_k([0.5, 2.0, 0.0, 2.0], 3)")
    got = [int(i) for i in mod.top_k(np.array([0.0, 1.0, 0.0, -0.5]), 3)]
    if len(got) > 1:
        pytest.fail(f"top_k returned {got}: documents scoring 0 or less share no word with the query; leave them out")
    assert_equal(got, [1], name="top_k([0, 1, 0, -0.5], 3)")
    rng = np.random.default_rng(0)
    for _ in range(20):
        s = rng.integers(0, 4, size=30).astype(float)
        want = [int(i) for i in np.argsort(-s, kind="stable")[:5] if s[i] > 0]
        assert_equal([int(i) for i in mod.top_k(s, 5)], want, name="top_k of 30 scores with many ties")
    assert list(mod.top_k(np.array([1.0, 2.0]), 0)) == []
    with pytest.raises(ValueError):
        mod.top_k(np.array([1.0]), -1)


@pytest.mark.task("8.4", points=2, title="top_k and grounded_prompt: retrieved passages into the prompt")
def test_grounded_prompt_is_the_training_format():
    assert_equal(mod.grounded_prompt([("a.md", "one  two\nthree")], system="S"), "S\n\nSources:\n[a.md] one two three",
                 name="grounded_prompt([('a.md', 'one  two\\nthree')], system='S')",
                 hint="collapse whitespace with ' '.join(text.split())")
    assert_equal(mod.grounded_prompt([]), SYSTEM, name="grounded_prompt([]): no passages, just the system prompt")
    long = [("README.md", "word " * 200), ("docs/b.md", "second passage here"), ("c.md", "third")]
    for max_chars in (600, 50, 995, 1003):
        assert_equal(mod.grounded_prompt(long, max_chars=max_chars), grounded_system(long, max_chars=max_chars),
                     name=f"grounded_prompt(3 passages, max_chars={max_chars})",
                     hint="cut to `left` characters, back to the last space, add ' ...'; left -= len(cut text)")
    short = [("x.py", "alpha beta"), ("y.md", "gamma")]
    assert_equal(mod.grounded_prompt(short, system="Sys", max_chars=12), grounded_system(short, "Sys", 12),
                 name="grounded_prompt: the budget runs out inside the second passage")
