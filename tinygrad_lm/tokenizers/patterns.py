r"""Pre-tokenization patterns: the regexes that cut text into chunks before BPE runs.

BPE never merges across a chunk boundary, so " the" and "the." can never become one token. Each
chunk is then encoded on its own (and, because chunks repeat a lot, cached).

GPT2   - the pattern of OpenAI's GPT-2 `encoder.py`: contractions, optional space + letters,
         optional space + digits, optional space + punctuation, whitespace.
CL100K - GPT-4's `cl100k_base` pattern (as published in tiktoken): case-insensitive contractions,
         digits in groups of at most 3, newlines kept with the preceding punctuation/whitespace.

Safety rules (a pattern can come from an untrusted checkpoint or tokenizer file, and a regex
like `(a|a)+$|(a+)+b` backtracks exponentially: one short prompt would hang generation):
- The named patterns above are always accepted (also when given as their regex string).
- A custom pattern must pass `check_pattern`, a bounded check: it compiles; it has no capturing
  groups (findall would return the groups, not the chunks); no quantifier other than `?` is applied
  to a group (so no nested or alternated repetition such as (a+)+ or (a|b)*); no backreferences,
  recursion, conditionals or verbose mode; and it splits a set of probe texts (long runs of
  letters, digits, spaces, punctuation, mixtures) within 1 s of CPU time, covering every character.
- While splitting, a custom pattern runs under the `regex` module's timeout (1 s + 1 us per
  character of CPU time, ~20x what the named patterns need): a pattern that is still slow raises
  ValueError instead of hanging. (The timeout counts CPU time: on a busy machine the wall time of
  a refusal is longer.)
- Every split is checked to cover the text: the chunks' lengths must add up to the text's length
  (`\w+` would silently drop ", !" and `x*` everything). Uncovered text raises ValueError.
- Chunks longer than MAX_CHUNK_BYTES (16 KiB of UTF-8; natural text has no chunk over ~100 bytes)
  are cut into pieces of at most that size at character boundaries, as tiktoken users cut long runs:
  BPE's cost per chunk grows faster than linearly, the pieces keep encoding and training linear.
  Tokens never span a cut, so ids differ from GPT-2's only inside such chunks.

Handles: named patterns, the safety check, compiling, splitting (covered, capped), splitting text
around special tokens.
Does not handle: normalization (NFC, lowercasing) - text is split exactly as given.
"""
import functools
import time

import regex

GPT2_PATTERN = r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"""
CL100K_PATTERN = (r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+"""
                  r"""|\s++$|\s*[\r\n]|\s+(?!\S)|\s""")

PATTERNS = {"gpt2": GPT2_PATTERN, "cl100k": CL100K_PATTERN}


MAX_CHUNK_BYTES = 16_384
_TRUSTED = frozenset(PATTERNS.values())
_PROBES = [c * n + tail for c in ("a", "7", " ", "!", "ab", "a1", "a ", "\n", "\u00e9", "\U0001F600")
           for n, tail in ((1000, ""), (1000, "!"), (1000, "\u0000"))]
_PROBE_SECONDS = 1.0


def resolve_pattern(pattern):
    """'gpt2' / 'cl100k' / a regex string / None (no splitting) -> the regex string (or None)."""
    if pattern is None:
        return None
    if not isinstance(pattern, str):
        raise TypeError(f"pattern must be a name {sorted(PATTERNS)}, a regex string or None; "
                        f"got {type(pattern).__name__}")
    return PATTERNS.get(pattern, pattern)


def _static_problem(pattern: str):
    """The first construct of `pattern` that the bounded check refuses, or None."""
    i, n, last = 0, len(pattern), None          # last: "atom", "group", "quant" or None
    groups = []
    while i < n:
        c = pattern[i]
        if c == "\\":
            nxt = pattern[i + 1:i + 2]
            if nxt.isdigit() and nxt != "0" or nxt in ("g", "k"):
                return f"backreference {pattern[i:i + 4]!r}"
            if nxt in ("p", "P", "N", "x", "u", "U") and pattern[i + 2:i + 3] == "{":
                i = pattern.find("}", i) + 1 or n
            else:
                i += 2
            last = "atom"
            continue
        if c == "[":                            # a character class is one atom
            j = i + 1 + (pattern[i + 1:i + 2] == "^")
            j += pattern[j:j + 1] == "]"
            while j < n and pattern[j] != "]":
                j += 2 if pattern[j] == "\\" else 1
            i, last = j + 1, "atom"
            continue
        if c == "(":
            head = pattern[i + 1:i + 4]
            if head.startswith(("?P=", "?R", "?(", "?&", "?P>", "?|")) or head[:1] == "?" and (
                    head[1:2].isdigit() or head[1:2] in "+-" and head[2:3].isdigit()):
                return f"backreference, recursion or conditional {pattern[i:i + 5]!r}"
            groups.append(i)
            i, last = i + 1, None
            continue
        if c == ")":
            groups and groups.pop()
            i, last = i + 1, "group"
            continue
        if c in "*+?{":
            if c == "{":
                close = pattern.find("}", i)
                body = pattern[i + 1:close] if close > 0 else ""
                if not body or not all(ch.isdigit() or ch == "," for ch in body):
                    i, last = i + 1, "atom"     # a literal "{"
                    continue
                repeats = body not in ("0,1", "1", "0", "1,1", "0,0")
                width = close + 1 - i
            else:
                repeats, width = c != "?", 1
            if last == "quant":                 # ++ / *? / {2,3}+: possessive or lazy modifier
                i += width if c == "{" else 1
                continue
            if last == "group" and repeats:
                return f"a repeated group (quantifier {pattern[i:i + width]!r} at offset {i})"
            i, last = i + width, "quant"
            continue
        i, last = i + 1, "atom"
    return None


@functools.lru_cache(maxsize=64)
def check_pattern(pattern: str) -> None:
    """Raise ValueError unless a custom pattern passes the bounded check (module docstring)."""
    if pattern in _TRUSTED:
        return
    try:
        compiled = regex.compile(pattern)
    except (regex.error, RecursionError, OverflowError) as e:
        raise ValueError(f"invalid pre-tokenization regex {pattern[:80]!r}: {e}") from None
    problem = _static_problem(pattern)
    if compiled.flags & regex.VERBOSE:      # whitespace would hide constructs from _static_problem
        problem = "verbose mode (?x)"
    if problem:
        raise ValueError(f"pre-tokenization regex {pattern[:80]!r} is refused: {problem} can backtrack "
                         f"exponentially. Use a named pattern ({', '.join(PATTERNS)}) or quantify single "
                         f"characters / classes only (e.g. ' ?\\p{{L}}+| ?\\p{{N}}+|\\s+|.')")
    if compiled.groups:
        raise ValueError(f"pre-tokenization regex {pattern[:80]!r} has capturing groups; use (?:...) "
                         f"so that findall returns whole chunks")
    deadline = time.process_time() + _PROBE_SECONDS     # the regex timeout counts CPU time too
    for probe in _PROBES:
        left = deadline - time.process_time()
        try:
            chunks = compiled.findall(probe, timeout=max(left, 0.01))
        except TimeoutError:
            raise ValueError(f"pre-tokenization regex {pattern[:80]!r} is refused: splitting a "
                             f"{len(probe)}-character probe text took over {_PROBE_SECONDS} s of CPU time "
                             f"(catastrophic backtracking)") from None
        check_coverage(probe, chunks, pattern)


def compile_pattern(pattern):
    """Compile a pattern (name or regex) with the `regex` module (it knows \\p{L}, possessive ++).
    Custom patterns must pass check_pattern (ValueError otherwise)."""
    pattern = resolve_pattern(pattern)
    if pattern is None:
        return None
    check_pattern(pattern)
    return regex.compile(pattern)


def check_coverage(text: str, chunks: list, pattern: str) -> None:
    """Raise ValueError unless the chunks (findall's non-overlapping matches) cover all of `text`."""
    if sum(map(len, chunks)) == len(text):
        return
    pos, where = 0, len(text)
    for m in regex.finditer(pattern, text):
        if m.start() != pos:
            where = pos
            break
        pos = m.end()
    else:
        where = pos
    raise ValueError(f"pre-tokenization regex {pattern[:80]!r} does not cover the text: its chunks hold "
                     f"{sum(map(len, chunks))} of {len(text)} characters (first uncovered at offset {where}: "
                     f"{text[where:where + 20]!r}). Encoding would silently drop text; add alternatives "
                     f"that match everything else (e.g. '|\\s+|.' with the DOTALL flag '(?s)')")


def _cut(chunk: str, max_bytes: int) -> list:
    """A chunk over max_bytes UTF-8 bytes -> pieces of at most max_bytes, cut between characters."""
    data = chunk.encode("utf-8", "surrogatepass")   # lone surrogates are reported later, by encode
    if len(data) <= max_bytes:
        return [chunk]
    pieces, pos = [], 0
    while pos < len(data):
        end = min(pos + max_bytes, len(data))
        while end < len(data) and data[end] & 0xC0 == 0x80:    # not inside a character
            end -= 1
        pieces.append(data[pos:end].decode("utf-8", "surrogatepass"))
        pos = end
    return pieces


def cap_chunks(chunks: list, max_bytes: int = MAX_CHUNK_BYTES) -> list:
    """Cut every chunk longer than max_bytes (UTF-8) into pieces; others are returned as they are."""
    if not chunks or max(map(len, chunks)) * 4 <= max_bytes:    # <= 4 bytes per character: none too long
        return chunks
    out = []
    for c in chunks:
        if len(c) * 4 <= max_bytes:
            out.append(c)
        else:
            out.extend(_cut(c, max_bytes))
    return out


def chunks_of(compiled, text: str) -> list:
    """Split text with a compiled pattern (None: one chunk): covered, overlong chunks cut. The one
    pre-tokenization path of encoding and training."""
    if compiled is None:
        return cap_chunks([text] if text else [])
    if compiled.pattern in _TRUSTED:
        chunks = compiled.findall(text)
    else:
        budget = 1.0 + 1e-6 * len(text)
        try:
            chunks = compiled.findall(text, timeout=budget)
        except TimeoutError:
            raise ValueError(f"pre-tokenization regex {compiled.pattern[:80]!r} took over {budget:.1f} s (CPU) on "
                             f"{len(text):,} characters (catastrophic backtracking?); use a named pattern "
                             f"({', '.join(PATTERNS)})") from None
    check_coverage(text, chunks, compiled.pattern)
    return cap_chunks(chunks)


def split_chunks(text: str, pattern="gpt2") -> list:
    """'Hello world!' -> ['Hello', ' world', '!'] (GPT-2 pattern). pattern=None -> [text]."""
    return chunks_of(compile_pattern(pattern), text)


def special_splitter(specials):
    """A compiled regex that matches any of the given special-token strings (longest first), or None."""
    if not specials:
        return None
    alternatives = sorted(specials, key=len, reverse=True)    # "<|a|>x" before "<|a|>"
    return regex.compile("(" + "|".join(regex.escape(s) for s in alternatives) + ")")
