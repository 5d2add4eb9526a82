"""BLEU (Papineni et al. 2002) exactly as sacreBLEU 2.x computes it (week 6).

BLEU = BP * exp( (1/N) * sum_n log p_n ),   N = 4, scores in 0..100
  p_n = 100 * clipped matches of n-grams / hypothesis n-grams          (modified precision, percent)
        clipped match of an n-gram = min(count in hypothesis, max count in any one reference)
  BP  = 1 if c >= r else exp(1 - r / c)   (brevity penalty; BP = 0 when c = 0)
        c = total hypothesis length, r = sum over segments of the reference length closest to the
        hypothesis length (ties go to the shorter reference)
Corpus BLEU sums matches, totals and lengths over all segments first, then applies the formula once;
it is NOT the mean of sentence BLEUs.

Smoothing (Chen & Cherry 2014), used when an order has no match:
  exp    (default, mteval "NIST" method 3): the k-th order with zero matches gets p_n = 100 / (2^k * total_n)
  floor  (method 1): p_n = 100 * smooth_value / total_n              (smooth_value defaults to 0.1)
  add-k  (method 2): for n > 1 add k to matches and totals            (k defaults to 1; the reported
         counts / totals include the added k, as in sacreBLEU)
  none   p_n = 0, log 0 taken as -9999999999, so BLEU = 0
If nothing matches at all (every p_n = 0) BLEU = 0 whatever the smoothing.
Effective order (default on for sentence BLEU): average only over the orders n for which the
hypothesis has n-grams (a 3-word hypothesis gets N = 3), instead of counting the rest as log 0.

Handles: the 13a / intl / char / none tokenizers (bleu_tokenizers.py), lowercasing, several
references per segment given as parallel streams, None entries in a stream (that segment simply has
one reference fewer; the signature then says nrefs:var), sacreBLEU's signature and printed line.
Does not handle: max n-gram order other than 4, zh / ja / ko tokenizers, reference caching across
systems, bootstrap confidence intervals (see significance.py).

Layout (sacreBLEU's): references_list = [[ref1 of segment 1, ref1 of segment 2, ...],   # stream 1
                                         [ref2 of segment 1, ref2 of segment 2, ...]]   # stream 2
"""
import math
import warnings
from collections import Counter
from dataclasses import dataclass

from .bleu_tokenizers import get_tokenizer

MAX_ORDER = 4
SMOOTH_DEFAULTS = {"none": None, "floor": 0.1, "add-k": 1, "exp": None}


def _version() -> str:
    from .. import __version__               # at call time: tinygrad_lm is fully imported by then
    return f"tinygrad_lm-{__version__}"


@dataclass
class BLEUScore:
    """One BLEU result; str() prints sacreBLEU's line `BLEU = 12.34 45.6/18.2/8.1/3.9 (BP = ...)`."""
    score: float
    counts: list           # clipped matches per order 1..4
    totals: list           # hypothesis n-grams per order 1..4
    precisions: list       # p_n in percent
    bp: float
    sys_len: int
    ref_len: int
    signature: str = ""
    name: str = "BLEU"

    @property
    def ratio(self) -> float:
        return self.sys_len / self.ref_len if self.ref_len else 0

    def format(self, width: int = 2, score_only: bool = False, with_signature: bool = False) -> str:
        sc = f"{self.score:.{width}f}"
        if score_only:
            return sc
        prec = "/".join(f"{p:.1f}" for p in self.precisions)
        head = f"{self.name}|{self.signature}" if with_signature else self.name
        return (f"{head} = {sc} {prec} (BP = {self.bp:.3f} ratio = {self.ratio:.3f} "
                f"hyp_len = {self.sys_len:d} ref_len = {self.ref_len:d})")

    def __str__(self):
        return self.format()


# ----------------------------------------------------------------------------- sufficient statistics
def preprocess(sent: str, tokenizer, lowercase: bool) -> str:
    """What sacreBLEU feeds to n-gram counting: optional lower(), strip the right end, tokenize."""
    if lowercase:
        sent = sent.lower()
    return tokenizer(sent.rstrip())


def extract_ngrams(line: str, max_order: int = MAX_ORDER):
    """(Counter of all 1..max_order-gram tuples, number of tokens) of a tokenized line."""
    tokens = line.split()
    ngrams = Counter(tuple(tokens[i:i + n]) for n in range(1, max_order + 1)
                     for i in range(len(tokens) - n + 1))
    return ngrams, len(tokens)


def closest_ref_len(hyp_len: int, ref_lens) -> int:
    """The reference length closest to hyp_len; on a tie the shorter one."""
    return min(ref_lens, key=lambda r: (abs(hyp_len - r), r))


def reference_info(refs):
    """Max count of each n-gram over the (tokenized) references of one segment, and their lengths."""
    merged, lens = Counter(), []
    for ref in refs:
        ngrams, n_tok = extract_ngrams(ref)
        lens.append(n_tok)
        for g, c in ngrams.items():
            if c > merged[g]:
                merged[g] = c
    return merged, lens


def segment_stats(hyp: str, ref_ngrams, ref_lens) -> list:
    """[hyp_len, ref_len, matches_1..4, totals_1..4] for one tokenized hypothesis (ints)."""
    hyp_ngrams, hyp_len = extract_ngrams(hyp)
    correct, total = [0] * MAX_ORDER, [0] * MAX_ORDER
    for g, c in hyp_ngrams.items():
        total[len(g) - 1] += c
        if g in ref_ngrams:
            correct[len(g) - 1] += min(c, ref_ngrams[g])
    return [hyp_len, closest_ref_len(hyp_len, ref_lens)] + correct + total


def _log(p: float) -> float:
    return -9999999999 if p == 0.0 else math.log(p)          # sacreBLEU's my_log


def bleu_from_stats(stats, smooth_method="exp", smooth_value=None, effective_order=False, signature=""):
    """BLEU from summed segment statistics [sys_len, ref_len, matches_1..4, totals_1..4]."""
    _check_smooth(smooth_method, smooth_value)
    if smooth_value is None:
        smooth_value = SMOOTH_DEFAULTS[smooth_method]
    sys_len, ref_len = int(stats[0]), int(stats[1])
    correct, total = list(stats[2:2 + MAX_ORDER]), list(stats[2 + MAX_ORDER:2 + 2 * MAX_ORDER])

    bp = 1.0
    if sys_len < ref_len:
        bp = math.exp(1 - ref_len / sys_len) if sys_len > 0 else 0.0
    precisions = [0.0] * MAX_ORDER
    if not any(correct):                                      # nothing matched: BLEU 0, no smoothing
        return BLEUScore(0.0, correct, total, precisions, bp, sys_len, ref_len, signature)

    smooth_mteval, eff_order = 1.0, MAX_ORDER
    for n in range(1, MAX_ORDER + 1):
        if smooth_method == "add-k" and n > 1:
            correct[n - 1] += smooth_value
            total[n - 1] += smooth_value
        if total[n - 1] == 0:                                 # hypotheses too short for this order
            break
        if effective_order:
            eff_order = n
        if correct[n - 1] == 0:
            if smooth_method == "exp":
                smooth_mteval *= 2                            # 1/2, 1/4, ... of one match
                precisions[n - 1] = 100. / (smooth_mteval * total[n - 1])
            elif smooth_method == "floor":
                precisions[n - 1] = 100. * smooth_value / total[n - 1]
        else:
            precisions[n - 1] = 100. * correct[n - 1] / total[n - 1]

    # geometric mean of the precisions (in percent) of the first eff_order orders
    score = bp * math.exp(sum([_log(p) for p in precisions[:eff_order]]) / eff_order)
    return BLEUScore(score, correct, total, precisions, bp, sys_len, ref_len, signature)


# ----------------------------------------------------------------------------- input checks
def _check_smooth(smooth_method, smooth_value):
    if smooth_method not in SMOOTH_DEFAULTS:
        raise ValueError(f"unknown smooth_method {smooth_method!r}; choose one of {list(SMOOTH_DEFAULTS)}")
    if smooth_value is not None and not isinstance(smooth_value, (int, float)):
        raise TypeError(f"smooth_value must be a number or None, got {type(smooth_value).__name__}")


def check_corpus(hypotheses, references_list):
    """(hyps, per-segment lists of references with None dropped, nrefs for the signature)."""
    if isinstance(hypotheses, str) or not hasattr(hypotheses, "__len__"):
        raise TypeError("hypotheses must be a list of strings, one per segment "
                        f"(got {type(hypotheses).__name__}; for one sentence use sentence_bleu / sentence_chrf)")
    if len(hypotheses) == 0:
        raise ValueError("hypotheses is empty: there is nothing to score")
    for i, h in enumerate(hypotheses):
        if not isinstance(h, str):
            raise TypeError(f"hypothesis {i} is {type(h).__name__}, expected str (an empty output is '')")
    if isinstance(references_list, str) or not hasattr(references_list, "__len__") or len(references_list) == 0:
        raise TypeError("references_list must be a non-empty list of reference streams, e.g. [refs] "
                        "for one reference per segment")
    if all(isinstance(s, str) for s in references_list):
        raise TypeError("references_list is a flat list of strings; it must be a list of streams: "
                        "wrap it as [refs] (one stream = one reference for every segment)")
    for k, stream in enumerate(references_list):
        if isinstance(stream, str) or not hasattr(stream, "__len__"):
            raise TypeError(f"reference stream {k} is {type(stream).__name__}, expected a list of strings")
        if len(stream) != len(hypotheses):
            raise ValueError(f"reference stream {k} has {len(stream)} segments but there are "
                             f"{len(hypotheses)} hypotheses; streams must be parallel to the hypotheses")
    per_segment = []
    for i, refs in enumerate(zip(*references_list)):
        for k, r in enumerate(refs):
            if r is not None and not isinstance(r, str):
                raise TypeError(f"reference {k} of segment {i} is {type(r).__name__}, expected str or None")
        kept = [r for r in refs if r is not None]
        if not kept:
            raise ValueError(f"segment {i} has no reference (every stream has None there)")
        per_segment.append(kept)
    counts = {len(r) for r in per_segment}
    return list(hypotheses), per_segment, (counts.pop() if len(counts) == 1 else "var")


def bleu_signature(nrefs, lowercase, effective_order, tokenize, smooth_method, smooth_value) -> str:
    """sacreBLEU's signature, e.g. nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:tinygrad_lm-0.1.0."""
    smooth = smooth_method
    if SMOOTH_DEFAULTS[smooth_method] is not None:
        value = SMOOTH_DEFAULTS[smooth_method] if smooth_value is None else smooth_value
        smooth += f"[{value:.2f}]"
    return (f"nrefs:{nrefs}|case:{'lc' if lowercase else 'mixed'}|eff:{'yes' if effective_order else 'no'}"
            f"|tok:{tokenize}|smooth:{smooth}|version:{_version()}")


def corpus_segment_stats(hypotheses, references_list, tokenize="13a", lowercase=False):
    """Per-segment statistics, a list of N lists [hyp_len, ref_len, m1..m4, t1..t4], and nrefs."""
    tok = get_tokenizer(tokenize)
    hyps, per_segment, nrefs = check_corpus(hypotheses, references_list)
    stats = []
    for hyp, refs in zip(hyps, per_segment):
        ref_ngrams, ref_lens = reference_info([preprocess(r, tok, lowercase) for r in refs])
        stats.append(segment_stats(preprocess(hyp, tok, lowercase), ref_ngrams, ref_lens))
    return stats, nrefs


# ----------------------------------------------------------------------------- public API
def corpus_bleu(hypotheses, references_list, tokenize="13a", lowercase=False, smooth_method="exp",
                smooth_value=None, use_effective_order=False, force=False) -> BLEUScore:
    """Corpus BLEU of hypotheses (list of N str) against references_list (list of streams of N str).

    Same defaults and result as sacrebleu.corpus_bleu; `.score` is in 0..100.
    force=False warns (like sacreBLEU) when >= 100 hypotheses end in ' .', a sign of tokenized input.
    """
    _check_smooth(smooth_method, smooth_value)
    stats, nrefs = corpus_segment_stats(hypotheses, references_list, tokenize, lowercase)
    if not force and sum(h.endswith(" .") for h in hypotheses) >= 100:
        warnings.warn("100 or more hypotheses end in ' .': the text looks tokenized, which lowers BLEU; "
                      "detokenize it, or pass force=True if it really is detokenized", stacklevel=2)
    summed = [sum(col) for col in zip(*stats)]                # (10,) corpus totals
    sig = bleu_signature(nrefs, lowercase, use_effective_order, tokenize, smooth_method, smooth_value)
    return bleu_from_stats(summed, smooth_method, smooth_value, use_effective_order, sig)


def sentence_bleu(hypothesis, references, tokenize="13a", lowercase=False, smooth_method="exp",
                  smooth_value=None, use_effective_order=True) -> BLEUScore:
    """BLEU of one hypothesis (str) against its references (list of str); effective order on by default."""
    if not isinstance(hypothesis, str):
        raise TypeError(f"hypothesis must be a str, got {type(hypothesis).__name__} (for a corpus use corpus_bleu)")
    if isinstance(references, str) or not hasattr(references, "__len__"):
        raise TypeError("references must be a list of strings, e.g. [ref] for a single reference")
    if len(references) == 0:
        raise ValueError("references is empty: give at least one reference string")
    return corpus_bleu([hypothesis], [[r] for r in references], tokenize, lowercase, smooth_method,
                       smooth_value, use_effective_order, force=True)
