"""Paired bootstrap resampling against sacreBLEU 2.6.0's `--paired-bs` (fixture recorded with
SACREBLEU_SEED=12345; with seed=12345 our draws are the same, so the p-value must be identical and
the means / interval half-widths agree up to sacreBLEU's float32 statistics)."""
import functools
import json
from pathlib import Path

import pytest

from tinygrad_lm.metrics import corpus_bleu, corpus_chrf, paired_bootstrap

FIX = json.loads((Path(__file__).parent / "fixtures" / "sacrebleu" / "sacrebleu_fixtures.json")
                 .read_text(encoding="utf-8"))["paired_bs"]


@pytest.mark.parametrize("metric_fn,name", [(corpus_bleu, "BLEU"), (corpus_chrf, "chrF2")])
def test_paired_bootstrap_equals_sacrebleu(metric_fn, name):
    want = FIX["results"][name]
    r = paired_bootstrap(metric_fn, FIX["hyps_a"], FIX["hyps_b"], FIX["refs"], n_samples=FIX["n_samples"],
                         seed=FIX["seed"])
    assert abs(r.score_a - want["score_a"]) < 1e-9 and abs(r.score_b - want["score_b"]) < 1e-9
    assert r.p_value == want["p_value"], f"{name}: p-value {r.p_value} != sacreBLEU {want['p_value']}"
    for ours, key in ((r.mean_a, "mean_a"), (r.mean_b, "mean_b"), (r.ci_a, "ci_a"), (r.ci_b, "ci_b")):
        assert abs(ours - want[key]) < 1e-4, f"{name}: {key} {ours} != sacreBLEU {want[key]} (float32 there)"
    lo, hi = r.diff_interval
    assert lo <= r.diff_mean <= hi and abs(r.diff - (r.score_b - r.score_a)) < 1e-12


def test_fast_path_equals_calling_the_metric_on_every_resample():
    a, b, refs = FIX["hyps_a"][:60], FIX["hyps_b"][:60], [FIX["refs"][0][:60]]
    bound = functools.partial(corpus_bleu, lowercase=True)                  # takes the fast path
    slow = lambda h, r: corpus_bleu(h, r, lowercase=True).score             # noqa: E731 (generic path)
    fast_r = paired_bootstrap(bound, a, b, refs, n_samples=30, seed=3)
    slow_r = paired_bootstrap(slow, a, b, refs, n_samples=30, seed=3)
    assert fast_r.p_value == slow_r.p_value and abs(fast_r.mean_b - slow_r.mean_b) < 1e-12
    assert fast_r.interval_a == slow_r.interval_a


def test_a_system_against_itself_gets_sacrebleus_p_value_and_a_warning():
    # sacreBLEU 2.6.0 reports p = 1/(S+1) for identical systems (checked by hand against PairedTest)
    with pytest.warns(UserWarning, match="does NOT mean a significant difference"):
        r = paired_bootstrap(corpus_chrf, FIX["hyps_a"], FIX["hyps_a"], FIX["refs"], n_samples=200, seed=0,
                             word_order=2)
    assert r.diff == 0.0 and r.p_value == 1 / 201 and r.diff_interval == (0.0, 0.0), r


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="one output per segment"):
        paired_bootstrap(corpus_bleu, ["a"], ["a", "b"], [["a", "b"]])
    with pytest.raises(ValueError, match="n_samples"):
        paired_bootstrap(corpus_bleu, ["a"], ["a"], [["a"]], n_samples=0)
    with pytest.raises(TypeError, match="callable"):
        paired_bootstrap("bleu", ["a"], ["a"], [["a"]])
