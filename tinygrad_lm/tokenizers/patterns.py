"""Pre-tokenization patterns: the regexes that cut text into chunks before BPE runs.

BPE never merges across a chunk boundary, so " the" and "the." can never become one token. Each
chunk is then encoded on its own (and, because chunks repeat a lot, cached).

GPT2   - the pattern of OpenAI's GPT-2 `encoder.py`: contractions, optional space + letters,
         optional space + digits, optional space + punctuation, whitespace.
CL100K - GPT-4's `cl100k_base` pattern (as published in tiktoken): case-insensitive contractions,
         digits in groups of at most 3, newlines kept with the preceding punctuation/whitespace.

Handles: named patterns, compiling, and splitting text around special tokens.
Does not handle: normalization (NFC, lowercasing) - text is split exactly as given.
"""
import regex

GPT2_PATTERN = r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"""
CL100K_PATTERN = (r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+"""
                  r"""|\s++$|\s*[\r\n]|\s+(?!\S)|\s""")

PATTERNS = {"gpt2": GPT2_PATTERN, "cl100k": CL100K_PATTERN}


def resolve_pattern(pattern):
    """'gpt2' / 'cl100k' / a regex string / None (no splitting) -> the regex string (or None)."""
    if pattern is None:
        return None
    if not isinstance(pattern, str):
        raise TypeError(f"pattern must be a name {sorted(PATTERNS)}, a regex string or None; "
                        f"got {type(pattern).__name__}")
    return PATTERNS.get(pattern, pattern)


def compile_pattern(pattern):
    """Compile a pattern (name or regex) with the `regex` module (it knows \\p{L}, possessive ++)."""
    pattern = resolve_pattern(pattern)
    if pattern is None:
        return None
    try:
        return regex.compile(pattern)
    except regex.error as e:
        raise ValueError(f"invalid pre-tokenization regex {pattern!r}: {e}") from None


def split_chunks(text: str, pattern="gpt2") -> list:
    """'Hello world!' -> ['Hello', ' world', '!'] (GPT-2 pattern). pattern=None -> [text]."""
    compiled = compile_pattern(pattern)
    if compiled is None:
        return [text] if text else []
    return compiled.findall(text)


def special_splitter(specials):
    """A compiled regex that matches any of the given special-token strings (longest first), or None."""
    if not specials:
        return None
    alternatives = sorted(specials, key=len, reverse=True)    # "<|a|>x" before "<|a|>"
    return regex.compile("(" + "|".join(regex.escape(s) for s in alternatives) + ")")
