"""Saving and loading ByteLevelBPE tokenizers in a versioned, human-readable text format.

File format (UTF-8 text, one record per line; strings are JSON-quoted so every character,
including newlines and control characters, is escaped):

    tinygrad_lm-bpe v1
    pattern "'s|'t|'re|..."            (or: pattern null  - no pre-tokenization)
    byte_ids identity                   (or: byte_ids 256 space-separated ids, e.g. GPT-2's order)
    special 1
    "<|endoftext|>" 4096
    merges 3840
    32 116                              (merge 0: ids 32 + 116 -> 256)
    104 101                             (merge 1 -> 257)
    ...

The vocab dump (`vocab_lines`, `tglm tokenizer vocab`) is for reading only, never loaded:
    256	[ t]	= [ ][t]
Tokens are shown in brackets; bytes that are not printable UTF-8 text (control, format and
separator characters other than the plain space, and invalid UTF-8) are escaped (\\n, \\x00,
\\u200b, \\xa0, ...), so a dump never breaks lines or hides characters. A literal backslash stays
as is, so the dump is unambiguous only for tokens without backslashes (it is meant for reading).

Handles: save/load (and dumps/loads for strings) with line-numbered errors, vocab dump.
Does not handle: GPT-2's encoder.json/vocab.bpe files (see gpt2.py), other tokenizer formats.
"""
import json
import unicodedata
from pathlib import Path

MAGIC = "tinygrad_lm-bpe"
VERSION = "v1"


def save(tok, path):
    Path(path).write_text(dumps(tok), encoding="utf-8")


def dumps(tok) -> str:
    """The file format as a str (e.g. to embed a tokenizer in a checkpoint's JSON config)."""
    lines = [f"{MAGIC} {VERSION}", f"pattern {json.dumps(tok.pattern)}"]
    if tok.byte_ids == list(range(256)):
        lines.append("byte_ids identity")
    else:
        lines.append("byte_ids " + " ".join(map(str, tok.byte_ids)))
    lines.append(f"special {len(tok.special_tokens)}")
    lines += [f"{json.dumps(s)} {tid}" for s, tid in tok.special_tokens.items()]
    lines.append(f"merges {len(tok.merges)}")
    lines += [f"{a} {b}" for a, b in tok.merges]
    return "\n".join(lines) + "\n"


def _fail(path, lineno, msg):
    raise ValueError(f"{path}: line {lineno}: {msg} (is this a file written by ByteLevelBPE.save?)")


def load(path, cls):
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"tokenizer file not found: {path} (create one with "
                                f"`tglm tokenizer train` or ByteLevelBPE.save)")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as e:
        raise ValueError(f"{path}: not UTF-8 text ({e}); not a tokenizer file") from None
    return loads(text, cls, source=str(path))


def loads(text: str, cls, source="<string>"):
    """Parse the file format from a str; errors name `source` and the line."""
    path = source
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    it = iter(enumerate(lines, start=1))

    def take(prefix):
        try:
            lineno, line = next(it)
        except StopIteration:
            _fail(path, len(lines) + 1, f"file ends early, expected '{prefix} ...'")
        if not line.startswith(prefix + " "):
            _fail(path, lineno, f"expected '{prefix} ...', got {line[:60]!r}")
        return lineno, line[len(prefix) + 1:]

    lineno, version = take(MAGIC)
    if version != VERSION:
        _fail(path, lineno, f"unsupported format version {version!r} (this code reads {VERSION})")
    lineno, rest = take("pattern")
    try:
        pattern = json.loads(rest)
    except json.JSONDecodeError:
        _fail(path, lineno, "pattern is not a JSON string or null")
    lineno, rest = take("byte_ids")
    try:
        byte_ids = None if rest == "identity" else [int(x) for x in rest.split()]
    except ValueError:
        _fail(path, lineno, "byte_ids must be 'identity' or 256 integers")
    lineno, rest = take("special")
    special = {}
    for _ in range(_count(path, lineno, rest)):
        lineno, line = next(it, (len(lines) + 1, None))
        if line is None:
            _fail(path, lineno, "file ends inside the special token list")
        s, _, tid = line.rpartition(" ")
        try:
            special[json.loads(s)] = int(tid)
        except (json.JSONDecodeError, ValueError):
            _fail(path, lineno, f"expected '\"<token>\" <id>', got {line[:60]!r}")
    lineno, rest = take("merges")
    n = _count(path, lineno, rest)
    merges = []
    for _ in range(n):
        lineno, line = next(it, (len(lines) + 1, None))
        if line is None:
            _fail(path, lineno, f"file ends after {len(merges)} of {n} merges (truncated?)")
        parts = line.split()
        if len(parts) != 2 or not all(p.isdigit() for p in parts):
            _fail(path, lineno, f"expected a merge '<id> <id>', got {line[:60]!r}")
        merges.append((int(parts[0]), int(parts[1])))
    extra = next(it, None)
    if extra is not None:
        _fail(path, extra[0], f"unexpected extra line {extra[1][:60]!r}")
    try:
        return cls(merges, pattern=pattern, special_tokens=special, byte_ids=byte_ids)
    except ValueError as e:
        raise ValueError(f"{path}: inconsistent tokenizer: {e}") from None


def _count(path, lineno, rest):
    if not rest.isdigit():
        _fail(path, lineno, f"expected a count, got {rest!r}")
    return int(rest)


def render_token(b: bytes) -> str:
    """Bytes -> a one-line readable string: printable text as is, everything else escaped."""
    s = b.decode("utf-8", errors="backslashreplace")      # invalid bytes -> \xNN
    out = []
    for ch in s:
        if ch == " " or unicodedata.category(ch)[0] not in "CZ":   # visible: keep
            out.append(ch)
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\r":
            out.append("\\r")
        elif ord(ch) < 0x100:
            out.append(f"\\x{ord(ch):02x}")
        else:
            out.append(f"\\u{ord(ch):04x}")
    return "".join(out)


def vocab_lines(tok, head: int = None) -> list:
    """['0\\t[\\x00]', ..., '256\\t[ t]\\t= [ ][t]', ..., '4096\\t[<|endoftext|>]\\tspecial'];
    head=N: only the first N lines (N must be an int >= 0)."""
    if head is not None and (isinstance(head, bool) or not isinstance(head, int) or head < 0):
        raise ValueError(f"head must be a non-negative number of lines, got {head!r}")
    merged_from = {256 + i: pair for i, pair in enumerate(tok.merges)}
    specials = set(tok.special_tokens.values())
    lines = []
    for tid in sorted(tok.vocab)[:head]:
        line = f"{tid}\t[{render_token(tok.vocab[tid])}]"
        if tid in merged_from:
            a, b = merged_from[tid]
            line += f"\t= [{render_token(tok.vocab[a])}][{render_token(tok.vocab[b])}]"
        elif tid in specials:
            line += "\tspecial"
        lines.append(line)
    return lines
