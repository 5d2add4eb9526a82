# Generated from solutions/week5/beam.py by `tglm course build`: fill in the parts that raise NotImplementedError.
# Your edits are safe: the build refuses to overwrite this file unless --force; the reference is solutions/week5/beam.py.
"""Week 5: one step of beam search, the decoding that summarizers and translators use.

Greedy decoding keeps one partial output; beam search keeps the K most likely (a "beam" of
hypotheses) and extends all of them each step:
    cand[k, v] = score[k] + log p(v | hypothesis k)          (K, V) candidates
    keep the K best of the K * V candidates -> new beam (which hypothesis it extends, which token)
Scores are sums of log-probabilities (log of the product of probabilities), so they only go down;
a finished hypothesis is later compared to others by score / length**length_penalty.
At the first step every hypothesis is the same prompt: give beams 1 .. K-1 a score of -inf so the
K best come from beam 0 (no duplicates), exactly as Hugging Face's generate() does.

Legend: K beams, V vocabulary.
Library version (eos handling, length penalty, no-repeat n-grams, KV cache, equal to transformers'
generate(num_beams=...)): tinygrad_lm/generation/beam.py.
Not here: finished hypotheses, length penalty, early stopping (see the library version).
"""
import numpy as np


def beam_step(beam_scores, next_logprobs, num_beams):
    """Task 5.7: extend K hypotheses by one token and keep the num_beams best.

    TODO: beam_scores (K,), next_logprobs (K, V) float. Return (scores, beam_idx, token_idx), each an
    array of length num_beams, best first: the num_beams largest values of
    beam_scores[:, None] + next_logprobs, the row (which beam) and column (which token) of each.
    Ties: the smaller flat index k * V + v first.

    APPROACH: stuck? `tglm hint 5.7` shows the approach one step at a time.

    EXAMPLE: scores [0, -inf], logprobs [[log .5, log .3, log .2], [...]], 2 beams
             -> scores [log .5, log .3], beams [0, 0], tokens [0, 1]

    HINT: add the beam's score before ranking: a token with probability 0.9 after a hypothesis of
    score -5 loses to a token with probability 0.2 after one of score -1.
    """
    raise NotImplementedError("Week 5, task 5.7: extend K hypotheses by one token and keep the num_beams best.")
