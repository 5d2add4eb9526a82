"""Beam search for a GPT-style model: the same hypotheses and scores as Hugging Face transformers'
`model.generate(input_ids, do_sample=False, num_beams=K, ...)`.

    seqs, scores = beam_search(model, prompt_ids, max_new_tokens=20, num_beams=4, eos_token_id=eos)
    seqs[0]      # the best hypothesis: a list of NEW token ids (the prompt is not repeated)

The algorithm (transformers 5.24.0, `GenerationMixin._beam_search`; the fixtures in
tests/fixtures/beam/ were recorded with it). Each of the K running beams b carries the sum of
log-probabilities of its tokens, s_b. One step:
  1. logp = log_softmax(logits)                     (K, V) per beam, then n-gram bans set -inf
  2. cand = s_b + logp[b, v]                        (K * V) every one-token continuation
  3. keep the best 2K of them (K * (1 + number of eos ids) with several eos ids), best first.
  4. a candidate "finishes" if its token is an eos id, or if the step reached max_new_tokens;
     it becomes a finished hypothesis ONLY if it ranks among the first K of the 2K (an eos ranked
     K+1..2K is dropped), with the length-normalised score
         score = sum_logprobs / length ** length_penalty
     where length = the number of NEW tokens, the eos included (the prompt does not count).
     The finished list keeps the K best scores.
  5. the next running beams are the K best candidates that did not finish (2K >= K + #eos
     candidates, so there are always K); the KV cache is reordered by each one's parent beam.
  6. stop after max_new_tokens steps, or earlier once K hypotheses are finished and
       early_stopping=True:    at once;
       early_stopping=False:   the best running beam cannot beat the worst finished one if it
                               ended now: s_best / t ** lp <= worst  (t = new tokens so far);
       early_stopping="never": the same test with the most favourable length: max_new_tokens
                               when lp > 0 (a longer hypothesis divides by more), t otherwise.
The result: the num_return_sequences best finished hypotheses, best first, with their scores.
Step 1 expands the prompt alone (transformers starts K copies scored 0, -1e9, -1e9, ...: the same
choice as long as the prompt has 2K allowed continuations; fewer is an error here).

What "length" means changed across transformers versions: the BeamHypotheses of the 4.2x-4.3x
releases divided by hyp.shape[-1] = prompt + generated tokens WITHOUT the eos; the rewrite used
here (5.x) divides by the generated tokens WITH the eos. Scores from one do not compare to the other.

num_beams=1 is greedy search, as in transformers (generate() dispatches it to greedy decoding):
the first eos ends it, whatever early_stopping says; its score is sum_logprobs / length ** lp.
no_repeat_ngram_size=n (transformers' NoRepeatNGramLogitsProcessor): a token that would complete
an n-gram already present in prompt + hypothesis gets log-probability -inf (no renormalisation).
no_repeat_ngram_scope="new" looks for the n-gram in the hypothesis only, not the prompt: what
transformers does for encoder-decoder models, whose decoder sees only its own output. A decoder-only
summarizer needs it: with "all" every n-gram of the dialogue is banned, so it cannot copy a name.
min_new_tokens=m (transformers' MinNewTokensLengthLogitsProcessor): while a hypothesis has fewer than
m new tokens (steps t <= m), every eos id gets log-probability -inf, so each one has >= m tokens before
its eos. The bans change which candidates exist, never the log-probabilities (scores) of the others.

Cost: the prompt is fed once (B=1), then one model call per step on (K, 1) tokens with the KV
cache (use_cache=False re-runs the whole (K, T) sequences: the same numbers, for testing).
Scores are float64 here, float32 in transformers: they agree to ~1e-5; a near-tie between two
candidates closer than that could rank differently (not seen on the fixtures).
Legend: K num_beams, V vocab, P prompt length, T tokens so far, H heads, D head size.
Does not handle: a batch of prompts (batch size 1 only), sampling (do_sample=True), diverse /
group / constrained beam search, repetition penalty or other logits processors, min_length counted
with the prompt (use min_new_tokens),
prompts + max_new_tokens longer than the model's block_size (no sliding window).
"""
import math
from typing import NamedTuple

import numpy as np

from ..models.gpt import KVCache
from .decoder import Decoder
from ..tensor import no_grad


class BeamSearchResult(NamedTuple):
    sequences: list          # num_return_sequences lists of new token ids, best first
    scores: np.ndarray       # (num_return_sequences,) float64: sum_logprobs / length ** length_penalty


def log_softmax(logits: np.ndarray) -> np.ndarray:
    """(N, V) -> (N, V) float64: x - max - log(sum(exp(x - max))), stable."""
    x = np.asarray(logits, dtype=np.float64)
    z = x - x.max(axis=-1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))


def banned_ngram_tokens(seq, n: int) -> list:
    """Tokens v such that seq[-(n-1):] + [v] is an n-gram already in seq (transformers' rule;
    nothing is banned while len(seq) + 1 < n)."""
    if n <= 0 or len(seq) + 1 < n:
        return []
    prefix = tuple(seq[len(seq) - n + 1:])
    return [seq[i + n - 1] for i in range(len(seq) - n + 1) if tuple(seq[i:i + n - 1]) == prefix]


def reorder_cache(cache: KVCache, parent: np.ndarray) -> None:
    """Row b of every layer's k, v becomes row parent[b] (k, v (B, H, T, D) -> (K, H, T, D))."""
    cache.k = [k[parent] for k in cache.k]
    cache.v = [v[parent] for v in cache.v]


def _check_args(model, prompt_ids, max_new_tokens, num_beams, length_penalty, no_repeat_ngram_size,
                eos_token_id, early_stopping, num_return_sequences, min_new_tokens=0, no_repeat_ngram_scope="all"):
    """Validate everything up front; returns (prompt list, eos tuple)."""
    def is_int(x):
        return isinstance(x, (int, np.integer)) and not isinstance(x, (bool, np.bool_))
    if isinstance(model, Decoder):
        raise TypeError("beam_search: a generation.Decoder holds one sequence (batch 1); pass the GPT itself, "
                        "beam search runs num_beams rows through its KV cache")
    cfg = getattr(model, "config", None)
    if cfg is None or not all(hasattr(cfg, a) for a in ("vocab_size", "block_size", "n_layer")):
        raise TypeError(f"beam_search: model must be a tinygrad_lm GPT (with .config vocab_size, block_size, "
                        f"n_layer), got {type(model).__name__}")
    V = cfg.vocab_size
    prompt = np.asarray(prompt_ids)
    if prompt.ndim == 2 and prompt.shape[0] == 1:
        prompt = prompt[0]
    if prompt.ndim != 1:
        raise ValueError(f"beam_search: prompt_ids must be one sequence (T,) or (1, T) (batch size 1 only), "
                         f"got shape {prompt.shape}; call beam_search once per prompt")
    if prompt.size == 0:
        raise ValueError("beam_search: the prompt must contain at least one token")
    if prompt.dtype.kind not in "iu":
        raise TypeError(f"beam_search: prompt_ids must be integer token ids, got dtype {prompt.dtype}")
    if prompt.min() < 0 or prompt.max() >= V:
        raise ValueError(f"beam_search: prompt token ids must be in [0, {V}), got range "
                         f"[{prompt.min()}, {prompt.max()}]")
    if not is_int(max_new_tokens) or max_new_tokens < 1:
        raise ValueError(f"beam_search: max_new_tokens must be an int >= 1, got {max_new_tokens!r}")
    if prompt.size + max_new_tokens > cfg.block_size:
        raise ValueError(f"beam_search: prompt ({prompt.size} tokens) + max_new_tokens ({max_new_tokens}) = "
                         f"{prompt.size + max_new_tokens} exceeds the model's context (block_size {cfg.block_size}); "
                         f"shorten the prompt or ask for fewer tokens")
    if not is_int(num_beams) or num_beams < 1:
        raise ValueError(f"beam_search: num_beams must be an int >= 1, got {num_beams!r}")
    if not is_int(num_return_sequences) or not 1 <= num_return_sequences <= num_beams:
        raise ValueError(f"beam_search: num_return_sequences must be an int in [1, num_beams={num_beams}], got "
                         f"{num_return_sequences!r} (beam search keeps only num_beams finished hypotheses)")
    if isinstance(length_penalty, bool) or not isinstance(length_penalty, (int, float, np.floating, np.integer)) \
            or not math.isfinite(length_penalty):
        raise ValueError(f"beam_search: length_penalty must be a finite number, got {length_penalty!r}")
    if not is_int(no_repeat_ngram_size) or no_repeat_ngram_size < 0:
        raise ValueError(f"beam_search: no_repeat_ngram_size must be an int >= 0 (0 = off), "
                         f"got {no_repeat_ngram_size!r}")
    if no_repeat_ngram_scope not in ("all", "new"):
        raise ValueError(f"beam_search: no_repeat_ngram_scope must be 'all' (prompt + hypothesis) or 'new' "
                         f"(hypothesis only), got {no_repeat_ngram_scope!r}")
    if not is_int(min_new_tokens) or min_new_tokens < 0:
        raise ValueError(f"beam_search: min_new_tokens must be an int >= 0 (0 = off), got {min_new_tokens!r}")
    if not (isinstance(early_stopping, bool) or early_stopping == "never"):
        raise ValueError(f"beam_search: early_stopping must be True, False or 'never', got {early_stopping!r}")
    if eos_token_id is None:
        eos = ()
    elif is_int(eos_token_id):
        eos = (eos_token_id,)
    elif isinstance(eos_token_id, (list, tuple)):
        eos = tuple(eos_token_id)
    else:
        eos = None                                      # a str, a float, ...: refused below
    if eos_token_id is not None and (not eos or not all(is_int(e) and 0 <= e < V for e in eos)):
        raise ValueError(f"beam_search: eos_token_id must be None, an int or a list of ints in [0, {V}) "
                         f"(the model's vocabulary), got {eos_token_id!r}")
    eos = tuple(int(e) for e in eos)
    keep = max(2, 1 + len(eos)) * num_beams
    if keep > V:
        raise ValueError(f"beam_search: each step keeps {keep} candidates (num_beams={num_beams} x "
                         f"{keep // num_beams}) but the vocabulary has only {V} tokens; lower num_beams")
    return [int(t) for t in prompt], eos


def beam_search(model, prompt_ids, max_new_tokens: int, num_beams: int = 4, length_penalty: float = 1.0,
                no_repeat_ngram_size: int = 0, eos_token_id=None, early_stopping=False,
                num_return_sequences: int = 1, use_cache: bool = True, min_new_tokens: int = 0,
                no_repeat_ngram_scope: str = "all") -> BeamSearchResult:
    """Beam search from one prompt (see the module docstring for the exact rules).

    prompt_ids (T,) or (1, T) ints; eos_token_id None, an int, or a list of ints;
    early_stopping True / False / "never"; min_new_tokens m bans eos for the first m steps;
    no_repeat_ngram_scope "all" (prompt + hypothesis, transformers' default) or "new".
    Returns BeamSearchResult(sequences, scores): the num_return_sequences best hypotheses (new tokens only, an eos included when one ended it)."""
    prompt, eos = _check_args(model, prompt_ids, max_new_tokens, num_beams, length_penalty,
                              no_repeat_ngram_size, eos_token_id, early_stopping, num_return_sequences,
                              min_new_tokens, no_repeat_ngram_scope)
    K, lp = num_beams, float(length_penalty)
    keep = max(2, 1 + len(eos)) * K                     # candidates kept per step
    eos_arr = np.array(eos, dtype=np.int64)
    was_training = model.training
    model.eval()
    try:
        with no_grad():
            return _search(model, prompt, max_new_tokens, K, lp, no_repeat_ngram_size, eos_arr, early_stopping,
                           num_return_sequences, keep, use_cache, min_new_tokens, no_repeat_ngram_scope == "new")
    finally:
        model.train(was_training)


def _search(model, prompt, max_new_tokens, K, lp, ngram, eos_arr, early_stopping, n_return, keep, use_cache,
            min_new=0, ngram_new_only=False):
    cache = KVCache(model.config.n_layer) if use_cache else None
    logits, _ = model(np.array([prompt], dtype=np.int64), kv_cache=cache)
    logits = logits.data[:, -1]                         # (1, V): step 1 expands the prompt alone
    beams = [[]]                                        # running hypotheses: new tokens of each beam
    sums = np.zeros(1, dtype=np.float64)                # (rows,) sum of log-probs of each beam
    finished = []                                       # [(score, tokens)], best first, at most K
    for t in range(1, max_new_tokens + 1):              # t = new tokens after this step
        logp = log_softmax(logits)                      # (rows, V)
        if ngram:
            for b, toks in enumerate(beams):
                logp[b, banned_ngram_tokens(toks if ngram_new_only else prompt + toks, ngram)] = -np.inf
        if t <= min_new and eos_arr.size:               # t - 1 new tokens so far < min_new_tokens
            logp[:, eos_arr] = -np.inf
        V = logp.shape[1]
        cand = (sums[:, None] + logp).reshape(-1)       # (rows * V,) score of beam b + token v
        top = np.argsort(-cand, kind="stable")[:keep]   # best first; ties: lower beam, lower id
        if not np.isfinite(cand[top]).all():
            raise ValueError(f"beam_search: at step {t} fewer than {keep} continuations are allowed "
                             f"(no_repeat_ngram_size={ngram} / min_new_tokens={min_new} ban the rest); lower num_beams "
                             f"or no_repeat_ngram_size")
        parent, token, score = top // V, top % V, cand[top]
        done = np.isin(token, eos_arr) | (t == max_new_tokens)          # (keep,)
        new = [(score[r] / t ** lp, beams[parent[r]] + [int(token[r])]) for r in range(K) if done[r]]
        if new:                                         # stable: on a tie the older hypothesis stays first
            finished = sorted(finished + new, key=lambda h: -h[0])[:K]
        if t == max_new_tokens:
            break
        alive = np.flatnonzero(~done)[:K]               # (K,) the best unfinished candidates
        beams = [beams[parent[r]] + [int(token[r])] for r in alive]
        sums = score[alive]
        if len(finished) == K and (K == 1 or early_stopping is True):
            break                                       # greedy ended at eos / K finished: stop at once
        if len(finished) == K:
            best_len = max_new_tokens if (early_stopping == "never" and lp > 0) else t
            if sums[0] / best_len ** lp <= finished[-1][0]:
                break                                   # no running beam can still enter the top K
        logits = _next_logits(model, cache, prompt, beams, parent[alive], token[alive])   # (K, V)
    finished = finished[:n_return]
    return BeamSearchResult([toks for _, toks in finished], np.array([s for s, _ in finished], dtype=np.float64))


def _next_logits(model, cache, prompt, beams, parent, token):
    """Logits (K, V) after each running beam. With the cache: reorder it by parent, feed (K, 1)."""
    if cache is not None:
        reorder_cache(cache, parent)
        logits, _ = model(token.astype(np.int64)[:, None], kv_cache=cache)    # (K, 1, V)
    else:
        logits, _ = model(np.array([prompt + b for b in beams], dtype=np.int64))   # (K, P + t, V)
    return logits.data[:, -1]
