# Generated from solutions/week5/in_context.py by `tglm course build`: fill in the parts that raise NotImplementedError.
# Your edits are safe: the build refuses to overwrite this file unless --force; the reference is solutions/week5/in_context.py.
"""Week 5: in-context learning: a frozen language model "learns" a task from examples in its prompt.

GPT-3's claim (Brown et al. 2020, section 2 and Figure 1.2): write k solved examples and one
unsolved one into the prompt, and a large enough model continues with the answer, no gradient step
taken. Two ways to read the answer off the model:
  * generation + exact match: decode greedily after the prompt and compare the text;
  * ranking candidates by log-likelihood (how GPT-3 scores multiple-choice tasks, Appendix G): for
    each candidate answer c (e.g. " positive", " negative") compute
        log p(c | prompt) = sum over the tokens c_i of c of log p(c_i | prompt, c_1 .. c_{i-1})
    and pick the largest; "per-token normalised" divides by the number of tokens of c, so that long
    candidates are not punished for being long.

Legend: T tokens, V vocabulary.
The project script compares 0/1/4/8-shot prompts on rt_polarity with week 1's classifier.
Not here: calibration (Zhao et al. 2021), choosing which examples to show.
"""
import numpy as np

TEMPLATE = "Review: {text}\nSentiment: {label}"


def build_prompt(examples, query, template=TEMPLATE, instruction="", separator="\n\n"):
    """Task 5.5: a k-shot prompt: the instruction, k solved examples, then the query with its answer left open.

    TODO: examples is a list of (text, label) pairs, query a text. Format each example with
    template.format(text=..., label=...); format the query with label="" and strip the trailing
    whitespace that leaves (rstrip: the model must write the label itself); join all parts with the
    separator; put the instruction first if it is not empty.

    EXAMPLE: build_prompt([("great fun", "positive")], "so dull") ==
             "Review: great fun\\nSentiment: positive\\n\\nReview: so dull\\nSentiment:"

    HINT: zero-shot is examples = []: the prompt is then the instruction (if any) and the query.
    """
    raise NotImplementedError("Week 5, task 5.5: a k-shot prompt: the instruction, k solved examples, then the query with its answer left open.")


def candidate_logprob(logprob_fn, prompt_ids, candidate_ids, normalize=False):
    """Task 5.6: log p(candidate | prompt), summed over the candidate's tokens (or their mean).

    TODO: logprob_fn(ids) takes a 1-D int array of T ids and returns (T, V) log-probabilities, row t
    being the distribution of the token AFTER position t. Feed ids = prompt + candidate (one call);
    the candidate's token i sits at position len(prompt) + i and is predicted by row
    len(prompt) + i - 1. Sum those log-probabilities; with normalize=True divide by the number of
    candidate tokens.

    EXAMPLE: a prompt of 3 ids and a candidate [7, 9]: rows 2 and 3, columns 7 and 9:
             logp[2, 7] + logp[3, 9].

    HINT: the last row (predicting the token after the candidate) is not used; the first candidate
    token is predicted by the LAST prompt position, not by its own.
    """
    raise NotImplementedError("Week 5, task 5.6: log p(candidate | prompt), summed over the candidate's tokens (or their mean).")


def classify(logprob_fn, prompt_ids, candidates_ids, normalize=False):
    """The index of the most likely candidate (ties: the first) and every candidate's score."""
    scores = [candidate_logprob(logprob_fn, prompt_ids, c, normalize) for c in candidates_ids]
    return int(np.argmax(scores)), scores
