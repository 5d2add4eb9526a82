"""In-context learning: k-shot prompts, and two ways to read a frozen GPT's answer (GPT-3, section 2).

    prompt = kshot_prompt(train_pairs, "a dull, lifeless film", k=4, rng=rng)
    label, scores = rank_candidates(model, tok, prompt, [" negative", " positive"])      # log-likelihood
    text = generate_answer(model, tok, prompt, max_new_tokens=3)                          # exact match

Scoring by log-likelihood (GPT-3, Appendix G): for each candidate c,
    score(c) = sum_i log p(c_i | prompt, c_1 .. c_{i-1})            ("sum")
             = score(c) / len(c)                                    ("token": per-token mean)
and the answer is the argmax. One forward pass over prompt + candidate per candidate; the prompt is
cut from the LEFT if prompt + candidate is longer than the model's context (the query, at the end,
must stay). Generation + exact match decodes greedily and compares normalised text.

Legend: T tokens, V vocabulary.
The week-5 exercise (solutions/week5/in_context.py) writes build_prompt and candidate_logprob by
hand; this is the library version used by the project and the tests.
Does not handle: calibration (contextual calibration, Zhao et al. 2021), batching candidates.
"""
import numpy as np

from ..tensor import no_grad
from .decoding import generate

TEMPLATE = "Review: {text}\nSentiment: {label}"


def kshot_prompt(examples, query, k=None, template=TEMPLATE, instruction="", separator="\n\n", rng=None):
    """The instruction, k solved (text, label) examples (all of them when k is None; k drawn without
    replacement by rng when given), then the query with its label left open (trailing space stripped)."""
    examples = list(examples)
    if k is not None:
        if not 0 <= k <= len(examples):
            raise ValueError(f"kshot_prompt: k={k} but only {len(examples)} examples were given")
        if rng is None:
            raise ValueError("kshot_prompt: choosing k examples needs rng (np.random.default_rng(seed))")
        examples = [examples[i] for i in rng.choice(len(examples), size=k, replace=False)]
    parts = [instruction] if instruction else []
    parts += [template.format(text=t, label=lab) for t, lab in examples]
    parts.append(template.format(text=query, label="").rstrip())
    return separator.join(parts)


@no_grad()
def candidate_logprob(model, prompt_ids, candidate_ids, normalize: str = "sum") -> float:
    """log p(candidate | prompt) under a GPT-style model (model(idx) -> (logits, None)); normalize:
    "sum" or "token" (divided by the candidate's token count)."""
    if normalize not in ("sum", "token"):
        raise ValueError(f"normalize must be 'sum' or 'token', got {normalize!r}")
    cand = [int(i) for i in candidate_ids]
    if not cand:
        raise ValueError("candidate_logprob: the candidate encodes to no tokens")
    block = model.config.block_size
    if len(cand) >= block:
        raise ValueError(f"candidate of {len(cand)} tokens does not fit the context of {block}")
    prompt = [int(i) for i in prompt_ids][-(block - len(cand)):]            # keep the END of the prompt
    if not prompt:
        raise ValueError("candidate_logprob: the prompt encodes to no tokens")
    ids = np.array(prompt + cand, dtype=np.int64)[None, :]                  # (1, T)
    logits = model(ids)[0].data[0].astype(np.float64)                       # (T, V)
    logp = logits - logits.max(-1, keepdims=True)
    logp -= np.log(np.exp(logp).sum(-1, keepdims=True))
    rows = len(prompt) - 1 + np.arange(len(cand))                           # positions predicting cand
    total = float(logp[rows, cand].sum())
    return total / len(cand) if normalize == "token" else total


def rank_candidates(model, tok, prompt: str, candidates, normalize: str = "sum"):
    """(index of the most likely candidate string, [score per candidate]); ties: the first."""
    prompt_ids = tok.encode(prompt)
    scores = [candidate_logprob(model, prompt_ids, tok.encode(c), normalize) for c in candidates]
    return int(np.argmax(scores)), scores


def generate_answer(model, tok, prompt: str, max_new_tokens: int = 5, stop: str = "\n") -> str:
    """Greedy continuation of the prompt, cut at the first `stop` string, stripped."""
    ids = [int(i) for i in tok.encode(prompt)][-(model.config.block_size - max_new_tokens):]
    out = generate(model, ids, max_new_tokens, temperature=0.0)
    text = tok.decode([int(i) for i in out])
    return text.split(stop)[0].strip() if stop else text.strip()


def exact_match(prediction: str, label: str) -> bool:
    """Case- and whitespace-insensitive equality (GPT-3's exact match after normalisation)."""
    return " ".join(prediction.lower().split()) == " ".join(label.lower().split())
