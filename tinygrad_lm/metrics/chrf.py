"""chrF (Popović 2015) and chrF++ (Popović 2017) exactly as sacreBLEU 2.x computes them (week 6).

chrF compares character n-grams (n = 1..6, spaces removed), so it gives partial credit for a word
with the right stem and the wrong ending, which BLEU's whole-word n-grams do not. chrF++ adds word
unigrams and bigrams (word_order=2).

For each order i (char orders 1..char_order, then word orders 1..word_order), from counts summed
over the corpus:  P_i = matches_i / hyp_ngrams_i,  R_i = matches_i / ref_ngrams_i
  default (sacreBLEU's "effective order"): average P and R over the orders where both the hypothesis
      and the reference have n-grams, then  chrF = 100 * (1 + b^2) P R / (b^2 P + R)   (b = beta = 2:
      recall weighs twice as much as precision)
  eps_smoothing=True (chrF++.py / NLTK / Moses): F_i per order with P or R = 1e-16 where undefined,
      chrF = 100 * mean_i F_i
Counting: a matched n-gram counts min(count in hypothesis, count in reference); when the reference
has no n-gram of an order, the hypothesis n-grams of that order are not counted either.
Several references: per segment, the reference giving the highest segment chrF is used (the first
one on ties); its counts enter the corpus sums.
Word n-grams (chrF++): whitespace tokens, one leading or trailing ASCII punctuation mark split off
('end.' -> 'end', '.'; '(hi)' -> '(hi', ')' as in sacreBLEU, issue #124).

Handles: beta, char / word orders, lowercase, whitespace=True (keep spaces inside char n-grams),
several references with None entries (as in bleu.py), sacreBLEU's signature.
Does not handle: reference caching across systems, bootstrap intervals (see significance.py).
"""
from collections import Counter
from dataclasses import dataclass

from .bleu import _version, check_corpus

_PUNCTS = set("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")


@dataclass
class CHRFScore:
    """One chrF result; str() prints sacreBLEU's line, e.g. `chrF2 = 16.34` or `chrF2++ = 40.12`."""
    score: float
    char_order: int
    word_order: int
    beta: float
    signature: str = ""

    @property
    def name(self) -> str:
        return f"chrF{self.beta}" + "+" * self.word_order

    def format(self, width: int = 2, score_only: bool = False, with_signature: bool = False) -> str:
        sc = f"{self.score:.{width}f}"
        if score_only:
            return sc
        return f"{self.name}|{self.signature} = {sc}" if with_signature else f"{self.name} = {sc}"

    def __str__(self):
        return self.format()


def char_ngrams(line: str, max_order: int, whitespace: bool = False) -> list:
    """[Counter of character n-grams for n = 1..max_order]; spaces are removed unless whitespace=True."""
    if not whitespace:
        line = "".join(line.split())
    return [Counter(line[i:i + n] for i in range(len(line) - n + 1)) for n in range(1, max_order + 1)]


def split_punctuation(sent: str) -> list:
    """chrF++ words: whitespace tokens with one leading OR trailing ASCII punctuation mark split off."""
    words = []
    for w in sent.split():
        if len(w) == 1:
            words.append(w)
        elif w[-1] in _PUNCTS:                                # trailing mark wins: '(hi)' -> '(hi', ')'
            words += [w[:-1], w[-1]]
        elif w[0] in _PUNCTS:
            words += [w[0], w[1:]]
        else:
            words.append(w)
    return words


def all_ngrams(sent: str, char_order: int, word_order: int, whitespace: bool) -> list:
    """Counters for char orders 1..char_order followed by word orders 1..word_order."""
    counters = char_ngrams(sent, char_order, whitespace)
    if word_order > 0:
        words = split_punctuation(sent)
        for n in range(1, word_order + 1):
            counters.append(Counter(" ".join(words[i:i + n]) for i in range(len(words) - n + 1)))
    return counters


def match_stats(hyp_ngrams: Counter, ref_ngrams: Counter) -> list:
    """[hypothesis n-grams, reference n-grams, clipped matches] for one order."""
    n_match, n_hyp = 0, 0
    for g, c in hyp_ngrams.items():
        n_hyp += c
        if g in ref_ngrams:
            n_match += min(c, ref_ngrams[g])
    return [n_hyp if ref_ngrams else 0, sum(ref_ngrams.values()), n_match]


def chrf_from_stats(stats, n_orders: int, beta: float = 2, eps_smoothing: bool = False) -> float:
    """chrF in 0..100 from [n_hyp, n_ref, n_match] * n_orders (flattened, summed over segments)."""
    eps = 1e-16
    score, effective_order, factor = 0.0, 0, beta ** 2
    avg_prec, avg_rec = 0.0, 0.0
    for i in range(n_orders):
        n_hyp, n_ref, n_match = stats[3 * i:3 * i + 3]
        prec = n_match / n_hyp if n_hyp > 0 else eps
        rec = n_match / n_ref if n_ref > 0 else eps
        denom = factor * prec + rec
        score += ((1 + factor) * prec * rec / denom) if denom > 0 else eps     # F_beta of order i
        if n_hyp > 0 and n_ref > 0:                                           # effective order
            avg_prec += prec
            avg_rec += rec
            effective_order += 1
    if eps_smoothing:
        return 100 * score / n_orders
    if effective_order == 0:
        avg_prec = avg_rec = 0.0
    else:
        avg_prec /= effective_order
        avg_rec /= effective_order
    if avg_prec + avg_rec:
        score = (1 + factor) * avg_prec * avg_rec
        score /= ((factor * avg_prec) + avg_rec)
        return 100 * score
    return 0.0


def _check_orders(char_order, word_order, beta):
    for name, v in (("char_order", char_order), ("word_order", word_order)):
        if not isinstance(v, int) or isinstance(v, bool) or v < 0:
            raise ValueError(f"{name} must be an int >= 0, got {v!r}")
    if char_order + word_order == 0:
        raise ValueError("char_order + word_order is 0: there are no n-grams to compare")
    if not isinstance(beta, (int, float)) or isinstance(beta, bool) or beta <= 0:
        raise ValueError(f"beta must be a positive number (2 gives chrF2), got {beta!r}")


def corpus_segment_stats(hypotheses, references_list, char_order=6, word_order=0, beta=2,
                         lowercase=False, whitespace=False, eps_smoothing=False):
    """Per-segment statistics (N lists of 3 * (char_order + word_order) ints) and nrefs."""
    _check_orders(char_order, word_order, beta)
    hyps, per_segment, nrefs = check_corpus(hypotheses, references_list)
    n_orders = char_order + word_order
    prep = (lambda s: s.lower()) if lowercase else (lambda s: s)
    stats = []
    for hyp, refs in zip(hyps, per_segment):
        hyp_ngrams = all_ngrams(prep(hyp), char_order, word_order, whitespace)
        best, best_f = None, -1.0
        for ref in refs:                                          # keep the best-scoring reference
            ref_ngrams = all_ngrams(prep(ref), char_order, word_order, whitespace)
            s = [x for h, r in zip(hyp_ngrams, ref_ngrams) for x in match_stats(h, r)]
            f = chrf_from_stats(s, n_orders, beta, eps_smoothing)
            if f > best_f:
                best, best_f = s, f
        stats.append(best)
    return stats, nrefs


def chrf_signature(nrefs, lowercase, eps_smoothing, char_order, word_order, whitespace) -> str:
    """sacreBLEU's chrF signature, e.g. nrefs:1|case:mixed|eff:yes|nc:6|nw:0|space:no|version:..."""
    return (f"nrefs:{nrefs}|case:{'lc' if lowercase else 'mixed'}|eff:{'no' if eps_smoothing else 'yes'}"
            f"|nc:{char_order}|nw:{word_order}|space:{'yes' if whitespace else 'no'}|version:{_version()}")


def corpus_chrf(hypotheses, references_list, char_order=6, word_order=0, beta=2, lowercase=False,
                whitespace=False, eps_smoothing=False) -> CHRFScore:
    """Corpus chrF (chrF2 by default; chrF++ with word_order=2) against parallel reference streams."""
    stats, nrefs = corpus_segment_stats(hypotheses, references_list, char_order, word_order, beta,
                                        lowercase, whitespace, eps_smoothing)
    summed = [sum(col) for col in zip(*stats)]                   # (3 * n_orders,) corpus totals
    score = chrf_from_stats(summed, char_order + word_order, beta, eps_smoothing)
    sig = chrf_signature(nrefs, lowercase, eps_smoothing, char_order, word_order, whitespace)
    return CHRFScore(score, char_order, word_order, beta, sig)


def sentence_chrf(hypothesis, references, char_order=6, word_order=0, beta=2, lowercase=False,
                  whitespace=False, eps_smoothing=False) -> CHRFScore:
    """chrF of one hypothesis (str) against its references (list of str)."""
    if not isinstance(hypothesis, str):
        raise TypeError(f"hypothesis must be a str, got {type(hypothesis).__name__} (for a corpus use corpus_chrf)")
    if isinstance(references, str) or not hasattr(references, "__len__"):
        raise TypeError("references must be a list of strings, e.g. [ref] for a single reference")
    if len(references) == 0:
        raise ValueError("references is empty: give at least one reference string")
    return corpus_chrf([hypothesis], [[r] for r in references], char_order, word_order, beta, lowercase,
                       whitespace, eps_smoothing)
