"""Minimum Bayes risk (MBR) decoding: among candidate outputs, pick the one the others agree with most.

Greedy and beam search return the output with the highest model probability; a metric such as ROUGE
rewards the output that shares most with the (unknown) reference. MBR decoding (Kumar & Byrne 2004;
Freitag et al. 2022, "High quality rather than high model probability") bridges the two: treat the
model's own candidates as samples of what the reference might be and choose

    y* = argmax_{y in H}  (1 / (|E| - 1)) sum_{e in E, e != y} u(y, e)

with H the hypotheses, E the "pseudo-references" (here H = E = the candidates) and u a utility, e.g.
ROUGE-L F1. With p(e) the model's probabilities one would weight each e by p(e); like most MBR work
for summarization we use uniform weights over an N-best list or over samples (the candidates were
already drawn according to the model).

    from tinygrad_lm.generation.mbr import mbr_select, rouge_utility
    seqs, _ = beam_search(model, ids, 40, num_beams=8, num_return_sequences=8, eos_token_id=eos)
    texts = [tok.decode(s) for s in seqs]
    best = texts[mbr_select(texts, rouge_utility("rougeL"))]

Cost: |H| x (|E| - 1) utility calls (56 ROUGE-L computations for 8 candidates) on top of producing the
candidates. Ties go to the earlier candidate (with an N-best list: the more probable one).
Omitted: weighting by model probability, separate hypothesis and evidence sets, pruned / coarse-to-fine MBR.
"""
import numpy as np

from ..metrics.rouge import RougeScorer


def expected_utility(candidates, utility) -> np.ndarray:
    """(N,) mean utility of each candidate against the N - 1 others: u[i] = mean_{j != i} utility(c_i, c_j).
    utility(hypothesis, pseudo_reference) -> float; it need not be symmetric (ROUGE-L F1 is)."""
    candidates = list(candidates)
    if not candidates:
        raise ValueError("mbr: no candidates to choose from")
    if not callable(utility):
        raise TypeError(f"mbr: utility must be a function (hypothesis, reference) -> float, got {type(utility).__name__}")
    n = len(candidates)
    if n == 1:
        return np.zeros(1)
    M = np.zeros((n, n))                                  # M[i, j] = u(c_i, c_j), diagonal unused
    for i in range(n):
        for j in range(n):
            if i != j:
                M[i, j] = float(utility(candidates[i], candidates[j]))
    if not np.all(np.isfinite(M)):
        raise ValueError("mbr: the utility returned a NaN or an infinity")
    return M.sum(axis=1) / (n - 1)                        # (N,)


def mbr_select(candidates, utility) -> int:
    """Index of the candidate with the highest expected utility (the first one on ties)."""
    return int(np.argmax(expected_utility(candidates, utility)))


def rouge_utility(rouge_type: str = "rougeL", use_stemmer: bool = True):
    """u(h, e) = ROUGE F1 of hypothesis h against pseudo-reference e (metrics/rouge.py, = rouge-score)."""
    scorer = RougeScorer([rouge_type], use_stemmer=use_stemmer)

    def utility(hypothesis: str, reference: str) -> float:
        return scorer.score(reference, hypothesis)[rouge_type].fmeasure
    return utility
