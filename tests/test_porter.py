"""Porter (1980) stemmer: paper examples, and agreement with NLTK's ORIGINAL_ALGORITHM on 24,757 words."""
from pathlib import Path

import pytest

from tinygrad_lm.text import porter
from tinygrad_lm.text.porter import PorterStemmer

FIXTURE = Path(__file__).parent / "fixtures" / "text" / "porter_vocab.tsv"


@pytest.mark.parametrize("word,m", [("tr", 0), ("ee", 0), ("tree", 0), ("y", 0), ("by", 0), ("trouble", 1),
                                    ("oats", 1), ("trees", 1), ("ivy", 1), ("troubles", 2), ("private", 2),
                                    ("oaten", 2), ("orrery", 2)])
def test_measure_paper_examples(word, m):
    assert porter.measure(word) == m


@pytest.mark.parametrize("step,word,out", [
    (porter.step1a, "caresses", "caress"), (porter.step1a, "ponies", "poni"), (porter.step1a, "ties", "ti"),
    (porter.step1a, "caress", "caress"), (porter.step1a, "cats", "cat"),
    (porter.step1b, "feed", "feed"), (porter.step1b, "agreed", "agree"), (porter.step1b, "plastered", "plaster"),
    (porter.step1b, "bled", "bled"), (porter.step1b, "motoring", "motor"), (porter.step1b, "sing", "sing"),
    (porter.step1b, "conflated", "conflate"), (porter.step1b, "troubled", "trouble"), (porter.step1b, "sized", "size"),
    (porter.step1b, "hopping", "hop"), (porter.step1b, "tanned", "tan"), (porter.step1b, "falling", "fall"),
    (porter.step1b, "hissing", "hiss"), (porter.step1b, "fizzed", "fizz"), (porter.step1b, "failing", "fail"),
    (porter.step1b, "filing", "file"),
    (porter.step1c, "happy", "happi"), (porter.step1c, "sky", "sky"),
    (porter.step2, "relational", "relate"), (porter.step2, "conditional", "condition"),
    (porter.step2, "rational", "rational"), (porter.step2, "valenci", "valence"), (porter.step2, "digitizer", "digitize"),
    (porter.step2, "conformabli", "conformable"), (porter.step2, "vietnamization", "vietnamize"),
    (porter.step2, "sensitiviti", "sensitive"),
    (porter.step3, "triplicate", "triplic"), (porter.step3, "formative", "form"), (porter.step3, "hopeful", "hope"),
    (porter.step3, "goodness", "good"),
    (porter.step4, "revival", "reviv"), (porter.step4, "adjustment", "adjust"), (porter.step4, "adoption", "adopt"),
    (porter.step4, "homologou", "homolog"), (porter.step4, "effective", "effect"),
    (porter.step5a, "probate", "probat"), (porter.step5a, "rate", "rate"), (porter.step5a, "cease", "ceas"),
    (porter.step5b, "controll", "control"), (porter.step5b, "roll", "roll"),
])
def test_steps_paper_examples(step, word, out):
    assert step(word) == out, f"{step.__name__}({word!r}) = {step(word)!r}, paper says {out!r}"


def test_full_stemmer_examples():
    s = PorterStemmer()
    assert [s.stem(w) for w in ["generalizations", "oscillators", "Running", "as", "sky"]] == \
        ["gener", "oscil", "run", "a", "sky"]


def test_agrees_with_nltk_original_on_fixture_vocabulary():
    lines = [l.split("\t") for l in FIXTURE.read_text(encoding="utf-8").splitlines() if not l.startswith("#")]
    assert len(lines) >= 20000
    s = PorterStemmer()
    bad = [(w, e, s.stem(w)) for w, e in lines if s.stem(w) != e]
    agreement = 1 - len(bad) / len(lines)
    assert agreement >= 0.999, f"agreement {agreement:.5f}; first disagreements (word, nltk, ours): {bad[:10]}"
