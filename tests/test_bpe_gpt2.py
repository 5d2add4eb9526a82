"""GPT-2 parity: our ByteLevelBPE loaded from encoder.json + vocab.bpe must produce exactly the ids
tiktoken's "gpt2" encoding produced (recorded once by tests/fixtures/bpe/record_gpt2.py)."""
import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

from tinygrad_lm.tokenizers import ByteLevelBPE, load_gpt2

FIX = Path(__file__).resolve().parent / "fixtures" / "bpe"
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def gpt2():
    return load_gpt2()


@pytest.fixture(scope="module")
def expected():
    with np.load(FIX / "gpt2_ids.npz") as z:
        return {k: z[k] for k in z.files}


def _compare(name, got, want):
    got = np.asarray(got, dtype=np.int64)
    want = want.astype(np.int64)
    if got.shape == want.shape and np.array_equal(got, want):
        return
    n = min(got.size, want.size)
    bad = np.flatnonzero(got[:n] != want[:n])
    i = int(bad[0]) if bad.size else n
    pytest.fail(f"{name}: ids differ from GPT-2 (tiktoken) at token {i}: "
                f"expected {want[i:i + 5].tolist()}, got {got[i:i + 5].tolist()} "
                f"(lengths {want.size} vs {got.size})")


def test_vocab_shape(gpt2):
    assert gpt2.vocab_size == 50257
    assert len(gpt2.merges) == 50000
    assert gpt2.special_tokens == {"<|endoftext|>": 50256}
    assert gpt2.byte_ids[ord("!")] == 0          # GPT-2 orders byte tokens by its printable alphabet
    assert gpt2.encode(" the") == [262]


@pytest.mark.parametrize("rel", json.loads((FIX / "corpora.json").read_text()).keys())
def test_corpus_parity(gpt2, expected, rel):
    info = json.loads((FIX / "corpora.json").read_text())[rel]
    raw = (ROOT / "data" / rel).read_bytes()
    if hashlib.sha256(raw).hexdigest() != info["sha256"]:
        pytest.skip(f"data/{rel} changed since the fixture was recorded")
    _compare(rel, gpt2.encode(raw.decode("utf-8")), expected[info["key"]])


def test_stress_parity(gpt2, expected):
    texts = json.loads((FIX / "stress_texts.json").read_text())
    assert len(texts) >= 100
    for i, t in enumerate(texts):
        got = gpt2.encode_ordinary(t)
        _compare(f"stress text {i} {t[:30]!r}", got, expected[f"stress_{i:03d}"])
        assert gpt2.decode(got) == t, f"stress text {i}: decode(encode(s)) != s"


def test_stress_parity_cold_cache_long_path(gpt2, expected):
    # the O(n log n) merge for long chunks must agree with the simple one on every stress text
    texts = json.loads((FIX / "stress_texts.json").read_text())
    for i, t in enumerate(texts):
        for chunk in gpt2._regex.findall(t):
            ids = [gpt2.byte_ids[b] for b in chunk.encode("utf-8")]
            assert gpt2._merge_long(ids) == gpt2._merge_short(ids), f"text {i}, chunk {chunk[:30]!r}"


def test_endoftext_guard(gpt2):
    with pytest.raises(ValueError, match="special token"):
        gpt2.encode("hello <|endoftext|>")
    assert gpt2.encode("hello <|endoftext|>", allowed_special="all") == [31373, 220, 50256]
    plain = gpt2.encode("<|endoftext|>", disallowed_special=())
    assert 50256 not in plain and gpt2.decode(plain) == "<|endoftext|>"
