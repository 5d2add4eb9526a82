"""Week 1 autograder: Porter stemmer measure (1.4) and step 1 (1.5), then the full stemmer on 24,757 words."""
from pathlib import Path

import pytest

from tinygrad_lm.course import assert_equal, load

mod = load("week1.porter")
FIXTURE = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "text" / "porter_vocab.tsv"


@pytest.mark.task("1.4", points=1, title="Porter measure m")
@pytest.mark.parametrize("word,m", [("tr", 0), ("ee", 0), ("tree", 0), ("y", 0), ("by", 0), ("trouble", 1),
                                    ("oats", 1), ("trees", 1), ("ivy", 1), ("troubles", 2), ("private", 2),
                                    ("oaten", 2), ("orrery", 2), ("syzygy", 2)])
def test_measure(word, m):
    assert_equal(mod.measure(word), m, name=f"measure({word!r})",
                 hint="count the places where a consonant follows a vowel; y after a consonant is a vowel")


STEP1 = [("step1a", w, o) for w, o in [("caresses", "caress"), ("ponies", "poni"), ("ties", "ti"),
                                        ("caress", "caress"), ("cats", "cat")]] + \
        [("step1b", w, o) for w, o in [("feed", "feed"), ("agreed", "agree"), ("plastered", "plaster"),
                                        ("bled", "bled"), ("motoring", "motor"), ("sing", "sing"),
                                        ("conflated", "conflate"), ("troubled", "trouble"), ("sized", "size"),
                                        ("hopping", "hop"), ("tanned", "tan"), ("falling", "fall"),
                                        ("hissing", "hiss"), ("fizzed", "fizz"), ("failing", "fail"),
                                        ("filing", "file"), ("bleed", "bleed")]] + \
        [("step1c", w, o) for w, o in [("happy", "happi"), ("sky", "sky")]]


@pytest.mark.task("1.5", points=3, title="Porter step 1 (1a, 1b, 1c)")
@pytest.mark.parametrize("step,word,expected", STEP1, ids=[f"{s}-{w}" for s, w, _ in STEP1])
def test_step1_paper_examples(step, word, expected):
    assert_equal(getattr(mod, step)(word), expected, name=f"{step}({word!r})",
                 hint="these are the paper's own examples; the conditions apply to the stem without the suffix")


@pytest.mark.task("1.5", points=3, title="Porter step 1 (1a, 1b, 1c)")
def test_full_stemmer_on_vocabulary():
    pairs = [l.split("\t") for l in FIXTURE.read_text(encoding="utf-8").splitlines() if not l.startswith("#")]
    bad = [(w, e, mod.stem(w)) for w, e in pairs if mod.stem(w) != e]
    agreement = 1 - len(bad) / len(pairs)
    assert agreement >= 0.999, (
        f"stem() agrees with the reference on {agreement:.2%} of {len(pairs)} words (need 99.9%)\n"
        f"  first disagreements (word, expected, got): {bad[:8]}\n"
        f"  hint: steps 2-5 are given; look at which of YOUR step1a/1b/1c changes these words")
