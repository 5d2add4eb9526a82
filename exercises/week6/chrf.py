# Generated from solutions/week6/chrf.py by `tglm course build`: fill in the parts that raise NotImplementedError.
# Your edits are safe: the build refuses to overwrite this file unless --force; the reference is solutions/week6/chrf.py.
"""Week 6: chrF (Popović 2015), the character n-gram F-score, equal to sacreBLEU's default chrF2.

BLEU matches whole words: "Hunde" against "Hund" is simply wrong. chrF compares character n-grams
(n = 1..6, spaces removed), so a word with the right stem and the wrong ending still earns most of
its n-grams; it correlates better with human judgement for morphologically rich languages like German.

For each order n, from counts summed over the corpus (one reference per segment here):
    matches_n = sum over segments of sum_g min(count of g in hypothesis, count of g in reference)
    P_n = matches_n / hypothesis n-grams_n,     R_n = matches_n / reference n-grams_n
Then (sacreBLEU's "effective order") average P and R over the orders where both the hypothesis and the
reference side have n-grams, and combine once:
    chrF_beta = 100 x (1 + beta^2) P R / (beta^2 P + R)        beta = 2: recall weighs more
A detail kept from sacreBLEU: in a segment whose reference has no n-grams of order n (shorter than n
characters), the hypothesis's n-grams of that order are not counted either.

Legend: N segments.
Library version (several references, chrF++ word n-grams, lowercase, whitespace, eps smoothing,
signature): tinygrad_lm/metrics/chrf.py. Not here: several references, word n-grams (chrF++).
"""
from collections import Counter


def char_ngrams(text, n):
    """Counter of the character n-grams of text with all whitespace removed:
    char_ngrams("a cat", 2) -> {'ac': 1, 'ca': 1, 'at': 1}."""
    s = "".join(text.split())
    return Counter(s[i:i + n] for i in range(len(s) - n + 1))


def chrf(hypotheses, references, char_order=6, beta=2):
    """Task 6.7: corpus chrF (0..100) of N hypothesis strings against N reference strings.

    TODO: for each order n = 1..char_order, sum over segments: the hypothesis n-grams (only in segments
    whose reference has n-grams of that order), the reference n-grams, and the matches
    sum_g min(hyp[g], ref[g]). Then P_n, R_n as in the module docstring; average P and R over the
    orders where both summed counts are > 0; return 100 (1 + b^2) P R / (b^2 P + R) with b = beta
    (0.0 if no order counts, or if P + R == 0).

    APPROACH: stuck? `tglm hint 6.7` shows the approach one step at a time.

    EXAMPLE: chrf(["the cat"], ["the cats"]) == 77.57 (P = 1 at every order; R = 6/7, 5/6, ..., 1/2,
             mean 0.7345: 5 x 0.7345 / (4 + 0.7345));
             chrf(["a"], ["b"]) == 0.0

    HINT: beta weighs RECALL: with P = 1, R = 0.8 and beta = 2 chrF is 83.3, not 95.2 (that would be
    recall and precision swapped). Average P and R over the orders first, then take one F-score: the
    mean of six per-order F-scores is a different metric (chrF++.py's, used by NLTK).
    """
    if len(hypotheses) != len(references):
        raise ValueError(f"{len(hypotheses)} hypotheses but {len(references)} references (one per segment)")
    raise NotImplementedError("Week 6, task 6.7: corpus chrF (0..100) of N hypothesis strings against N reference strings.")
