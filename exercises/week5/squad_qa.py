# Generated from solutions/week5/squad_qa.py by `tglm course build`: fill in the parts that raise NotImplementedError.
# Your edits are safe: the build refuses to overwrite this file unless --force; the reference is solutions/week5/squad_qa.py.
"""Week 5: extractive question answering, the two pieces around the model: picking the answer span
from start/end scores, and scoring it the way SQuAD does.

A span model gives every context token t two scores: start[t] (the answer begins here) and end[t]
(it ends here). The best answer is the pair s <= e with e - s + 1 <= max_len maximising
start[s] + end[e]; SQuAD v2 adds "no answer": the score start[0] + end[0] of a special position
(here: an explicit null score) competes with the best span, and wins if it is higher by more than a
threshold chosen on held-out questions.
Scoring (the official SQuAD v2.0 evaluate script): normalise both strings (lowercase, drop
punctuation, drop the articles a / an / the, collapse whitespace); exact match = equal after
normalising; F1 = the harmonic mean of token precision and recall counting each shared token as
often as it appears in both (a bag of words, not a set); max over the gold answers; an
unanswerable question's gold is [""] and only an empty prediction is right.

Legend: T context tokens.
Library version (the whole dataset, HasAns / NoAns splits, thresholds): tinygrad_lm/metrics/squad.py.
Not here: the model, doc-stride windowing (the project script does it).
"""
import collections
import re
import string

import numpy as np


def best_span(start_logits, end_logits, max_answer_len=30):
    """Task 5.11: the best valid answer span -> (start, end, score), inclusive token indices.

    TODO: start_logits, end_logits: (T,) float. Among all (s, e) with s <= e and e - s + 1 <=
    max_answer_len, return the one with the largest start_logits[s] + end_logits[e] and that score
    (a Python float). Ties: the smallest s, then the smallest e.

    APPROACH: stuck? `tglm hint 5.11` shows the approach one step at a time.

    EXAMPLE: start [0, 5, 1], end [0, 1, 4], max_answer_len=30 -> (1, 2, 9.0)
             the same with max_answer_len=1 -> (1, 1, 6.0)

    HINT: the unconstrained argmax of start and of end separately can give e < s: an invalid span.
    """
    raise NotImplementedError("Week 5, task 5.11: the best valid answer span -> (start, end, score), inclusive token indices.")


def normalize_answer(s):
    """Task 5.12: SQuAD's normalisation: lowercase, remove punctuation, remove articles, fix spaces.

    TODO: apply, in this order: lower(); remove every character of string.punctuation; replace the
    whole words a / an / the by a space (regex r"\\b(a|an|the)\\b"); collapse runs of whitespace to
    one space and strip (" ".join(text.split())).

    EXAMPLE: normalize_answer("The  Eiffel-Tower!") == "eiffeltower"
             normalize_answer("an apple a day") == "apple day"

    HINT: punctuation is removed BEFORE the articles: "the-end" -> "theend" keeps its "the".
    """
    raise NotImplementedError("Week 5, task 5.12: SQuAD's normalisation: lowercase, remove punctuation, remove articles, fix spaces.")


def f1_score(prediction, gold):
    """Task 5.13: SQuAD token F1 of one prediction against one gold answer (both strings).

    TODO: tokens = normalize_answer(x).split() for both. If either is empty, F1 is 1.0 when both are
    empty and 0.0 otherwise (unanswerable questions). Else common = the multiset intersection
    (collections.Counter(pred) & Counter(gold)); same = sum of its counts; 0.0 if same == 0; else
    precision = same / len(pred), recall = same / len(gold), F1 = 2 P R / (P + R).

    EXAMPLE: f1_score("the big red ball", "a red ball") == 0.8
             (tokens [big, red, ball] vs [red, ball]: same 2, P 2/3, R 1)

    HINT: a set intersection over-counts nothing but under-counts repeats: "ball ball" vs "ball"
    shares 1 token, not 2 and not 0.
    """
    raise NotImplementedError("Week 5, task 5.13: SQuAD token F1 of one prediction against one gold answer (both strings).")
