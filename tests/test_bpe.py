"""ByteLevelBPE: training (vs a naive reference, tie-breaking), encoding, decoding, special tokens."""
import random
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from tinygrad_lm.tokenizers import ByteLevelBPE
from tinygrad_lm.tokenizers.bpe_train import count_chunks, train_merges
from tinygrad_lm.tokenizers.patterns import split_chunks

ROOT = Path(__file__).resolve().parents[1]


def naive_train(text, num_merges, pattern="gpt2"):
    """The textbook loop: recount every pair, take the max (ties: smallest pair), merge everywhere."""
    words = [list(c.encode("utf-8")) for c in split_chunks(text, pattern)]
    merges = []
    for k in range(num_merges):
        counts = Counter()
        for w in words:
            counts.update(zip(w, w[1:]))
        if not counts:
            break
        best = min(counts, key=lambda p: (-counts[p], p))
        if counts[best] < 2:
            break
        merges.append(best)
        new = 256 + k
        for j, w in enumerate(words):
            out, i = [], 0
            while i < len(w):
                if i + 1 < len(w) and (w[i], w[i + 1]) == best:
                    out.append(new)
                    i += 2
                else:
                    out.append(w[i])
                    i += 1
            words[j] = out
    return merges


def naive_encode(text, merges, pattern="gpt2"):
    ranks = {p: 256 + i for i, p in enumerate(merges)}
    out = []
    for c in split_chunks(text, pattern):
        ids = list(c.encode("utf-8"))
        while len(ids) >= 2:
            best = min(zip(ids, ids[1:]), key=lambda p: ranks.get(p, float("inf")))
            if best not in ranks:
                break
            new, res, i = ranks[best], [], 0
            while i < len(ids):
                if i + 1 < len(ids) and (ids[i], ids[i + 1]) == best:
                    res.append(new)
                    i += 2
                else:
                    res.append(ids[i])
                    i += 1
            ids = res
        out += ids
    return out


@pytest.fixture(scope="module")
def shakespeare():
    return (ROOT / "data" / "tiny_shakespeare" / "input.txt").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def tok(shakespeare):
    return ByteLevelBPE.train(shakespeare[:200_000], 512 + 256)


def test_tie_breaking_smallest_pair_wins():
    # ab, bc, cd all occur twice: (97, 98) wins; then (99, 100) = "cd" beats (256, 99) = "ab"+"c"
    assert train_merges(Counter({"abcdabcd": 1}), 10) == [(97, 98), (99, 100), (256, 257)]
    # the same in reverse insertion order and with the chunk split differently
    assert train_merges(Counter({"cd": 2, "ab": 2}), 5) == [(97, 98), (99, 100)]
    assert train_merges(Counter({"ab": 2, "cd": 2}), 5) == [(97, 98), (99, 100)]


def test_higher_count_beats_smaller_pair():
    assert train_merges(Counter({"ab": 2, "yz": 3}), 1) == [(121, 122)]


def test_stops_when_no_pair_repeats():
    assert train_merges(Counter({"abc": 1}), 10) == []
    assert train_merges(Counter({"aaaa": 1}), 10) == [(97, 97)]      # "aa" twice (non-overlapping)


@pytest.mark.parametrize("pattern", ["gpt2", "cl100k", None])
def test_matches_naive_trainer(shakespeare, pattern):
    text = shakespeare[:3000] if pattern is None else shakespeare[:10_000]
    n = 60 if pattern is None else 100
    fast = train_merges(count_chunks(text, pattern), n)
    slow = naive_train(text, n, pattern)
    first = next((i for i, (a, b) in enumerate(zip(fast, slow)) if a != b), None)
    assert fast == slow, f"merge {first} differs: fast {fast[first:first + 3]}, naive {slow[first:first + 3]}"


def test_matches_naive_trainer_unicode():
    rng = random.Random(0)
    alphabet = "aab cdé🤗 日本\n'"
    text = "".join(rng.choice(alphabet) for _ in range(3000))
    assert train_merges(count_chunks(text), 80) == naive_train(text, 80)


def test_train_api(shakespeare):
    tok = ByteLevelBPE.train(shakespeare[:50_000], 300)
    assert tok.vocab_size == 300 and len(tok.merges) == 44
    assert tok.vocab[256] == b" t"           # the most frequent pair in Shakespeare
    with pytest.raises(ValueError, match="vocab_size"):
        ByteLevelBPE.train("abc", 100)
    with pytest.raises(TypeError):
        ByteLevelBPE.train(b"abc", 300)


def test_encode_matches_naive(tok, shakespeare):
    text = shakespeare[200_000:230_000]
    assert tok.encode(text) == naive_encode(text, tok.merges)


def test_long_chunk_merge_equals_short(tok):
    rng = random.Random(1)
    for _ in range(200):
        s = "".join(rng.choice("the and  thou e") for _ in range(rng.randint(0, 300)))
        ids = list(s.encode())
        assert tok._merge_long(ids) == tok._merge_short(ids), repr(s)


ROUND_TRIP = ["", " ", "hello world", "  many   spaces\n\n\t", "emoji 🤗🎉👨‍👩‍👧", "\x00\x01\x1b[0m\x7f",
              "日本語 Ünïcödé e\u0301", "\U0010ffff", "<|endoftext|> as plain text", "a" * 5000]


@pytest.mark.parametrize("s", ROUND_TRIP)
def test_round_trip(tok, s):
    ids = tok.encode(s)
    assert tok.decode(ids) == s
    assert tok.decode_bytes(ids) == s.encode("utf-8")


def test_round_trip_random_unicode(tok):
    rng = random.Random(2)
    for _ in range(100):
        s = "".join(chr(rng.choice([rng.randint(0, 0x7f), rng.randint(0x80, 0xd7ff), rng.randint(0xe000, 0x10ffff)]))
                    for _ in range(rng.randint(0, 50)))
        assert tok.decode(tok.encode(s)) == s


def test_lone_surrogate_raises_clear_error(tok):
    with pytest.raises(ValueError, match="lone surrogate"):
        tok.encode("ok \ud800 not ok")


def test_partial_utf8_decodes_with_replacement(tok):
    ids = tok.encode("é")                        # 2 bytes; not merged in a small English vocab
    assert len(ids) == 2
    assert tok.decode(ids[:1]) == "\ufffd"
    assert tok.decode_bytes(ids[:1]) == b"\xc3"
    assert tok.decode(ids[:1] + ids[1:]) == "é"     # bytes are joined before decoding
    with pytest.raises(ValueError, match="unknown token id"):
        tok.decode([10 ** 6])


def test_special_tokens_guard(shakespeare):
    tok = ByteLevelBPE.train(shakespeare[:20_000], 300, special_tokens={"<|endoftext|>": 300})
    tok.register_special_tokens({"<|user|>": 301})
    assert tok.vocab_size == 302
    text = "hi<|endoftext|>there<|user|>"
    with pytest.raises(ValueError, match="not allowed"):
        tok.encode(text)
    ids = tok.encode(text, allowed_special="all")
    assert 300 in ids and 301 in ids and tok.decode(ids) == text
    ids = tok.encode(text, allowed_special={"<|endoftext|>"}, disallowed_special=())
    assert 300 in ids and 301 not in ids and tok.decode(ids) == text
    with pytest.raises(ValueError, match="<\\|user\\|>"):
        tok.encode(text, allowed_special={"<|endoftext|>"})
    plain = tok.encode(text, disallowed_special=())
    assert 300 not in plain and 301 not in plain and plain == tok.encode_ordinary(text)
    with pytest.raises(ValueError, match="collides"):
        tok.register_special_tokens({"<|bad|>": 10})
    with pytest.raises(ValueError, match="unregistered"):
        tok.encode("x", allowed_special={"<|nope|>"})


def test_encode_batch(tok):
    texts = ["a b", "", "thou art"]
    assert tok.encode_batch(texts) == [tok.encode(t) for t in texts]


def test_cl100k_digit_groups():
    tok = ByteLevelBPE(pattern="cl100k")
    assert split_chunks("1234567", "cl100k") == ["123", "456", "7"]
    assert tok.decode(tok.encode("1234567 I'LL")) == "1234567 I'LL"


def test_cache_bound_does_not_change_ids(tok, shakespeare, monkeypatch):
    import tinygrad_lm.tokenizers.bpe as bpe_module
    text = shakespeare[300_000:320_000]
    want = naive_encode(text, tok.merges)
    monkeypatch.setattr(bpe_module, "CACHE_SIZE", 50)
    small = ByteLevelBPE(tok.merges)
    assert small.encode(text) == want
    assert small.encode(text[:5000]) == naive_encode(text[:5000], tok.merges)
    assert len(small._cache) <= 50 + len(set(split_chunks(text[:5000])))


def test_bad_ids_and_batch_of_one_str_give_clear_errors():
    from tinygrad_lm.tokenizers.bpe import ByteLevelBPE
    tok = ByteLevelBPE()
    assert tok.decode(np.array([104, 105], dtype=np.int64)) == "hi"
    with pytest.raises(TypeError, match="token ids must be integers, got float"):
        tok.decode([104, 1.5])
    with pytest.raises(TypeError, match="got one str"):
        tok.encode_batch("hello")
