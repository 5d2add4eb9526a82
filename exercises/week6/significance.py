# Generated from solutions/week6/significance.py by `tglm course build`: fill in the parts that raise NotImplementedError.
# Your edits are safe: the build refuses to overwrite this file unless --force; the reference is solutions/week6/significance.py.
"""Week 6: is system B really better than A? Paired bootstrap resampling (Koehn 2004).

B scores 1.2 BLEU above A on a test set of N sentences. Another N sentences from the same source
might reverse that. The bootstrap builds S pseudo test sets by drawing N segments WITH replacement
and scores both systems on each. "Paired": A and B are scored on the SAME draws, so the sentences
that are hard for both cancel out in the difference.

Corpus metrics (BLEU, chrF) are not means of per-segment scores, so we resample each segment's
sufficient statistics (BLEU: lengths, matches and totals per order) and let score_fn turn the summed
statistics of a pseudo test set into a score, exactly as on the real test set.

    d     = |score_B - score_A|                        on the real test set
    d_s   = |score_B(s) - score_A(s)|                  on resample s = 1..S
    p     = (1 + #{s : d_s - mean(d_s) > d}) / (S + 1)
The d_s are centred on their mean to imitate "no difference" (sacreBLEU's test, after Moses'
bootstrap-hypothesis-difference-significance.pl; the +1 keeps p > 0). p < 0.05: unlikely to be luck.
95% interval of score_B - score_A: sort the S resampled differences and take the (S // 40)-th from
each end (sacreBLEU's percentiles).

Legend: N segments, K statistics per segment, S resamples.
Library version (takes corpus_bleu / corpus_chrf / any metric directly, intervals of each system,
equal to sacreBLEU --paired-bs with seed 12345): tinygrad_lm/metrics/significance.py.
Not here: approximate randomization, more than two systems (correct for multiple comparisons).
"""
from collections import namedtuple

import numpy as np

BootstrapResult = namedtuple("BootstrapResult", "diff p_value interval")


def paired_bootstrap(stats_a, stats_b, score_fn, n_samples=1000, seed=0):
    """Task 6.10: paired bootstrap test of B against A -> BootstrapResult(diff, p_value, interval).

    TODO: stats_a, stats_b: (N, K) per-segment statistics of systems A and B on the same N segments;
    score_fn(summed (K,) array) -> score. Return diff = score_B - score_A on the real test set (the sums
    over all N rows), the p-value of the module docstring, and interval = (lo, hi), the 95% percentile
    interval of score_B(s) - score_A(s) over the S = n_samples resamples.

    APPROACH: stuck? `tglm hint 6.10` shows the approach one step at a time.

    EXAMPLE: accuracy as the metric, K = 1 column of 0/1 per segment, score_fn = lambda s: s[0] / N:
             A right on 50 of 100 items, B on the same 50 plus 15 more: diff = 0.15, p = 2/1001 with
             seed 0 (hardly any resample erases 15 extra wins), interval ~ (0.09, 0.22).
             Identical systems: diff = 0, interval (0, 0), and p = 1/(S+1) by the formula's quirk (no
             centred d_s exceeds d = 0): a p-value only means something when there is a difference.

    HINT: drawing separate indices for A and B is the unpaired bootstrap: it ignores that both systems
    face the same hard sentences, and its interval is much wider. Without centring d_s, the count
    #{d_s > d} is about half of S whatever the systems, and p ~ 0.5 always.
    """
    stats_a, stats_b = np.asarray(stats_a), np.asarray(stats_b)      # (N, K) each
    if stats_a.shape != stats_b.shape or stats_a.ndim != 2:
        raise ValueError(f"stats_a {stats_a.shape} and stats_b {stats_b.shape} must both be (N segments, K stats)")
    raise NotImplementedError("Week 6, task 6.10: paired bootstrap test of B against A -> BootstrapResult(diff, p_value, interval).")
