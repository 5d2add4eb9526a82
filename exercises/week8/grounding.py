# Generated from solutions/week8/grounding.py by `tglm course build`: fill in the parts that raise NotImplementedError.
# Your edits are safe: the build refuses to overwrite this file unless --force; the reference is solutions/week8/grounding.py.
"""Week 8: retrieval grounding. The best passages for a question go into the prompt, and the answer cites them.

A 7M-parameter model knows almost nothing about this course; the course documents do. So for each
user message the assistant ranks the course passages (BM25, task 8.3), keeps the top k, and writes
them into the system message the model reads before answering:

    You are the course assistant of tinygrad_lm. Answer briefly and helpfully.

    Sources:
    [README.md] Runtime dependencies: numpy, numba, regex, tqdm. ...
    [docs/architecture.md] ...

The model was fine-tuned on prompts of exactly this shape (the SFT data renders its course questions
with their passage this way), and the chat prints the files of the passages it was given: a citation
the reader can check. The context holds 256 tokens, so the passages are cut to a character budget.
Library version: tinygrad_lm/retrieval/grounding.py (and retrieval/course.py for the index).
"""
import numpy as np

SYSTEM = "You are the course assistant of tinygrad_lm. Answer briefly and helpfully."


def top_k(scores, k):
    """Task 8.4a: indices of the k best documents, best first; equal scores keep corpus order; documents
    scoring 0 or less are left out (they share no word with the query).

    TODO: scores: a 1-d array of N floats. Return a list of at most k ints. Raise ValueError if k < 0.

    APPROACH: order = np.argsort(-scores, kind="stable") (a stable sort keeps corpus order among ties;
    the default quicksort does not promise that); keep the first k whose score is > 0.

    EXAMPLE: top_k([0.5, 2.0, 0.0, 2.0], 3) -> [1, 3, 0]

    HINT: np.argsort(scores)[::-1] puts the LAST of equal scores first.
    """
    raise NotImplementedError("Week 8, task 8.4: a: indices of the k best documents, best first; equal scores keep corpus order; documents")


def grounded_prompt(passages, system=SYSTEM, max_chars=600):
    """Task 8.4b: the system message with the retrieved passages, cut to max_chars characters in all.

    TODO: passages: a list of (source_path, text), best first. Return
        system + "\\n\\nSources:\\n" + "\\n".join("[" + source + "] " + text for each passage kept)
    or just system when there are no passages. Before use, collapse each text's whitespace
    (" ".join(text.split())). Budget: `left` starts at max_chars; a passage longer than `left` is cut to
    its first `left` characters, then back to the last space, and " ..." is appended; `left` then
    decreases by the length of the (cut) text; stop when left <= 0.

    APPROACH: parts = []; left = max_chars; for source, text in passages: if left <= 0: break;
    text = " ".join(text.split()); if len(text) > left: text = text[:left].rsplit(" ", 1)[0] + " ...";
    parts.append(f"[{source}] {text}"); left -= len(text).

    EXAMPLE: grounded_prompt([("a.md", "one  two\\nthree")], system="S") == "S\\n\\nSources:\\n[a.md] one two three"

    HINT: this string must be byte-for-byte the one the model was fine-tuned with; any other layout
    (another header, numbering) is text the model has never seen.
    """
    raise NotImplementedError("Week 8, task 8.4: b: the system message with the retrieved passages, cut to max_chars characters in all.")
