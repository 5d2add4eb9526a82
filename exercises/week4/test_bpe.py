"""Week 4 autograder, part 1: byte-level BPE (tasks 4.1-4.6).

The reference for training and encoding is the library's tinygrad_lm.tokenizers (fast trainer,
GPT-2-compatible encoder); the merges must match it EXACTLY, including the tie-breaking rule.
"""
import random
from collections import Counter
from pathlib import Path

import pytest

from tinygrad_lm.course import assert_equal, load
from tinygrad_lm.tokenizers import ByteLevelBPE
from tinygrad_lm.tokenizers.bpe_train import count_chunks, train_merges

mod = load("week4.bpe")
ROOT = Path(__file__).resolve().parents[2]
POEM = ("The quick brown fox jumps over the lazy dog. The dog sleeps; the fox doesn't.\n"
        "Then the fox and the dog, the best of friends, went to the theatre together!\n") * 3


def _shakespeare(n):
    return (ROOT / "data" / "tiny_shakespeare" / "input.txt").read_text(encoding="utf-8")[:n]


def _show(merges, k=3):
    return [bytes(ByteLevelBPE(merges[: i + 1]).vocab[256 + i]) for i in range(min(k, len(merges)))]


# ---- 4.1 ----------------------------------------------------------------------------------------
@pytest.mark.task("4.1", points=2, title="get_pair_counts")
def test_pair_counts_examples():
    assert_equal(mod.get_pair_counts([1, 2, 3, 1, 2]), {(1, 2): 2, (2, 3): 1, (3, 1): 1},
                 name="get_pair_counts([1, 2, 3, 1, 2])")
    assert_equal(mod.get_pair_counts([5, 5, 5]), {(5, 5): 2}, name="get_pair_counts([5, 5, 5])",
                 hint="overlapping pairs both count")
    assert_equal(mod.get_pair_counts([]), {}, name="get_pair_counts([])")
    assert_equal(mod.get_pair_counts([7]), {}, name="get_pair_counts([7])", hint="one id has no pair")


@pytest.mark.task("4.1", points=2)
def test_pair_counts_accumulate():
    counts = {(1, 2): 10}
    out = mod.get_pair_counts([1, 2, 9], counts)
    assert out is counts, "get_pair_counts(ids, counts) must add into the given dict and return it"
    assert_equal(counts, {(1, 2): 11, (2, 9): 1}, name="counts after adding [1, 2, 9] to {(1, 2): 10}")
    rng = random.Random(0)
    ids = [rng.randrange(6) for _ in range(500)]
    assert_equal(mod.get_pair_counts(ids), dict(Counter(zip(ids, ids[1:]))), name="counts of 500 random ids")


# ---- 4.2 ----------------------------------------------------------------------------------------
@pytest.mark.task("4.2", points=2, title="merge_pair")
def test_merge_pair_examples():
    assert_equal(mod.merge_pair([1, 2, 3, 1, 2], (1, 2), 256), [256, 3, 256], name="merge_pair([1,2,3,1,2], (1,2))")
    assert_equal(mod.merge_pair([5, 5, 5], (5, 5), 256), [256, 5], name="merge_pair([5,5,5], (5,5))",
                 hint="scan left to right and skip BOTH ids of a merged pair")
    assert_equal(mod.merge_pair([1, 2], (2, 1), 256), [1, 2], name="merge_pair([1,2], (2,1))")
    assert_equal(mod.merge_pair([], (1, 2), 256), [], name="merge_pair([])")
    assert_equal(mod.merge_pair([3, 1], (1, 2), 256), [3, 1], name="merge_pair([3,1], (1,2))",
                 hint="a pair at the very end needs i + 1 < len(ids)")


@pytest.mark.task("4.2", points=2)
def test_merge_pair_random_and_no_mutation():
    rng = random.Random(1)
    for _ in range(50):
        ids = [rng.randrange(3) for _ in range(rng.randrange(30))]
        before = list(ids)
        got = mod.merge_pair(ids, (1, 1), 256)
        assert ids == before, "merge_pair modified its input list; build and return a new list"
        want = [int(t) if t != "X" else 256 for t in "".join(map(str, ids)).replace("11", "X")]
        assert_equal(got, want, name=f"merge_pair({ids}, (1, 1), 256)")


# ---- 4.3 ----------------------------------------------------------------------------------------
@pytest.mark.task("4.3", points=3, title="train: the BPE training loop")
def test_train_tiny_exact():
    assert_equal(mod.train("abcdabcd", 300, pattern=None), [(97, 98), (99, 100), (256, 257)],
                 name='train("abcdabcd", 300, pattern=None)',
                 hint="ties: highest count first, then the smallest pair; stop when the best count < 2")
    assert_equal(mod.train("cd.cd.ab.ab", 258), [(97, 98), (99, 100)], name='train("cd.cd.ab.ab", 258)',
                 hint="equal counts: (97, 98) < (99, 100) must win, whatever order the pairs were seen in")
    assert_equal(mod.train("ab ab", 256), [], name='train("ab ab", 256)', hint="vocab_size 256 means no merges")


@pytest.mark.task("4.3", points=3)
def test_train_matches_library_poem():
    want = train_merges(count_chunks(POEM), 60)
    got = mod.train(POEM, 256 + 60)
    assert_equal(_show(got), [b"he", b" t", b" the"], name="first 3 merged tokens (as bytes)")
    assert_equal(got, want, name="merges learned from the poem",
                 hint="count pairs per chunk (never across chunks), ties -> smallest pair")


@pytest.mark.task("4.3", points=3)
def test_train_matches_library_shakespeare():
    text = _shakespeare(5000)
    assert_equal(mod.train(text, 256 + 50), train_merges(count_chunks(text), 50),
                 name="50 merges on the first 5000 characters of tiny shakespeare")


# ---- 4.4 ----------------------------------------------------------------------------------------
@pytest.mark.task("4.4", points=1, title="build_vocab")
def test_build_vocab():
    vocab = mod.build_vocab([(104, 105), (256, 33)])
    assert_equal(len(vocab), 258, name="len(vocab)")
    assert_equal(vocab[0], b"\x00", name="vocab[0]")
    assert_equal(vocab[255], b"\xff", name="vocab[255]")
    assert_equal(vocab[256], b"hi", name="vocab[256]")
    assert_equal(vocab[257], b"hi!", name="vocab[257]", hint="vocab[256 + i] = vocab[a] + vocab[b]")
    merges = train_merges(count_chunks(POEM), 40)
    assert_equal(mod.build_vocab(merges), ByteLevelBPE(merges).vocab, name="vocab for 40 poem merges")


# ---- 4.5 ----------------------------------------------------------------------------------------
@pytest.mark.task("4.5", points=3, title="encode with learned merges")
def test_encode_small():
    merges = [(97, 98), (99, 100), (256, 257)]
    assert_equal(mod.encode("abcdab", merges, pattern=None), [258, 256], name='encode("abcdab")')
    assert_equal(mod.encode("", merges), [], name='encode("")')
    # priority: (98, 99) was learned before (97, 98), so "abc" -> a, bc
    assert_equal(mod.encode("abc", [(98, 99), (97, 98)], pattern=None), [97, 256], name='encode("abc")',
                 hint="apply the EARLIEST learned merge first (lowest rank), not the leftmost pair")


@pytest.mark.task("4.5", points=3)
def test_encode_matches_library():
    train_text, test_text = _shakespeare(30_000)[:25_000], _shakespeare(30_000)[25_000:] + " naïve 🤗!"
    tok = ByteLevelBPE.train(train_text, 256 + 200)
    assert_equal(mod.encode(test_text, tok.merges), tok.encode(test_text),
                 name="encode(5k characters of Shakespeare) with 200 merges",
                 hint="chunk with split_chunks first; merge inside each chunk only")


# ---- 4.6 ----------------------------------------------------------------------------------------
@pytest.mark.task("4.6", points=1, title="decode")
def test_decode():
    tok = ByteLevelBPE.train(POEM, 256 + 30)
    vocab = dict(tok.vocab)
    for s in ["", POEM, "héllo 🤗 wörld\n\t\x00", "日本語"]:
        assert_equal(mod.decode(tok.encode(s), vocab), s, name=f"decode(encode({s[:20]!r}))")
    assert_equal(mod.decode([0xC3], vocab), "\ufffd", name="decode([0xC3])",
                 hint='join the bytes first, then .decode("utf-8", errors="replace")')
    emoji = list("🤗".encode("utf-8"))
    assert_equal(mod.decode(emoji, vocab), "🤗", name="decode(4 byte tokens of one emoji)",
                 hint="decoding token by token breaks multi-byte characters")
