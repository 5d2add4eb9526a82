"""BLEU and its tokenizers against sacreBLEU 2.6.0 (fixtures recorded by
tests/fixtures/sacrebleu/record_sacrebleu.py; sacreBLEU itself is never imported here).

Scores must agree to 1e-9 (in practice they are bit-identical), counts / totals / lengths / BP exactly,
and the printed line and signature character for character (our version string instead of 2.6.0).
"""
import json
import math
import warnings
from pathlib import Path

import pytest

from tinygrad_lm.metrics import corpus_bleu, sentence_bleu
from tinygrad_lm.metrics.bleu_tokenizers import TOKENIZERS, get_tokenizer

FIX = json.loads((Path(__file__).parent / "fixtures" / "sacrebleu" / "sacrebleu_fixtures.json")
                 .read_text(encoding="utf-8"))
CORPORA = FIX["corpora"]
OUR_VERSION = "version:tinygrad_lm-0.1.0"


def _sig(s):
    return s.replace(f"version:{FIX['sacrebleu_version']}", OUR_VERSION)


def _diff(ours, row) -> list:
    """Human-readable list of the fields where our BLEUScore differs from sacreBLEU's."""
    bad = []
    if not abs(ours.score - row["score"]) <= 1e-9:
        bad.append(f"score {ours.score!r} != sacreBLEU {row['score']!r}")
    for f in ("counts", "totals", "sys_len", "ref_len", "bp"):
        if getattr(ours, f) != row[f]:
            bad.append(f"{f} {getattr(ours, f)!r} != sacreBLEU {row[f]!r}")
    if any(abs(a - b) > 1e-9 for a, b in zip(ours.precisions, row["precisions"])):
        bad.append(f"precisions {ours.precisions} != sacreBLEU {row['precisions']}")
    if str(ours) != row["line"]:
        bad.append(f"printed {str(ours)!r} != sacreBLEU {row['line']!r}")
    if ours.signature != _sig(row["signature"]):
        bad.append(f"signature {ours.signature!r} != {_sig(row['signature'])!r}")
    return bad


@pytest.mark.parametrize("name", sorted(TOKENIZERS))
def test_tokenizer_equals_sacrebleu(name):
    tok = get_tokenizer(name)
    pairs = FIX["tokenizers"][name]
    wrong = [(s, want, tok(s)) for s, want in pairs if tok(s) != want]
    assert not wrong, (f"tokenizer {name}: {len(wrong)}/{len(pairs)} strings differ from sacreBLEU; first: "
                       f"input {wrong[0][0]!r}\n  expected {wrong[0][1]!r}\n  got      {wrong[0][2]!r}")


@pytest.mark.parametrize("corpus", sorted(CORPORA))
def test_corpus_bleu_equals_sacrebleu(corpus):
    rows = [r for r in FIX["corpus_bleu"] if r["corpus"] == corpus]
    c = CORPORA[corpus]
    fails = []
    for row in rows:
        bad = _diff(corpus_bleu(c["hyps"], c["refs"], **row["kwargs"]), row)
        if bad:
            fails.append(f"{row['kwargs']}: " + "; ".join(bad))
    assert not fails, f"corpus {corpus!r}: {len(fails)}/{len(rows)} settings differ, e.g.\n" + "\n".join(fails[:3])


@pytest.mark.parametrize("corpus", sorted(CORPORA))
def test_sentence_bleu_equals_sacrebleu(corpus):
    rows = [r for r in FIX["sentence_bleu"] if r["corpus"] == corpus]
    c = CORPORA[corpus]
    fails = []
    for row in rows:
        i = row["index"]
        bad = _diff(sentence_bleu(c["hyps"][i], [s[i] for s in c["refs"]], **row["kwargs"]), row)
        if bad:
            fails.append(f"segment {i} {row['kwargs']}: " + "; ".join(bad))
    assert not fails, (f"corpus {corpus!r}: {len(fails)}/{len(rows)} sentence scores differ, e.g.\n"
                       + "\n".join(fails[:3]))


def test_fixture_covers_what_the_brief_asks():
    kws = [r["kwargs"] for r in FIX["corpus_bleu"]]
    assert {k["tokenize"] for k in kws} == {"13a", "intl", "char", "none"}
    assert {k["smooth_method"] for k in kws} == {"exp", "floor", "add-k", "none"}
    assert any(k["lowercase"] for k in kws) and any(k["use_effective_order"] for k in kws)
    assert len(FIX["corpus_bleu"]) >= 600 and len(FIX["sentence_bleu"]) >= 900


def test_worked_example_by_hand():
    # hyp 'the cat sat on the mat' / ref 'the cat is on the mat': matches 5/6, 3/5, 1/4, 0/3;
    # exp smoothing turns the first zero order into 1/2 of a match: p4 = 100 / (2 * 3)
    s = corpus_bleu(["the cat sat on the mat"], [["the cat is on the mat"]])
    assert s.counts == [5, 3, 1, 0] and s.totals == [6, 5, 4, 3], (s.counts, s.totals)
    expected = math.exp((math.log(500 / 6) + math.log(300 / 5) + math.log(100 / 4) + math.log(100 / 6)) / 4)
    assert s.bp == 1.0 and abs(s.score - expected) < 1e-12, f"expected {expected}, got {s.score}"
    assert corpus_bleu(["the cat sat on the mat"], [["the cat is on the mat"]], smooth_method="none").score == 0.0


def test_brevity_penalty_uses_the_closest_reference_and_ties_go_to_the_shorter():
    s = corpus_bleu(["w x y z"], [["w x y"], ["w x y z v"]])       # 4 tokens: |4-3| == |5-4|
    assert s.ref_len == 3 and s.bp == 1.0, f"tie should pick the shorter reference (3), got {s.ref_len}"
    s = corpus_bleu(["a b"], [["a b c d e f"], ["a b c"]])
    assert s.ref_len == 3 and abs(s.bp - math.exp(1 - 3 / 2)) < 1e-15


def test_none_references_are_dropped_and_signature_says_var():
    s = corpus_bleu(["a b c", "d e f"], [["a b c", "d e f"], ["a b", None]])
    assert s.signature.startswith("nrefs:var|case:mixed|eff:no|tok:13a|smooth:exp|"), s.signature
    assert s.signature.endswith(OUR_VERSION), s.signature
    assert sentence_bleu("a", ["a", None]).signature.startswith("nrefs:1|"), "None should not count as a reference"


def test_signature_format_of_smoothing_values():
    assert "|smooth:floor[0.10]|" in corpus_bleu(["a"], [["a"]], smooth_method="floor").signature
    assert "|smooth:add-k[0.50]|" in corpus_bleu(["a"], [["a"]], smooth_method="add-k", smooth_value=0.5).signature
    assert "|case:lc|eff:yes|tok:intl|" in sentence_bleu("a", ["a"], tokenize="intl", lowercase=True).signature


def test_bad_input_is_refused_with_a_hint():
    with pytest.raises(TypeError, match=r"\[refs\]"):
        corpus_bleu(["a b"], ["a b"])                               # refs not wrapped in a list of streams
    with pytest.raises(ValueError, match="parallel"):
        corpus_bleu(["a", "b"], [["a"]])
    with pytest.raises(TypeError, match="hypothesis 1"):
        corpus_bleu(["a", None], [["a", "b"]])
    with pytest.raises(ValueError, match="segment 1 has no reference"):
        corpus_bleu(["a", "b"], [["a", None]])
    with pytest.raises(ValueError, match="unknown BLEU tokenizer"):
        corpus_bleu(["a"], [["a"]], tokenize="zh")
    with pytest.raises(ValueError, match="unknown smooth_method"):
        corpus_bleu(["a"], [["a"]], smooth_method="add-one")
    with pytest.raises(TypeError, match="sentence_bleu"):
        corpus_bleu("a b", [["a b"]])
    with pytest.raises(TypeError, match=r"\[ref\]"):
        sentence_bleu("a b", "a b")
    with pytest.raises(ValueError, match="empty"):
        corpus_bleu([], [[]])


def test_tokenized_looking_input_warns_unless_forced():
    hyps = ["a b ."] * 100
    with pytest.warns(UserWarning, match="tokenized"):
        corpus_bleu(hyps, [hyps])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        corpus_bleu(hyps, [hyps], force=True)
