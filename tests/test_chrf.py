"""chrF / chrF++ against sacreBLEU 2.6.0 (fixtures from tests/fixtures/sacrebleu/record_sacrebleu.py).

Corpus and sentence scores must agree to 1e-9 (in practice bit-identical), the printed line and the
signature character for character (our version string instead of 2.6.0).
"""
import json
from pathlib import Path

import pytest

from tinygrad_lm.metrics import corpus_chrf, sentence_chrf
from tinygrad_lm.metrics.chrf import split_punctuation

FIX = json.loads((Path(__file__).parent / "fixtures" / "sacrebleu" / "sacrebleu_fixtures.json")
                 .read_text(encoding="utf-8"))
CORPORA = FIX["corpora"]


def _sig(s):
    return s.replace(f"version:{FIX['sacrebleu_version']}", "version:tinygrad_lm-0.1.0")


@pytest.mark.parametrize("corpus", sorted(CORPORA))
def test_corpus_chrf_equals_sacrebleu(corpus):
    c = CORPORA[corpus]
    fails = []
    rows = [r for r in FIX["corpus_chrf"] if r["corpus"] == corpus]
    for row in rows:
        s = corpus_chrf(c["hyps"], c["refs"], **row["kwargs"])
        if not abs(s.score - row["score"]) <= 1e-9:
            fails.append(f"{row['kwargs']}: score {s.score!r} != sacreBLEU {row['score']!r}")
        if str(s) != row["line"] or s.signature != _sig(row["signature"]):
            fails.append(f"{row['kwargs']}: printed {s} | {s.signature} != {row['line']} | {_sig(row['signature'])}")
    assert not fails, f"corpus {corpus!r}: {len(fails)} differences, e.g.\n" + "\n".join(fails[:3])


@pytest.mark.parametrize("corpus", sorted(CORPORA))
def test_sentence_chrf_equals_sacrebleu(corpus):
    c = CORPORA[corpus]
    fails = []
    rows = [r for r in FIX["sentence_chrf"] if r["corpus"] == corpus]
    for row in rows:
        i = row["index"]
        s = sentence_chrf(c["hyps"][i], [st[i] for st in c["refs"]], **row["kwargs"])
        if not abs(s.score - row["score"]) <= 1e-9 or s.signature != _sig(row["signature"]):
            fails.append(f"segment {i} {row['kwargs']}: {s.score!r} {s.signature} "
                         f"!= sacreBLEU {row['score']!r} {row['signature']}")
    assert not fails, f"corpus {corpus!r}: {len(fails)}/{len(rows)} differ, e.g.\n" + "\n".join(fails[:3])


def test_names_and_extremes():
    assert str(corpus_chrf(["abc"], [["abc"]])) == "chrF2 = 100.00"
    assert corpus_chrf(["abc"], [["abc"]], word_order=2).name == "chrF2++"
    assert corpus_chrf(["abc"], [["xyz"]]).score == 0.0
    assert sentence_chrf("", ["abc"]).score == 0.0
    assert corpus_chrf(["abc"], [["abc"]], eps_smoothing=True).signature.startswith(
        "nrefs:1|case:mixed|eff:no|nc:6|nw:0|space:no|")


def test_chrfpp_word_splitting_keeps_sacrebleus_quirk():
    # one mark is split off, the trailing one first: '(hi)' -> '(hi', ')' (sacreBLEU issue #124)
    assert split_punctuation("(hi) end. ,x !") == ["(hi", ")", "end", ".", ",", "x", "!"]


def test_best_reference_is_chosen_per_segment():
    one = corpus_chrf(["the cat sat"], [["the cat sat"]]).score
    two = corpus_chrf(["the cat sat"], [["a dog ran"], ["the cat sat"]]).score
    assert one == two == 100.0, f"the matching reference should win: {one}, {two}"


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="no n-grams"):
        corpus_chrf(["a"], [["a"]], char_order=0, word_order=0)
    with pytest.raises(ValueError, match="beta"):
        corpus_chrf(["a"], [["a"]], beta=0)
    with pytest.raises(TypeError, match=r"\[refs\]"):
        corpus_chrf(["a"], ["a"])
    with pytest.raises(TypeError, match="list of strings"):
        sentence_chrf("a", "a")
