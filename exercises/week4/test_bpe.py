"""Week 4 autograder, part 1: byte-level BPE (tasks 4.1-4.6).

The reference for training and encoding is the library's tinygrad_lm.tokenizers (fast trainer,
GPT-2-compatible encoder); the merges must match it EXACTLY, including the tie-breaking rule.

Typical mistakes (docs/course/mistakes.md, mutation-tested by tests/test_mutants.py) fail with a first
line that names them; where a mistake shows in only some inputs, every test of the task runs a shared
screen first, so the mistake costs the whole task.
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


def _mistake(first_line, hint):
    """Fail with a first line that names a recognised mistake (the grading table shows only that line)."""
    raise AssertionError(f"{first_line}\n  hint: {hint}")


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
def _check_merge(ids, pair, new_id, got, want):
    """assert_equal, naming the off-by-one that leaves a pair at the very end of ids unmerged."""
    if (got != want and len(ids) >= 2 and tuple(ids[-2:]) == tuple(pair) and want and want[-1] == new_id
            and got == want[:-1] + list(pair)):
        _mistake(f"merge_pair({ids}, {pair}) left the pair at the very END of ids unmerged: an off-by-one in the "
                 f"loop bound",
                 "loop while i < len(ids) and merge when i + 1 < len(ids) and (ids[i], ids[i + 1]) == pair")
    assert_equal(got, want, name=f"merge_pair({ids}, {pair}, {new_id})")


@pytest.mark.task("4.2", points=2, title="merge_pair")
def test_merge_pair_examples():
    _check_merge([1, 2, 3, 1, 2], (1, 2), 256, mod.merge_pair([1, 2, 3, 1, 2], (1, 2), 256), [256, 3, 256])
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
        _check_merge(ids, (1, 1), 256, got, want)


# ---- 4.3 ----------------------------------------------------------------------------------------
def _pair_counts_after(text, pattern, merges):
    """{pair: count} over the chunks of text after applying `merges` (the library encodes each chunk)."""
    tok = ByteLevelBPE(merges, pattern=None)
    counts = Counter()
    for chunk, n in count_chunks(text, pattern).items():
        ids = tok.encode_ordinary(chunk)
        for p in zip(ids, ids[1:]):
            counts[p] += n
    return counts


def _check_merges(text, pattern, got, want, what):
    """assert_equal on the merges, naming a tie broken the wrong way (the usual max(counts, key=counts.get))."""
    pairs = [tuple(p) for p in got] if isinstance(got, list) else None         # only to name the mistake
    if pairs is not None and pairs != want:
        k = next((i for i, (g, w) in enumerate(zip(pairs, want)) if g != w), None)
        if k is not None:
            counts = _pair_counts_after(text, pattern, want[:k])
            if counts.get(pairs[k], 0) == counts[want[k]]:
                _mistake(f"train ({what}): merge {k} is {pairs[k]}, expected {want[k]}: both pairs occur "
                         f"{counts[want[k]]} times, a TIE, and ties go to the smallest pair",
                         "best = min(counts, key=lambda p: (-counts[p], p)); max(counts, key=counts.get) keeps "
                         "whichever pair it saw first")
    assert_equal(got, want, name=f"merges learned from {what}",
                 hint="count pairs per chunk (never across chunks), ties -> smallest pair")


def _tie_screen():
    """Run first by every 4.3 test: two tiny texts made of ties."""
    _check_merges("abcdabcd", None, mod.train("abcdabcd", 300, pattern=None), [(97, 98), (99, 100), (256, 257)],
                  '"abcdabcd" (pattern=None)')
    _check_merges("cd.cd.ab.ab", "gpt2", mod.train("cd.cd.ab.ab", 258), [(97, 98), (99, 100)], '"cd.cd.ab.ab"')


@pytest.mark.task("4.3", points=3, title="train: the BPE training loop")
def test_train_tiny_exact():
    _tie_screen()
    assert_equal(mod.train("abcdabcd", 300, pattern=None), [(97, 98), (99, 100), (256, 257)],
                 name='train("abcdabcd", 300, pattern=None)',
                 hint="ties: highest count first, then the smallest pair; stop when the best count < 2")
    assert_equal(mod.train("cd.cd.ab.ab", 258), [(97, 98), (99, 100)], name='train("cd.cd.ab.ab", 258)',
                 hint="equal counts: (97, 98) < (99, 100) must win, whatever order the pairs were seen in")
    assert_equal(mod.train("ab ab", 256), [], name='train("ab ab", 256)', hint="vocab_size 256 means no merges")


@pytest.mark.task("4.3", points=3)
def test_train_matches_library_poem():
    _tie_screen()
    want = train_merges(count_chunks(POEM), 60)
    got = mod.train(POEM, 256 + 60)
    _check_merges(POEM, "gpt2", got, want, "the poem")
    assert_equal(_show(got), [b"he", b" t", b" the"], name="first 3 merged tokens (as bytes)")
    assert_equal(got, want, name="merges learned from the poem",
                 hint="count pairs per chunk (never across chunks), ties -> smallest pair")


@pytest.mark.task("4.3", points=3)
def test_train_matches_library_shakespeare():
    _tie_screen()
    text = _shakespeare(5000)
    _check_merges(text, "gpt2", mod.train(text, 256 + 50), train_merges(count_chunks(text), 50),
                  "the first 5000 characters of tiny shakespeare")


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
def _priority_screen():
    """Run first by every 4.5 test: (98, 99) was learned before (97, 98), so "abc" -> a, bc."""
    got = mod.encode("abc", [(98, 99), (97, 98)], pattern=None)
    if got == [257, 99]:
        _mistake('encode("abc", merges [(98, 99), (97, 98)]) merged the leftmost pair (97, 98) first: apply the '
                 'earliest learned merge (lowest rank) first', "pair = min(get_pair_counts(ids), key=lambda p: "
                 "ranks.get(p, inf)): the merge learned first wins, wherever it sits in the chunk")
    assert_equal(got, [97, 256], name='encode("abc") with merges [(98, 99), (97, 98)]',
                 hint="apply the EARLIEST learned merge first (lowest rank), not the leftmost pair")


@pytest.mark.task("4.5", points=3, title="encode with learned merges")
def test_encode_small():
    _priority_screen()
    merges = [(97, 98), (99, 100), (256, 257)]
    assert_equal(mod.encode("abcdab", merges, pattern=None), [258, 256], name='encode("abcdab")')
    assert_equal(mod.encode("", merges), [], name='encode("")')
    # priority: (98, 99) was learned before (97, 98), so "abc" -> a, bc
    assert_equal(mod.encode("abc", [(98, 99), (97, 98)], pattern=None), [97, 256], name='encode("abc")',
                 hint="apply the EARLIEST learned merge first (lowest rank), not the leftmost pair")


@pytest.mark.task("4.5", points=3)
def test_encode_matches_library():
    _priority_screen()
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
