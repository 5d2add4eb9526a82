"""Porter stemmer modes: NLTK_EXTENSIONS (rouge-score's stemmer) and MARTIN_EXTENSIONS agree with NLTK
on 45,048 words (porter_modes_vocab.tsv, recorded by record_porter_modes.py); the default stays the paper."""
from pathlib import Path

import pytest

from tinygrad_lm.text import porter
from tinygrad_lm.text.porter import PorterStemmer

FIXTURE = Path(__file__).parent / "fixtures" / "text" / "porter_modes_vocab.tsv"


@pytest.fixture(scope="module")
def vocab():
    rows = [l.split("\t") for l in FIXTURE.read_text(encoding="utf-8").splitlines() if not l.startswith("#")]
    assert len(rows) >= 45000, f"fixture has only {len(rows)} rows"
    return rows


@pytest.mark.parametrize("mode,column", [(PorterStemmer.NLTK_EXTENSIONS, 1), (PorterStemmer.MARTIN_EXTENSIONS, 2)])
def test_agrees_with_nltk_on_fixture_vocabulary(vocab, mode, column):
    s = PorterStemmer(mode=mode)
    bad = [(r[0], r[column], s.stem(r[0])) for r in vocab if s.stem(r[0]) != r[column]]
    assert not bad, f"{mode}: {len(bad)} of {len(vocab)} words differ; first (word, nltk, ours): {bad[:10]}"


@pytest.mark.parametrize("word,nltk_stem,original", [
    ("dying", "die", "dy"), ("skies", "sky", "ski"), ("news", "news", "new"), ("innings", "inning", "in"),
    ("ties", "tie", "ti"), ("cried", "cri", "cri"), ("tied", "tie", "ti"), ("enjoy", "enjoy", "enjoi"),
    ("cry", "cri", "cry"), ("by", "by", "by"), ("as", "as", "a"), ("possibly", "possibl", "possibli"),
    ("radically", "radic", "radic"), ("owing", "owe", "ow"), ("analogi", "analog", "analogi"),
])
def test_each_extension_on_a_word(word, nltk_stem, original):
    got_nltk = PorterStemmer(mode=PorterStemmer.NLTK_EXTENSIONS).stem(word)
    got_orig = PorterStemmer().stem(word)
    assert (got_nltk, got_orig) == (nltk_stem, original), \
        f"{word!r}: NLTK_EXTENSIONS {got_nltk!r} (want {nltk_stem!r}), ORIGINAL {got_orig!r} (want {original!r})"


def test_default_mode_is_the_paper_and_steps_default_to_it():
    assert PorterStemmer().mode == PorterStemmer.ORIGINAL_ALGORITHM
    assert porter.step1a("ties") == "ti" and porter.step1a("ties", porter.NLTK_EXTENSIONS) == "tie"
    assert porter.ends_cvc("ow") is False and porter.ends_cvc("ow", porter.NLTK_EXTENSIONS) is True


def test_long_run_of_y_has_no_recursion_limit():
    word = "a" + "y" * 5000
    assert porter.is_consonant(word, 1) and not porter.is_consonant(word, 2) and porter.is_consonant(word, 5000) is False
    PorterStemmer(mode=PorterStemmer.NLTK_EXTENSIONS).stem("y" * 3000)


def test_unknown_mode_is_rejected_with_the_choices():
    with pytest.raises(ValueError, match="NLTK_EXTENSIONS"):
        PorterStemmer(mode="nltk")
