"""distinct-n by hand, self-BLEU against sacreBLEU sentence BLEU (each text vs all the others)."""
import json
from pathlib import Path

import pytest

from tinygrad_lm.metrics import distinct_n, self_bleu, sentence_bleu

FIX = json.loads((Path(__file__).parent / "fixtures" / "sacrebleu" / "sacrebleu_fixtures.json")
                 .read_text(encoding="utf-8"))["self_bleu"]


def test_distinct_n_corpus_and_sentence_mean_by_hand():
    texts = ["a b a b", "a b c", "x"]
    d1 = distinct_n(texts, 1)
    # pooled unigrams: a b a b a b c x -> 4 unique of 8; per text 2/4, 3/3, 1/1
    assert (d1.unique, d1.total, d1.corpus) == (4, 8, 0.5), d1
    assert abs(d1.sentence_mean - (0.5 + 1 + 1) / 3) < 1e-15, d1
    d2 = distinct_n(texts, 2)
    # bigrams: (a b)(b a)(a b) | (a b)(b c) | none -> unique {ab, ba, bc} = 3 of 5; 'x' is skipped
    assert (d2.unique, d2.total) == (3, 5) and abs(d2.corpus - 0.6) < 1e-15, d2
    assert abs(d2.sentence_mean - (2 / 3 + 1) / 2) < 1e-15, d2


def test_distinct_n_tokenizer_choice():
    assert distinct_n(["Hi, hi!"], 1).unique == 2                       # 'Hi,' 'hi!'
    assert distinct_n(["Hi, hi!"], 1, tokenize="13a").unique == 4       # Hi , hi !
    words_only = lambda s: s.lower().replace(",", "").replace("!", "").split()       # noqa: E731
    assert distinct_n(["Hi, hi!"], 1, tokenize=words_only).unique == 1
    assert distinct_n([""], 2).corpus == 0.0


@pytest.mark.parametrize("i", range(3))
def test_self_bleu_equals_sacrebleu(i):
    case = FIX["results"][i]
    got = self_bleu(FIX["texts"], **case["kwargs"])
    assert abs(got - case["score"]) < 1e-9, f"{case['kwargs']}: self-BLEU {got} != sacreBLEU loop {case['score']}"


def test_self_bleu_equals_the_naive_loop():
    texts = FIX["texts"][:15]
    naive = sum(sentence_bleu(t, texts[:j] + texts[j + 1:]).score for j, t in enumerate(texts)) / len(texts)
    assert abs(self_bleu(texts) - naive) < 1e-12


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="at least 2"):
        self_bleu(["only one"])
    with pytest.raises(TypeError, match="list of strings"):
        distinct_n("a b c")
    with pytest.raises(ValueError, match="n must be"):
        distinct_n(["a"], 0)
