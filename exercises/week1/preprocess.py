# Generated from solutions/week1/preprocess.py by `tglm course build`: fill in the parts that raise NotImplementedError.
# Your edits are safe: the build refuses to overwrite this file unless --force; the reference is solutions/week1/preprocess.py.
"""Week 1, part 1: from raw text to a list of tokens.

Tasks: 1.1 normalize, 1.2 word tokenizer (hand-written regular expressions, Treebank contractions),
1.3 stop words and n-grams. The library versions (tinygrad_lm/text/normalize.py, tokenize.py,
stopwords.py, ngrams.py) do the same with more options; read them after you finish.
"""
import html
import re
import unicodedata

from tinygrad_lm.text.stopwords import ENGLISH_STOP_WORDS


def normalize(text: str, strip_accents: bool = False) -> str:
    """Task 1.1: normalize a string before tokenizing.

    TODO: apply, in this order:
      1. HTML-entity unescaping: "&amp;" -> "&", "&lt;3" -> "<3", "&#39;" -> "'"
      2. Unicode NFKC normalization: full-width "ＡＢＣ" -> "ABC", the ligature "ﬁ" -> "fi"
      3. lower-casing (str.lower)
      4. only if strip_accents: remove diacritics, "café" -> "cafe"
      5. whitespace collapsing: every run of whitespace (spaces, tabs, newlines, U+00A0 ...) becomes
         one space, and both ends are stripped.

    APPROACH: stuck? `tglm hint 1.1` shows the approach one step at a time.

    EXAMPLE: normalize("  Caf\\u00e9 &amp; ＢＡＲ\\n\\tok ", strip_accents=True) -> "cafe & bar ok"

    HINT: unescape BEFORE collapsing whitespace ("&nbsp;" is a space once unescaped) and NFKC before
    lower-casing (full-width capitals lower-case fine, but do it in the documented order).
    """
    raise NotImplementedError("Week 1, task 1.1: normalize a string before tokenizing.")


# Token shapes, tried in this order at each position (the first alternative that matches wins):
URL = r"(?:https?://|www\.)[^\s<>\"]*[^\s<>\".,!?;:)\]']"   # ends before trailing punctuation
ABBREVIATION = r"(?:[A-Za-z]\.){2,}"                          # U.S.A.  e.g.
NUMBER = r"\d+(?:[.,]\d+)*"                                   # 3.50  1,000
WORD = r"\w+(?:[-']\w+)*"                                     # e-mail  don't
ELLIPSIS = r"\.\.\."
OTHER = r"\S"                                                 # any other single character: $ ! ( 😀


def tokenize(text: str):
    """Task 1.2: split text into word tokens, Penn-Treebank style.

    TODO: return the list of tokens of `text` (case preserved) where
      * URLs stay whole ("https://example.com/a?b=1"), without a trailing "." or ",";
      * abbreviations stay whole ("U.S.A.", "e.g.");
      * numbers stay whole ("3.50", "1,000"), but a currency sign is its own token ("$", "3.50");
      * hyphenated words stay whole ("e-mail");
      * "..." is one token; every other punctuation mark or symbol is a token of its own;
      * contractions are split as the Penn Treebank does: "don't" -> "do", "n't"; "can't" -> "ca",
        "n't"; "I'm" -> "I", "'m"; also "'s", "'d", "'ll", "'re", "'ve".

    APPROACH: stuck? `tglm hint 1.2` shows the approach one step at a time.

    EXAMPLE: tokenize("I can't pay $3.50 for e-mail in the U.S.A.!")
             -> ["I", "ca", "n't", "pay", "$", "3.50", "for", "e-mail", "in", "the", "U.S.A.", "!"]

    HINT: order matters: put ABBREVIATION before WORD, or "U.S.A." becomes "U", ".", "S", ...
    Compare case-insensitively for clitics ("DON'T" -> "DO", "N'T").
    """
    raise NotImplementedError("Week 1, task 1.2: split text into word tokens, Penn-Treebank style.")


def remove_stopwords(tokens, stop_words=ENGLISH_STOP_WORDS):
    """Task 1.3: drop stop words.

    TODO: return the tokens (in order) whose LOWER-CASED form is not in `stop_words`.

    EXAMPLE: remove_stopwords(["The", "movie", "is", "not", "good"]) -> ["movie", "good"]
    (note that "not" is a stop word: for sentiment this throws away the most useful word of the
    sentence, which is why the classifiers in this week keep stop words).
    """
    raise NotImplementedError("Week 1, task 1.3: drop stop words.")


def ngrams(tokens, n: int):
    """Task 1.3: contiguous n-grams, as strings joined by one space.

    TODO: return ["t0 t1 ... t(n-1)", "t1 ... tn", ...]; an empty list if there are fewer than n
    tokens. Raise ValueError if n < 1.

    EXAMPLE: ngrams(["not", "very", "good"], 2) -> ["not very", "very good"]
    """
    raise NotImplementedError("Week 1, task 1.3: contiguous n-grams, as strings joined by one space.")
