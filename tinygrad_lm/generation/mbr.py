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

An N-best list from beam search is nearly one summary N times; `sample_candidates` draws N
continuations of one prompt in one batch instead (the prompt is fed once and its KV cache copied to
N rows; each row then samples its own tokens until eos), the usual candidate set of MBR work.

Cost: |H| x (|E| - 1) utility calls (56 ROUGE-L computations for 8 candidates) on top of producing the
candidates. Ties go to the earlier candidate (with an N-best list: the more probable one).
Legend: N candidates, V vocabulary.
Omitted: weighting by model probability, separate hypothesis and evidence sets, pruned / coarse-to-fine MBR.
"""
import numpy as np

from ..metrics.rouge import RougeScorer
from ..models.gpt import KVCache
from ..tensor import no_grad
from .beam import banned_ngram_tokens, reorder_cache
from .sampling import sample


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


def sample_candidates(model, prompt_ids, n: int, max_new_tokens: int, temperature: float = 1.0, top_k=None,
                      top_p=None, eos_token_id=None, no_repeat_ngram_size: int = 0, rng=None) -> list:
    """n sampled continuations of one prompt, decoded side by side (batch n, one KV cache).

    Each row stops at its first eos (kept out of the result) or after max_new_tokens;
    no_repeat_ngram_size bans, per row, a token that would repeat an n-gram of that row's own new tokens.
    Returns n lists of new token ids."""
    if not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"sample_candidates: n must be a positive int, got {n!r}")
    if not isinstance(max_new_tokens, (int, np.integer)) or max_new_tokens < 1:
        raise ValueError(f"sample_candidates: max_new_tokens must be a positive int, got {max_new_tokens!r}")
    prompt = [int(i) for i in np.asarray(prompt_ids).reshape(-1)]
    if not prompt:
        raise ValueError("sample_candidates: the prompt must contain at least one token")
    if len(prompt) + max_new_tokens > model.config.block_size:
        raise ValueError(f"sample_candidates: prompt ({len(prompt)}) + max_new_tokens ({max_new_tokens}) exceeds the "
                         f"context ({model.config.block_size}); shorten the prompt")
    was_training = model.training
    model.eval()
    try:
        with no_grad():
            cache = KVCache(model.config.n_layer)
            logits, _ = model(np.array([prompt], dtype=np.int64), kv_cache=cache)
            reorder_cache(cache, np.zeros(n, dtype=np.int64))              # the prompt's cache, n times
            last = np.repeat(logits.data[:, -1], n, axis=0).astype(np.float64)   # (N, V)
            rows, done = [[] for _ in range(n)], np.zeros(n, dtype=bool)
            for t in range(max_new_tokens):
                for b in range(n):
                    if no_repeat_ngram_size and not done[b]:
                        last[b, banned_ngram_tokens(rows[b], no_repeat_ngram_size)] = -np.inf
                nxt = sample(last, temperature, top_k, top_p, rng)        # (N,)
                for b in np.flatnonzero(~done):
                    if eos_token_id is not None and int(nxt[b]) == int(eos_token_id):
                        done[b] = True
                    else:
                        rows[b].append(int(nxt[b]))
                if done.all() or t == max_new_tokens - 1:
                    break
                logits, _ = model(nxt.astype(np.int64)[:, None], kv_cache=cache)   # (N, 1, V)
                last = logits.data[:, -1].astype(np.float64)
    finally:
        model.train(was_training)
    return rows
