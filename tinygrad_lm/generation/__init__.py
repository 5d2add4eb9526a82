"""Turning a model's next-token distribution into text.

sampling.py   temperature / top-k / top-p sampling of one id, and `generate_from_step` for any
              model given as a step(ids, state) -> (logits, state) function (the RNN weeks)
decoding.py   GPT decoding with a KV cache: `stream` (a generator of ids) and `generate`
decoder.py    `Decoder`: the same GPT math without autograd (gemv kernels, float16 or int8 weights)
beam.py       `beam_search`, equal to transformers' generate(num_beams=...)
mbr.py        minimum Bayes risk: the candidate with the highest mean utility (ROUGE) against the others
in_context.py k-shot prompts, log-likelihood ranking of candidates, exact match (GPT-3 section 2)
copy_constrained.py  copy-constrained decoding: logits masked so a reply is made of spans of given passages
span_select.py  sentence selection: the passage sentence the model scores highest as its reply
"""
from .sampling import generate_from_step, probs_from_logits, sample, top_k_filter, top_p_filter  # noqa: F401
from .decoding import apply_repetition_penalty, generate, stream  # noqa: F401
from .decoder import Decoder  # noqa: F401
from .beam import beam_search  # noqa: F401
