"""The BPE merge kernel (kernels/bpe.py) equals its NumPy twin and the reference merge loop."""
import random

import numpy as np
import pytest

from tinygrad_lm.tokenizers import ByteLevelBPE, load_gpt2
from tinygrad_lm.kernels.bpe import merge_chunks, merge_table


def _batch(tok, texts):
    datas = [t.encode("utf-8") for t in texts]
    ids = np.asarray(tok.byte_ids, dtype=np.int32)[np.frombuffer(b"".join(datas), dtype=np.uint8)]
    offsets = np.zeros(len(datas) + 1, dtype=np.int64)
    np.cumsum([len(d) for d in datas], out=offsets[1:])
    return ids, offsets


def _run(tok, texts, use_numba):
    ids, offsets = _batch(tok, texts)
    lens = merge_chunks(ids, offsets, *merge_table(tok.ranks), use_numba=use_numba)
    return [ids[s:s + n].tolist() for s, n in zip(offsets[:-1].tolist(), lens.tolist())]


@pytest.fixture(scope="module")
def gpt2():
    return load_gpt2()


def test_kernel_equals_twin_and_reference(gpt2):
    rng = random.Random(0)
    words = ["", "a", " the", "Hello", " antidisestablishmentarianism", "  ", "\n\n", "1234", " 🤗", "日本語",
             "aaaaaaaaaaaaaaaaaaaa", "     " * 10]
    words += ["".join(rng.choice("abcde thé🤗") for _ in range(rng.randint(0, 40))) for _ in range(300)]
    got = _run(gpt2, words, True)
    twin = _run(gpt2, words, False)
    ref = [gpt2._merge_short([gpt2.byte_ids[b] for b in w.encode()]) for w in words]
    for w, g, t, r in zip(words, got, twin, ref):
        assert g == t == r, f"chunk {w!r}: kernel {g}, twin {t}, reference {r}"


def test_kernel_on_trained_and_empty_tables():
    tok = ByteLevelBPE.train("the cat sat on the mat with the hat " * 20, 300)
    words = [" the", " cat", " that", "hat", "x"]
    assert _run(tok, words, True) == _run(tok, words, False) == [tok._merge_short(list(w.encode())) for w in words]
    empty = ByteLevelBPE()
    assert _run(empty, ["ab", ""], True) == [[97, 98], []]


def test_validation_errors(gpt2):
    keys, vals = merge_table(gpt2.ranks)
    ids, offsets = _batch(gpt2, ["ab"])
    with pytest.raises(TypeError, match="int32"):
        merge_chunks(ids.astype(np.int64), offsets, keys, vals)
    with pytest.raises(ValueError, match="offsets"):
        merge_chunks(ids, np.array([0, 5], dtype=np.int64), keys, vals)


def test_long_chunks_go_to_heap_path(gpt2):
    s = "x" * 5000 + " " + "ab" * 3000 + "\n" * 1000
    ids = gpt2.encode(s)
    assert gpt2.decode(ids) == s
    for chunk in gpt2._regex.findall(s):
        b = [gpt2.byte_ids[c] for c in chunk.encode()]
        assert gpt2._merge_long(b) == _run(gpt2, [chunk], True)[0]


def test_long_chunk_heap_kernel_equals_twin_and_reference(gpt2):
    from tinygrad_lm.kernels.bpe import merge_long
    keys, vals = merge_table(gpt2.ranks)
    r = random.Random(7)
    for trial in range(40):
        alpha = r.choice(["ab", "a", " ", "abc ", "hello world ", "é🤗x", "0123456789"])
        text = "".join(r.choice(alpha) for _ in range(r.randint(0, 600)))
        base = [gpt2.byte_ids[b] for b in text.encode("utf-8")]
        want = gpt2._merge_short(list(base))
        for use_numba in (True, False):
            ids = np.array(base, dtype=np.int32)
            m = merge_long(ids, keys, vals, use_numba=use_numba)
            assert ids[:m].tolist() == want, f"trial {trial} ({'kernel' if use_numba else 'twin'}): {text[:40]!r}"
    with pytest.raises(TypeError, match="int32"):
        merge_long(np.zeros(3, np.int64), keys, vals)
