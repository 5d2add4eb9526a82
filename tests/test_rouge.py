"""ROUGE equals Google's rouge-score 0.1.2 (fixture recorded by tests/fixtures/rouge/record_rouge.py) to 1e-12:
rouge1/2/3/L/Lsum with and without stemming, score_multi, and bootstrap intervals under the same seed."""
import json
from pathlib import Path

import numpy as np
import pytest

from tinygrad_lm.metrics import BootstrapAggregator, RougeScorer, rouge_score
from tinygrad_lm.metrics.rouge import Score, lcs_indices, lcs_length, tokenize

FIXTURE = json.loads((Path(__file__).parent / "fixtures" / "rouge" / "rouge_pairs.json").read_text(encoding="utf-8"))
TYPES = FIXTURE["meta"]["types"]


def _diff(expected: dict, got: dict):
    """Largest |difference| and where, over {type: (p, r, f)}."""
    worst = (0.0, None)
    for k, exp in expected.items():
        for name, e, g in zip(("precision", "recall", "fmeasure"), exp, got[k]):
            if abs(e - g) > worst[0]:
                worst = (abs(e - g), f"{k}.{name}: rouge-score {e!r}, ours {g!r}")
    return worst


@pytest.mark.parametrize("use_stemmer", [False, True], ids=["plain", "stemmed"])
def test_pairs_match_rouge_score(use_stemmer):
    scorer = RougeScorer(TYPES, use_stemmer=use_stemmer)
    key = "scores_stem" if use_stemmer else "scores"
    bad = []
    for i, rec in enumerate(FIXTURE["pairs"]):
        d, where = _diff(rec[key], scorer.score(rec["target"], rec["prediction"]))
        if d > 1e-12:
            bad.append(f"pair {i} target={rec['target'][:60]!r} prediction={rec['prediction'][:60]!r}: {where}")
    assert len(FIXTURE["pairs"]) >= 300
    assert not bad, f"{len(bad)} of {len(FIXTURE['pairs'])} pairs differ from rouge-score:\n" + "\n".join(bad[:8])


def test_score_multi_matches_rouge_score():
    for i, rec in enumerate(FIXTURE["multi"]):
        got = RougeScorer(TYPES, use_stemmer=rec["use_stemmer"]).score_multi(rec["targets"], rec["prediction"])
        d, where = _diff(rec["scores"], got)
        assert d <= 1e-12, f"multi case {i} ({len(rec['targets'])} references): {where}"


def test_bootstrap_matches_rouge_score_with_the_same_seed():
    pairs = FIXTURE["pairs"]
    for case in FIXTURE["bootstrap"]:
        agg = BootstrapAggregator(case["confidence_interval"], case["n_samples"], seed=case["seed"])
        lo, hi = case["pairs"]
        for rec in pairs[lo:hi]:
            agg.add_scores({k: Score(*v) for k, v in rec["scores_stem"].items()})
        got = agg.aggregate()
        assert list(got) == list(case["result"]), "score types must come back in insertion order"
        for k, exp in case["result"].items():
            for bound in ("low", "mid", "high"):
                np.testing.assert_allclose(getattr(got[k], bound), exp[bound], rtol=0, atol=1e-12,
                                           err_msg=f"seed {case['seed']}, {k}.{bound}")


def test_bootstrap_properties():
    rows = [{"rouge1": Score(p, p / 2, p / 3)} for p in np.linspace(0, 1, 37)]
    agg = BootstrapAggregator(0.95, 300, seed=3)
    for r in rows:
        agg.add_scores(r)
    res = agg.aggregate()["rouge1"]
    assert isinstance(res.mid, Score)
    assert all(l <= m <= h for l, m, h in zip(res.low, res.mid, res.high)), res
    assert abs(res.mid.precision - 0.5) < 0.05 and res.high.precision - res.low.precision > 0.1
    assert agg.aggregate() == agg.aggregate(), "same seed, same intervals"
    one = BootstrapAggregator(seed=0)
    one.add_scores({"x": (0.25,)})
    assert one.aggregate()["x"] == ((0.25,), (0.25,), (0.25,))
    with pytest.raises(ValueError, match="confidence_interval"):
        BootstrapAggregator(1.5)
    with pytest.raises(ValueError, match="no scores"):
        BootstrapAggregator().aggregate()


def test_tokenizer_rules():
    assert tokenize("The cats' 2 toys!") == ["the", "cats", "2", "toys"]
    assert tokenize("The cats' 2 toys!", stem=True) == ["the", "cat", "2", "toy"]
    assert tokenize("ties was dying", stem=True) == ["tie", "was", "die"], "only tokens of > 3 characters are stemmed"
    assert tokenize("Café 数学 state-of-the-art") == ["caf", "state", "of", "the", "art"]
    assert tokenize("") == [] and tokenize(" ?! ") == []


def test_lcs_and_worked_example():
    assert lcs_length("abcbdab", "bdcaba") == 4
    assert lcs_indices(list("abcbdab"), list("bdcaba")) == [1, 2, 3, 5]      # "bcba": rouge-score's lcs_ind says so
    # target 6 tokens, prediction 6 tokens, LCS "the cat the" = 3 -> P = R = F = 0.5
    s = rouge_score("the cat sat on the mat", "the cat was under the bed", types=("rouge1", "rougeL"))
    assert s["rougeL"] == (0.5, 0.5, 0.5) and s["rouge1"] == (0.5, 0.5, 0.5)


def test_bad_input_is_rejected_clearly():
    with pytest.raises(ValueError, match="rouge9"):
        RougeScorer(["rouge0"])
    with pytest.raises(TypeError, match="list of names"):
        RougeScorer("rouge1")
    with pytest.raises(TypeError, match="target must be a str"):
        RougeScorer(["rouge1"]).score(["a"], "a")
    with pytest.raises(ValueError, match="at least one reference"):
        RougeScorer(["rouge1"]).score_multi([], "a")


def test_bit_parallel_lcs_equals_the_table():
    from tinygrad_lm.metrics.rouge import lcs_table
    rng = np.random.default_rng(0)
    for trial in range(300):
        a = list(rng.integers(0, 1 + trial % 6, size=rng.integers(0, 40)))
        b = list(rng.integers(0, 1 + trial % 6, size=rng.integers(0, 90)))
        assert lcs_length(a, b) == lcs_table(a, b)[-1][-1], f"trial {trial}: a={a} b={b}"
