"""Week 5 autograder: the summary-only loss mask (task 5.8)."""
import numpy as np
import pytest

from tinygrad_lm.course import assert_equal, load

mod = load("week5.summarize")


@pytest.mark.task("5.8", points=2, title="summary_example: loss on the summary and eos only")
def test_mask_and_shift():
    x, y = mod.summary_example([5, 6, 7], [8, 9], 0, 10)
    assert_equal(list(map(int, x)), [5, 6, 7, 8, 9], name="inputs", hint="inputs = ids[:-1]")
    got = list(map(int, y))
    if got == [-100, -100, -100, 9, 0]:
        pytest.fail("off by one: the last prompt position predicts the FIRST summary token; keep that target")
    if got == [6, 7, 8, 9, 0]:
        pytest.fail("nothing is masked: targets that are prompt tokens must be -100 (ignored by the loss)")
    assert_equal(got, [-100, -100, 8, 9, 0], name="targets", hint="targets = ids[1:], prompt tokens -> -100")


@pytest.mark.task("5.8", points=2)
def test_truncation_keeps_the_summary():
    x, y = mod.summary_example(list(range(10, 30)), [1, 2, 3], 0, 8)
    assert_equal(len(x), 8, name="length after truncation (block_size)")
    assert_equal(list(map(int, y))[-4:], [1, 2, 3, 0], name="the summary and eos survive truncation")
    assert_equal(list(map(int, x))[:5], [25, 26, 27, 28, 29], name="the END of the prompt is kept",
                 hint="cut from the start of the prompt")
    assert_equal(int((np.asarray(y) == -100).sum()), 4, name="masked targets after truncation")
    with pytest.raises(ValueError):
        mod.summary_example([1], list(range(20)), 0, 8)
