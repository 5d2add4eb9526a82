"""The tokenizers BLEU runs before counting n-grams, identical to sacreBLEU 2.x (week 6).

BLEU counts word n-grams, so the score depends on what a "word" is. sacreBLEU fixes this by
tokenizing hypotheses and references itself, with a named tokenizer written into the signature
(`tok:13a`). A tokenizer here is a function str -> str that returns the tokens joined by single
spaces; BLEU then splits on whitespace.

Handles:
  13a   mteval-v13a.pl, the WMT default: unescape 4 XML entities, split off punctuation and symbols,
        split `.` and `,` except between digits (1,000.50 stays one token), split `-` after a digit.
  intl  mteval-v14.pl "international": split off every Unicode punctuation mark (\\p{P}) unless it
        sits between digits, and every Unicode symbol (\\p{S}). Needs the `regex` module.
  char  every character is a token (for languages without spaces; spaces themselves vanish).
  none  the text as it is (only whitespace splits); do not use for reported scores.
Does not handle: zh, ja-mecab, ko-mecab, spm/flores (they need dictionaries or models).

Known quirk kept on purpose (it is in mteval-v14.pl and sacreBLEU): intl leaves a number's final
period attached at the end of a line ("in 2019." -> "in 2019."), because the line is not padded
with spaces as in 13a.
"""
import re
from functools import lru_cache

import regex

# mteval-v13a's language-dependent rules, applied in this order (sacreBLEU tokenizer_re.py).
_13A_RULES = [
    # ASCII punctuation and symbols except . , - ' and digits/letters: { | } ~ [ \ ] ^ _ ` space ! " # $ % &
    # ( ) * + : ; < = > ? @ /  -> surrounded by spaces
    (re.compile(r"([\{-\~\[-\` -\&\(-\+\:-\@\/])"), r" \1 "),
    (re.compile(r"([^0-9])([\.,])"), r"\1 \2 "),    # . or , after a non-digit: split
    (re.compile(r"([\.,])([^0-9])"), r" \1 \2"),    # . or , before a non-digit: split
    (re.compile(r"([0-9])(-)"), r"\1 \2 "),         # - after a digit: split
]

_INTL_RULES = [
    (regex.compile(r"(\P{N})(\p{P})"), r"\1 \2 "),  # punctuation after a non-number: split
    (regex.compile(r"(\p{P})(\P{N})"), r" \1 \2"),  # punctuation before a non-number: split
    (regex.compile(r"(\p{S})"), r" \1 "),            # every symbol (+ $ € © ...): split
]


@lru_cache(maxsize=2 ** 16)
def tokenize_13a(line: str) -> str:
    """mteval-v13a tokenization: 'Hello, world (1,000.50$)!' -> 'Hello , world ( 1,000.50 $ ) !'."""
    # language-independent part
    line = line.replace("<skipped>", "")
    line = line.replace("-\n", "")
    line = line.replace("\n", " ")
    if "&" in line:
        line = line.replace("&quot;", '"').replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">")
    # the padding spaces let "word." at the very end match "([\.,])([^0-9])"
    line = f" {line} "
    for pattern, repl in _13A_RULES:
        line = pattern.sub(repl, line)
    return " ".join(line.split())                   # single spaces, none at the ends


@lru_cache(maxsize=2 ** 16)
def tokenize_intl(line: str) -> str:
    """mteval-v14 international tokenization: Unicode punctuation (\\p{P}) and symbols (\\p{S})."""
    for pattern, repl in _INTL_RULES:
        line = pattern.sub(repl, line)
    return " ".join(line.split())


@lru_cache(maxsize=2 ** 16)
def tokenize_char(line: str) -> str:
    """Every character becomes a token: 'ab c' -> 'a b   c' (BLEU's whitespace split drops the space)."""
    return " ".join(line)


def tokenize_none(line: str) -> str:
    """No tokenization: BLEU splits the text on whitespace only."""
    return line


TOKENIZERS = {"13a": tokenize_13a, "intl": tokenize_intl, "char": tokenize_char, "none": tokenize_none}


def get_tokenizer(name: str):
    """The tokenizer function for a sacreBLEU tokenizer name ('13a', 'intl', 'char', 'none')."""
    if not isinstance(name, str) or name not in TOKENIZERS:
        hint = (" (zh / ja-mecab / ko-mecab / spm need dictionaries or models and are not implemented)"
                if name in ("zh", "ja-mecab", "ko-mecab", "spm", "flores101", "flores200") else "")
        raise ValueError(f"unknown BLEU tokenizer {name!r}; choose one of {sorted(TOKENIZERS)}{hint}")
    return TOKENIZERS[name]
