# Generated from solutions/week5/summarize.py by `tglm course build`: fill in the parts that raise NotImplementedError.
# Your edits are safe: the build refuses to overwrite this file unless --force; the reference is solutions/week5/summarize.py.
"""Week 5: fine-tuning a decoder to summarize: one prompt format, and a loss on the summary only.

A decoder-only model summarizes by continuing a prompt:
    "<dialogue text>\nSummary:" + " <summary>" + <|endoftext|>
Trained like any language model, it would also learn to predict the dialogue itself, which is not
the task (and the dialogue is ~5x longer than the summary, so it would dominate the loss). So the
targets of every prompt position are set to -100, the ignore_index of cross_entropy: the loss (and
the gradient) comes only from the summary tokens and the closing <|endoftext|>, which teaches the
model to stop.
    ids     = prompt + summary + [eos]                      (n tokens)
    inputs  = ids[:-1]                                     targets = ids[1:]
    targets[t] = -100 while ids[t + 1] is still part of the prompt
A sequence longer than the model's context is cut from the LEFT of the prompt (the beginning of a
long dialogue is the least useful part; the summary and eos must stay).

Legend: T tokens.
The project script (python -m solutions.week5.summarization) trains and evaluates with it.
Not here: packing several examples into one window, padding masks.
"""
import numpy as np

IGNORE = -100


def summary_example(prompt_ids, summary_ids, eos_id, block_size):
    """Task 5.8: (inputs, targets), each an int64 array (T,), with the loss on the summary and eos only.

    TODO: ids = prompt + summary + [eos_id]. If len(ids) > block_size + 1, drop tokens from the START
    of the prompt until len(ids) == block_size + 1 (raise ValueError if even an empty prompt does not
    fit). inputs = ids[:-1], targets = ids[1:] with every target that is a prompt token set to IGNORE.

    EXAMPLE: prompt [5, 6, 7], summary [8, 9], eos 0, block_size 10 ->
             inputs [5, 6, 7, 8, 9], targets [-100, -100, 8, 9, 0]

    HINT: the last prompt position (7) predicts the FIRST summary token (8): that target is kept.
    With a prompt of length P, targets[0 .. P-2] are ignored, P - 1 targets in all.
    """
    raise NotImplementedError("Week 5, task 5.8: (inputs, targets), each an int64 array (T,), with the loss on the summary and eos only.")
