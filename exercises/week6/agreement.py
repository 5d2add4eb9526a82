# Generated from solutions/week6/agreement.py by `tglm course build`: fill in the parts that raise NotImplementedError.
# Your edits are safe: the build refuses to overwrite this file unless --force; the reference is solutions/week6/agreement.py.
"""Week 6: Cohen's kappa (Cohen 1960), agreement between two annotators beyond chance.

Two people label the same N items (e.g. "which summary is better: A, B or tie?"). Raw agreement p_o
flatters: if both say "A" 90% of the time, they agree on 82% of the items by chance alone. Kappa
subtracts what chance would give with each annotator's own label frequencies:

    p_o   = (1/N) #{i : a_i == b_i}                     observed agreement
    p_e   = sum_k p_a(k) p_b(k)                         chance agreement, p_a(k) = share of a's labels = k
    kappa = (p_o - p_e) / (1 - p_e)                     1 perfect, 0 chance level, < 0 worse than chance

kappa is undefined when p_e = 1 (both annotators used one and the same label throughout): return nan,
as scikit-learn does. Landis & Koch's often-quoted reading (0.41-0.60 "moderate", 0.61-0.80
"substantial") is a convention, not a law.

Legend: N items, K labels.
Library version (linear / quadratic weights for ordered labels, a label list, Fleiss' kappa for many
annotators), equal to scikit-learn's cohen_kappa_score: tinygrad_lm/metrics/agreement.py.
Not here: weights, Fleiss' kappa, missing labels.
"""
from collections import Counter


def cohen_kappa(a, b):
    """Task 6.8: Cohen's kappa between annotator a and annotator b (same N items, same order).

    TODO: a, b: sequences of N hashable labels (ints, strings). Return kappa as a float, nan if
    p_e == 1. Raise ValueError if the lengths differ or N == 0.

    APPROACH: stuck? `tglm hint 6.8` shows the approach one step at a time.

    EXAMPLE: a = ["A", "A", "B", "B"], b = ["A", "B", "B", "B"]:
             p_o = 3/4, p_e = (2/4)(1/4) + (2/4)(3/4) = 1/2, kappa = (3/4 - 1/2) / (1/2) = 0.5

    HINT: p_e uses each annotator's OWN frequencies. Pooling both into one distribution,
    p_e = sum_k ((ca[k] + cb[k]) / 2N)^2, gives Scott's pi, a different statistic.
    """
    raise NotImplementedError("Week 6, task 6.8: Cohen's kappa between annotator a and annotator b (same N items, same order).")
