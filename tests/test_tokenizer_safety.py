"""Tokenizer input from untrusted places: patterns, coverage, special-token ids, vocab head, overlong chunks.

- A pre-tokenization regex stored in a checkpoint/tokenizer file must be a named pattern or pass the
  bounded check of tokenizers/patterns.py (the lead's `(a|a)+$|(a+)+b` hung generation for 60 s).
- The chunks must cover the text (`\\w+` dropped ", !", `x*` dropped everything).
- Special token ids: no duplicates, no gaps.
- Chunks over 16 KiB are cut, so encoding and training stay linear in the chunk length.
"""
import json
import time

import numpy as np
import pytest
import regex

from tinygrad_lm.tokenizers import ByteLevelBPE, from_config, load_gpt2
from tinygrad_lm.tokenizers.patterns import (CL100K_PATTERN, GPT2_PATTERN, MAX_CHUNK_BYTES, cap_chunks,
                                             check_pattern, chunks_of, split_chunks)

TEXT = "hello, world! 123 héllo wörld 🤗 \n\tdone."


@pytest.mark.parametrize("evil", [r"(a|a)+$|(a+)+b", r"(?:a|a)+$|(?:a+)+b|[\s\S]", r"(?:\w+\s?)*|[\s\S]",
                                  r"(a)\1|[\s\S]", r"(?P<x>a)(?P=x)|.", r"(?:ab){2,}|[\s\S]"])
def test_dangerous_patterns_are_refused_everywhere(evil, tmp_path):
    with pytest.raises(ValueError, match="refused|capturing"):
        check_pattern(evil)
    with pytest.raises(ValueError, match="refused|capturing"):
        ByteLevelBPE([], pattern=evil)
    # stored in a tokenizer file / a checkpoint config: refused at load, naming the source
    good = ByteLevelBPE.train(TEXT * 5, 270, pattern=r"\S+|\s+")
    text = good.to_text().replace("pattern " + json.dumps(good.pattern), "pattern " + json.dumps(evil))
    assert text != good.to_text()
    (tmp_path / "evil.bpe").write_text(text, encoding="utf-8")
    t0 = time.perf_counter()
    with pytest.raises(ValueError, match=r"evil\.bpe.*(refused|capturing)"):
        ByteLevelBPE.load(tmp_path / "evil.bpe")
    with pytest.raises(ValueError, match="refused|capturing"):
        from_config({"kind": "bpe", "text": text})
    assert time.perf_counter() - t0 < 5


def test_slow_custom_pattern_is_refused_by_the_probe(monkeypatch):
    from tinygrad_lm.tokenizers import patterns
    monkeypatch.setattr(patterns, "_PROBE_SECONDS", 0.2)           # CPU seconds (the regex timeout's clock)
    with pytest.raises(ValueError, match="probe text took over"):
        check_pattern(r"a*a*a*a*a*a*a*b|[\s\S]")          # no repeated group, but O(n^7) backtracking


def test_named_and_reasonable_custom_patterns_are_accepted():
    for p in ("gpt2", "cl100k", GPT2_PATTERN, CL100K_PATTERN, r"\S+|\s+", r" ?\p{L}+| ?\p{N}+|\s+|.",
              r"(?i:'s|'t)|\w+|\W", r"(?:ab)?[\s\S]"):
        check_pattern(ByteLevelBPE([], pattern=p).pattern)
    assert "".join(split_chunks(TEXT, r"\S+|\s+")) == TEXT


@pytest.mark.parametrize("pattern,text", [(r"\w+|\s", "hello, world! 123"), (r"x*|\s", "abc def")])
def test_chunks_must_cover_the_text(pattern, text):
    with pytest.raises(ValueError, match="does not cover"):
        check_pattern(pattern)                              # the probes already show it
    with pytest.raises(ValueError, match=r"does not cover the text.*first uncovered at offset"):
        chunks_of(regex.compile(pattern), text)             # what encode and training run


def test_coverage_checked_in_training_and_encoding(monkeypatch):
    from tinygrad_lm.tokenizers import patterns
    monkeypatch.setattr(patterns, "check_pattern", lambda p: None)     # as if a pattern slipped through
    with pytest.raises(ValueError, match="does not cover"):
        ByteLevelBPE.train("hello, world! 123", 260, pattern=r"\w+")
    tok = ByteLevelBPE([], pattern=r"x*")
    with pytest.raises(ValueError, match="does not cover"):
        tok.encode("abc")
    assert tok.encode("") == []


def test_special_tokens_duplicates_and_gaps():
    tok = ByteLevelBPE.train(TEXT * 5, 270)
    base = 256 + len(tok.merges)
    with pytest.raises(ValueError, match="listed twice"):
        tok.register_special_tokens(["<|x|>", "<|x|>"])
    with pytest.raises(ValueError, match="without gaps"):          # what `--special X X` produced
        tok.register_special_tokens({"<|x|>": base + 1})
    with pytest.raises(ValueError, match="already used"):
        tok.register_special_tokens({"<|x|>": base, "<|y|>": base})
    with pytest.raises(ValueError, match="collides"):
        tok.register_special_tokens({"<|x|>": 5})
    assert tok.special_tokens == {}, "a refused registration must not change the tokenizer"
    tok.register_special_tokens(["<|a|>", "<|b|>"])
    tok.register_special_tokens(["<|a|>", "<|c|>"])                # <|a|> kept, <|c|> next
    assert tok.special_tokens == {"<|a|>": base, "<|b|>": base + 1, "<|c|>": base + 2}
    tok.register_special_tokens({"<|a|>": base})                   # same id again: fine
    with pytest.raises(ValueError, match="already has id"):
        tok.register_special_tokens({"<|a|>": base + 3})
    assert tok.vocab_size == base + 3 and len(tok.vocab) == tok.vocab_size
    with pytest.raises(ValueError, match=r"inconsistent tokenizer.*without gaps"):
        ByteLevelBPE.from_text(tok.to_text().replace(f'"<|c|>" {base + 2}', f'"<|c|>" {base + 9}'))


@pytest.mark.parametrize("head", [-5, -1, 2.5, True])
def test_vocab_head_must_be_a_non_negative_int(head):
    tok = ByteLevelBPE([])
    with pytest.raises(ValueError, match="head"):
        tok.vocab_lines(head=head)
    assert len(tok.vocab_lines(head=5)) == 5 and len(tok.vocab_lines()) == 256


def test_overlong_chunks_are_cut_at_character_boundaries():
    s = "é" * 10_000 + "a" * 3 + "🤗" * 5_000                      # one 40,003-byte letter/symbol run
    pieces = cap_chunks([s])
    assert "".join(pieces) == s and all(len(p.encode()) <= MAX_CHUNK_BYTES for p in pieces)
    assert len(pieces) == 3
    short = ["abc", " " * 4096]
    assert cap_chunks(short) is short                              # the common case does no work


def test_overlong_chunk_encoding_is_linear_and_exact():
    gpt2 = load_gpt2()
    rng = np.random.default_rng(0)
    line = "".join(map(chr, rng.integers(97, 123, 200_000)))       # 200 KB of letters: ONE regex chunk
    ids = gpt2.encode(line)
    assert gpt2.decode(ids) == line
    want = [i for k in range(0, len(line), MAX_CHUNK_BYTES) for i in gpt2.encode(line[k:k + MAX_CHUNK_BYTES])]
    assert ids == want, "a cut chunk must encode exactly as its pieces"
    # 10,000 spaces (a chunk the GPT-2 fixtures record) is below the cap: unchanged there
    assert gpt2.encode(" " * 10_000) == gpt2._merge_short([gpt2.byte_ids[32]] * 10_000)
    t0 = time.perf_counter()
    ByteLevelBPE.train(line, 300)                                  # was O(merges x chunk length) in Python
    assert time.perf_counter() - t0 < 15
