"""Sentence selection: answer with the retrieved sentence the chat model finds most likely as its reply.

    cands = sentence_candidates(["Resume with `tglm train --resume RUN`. It reloads ..."])
    scores = score_replies(Decoder(model), prompt_ids, [tok.encode_ordinary(c) for c in cands], im_end)
    reply = cands[int(np.argmax(scores))]

The extractive twin of copy_constrained.py: instead of letting the model copy token by token, every
sentence of the passages in the prompt is scored as a whole reply, teacher-forced after the prompt:

    score(c) = (1 / (n + 1)) * [ sum_{j<n} log p(c_j | prompt, c_<j) + log p(<|im_end|> | prompt, c) ]

(mean log-likelihood per token, the reply's <|im_end|> included, so a sentence that the model would
end there scores higher; length-normalised, else the shortest sentence always wins). With a
baseline prompt (the same conversation with the question left out) the score becomes
score(c | prompt) - score(c | baseline): how much the QUESTION raises the sentence (pointwise mutual
information, "contextual calibration"), which discounts sentences the model likes regardless.
Costs: the prompt is fed once, then each candidate's tokens (the Decoder's cache is rolled back to
the prompt between candidates): ~(number of sentences x their length) tokens.
Legend: T tokens, V vocabulary.
Omissions: no sentence splitting beyond [.!?] + space and table cells; candidates longer than the
context leaves are cut to fit; the best two are returned in score order, not merged or deduplicated.
"""
import numpy as np

from .beam import log_softmax
from .copy_constrained import span_starts


def sentence_candidates(passages, max_chars: int = 300, min_chars: int = 12) -> list:
    """The sentences of the passages (whitespace collapsed), each cut to max_chars, shorter than
    min_chars dropped, duplicates dropped, in passage order."""
    if isinstance(passages, str):
        raise TypeError("sentence_candidates: passages is a list of strings, not one string")
    out = []
    for text in passages:
        text = " ".join(str(text).split())
        starts = span_starts(text, "sentence") + [len(text)]
        for a, b in zip(starts[:-1], starts[1:]):
            s = text[a:b].strip().rstrip("|").strip()
            if s.endswith(" ..."):
                s = s[:-4].rstrip()
            if len(s) >= min_chars and s[:max_chars] not in out:
                out.append(s[:max_chars])
    return out


def score_replies(dec, prompt_ids, candidates, end_id: int) -> np.ndarray:
    """Mean log p per token of each candidate (a list of id lists) + end_id as the reply after
    prompt_ids, teacher-forced with the Decoder dec (its cache is reset). -> (len(candidates),) float64;
    -inf for a candidate that does not fit the context at all."""
    prompt = [int(i) for i in prompt_ids]
    if not prompt:
        raise ValueError("score_replies: the prompt is empty")
    block = dec.config.block_size
    if len(prompt) >= block:
        raise ValueError(f"score_replies: the prompt has {len(prompt)} tokens, the context {block}")
    dec.reset()
    first = log_softmax(dec.forward(prompt))                            # (V,) for the reply's first token
    n0, out = dec.length, np.full(len(candidates), -np.inf)
    for i, cand in enumerate(candidates):
        ids = [int(t) for t in cand][:block - n0 - 1] + [int(end_id)]     # cut to fit, then <|im_end|>
        if len(ids) < 2:
            continue
        dec.truncate(n0)                                                  # roll the cache back to the prompt
        lp = log_softmax(dec.forward(ids[:-1], all_logits=True))          # (T-1, V): predicts ids[1:]
        total = first[ids[0]] + lp[np.arange(len(ids) - 1), ids[1:]].sum()
        out[i] = total / len(ids)
    dec.reset()
    return out


def select_reply(dec, prompt_ids, candidates_text, encode, end_id: int, n_best: int = 1,
                 baseline_ids=None) -> tuple:
    """-> (reply text, scores): the n_best highest-scoring candidate sentences joined by a space.
    baseline_ids: the prompt without the question; the score is then the difference (see above)."""
    if not candidates_text:
        return "", np.zeros(0)
    cands = [encode(c) for c in candidates_text]
    scores = score_replies(dec, prompt_ids, cands, end_id)
    if baseline_ids is not None:
        scores = scores - score_replies(dec, baseline_ids, cands, end_id)
    order = np.argsort(-scores, kind="stable")[:max(1, int(n_best))]
    return " ".join(candidates_text[i] for i in order), scores
