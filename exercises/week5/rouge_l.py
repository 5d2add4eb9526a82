# Generated from solutions/week5/rouge_l.py by `tglm course build`: fill in the parts that raise NotImplementedError.
# Your edits are safe: the build refuses to overwrite this file unless --force; the reference is solutions/week5/rouge_l.py.
"""Week 5: ROUGE-L, the summary metric built on the longest common subsequence (LCS).

ROUGE-L (Lin 2004) scores a predicted summary against a reference by the longest sequence of words
that appears in both IN ORDER, not necessarily next to each other:
    "the cat sat on the mat"  vs  "the cat lay on a mat"  ->  LCS "the cat on mat", length 4
    recall    R = LCS / len(reference)          precision P = LCS / len(prediction)
    F-measure F = 2 P R / (P + R)               (rouge-score's F1; 0 when the LCS is 0)
Words come from rouge-score's tokenizer: lowercase, every non-alphanumeric character is a space.

Legend: m reference tokens, n prediction tokens.
Library version (tokenizer, stemming, ROUGE-1/2/Lsum, multi-reference, bootstrap intervals), equal
to Google's rouge-score package: tinygrad_lm/metrics/rouge.py; the tests compare with it.
Not here: stemming, ROUGE-Lsum's union LCS over sentences.
"""
import re


def tokenize(text):
    """rouge-score's default tokenizer without stemming: lowercase, non-alphanumerics to spaces, split."""
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).split()


def lcs_length(a, b):
    """Task 5.9: the length of the longest common subsequence of token lists a and b.

    TODO: return an int. The dynamic programme: table[i][j] = LCS of a[:i] and b[:j];
      table[i][j] = table[i-1][j-1] + 1            if a[i-1] == b[j-1]
                  = max(table[i-1][j], table[i][j-1])   otherwise;
    the answer is table[len(a)][len(b)].

    APPROACH: stuck? `tglm hint 5.9` shows the approach one step at a time.

    EXAMPLE: lcs_length("the cat sat on the mat".split(), "the cat lay on a mat".split()) == 4

    HINT: a subsequence may skip words; a substring may not. "a b c" vs "a x c" has LCS 2 ("a c").
    """
    raise NotImplementedError("Week 5, task 5.9: the length of the longest common subsequence of token lists a and b.")


def rouge_l(reference, prediction):
    """Task 5.10: ROUGE-L of two strings -> (precision, recall, fmeasure), as rouge-score computes it.

    TODO: tokenize both (tokenize above), l = lcs_length(reference tokens, prediction tokens);
    P = l / len(prediction tokens), R = l / len(reference tokens), F = 2 P R / (P + R).
    Any empty side, or l == 0, gives (0.0, 0.0, 0.0).

    EXAMPLE: rouge_l("The cat sat on the mat.", "the cat lay on a mat") -> (4/6, 4/6, 4/6)

    HINT: recall divides by the REFERENCE length (how much of the reference the prediction covers).
    """
    raise NotImplementedError("Week 5, task 5.10: ROUGE-L of two strings -> (precision, recall, fmeasure), as rouge-score computes it.")
