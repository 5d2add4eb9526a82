"""N-gram helpers: contiguous runs of n tokens.

Handles: `ngrams(tokens, n)` (tuples, like nltk.util.ngrams), `everygrams(tokens, min_n, max_n)`
(all n in a range, shortest first, like a vectorizer's ngram_range), `join_ngrams` (tuples -> "a b"
strings, the feature names scikit-learn uses), optional sentence padding.

Does not handle: skip-grams, character n-grams (pass list(text) as the tokens if you want them).
"""


def ngrams(tokens, n: int, pad_left: bool = False, pad_right: bool = False,
           left_pad_symbol: str = "<s>", right_pad_symbol: str = "</s>"):
    """Return the list of n-grams (tuples of length n) of `tokens`, in order.

    >>> ngrams(["a", "b", "c"], 2)
    [('a', 'b'), ('b', 'c')]
    """
    if n < 1:
        raise ValueError(f"n must be >= 1, got {n}")
    tokens = list(tokens)
    if pad_left:
        tokens = [left_pad_symbol] * (n - 1) + tokens
    if pad_right:
        tokens = tokens + [right_pad_symbol] * (n - 1)
    return [tuple(tokens[i:i + n]) for i in range(len(tokens) - n + 1)]


def everygrams(tokens, min_n: int = 1, max_n: int = 2):
    """All n-grams for n = min_n..max_n: first every unigram, then every bigram, ... (order within n kept)."""
    if not 1 <= min_n <= max_n:
        raise ValueError(f"need 1 <= min_n <= max_n, got ({min_n}, {max_n})")
    out = []
    for n in range(min_n, max_n + 1):
        out.extend(ngrams(tokens, n))
    return out


def join_ngrams(grams, sep: str = " "):
    """[('a', 'b'), ('c',)] -> ['a b', 'c']."""
    return [sep.join(g) for g in grams]
