"""Paired bootstrap resampling (Koehn 2004) between two systems, with sacreBLEU's semantics (week 6).

Question: system B scores 1.2 BLEU above system A on this test set. Would that hold on another test
set from the same source, or is it luck in which sentences were picked?
Bootstrap: build n_samples pseudo test sets by drawing N segments WITH replacement (the same draws
for both systems: that is the "paired" part) and score both systems on each.

  d        = |score_B - score_A| on the real test set
  d_s      = |score_B(s) - score_A(s)| on resample s = 1..S
  p-value  = (1 + #{s : d_s - mean(d_s) > d}) / (S + 1)
The d_s are centred on their mean to approximate the distribution of the difference under the null
hypothesis "no difference" (sacreBLEU's _paired_bs_test, after Moses'
bootstrap-hypothesis-difference-significance.pl; the +1 keeps p > 0). p < 0.05: the difference is
unlikely to be luck.
Quirk kept from sacreBLEU: when both systems score exactly the same (e.g. a system against itself),
every centred d_s is 0, none is > d = 0, and p = 1 / (S + 1), which looks "significant" but is not;
we return that value for fidelity and warn.
95% interval of a score: sort the S resampled scores, take the (S // 40)-th from each end (2.5% and
97.5%); sacreBLEU prints the mean and half that width: "mu = 12.30 +- 0.45".

Speed: for corpus_bleu and corpus_chrf (or functools.partial of them) each segment's sufficient
statistics are computed once and resamples only add them up, as sacreBLEU does; any other metric_fn
(hyps, references_list) -> score is called on every resampled corpus (slow but general).
With seed=12345 (SACREBLEU_SEED's default) the draws are the ones sacreBLEU makes, so p-values and
intervals equal sacreBLEU's `--paired-bs` (up to its float32 statistics).

Does not handle: approximate randomization (sacreBLEU --paired-ar), more than two systems at once
(compare each against the baseline, and correct for multiple comparisons yourself).
"""
import functools
import warnings
from dataclasses import dataclass

import numpy as np

from . import bleu, chrf


@dataclass
class PairedBootstrapResult:
    """Real scores, resampled means and 95% intervals (lower, upper) of A, B and B - A, and the p-value."""
    score_a: float
    score_b: float
    p_value: float
    mean_a: float
    mean_b: float
    interval_a: tuple
    interval_b: tuple
    diff: float              # score_b - score_a on the real test set
    diff_mean: float
    diff_interval: tuple     # 95% interval of score_b - score_a over resamples
    n_samples: int
    seed: int

    @property
    def ci_a(self) -> float:
        """Half-width of A's interval (sacreBLEU's '+-')."""
        return 0.5 * (self.interval_a[1] - self.interval_a[0])

    @property
    def ci_b(self) -> float:
        return 0.5 * (self.interval_b[1] - self.interval_b[0])

    def __str__(self):
        return (f"A: {self.score_a:.2f} (mu = {self.mean_a:.2f} +- {self.ci_a:.2f})\n"
                f"B: {self.score_b:.2f} (mu = {self.mean_b:.2f} +- {self.ci_b:.2f})\n"
                f"B - A: {self.diff:+.2f}, 95% interval [{self.diff_interval[0]:+.2f}, {self.diff_interval[1]:+.2f}]"
                f", p = {self.p_value:.4f} (paired bootstrap, {self.n_samples} samples, seed {self.seed})")


def percentile_interval(scores: np.ndarray):
    """(mean, (lower, upper)): the (S // 40)-th smallest and largest of S scores, as sacreBLEU."""
    s = np.sort(np.asarray(scores, dtype=np.float64))    # (S,)
    lo = len(s) // 40
    return float(s.mean()), (float(s[lo]), float(s[len(s) - lo - 1]))


def _stats_scorer(metric_fn, kwargs):
    """(segment-stats fn, stats -> score fn) for the metrics we can resample fast, else None."""
    if metric_fn is bleu.corpus_bleu:
        tok = {k: kwargs.pop(k) for k in ("tokenize", "lowercase") if k in kwargs}
        kwargs.pop("force", None)
        sm = {"smooth_method": kwargs.pop("smooth_method", "exp"), "smooth_value": kwargs.pop("smooth_value", None),
              "effective_order": kwargs.pop("use_effective_order", False)}
        if kwargs:
            raise TypeError(f"corpus_bleu got unexpected arguments {sorted(kwargs)}")
        return (lambda h, r: bleu.corpus_segment_stats(h, r, **tok)[0],
                lambda s: bleu.bleu_from_stats(s, **sm).score)
    if metric_fn is chrf.corpus_chrf:
        opts = dict(char_order=6, word_order=0, beta=2, eps_smoothing=False)
        opts.update(kwargs)
        n_orders = opts["char_order"] + opts["word_order"]
        return (lambda h, r: chrf.corpus_segment_stats(h, r, **opts)[0],
                lambda s: chrf.chrf_from_stats(s, n_orders, opts["beta"], opts["eps_smoothing"]))
    return None


def _as_score(x) -> float:
    return float(x.score if hasattr(x, "score") else x)


def paired_bootstrap(metric_fn, hyps_a, hyps_b, refs, n_samples: int = 1000, seed: int = 0,
                     **metric_kwargs) -> PairedBootstrapResult:
    """Paired bootstrap test of system B against baseline A on the same segments and references.

    metric_fn: corpus_bleu, corpus_chrf (options via metric_kwargs or functools.partial), or any
    callable (hypotheses, references_list) -> score or object with .score.
    refs: reference streams in sacreBLEU's layout, [[ref1 of every segment], [ref2 ...], ...].
    """
    if not callable(metric_fn):
        raise TypeError(f"metric_fn must be callable, e.g. corpus_bleu, got {type(metric_fn).__name__}")
    if len(hyps_a) != len(hyps_b):
        raise ValueError(f"the systems have {len(hyps_a)} and {len(hyps_b)} outputs; a paired test needs "
                         "one output per segment from each system")
    if not isinstance(n_samples, int) or n_samples < 1:
        raise ValueError(f"n_samples must be a positive int (1000 is usual), got {n_samples!r}")
    fn, kwargs = metric_fn, dict(metric_kwargs)
    if isinstance(fn, functools.partial) and not fn.args:      # corpus_bleu with options bound
        fn, kwargs = fn.func, {**fn.keywords, **kwargs}
    n = len(hyps_a)

    rng = np.random.default_rng(seed)
    idxs = rng.choice(n, size=(n_samples, n), replace=True)    # (S, N) segment draws, shared by A and B

    fast = _stats_scorer(fn, dict(kwargs))
    if fast is not None:
        seg_stats, score_of = fast
        scores = []
        for hyps in (hyps_a, hyps_b):
            st = np.asarray(seg_stats(hyps, refs), dtype=np.int64)            # (N, K) exact integer counts
            real = score_of([int(v) for v in st.sum(0)])
            boot = np.array([score_of([int(v) for v in st[ix].sum(0)]) for ix in idxs])   # (S,)
            scores.append((real, boot))
    else:
        scores = []
        for hyps in (hyps_a, hyps_b):
            real = _as_score(fn(hyps, refs, **kwargs))
            boot = np.array([_as_score(fn([hyps[i] for i in ix], [[s[i] for i in ix] for s in refs], **kwargs))
                             for ix in idxs])                                  # (S,)
            scores.append((real, boot))
    (real_a, boot_a), (real_b, boot_b) = scores

    d = abs(real_b - real_a)
    sample_diffs = np.abs(boot_b - boot_a)                     # (S,)
    centred = sample_diffs - sample_diffs.mean()               # null distribution of |B - A|
    p = (int(np.sum(centred > d)) + 1) / (n_samples + 1)
    if d == 0:
        warnings.warn(f"the two systems score exactly the same ({real_a:.4f}); the bootstrap p-value is then "
                      f"1/(n_samples+1) = {p:.4f} by sacreBLEU's formula, which does NOT mean a significant "
                      "difference (there is none)", stacklevel=2)

    mean_a, int_a = percentile_interval(boot_a)
    mean_b, int_b = percentile_interval(boot_b)
    diff_mean, int_d = percentile_interval(boot_b - boot_a)
    return PairedBootstrapResult(real_a, real_b, p, mean_a, mean_b, int_a, int_b, real_b - real_a,
                                 diff_mean, int_d, n_samples, seed)
