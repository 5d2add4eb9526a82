# Generated from solutions/week6/perplexity.py by `tglm course build`: fill in the parts that raise NotImplementedError.
# Your edits are safe: the build refuses to overwrite this file unless --force; the reference is solutions/week6/perplexity.py.
"""Week 6: perplexity of a fixed-context model, done right, and bits per byte.

A GPT with a context of `window` tokens cannot see a whole book. Cut the text into disjoint chunks of
`window` tokens and the first tokens of every chunk are predicted from almost nothing: a pessimistic
score. Hugging Face's "Perplexity of fixed-length models" slides the window by `stride` tokens
instead, and each window scores only the tokens that no earlier window scored:

    for begin in 0, stride, 2 stride, ...:
        end   = min(begin + window, n)
        first = max(prev_end, begin + 1)         # new tokens only; the first token of the text is never scored
        score ids[t] for t in [first, end), each from the context ids[begin:t]
        prev_end = end;  stop once end == n

    total NLL = - sum over scored t of ln p(ids[t] | ids[begin:t])          (nats)
    perplexity = exp(total NLL / scored tokens)

stride == window gives the disjoint chunks; stride == 1 gives every token window - 1 tokens of context
(one model call per token); in between, every token gets at least window - stride tokens of context.

Perplexity is per TOKEN, so it depends on the tokenizer: a character model and a BPE model divide the
same total NLL by very different counts. What all models of the same text share is the text itself:
    bits per byte = total NLL (nats) / (ln 2 x UTF-8 bytes of the text)
which is comparable across tokenizers (Brown et al. 2020 and The Pile report it).

Legend: n tokens in the text, T window length, V vocabulary.
logprob_fn(ids (1, T) int64) -> (1, T, V) log-probabilities, position t predicting token t + 1.
Library version (batching, documents split at end-of-text, input checks): tinygrad_lm/metrics/perplexity.py.
Not here: batching several windows per call, documents, stride > window (tokens would go unscored).
"""
import math

import numpy as np


def window_spans(n, window, stride):
    """Task 6.1: the windows of Hugging Face's sliding-window loop -> [(begin, end, first_scored), ...].

    TODO: for a text of n tokens, a model context of `window` tokens and a step of `stride`
    (1 <= stride <= window), return the list of windows in order. Window k covers ids[begin:end]
    and scores the tokens first_scored .. end - 1. Every token 1 .. n-1 must be scored exactly once,
    token 0 never (nothing precedes it). Leave out windows that would score nothing, and stop after the
    window that reaches the end of the text (end == n).

    APPROACH: stuck? `tglm hint 6.1` shows the approach one step at a time.

    EXAMPLE: window_spans(10, 4, 2) == [(0, 4, 1), (2, 6, 4), (4, 8, 6), (6, 10, 8)]
             window_spans(10, 4, 4) == [(0, 4, 1), (4, 8, 5), (8, 10, 9)]   (disjoint chunks)
             window_spans(1, 4, 2) == []

    HINT: the second window (2, 6) has context 2, 3 but must not score them again: they were scored by
    the first window. Scoring from begin + 1 in every window counts the overlap twice.
    """
    raise NotImplementedError("Week 6, task 6.1: the windows of Hugging Face's sliding-window loop -> [(begin, end, first_scored), ...].")


def sliding_window_nll(logprob_fn, ids, window, stride):
    """Task 6.2: total NLL (nats) of a text under a fixed-context model, and how many tokens were scored.

    TODO: return (total_nll, n_scored) as (float, int). For every (begin, end, first) of
    window_spans(len(ids), window, stride): call logprob_fn on ids[begin:end] as a (1, T) batch, and
    add -log p of each token t in [first, end). Position j of the window's output predicts the token
    at j + 1, so token t (text position) is read at window position t - 1 - begin.

    APPROACH: stuck? `tglm hint 6.2` shows the approach one step at a time.

    EXAMPLE: a model that gives every token probability 1/V: sliding_window_nll(...) ==
             ((n - 1) ln V, n - 1) for any window and stride; perplexity = exp(total / n_scored) = V.

    HINT: lp[t - begin] would read the prediction made AFTER seeing token t (the model would be
    scored on the next token instead of t): the result then depends on the wrong targets.
    """
    ids = np.asarray(ids, dtype=np.int64)                            # (n,)
    raise NotImplementedError("Week 6, task 6.2: total NLL (nats) of a text under a fixed-context model, and how many tokens were scored.")


def bits_per_byte(nll_nats, text):
    """Task 6.3: the NLL of a text in bits per UTF-8 byte, the tokenizer-free way to compare models.

    TODO: return nll_nats / (ln 2 x number of UTF-8 bytes of text) as a float. Raise ValueError if the
    text is empty (a rate per byte of nothing is undefined).

    APPROACH: stuck? `tglm hint 6.3` shows the approach one step at a time.

    EXAMPLE: bits_per_byte(8 * math.log(2), "abcd") == 2.0      (8 bits over 4 bytes)
             bits_per_byte(math.log(2), "é") == 0.5             ("é" is 2 bytes in UTF-8)

    HINT: len(text) counts characters, not bytes: "naïve" has 5 characters and 6 bytes. And a
    perplexity is per token: a BPE model's ppl 14.7 and a character model's ppl 3.1 are not comparable,
    but total NLL / bytes is, since all models read the same bytes.
    """
    raise NotImplementedError("Week 6, task 6.3: the NLL of a text in bits per UTF-8 byte, the tokenizer-free way to compare models.")
