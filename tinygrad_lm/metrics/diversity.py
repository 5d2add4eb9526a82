"""Diversity of generated text: distinct-n (Li et al. 2016) and self-BLEU (Zhu et al. 2018) (week 6).

A model that answers "I don't know." to every prompt can score well on some overlap metrics; these
two numbers expose it. Neither looks at references.

distinct-n, two different numbers (papers report either, often without saying which):
  corpus         = |unique n-grams over ALL outputs| / total n-grams over all outputs
                   (a phrase repeated across outputs counts once in the numerator: catches a model
                   that says the same thing to everyone)
  sentence_mean  = mean over outputs of |unique n-grams in the output| / n-grams in the output
                   (only repetition inside one output lowers it; outputs shorter than n are skipped)
  Li et al. divide by the number of generated tokens; here the denominator is the number of n-grams,
  the more common choice in code (the two agree for n = 1).
self-BLEU = mean over outputs i of sentence BLEU(output i, references = all the other outputs)
  (higher = the outputs resemble each other = less diverse). BLEU here is sentence_bleu of bleu.py
  (13a, exp smoothing, effective order) unless told otherwise; Texygen's original uses NLTK's BLEU,
  so absolute values differ from papers that use it.

Handles: whitespace tokens or any bleu_tokenizers name for distinct-n; all sentence_bleu options for
self-BLEU, computed in one pass (for each n-gram the largest and second-largest count over outputs),
so 1,000 outputs take about a second instead of a million reference merges.
Does not handle: embedding-based diversity, n-gram entropy, subsampling (self-BLEU is O(N^2) in
the length comparisons only).
"""
from dataclasses import dataclass

from . import bleu
from .bleu_tokenizers import get_tokenizer


@dataclass
class DistinctN:
    """corpus: unique/total over all outputs pooled; sentence_mean: mean of per-output unique/total."""
    n: int
    corpus: float
    sentence_mean: float
    unique: int          # distinct n-grams over all outputs
    total: int           # n-grams over all outputs


def _tokens(text: str, tokenize):
    if not isinstance(text, str):
        raise TypeError(f"each output must be a str, got {type(text).__name__}")
    if tokenize is None:
        return text.split()
    if isinstance(tokenize, str):
        return get_tokenizer(tokenize)(text.rstrip()).split()
    return list(tokenize(text))


def _check_texts(texts, need: int):
    if isinstance(texts, str) or not hasattr(texts, "__len__"):
        raise TypeError(f"texts must be a list of strings (one per generated output), got {type(texts).__name__}")
    if len(texts) < need:
        raise ValueError(f"need at least {need} output(s), got {len(texts)}")


def distinct_n(texts, n: int = 1, tokenize=None) -> DistinctN:
    """distinct-n of a list of outputs; tokenize: None (whitespace), a BLEU tokenizer name, or a callable."""
    _check_texts(texts, 1)
    if not isinstance(n, int) or n < 1:
        raise ValueError(f"n must be an int >= 1, got {n!r}")
    pooled, total, ratios = set(), 0, []
    for text in texts:
        toks = _tokens(text, tokenize)
        grams = [tuple(toks[i:i + n]) for i in range(len(toks) - n + 1)]
        if not grams:
            continue                                   # shorter than n: no n-grams to be (non-)distinct
        pooled.update(grams)
        total += len(grams)
        ratios.append(len(set(grams)) / len(grams))
    corpus = len(pooled) / total if total else 0.0
    sentence_mean = sum(ratios) / len(ratios) if ratios else 0.0
    return DistinctN(n, corpus, sentence_mean, len(pooled), total)


def self_bleu(texts, tokenize="13a", lowercase=False, smooth_method="exp", smooth_value=None,
              use_effective_order=True) -> float:
    """Mean sentence BLEU (0..100) of each output against all the other outputs as references.

    Equal to mean(sentence_bleu(texts[i], texts[:i] + texts[i+1:], ...)) but computed in one pass.
    """
    _check_texts(texts, 2)
    for i, t in enumerate(texts):
        if not isinstance(t, str):
            raise TypeError(f"output {i} is {type(t).__name__}, expected str")
    tok = get_tokenizer(tokenize)
    counted = [bleu.extract_ngrams(bleu.preprocess(t, tok, lowercase)) for t in texts]   # [(Counter, len)]
    lens = [n_tok for _, n_tok in counted]

    # for each n-gram: (largest count, the output holding it, second-largest count)
    top = {}
    for i, (grams, _) in enumerate(counted):
        for g, c in grams.items():
            b1, owner, b2 = top.get(g, (0, -1, 0))
            if c > b1:
                top[g] = (c, i, b1)
            elif c > b2:
                top[g] = (b1, owner, c)

    total_score = 0.0
    for i, (grams, hyp_len) in enumerate(counted):
        correct, total = [0] * bleu.MAX_ORDER, [0] * bleu.MAX_ORDER
        for g, c in grams.items():
            b1, owner, b2 = top[g]
            ref_count = b2 if owner == i else b1        # max count over the OTHER outputs
            total[len(g) - 1] += c
            correct[len(g) - 1] += min(c, ref_count)
        ref_len = bleu.closest_ref_len(hyp_len, lens[:i] + lens[i + 1:])
        stats = [hyp_len, ref_len] + correct + total
        total_score += bleu.bleu_from_stats(stats, smooth_method, smooth_value, use_effective_order).score
    return total_score / len(texts)
