"""Week 6 baselines (solutions/week6/baselines.py) reproduce shared/reference/baselines.md.

Every number must print as in the reference table (2 decimals) and equal, unrounded to 1e-9, what
sacreBLEU 2.6.0 gives on outputs rebuilt independently by record_sacrebleu.py (multi30k_baselines.json).
"""
import json
from pathlib import Path

import pytest

from solutions.week6.baselines import (dice_lexicon, load_multi30k, run_baselines, split_indices,
                                       translation_memory, word_by_word)
from tinygrad_lm.metrics import corpus_bleu

REF = json.loads((Path(__file__).parent / "fixtures" / "sacrebleu" / "multi30k_baselines.json")
                 .read_text(encoding="utf-8"))
PRINTED = {  # shared/reference/baselines.md, Multi30k test2016 section
    "copy_en_bleu": "0.48", "copy_en_chrf2": "16.34", "copy_de_bleu": "0.48", "tm_bleu": "4.98",
    "tm_mean_sentence_bleu": "7.61", "dice_bleu": "0.84", "dice_bleu_lowercase": "7.66",
}


@pytest.fixture(scope="module")
def results():
    return run_baselines()


@pytest.mark.parametrize("name", sorted(PRINTED))
def test_baseline_number_reproduces(name, results):
    got = results[name]
    assert f"{got:.2f}" == PRINTED[name], f"{name}: we print {got:.2f}, baselines.md says {PRINTED[name]}"
    assert abs(got - REF[name]) < 1e-9, f"{name}: {got!r} != sacreBLEU {REF[name]!r}"


def test_split_and_outputs_match_the_recipe():
    train, evl = split_indices()
    assert train[:3] == REF["split_starts"]["train"] == [439, 621, 160]
    assert evl[:3] == REF["split_starts"]["eval"] == [976, 799, 919]
    rows = load_multi30k()
    en, de = [r["en"] for r in rows], [r["de"] for r in rows]
    tm = translation_memory([en[i] for i in train], [de[i] for i in train], [en[i] for i in evl[:5]])
    assert tm == REF["tm_outputs_first5"], "translation memory picked other training sentences"
    wbw = word_by_word(dice_lexicon([en[i] for i in train], [de[i] for i in train]), [en[i] for i in evl[:5]])
    assert wbw == REF["wbw_outputs_first5"], "Dice lexicon maps words differently"


def test_signature_is_sacrebleus_default():
    sig = corpus_bleu(["x"], [["x"]]).signature
    assert sig == "nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:tinygrad_lm-0.1.0", sig
