# Generated from solutions/week6/bleu.py by `tglm course build`: fill in the parts that raise NotImplementedError.
# Your edits are safe: the build refuses to overwrite this file unless --force; the reference is solutions/week6/bleu.py.
"""Week 6: BLEU (Papineni et al. 2002) from its parts, equal to sacreBLEU's default corpus_bleu.

    BLEU = BP x exp( (1/4) sum_{n=1..4} ln p_n )                                  (0..100 with p_n in %)
    p_n  = 100 x clipped n-gram matches / hypothesis n-grams, summed over the WHOLE corpus
           clipped match of an n-gram = min(count in hypothesis, max count in any ONE reference)
    BP   = 1 if c >= r else exp(1 - r / c)      (0 if c == 0)
           c = total hypothesis length, r = sum over segments of the reference length closest to that
           segment's hypothesis length (ties: the shorter reference)

Clipping stops "the the the the the the the" from scoring 7/7 unigram precision against "the cat is
on the mat" (it scores 2/7: "the" appears at most twice in a reference). The brevity penalty stops a
one-word output from winning on precision alone. Corpus BLEU adds up the counts of all segments and
applies the formula once: it is NOT the mean of sentence BLEUs (see the README's pitfall section).

Smoothing (sacreBLEU's default "exp", mteval's method): the k-th order that has hypothesis n-grams but
zero matches gets p_n = 100 / (2^k x hypothesis n-grams) instead of 0 (k = 1 for the first such order).
An order with no hypothesis n-grams at all (every output shorter than n words) makes BLEU 0; so does a
corpus with no match at all.

Tokens: sacreBLEU's 13a tokenizer (the library's, tinygrad_lm/metrics/bleu_tokenizers.py), which splits
punctuation off words, so "mat." is "mat ." and matches "mat".
Legend: N segments, R references per segment.
Library version (smoothing methods, effective order, lowercase, tokenizers, signature):
tinygrad_lm/metrics/bleu.py. Not here: other smoothing, effective order, orders other than 4.
"""
import math
from collections import Counter

from tinygrad_lm.metrics.bleu_tokenizers import get_tokenizer

MAX_ORDER = 4
_TOKENIZE_13A = get_tokenizer("13a")


def tokenize(text):
    """sacreBLEU's default 13a tokenization into a list of tokens: 'the mat.' -> ['the', 'mat', '.']."""
    return _TOKENIZE_13A(text.rstrip()).split()


def ngram_counts(tokens, n):
    """Counter of the n-gram tuples of a token list: ngram_counts(['a', 'b', 'a', 'b'], 2) ->
    {('a', 'b'): 2, ('b', 'a'): 1}."""
    return Counter(tuple(tokens[i:i + n]) for i in range(len(tokens) - n + 1))


def modified_precision(hypothesis, references, n):
    """Task 6.4: BLEU's clipped n-gram matches of one segment -> (clipped matches, hypothesis n-grams).

    TODO: hypothesis is a list of tokens, references a list of token lists (R >= 1). Return two ints:
    the number of hypothesis n-grams that match, each n-gram counted at most as often as it appears in
    the reference where it is most frequent, and the total number of hypothesis n-grams.

    APPROACH: stuck? `tglm hint 6.4` shows the approach one step at a time.

    EXAMPLE (Papineni et al.'s): hypothesis "the the the the the the the", references
             "the cat is on the mat" and "there is a cat on the mat", n = 1 -> (2, 7)

    HINT: clip by the MAXIMUM over references, not by the sum: with two references containing "the"
    twice and once, "the" may match 2 times, not 3. A Counter per reference and `|` (the union of two
    Counters keeps the larger count) builds max_ref.
    """
    raise NotImplementedError("Week 6, task 6.4: BLEU's clipped n-gram matches of one segment -> (clipped matches, hypothesis n-grams).")


def closest_ref_len(hyp_len, ref_lens):
    """Task 6.5: the reference length BLEU compares a hypothesis length with.

    TODO: return the element of ref_lens closest to hyp_len; on a tie (one shorter and one longer by
    the same amount) the shorter one.

    APPROACH: stuck? `tglm hint 6.5` shows the approach one step at a time.

    EXAMPLE: closest_ref_len(10, [8, 12, 20]) == 8;  closest_ref_len(11, [8, 12]) == 12

    HINT: a tie must go to the shorter reference (sacreBLEU and the original mteval script do this).
    """
    raise NotImplementedError("Week 6, task 6.5: the reference length BLEU compares a hypothesis length with.")


def brevity_penalty(sys_len, ref_len):
    """Task 6.5: BLEU's brevity penalty from the corpus's total hypothesis and reference lengths.

    TODO: return 1.0 if sys_len >= ref_len, 0.0 if sys_len == 0, else exp(1 - ref_len / sys_len).

    EXAMPLE: brevity_penalty(9, 10) == exp(1 - 10/9) ~ 0.8948;  brevity_penalty(12, 10) == 1.0

    HINT: the penalty only punishes SHORT output (precision already punishes extra words); it never
    exceeds 1. exp(1 - c / r) is the inverse mistake: it rewards output shorter than the reference.
    """
    raise NotImplementedError("Week 6, task 6.5: BLEU's brevity penalty from the corpus's total hypothesis and reference lengths.")


def bleu_from_counts(matches, totals, sys_len, ref_len):
    """Task 6.6: corpus BLEU (0..100) from counts summed over all segments, with sacreBLEU's exp smoothing.

    TODO: matches[n-1], totals[n-1] are the corpus's clipped matches and hypothesis n-grams of order
    n = 1..4; sys_len and ref_len the corpus's hypothesis and (closest) reference lengths. Return
        BLEU = brevity_penalty(sys_len, ref_len) x exp( mean_n ln p_n ),   p_n = 100 matches_n / totals_n
    with these special cases (as sacreBLEU): no match of any order -> 0.0; an order with totals_n == 0
    -> 0.0; the k-th order (counting from 1) with matches_n == 0 < totals_n gets
    p_n = 100 / (2^k totals_n).

    APPROACH: stuck? `tglm hint 6.6` shows the approach one step at a time.

    EXAMPLE: bleu_from_counts([9, 6, 4, 2], [10, 9, 8, 7], 10, 10) == 100 (0.9 x 6/9 x 4/8 x 2/7)^(1/4)
             = 54.108;  bleu_from_counts([9, 6, 4, 0], [10, 9, 8, 7], 10, 10) uses p_4 = 100 / (2 x 7):
             38.260

    HINT: average the LOGS (a geometric mean), not the precisions; and the counts are sums over the
    corpus: the mean of per-sentence BLEUs is a different (and larger) number.
    """
    raise NotImplementedError("Week 6, task 6.6: corpus BLEU (0..100) from counts summed over all segments, with sacreBLEU's exp smoothing.")


def corpus_bleu(hypotheses, references):
    """Corpus BLEU of N hypothesis strings; references[i] is the list of reference strings of segment i.

    (Given code: the counting loop that makes BLEU a corpus metric.) Note the layout differs from
    sacreBLEU's parallel streams: here one list of references per segment.
    """
    if len(hypotheses) != len(references):
        raise ValueError(f"{len(hypotheses)} hypotheses but {len(references)} reference lists")
    matches, totals, sys_len, ref_len = [0] * MAX_ORDER, [0] * MAX_ORDER, 0, 0
    for hyp, refs in zip(hypotheses, references):
        h, rs = tokenize(hyp), [tokenize(r) for r in refs]
        for n in range(1, MAX_ORDER + 1):
            m, t = modified_precision(h, rs, n)
            matches[n - 1] += m                          # sum the counts over the corpus ...
            totals[n - 1] += t
        sys_len += len(h)
        ref_len += closest_ref_len(len(h), [len(r) for r in rs])
    return bleu_from_counts(matches, totals, sys_len, ref_len)   # ... then apply the formula once
