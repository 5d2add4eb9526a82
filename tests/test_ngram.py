"""models/ngram.py: interpolated modified Kneser-Ney against hand-computed values and a dict-based reference."""
import math
import time
from collections import Counter, defaultdict

import numpy as np
import pytest

from tinygrad_lm.models.ngram import CharVocab, KneserNeyLM, kn_discounts
from tinygrad_lm.paths import DATA_DIR

FALLBACK = (0.5, 1.0, 1.5)


class RefKN:
    """Chen & Goodman's formulas read literally, with dicts of tuples (slow, for small corpora only)."""

    def __init__(self, seqs, n, V, modified=True, discounts=None):
        self.n, self.V, BOS = n, V, V
        raw, left = defaultdict(Counter), defaultdict(lambda: defaultdict(set))
        for s in seqs:
            p = [BOS] * (n - 1) + list(s)
            for i in range(n - 1, len(p)):
                for k in range(1, n + 1):
                    g = tuple(p[i - k + 1:i + 1])
                    raw[k][g] += 1
                    if k < n:
                        left[k][g].add(p[i - k])
        self.c = {k: {g: (c if k == n or g[0] == BOS else len(left[k][g])) for g, c in raw[k].items()}
                  for k in range(1, n + 1)}
        self.D = {}
        for k in range(1, n + 1):
            coc = [sum(1 for c in self.c[k].values() if c == j) for j in (1, 2, 3, 4)]
            self.D[k] = (discounts or {}).get(k) or kn_discounts(*coc, modified=modified) or (
                FALLBACK if modified else (0.5,) * 3)

    def d(self, k, c):
        return 0.0 if c == 0 else min(self.D[k][min(c, 3) - 1], c)

    def p(self, ctx, w, k=None):
        k = self.n if k is None else k
        if k == 0:
            return 1.0 / self.V
        ctx = tuple(ctx[len(ctx) - (k - 1):]) if k > 1 else ()
        lower = self.p(ctx[1:] if ctx else (), w, k - 1)
        grams = {g: c for g, c in self.c[k].items() if g[:-1] == ctx}
        tot = sum(grams.values())
        if tot == 0:
            return lower
        c = grams.get(ctx + (w,), 0)
        mass = sum(self.d(k, cc) for cc in grams.values())
        return (c - self.d(k, c)) / tot + mass / tot * lower

    def token_logprobs(self, ids):
        p = [self.V] * (self.n - 1) + list(ids)
        return [math.log(self.p(tuple(p[i - self.n + 1:i]), p[i])) for i in range(self.n - 1, len(p))]


def test_discount_formula():
    # Y = 100 / 180 = 5/9; D1 = 1 - 2Y(40/100) = 5/9; D2 = 2 - 3Y(20/40) = 7/6; D3+ = 3 - 4Y(10/20) = 17/9
    D = kn_discounts(100, 40, 20, 10)
    assert np.allclose(D, (5 / 9, 7 / 6, 17 / 9), rtol=0, atol=1e-15), D
    assert np.allclose(kn_discounts(100, 40, 20, 10, modified=False), (5 / 9,) * 3)
    assert kn_discounts(0, 4, 2, 1) is None and kn_discounts(5, 0, 2, 1) is None   # undefined
    assert kn_discounts(3, 1, 2, 1) is None                                         # D2 = -1.6: out of [0, 2]


def test_hand_checked_tiny_corpus():
    # a b a b c  (a=0, b=1, c=2, start symbol S=3), every discount (0.5, 1.0, 1.5)
    D = {k: FALLBACK for k in (1, 2, 3)}
    ids = np.array([0, 1, 0, 1, 2])
    m2 = KneserNeyLM(2, vocab_size=3, discounts=D).fit(ids)
    # unigram continuation counts: a after {S, b} = 2, b after {a} = 1, c after {b} = 1; total 4, mass 1 + .5 + .5
    p1 = {0: (2 - 1) / 4 + 2 / 4 / 3, 1: (1 - .5) / 4 + 2 / 4 / 3, 2: (1 - .5) / 4 + 2 / 4 / 3}   # 5/12, 7/24, 7/24
    assert np.allclose(np.exp(m2.logprobs([2])), [p1[0], p1[1], p1[2]], atol=1e-15), "unseen context c -> unigram"
    assert math.isclose(math.exp(m2.logprob([0], 1)), (2 - 1) / 2 + 1 / 2 * p1[1]), "p(b|a) = 31/48"
    assert math.isclose(math.exp(m2.logprob([0], 0)), 1 / 2 * p1[0]), "p(a|a) = 5/24"
    assert math.isclose(math.exp(m2.logprob([1], 0)), (1 - .5) / 2 + 1 / 2 * p1[0]), "p(a|b) = 11/24"
    assert math.isclose(math.exp(m2.logprob([], 0)), (1 - .5) / 1 + .5 * p1[0]), "p(a|start) = 17/24"
    assert math.isclose(m2.sequence_logprob([0, 1]), math.log(17 / 24) + math.log(31 / 48))
    # trigram: (S, a) keeps its raw count 1 (starts with S); (a, b) has continuation count 2 (after S and b)
    m3 = KneserNeyLM(3, vocab_size=3, discounts=D).fit(ids)
    bigram = {(int(k // m3.B), int(k % m3.B)): c for k, c in zip(m3.keys[2], m3.counts[2])}   # key = id(a) B + b
    assert bigram == {(3, 0): 1.0, (0, 1): 2.0, (1, 0): 1.0, (1, 2): 1.0}, bigram   # S a raw; a b after S and b
    assert math.isclose(math.exp(m3.logprob([0], 1)), .5 + .5 * 31 / 48), "p(b|S a) = 79/96"
    assert math.isclose(math.exp(m3.logprob([], 0)), .5 + .5 * 17 / 24), "p(a|S S) = 41/48"
    assert math.isclose(math.exp(m3.logprob([2, 2], 0)), p1[0]), "unseen contexts fall back to the unigram"


@pytest.mark.parametrize("order", [1, 2, 3, 4])
@pytest.mark.parametrize("modified", [True, False])
def test_matches_the_dict_reference(order, modified):
    rng = np.random.default_rng(order + 10 * modified)
    V = 5
    seqs = [rng.integers(0, V - 1, size=int(rng.integers(1, 60))) for _ in range(6)]   # id 4 never seen
    ref = RefKN(seqs, order, V, modified)
    m = KneserNeyLM(order, vocab_size=V, modified=modified).fit(seqs)
    for k in range(1, order + 1):
        assert np.allclose(m.discounts[k], ref.D[k], atol=1e-15), f"order {k}: D {m.discounts[k]} vs {ref.D[k]}"
        coc = tuple(sum(1 for c in ref.c[k].values() if c == j) for j in (1, 2, 3, 4))
        assert m.count_of_counts[k] == coc, f"order {k}: count-of-counts {m.count_of_counts[k]} vs {coc}"
    test = rng.integers(0, V, size=40)
    got, want = m.token_logprobs(test), ref.token_logprobs(test)
    assert np.allclose(got, want, rtol=0, atol=1e-12), f"max diff {np.abs(got - np.array(want)).max():.2e}"


def test_probabilities_sum_to_one_over_the_vocabulary():
    text = (DATA_DIR / "tiny_shakespeare" / "input.txt").read_text(encoding="utf-8")[:200_000]
    rng = np.random.default_rng(0)
    for order, modified in [(1, True), (2, True), (4, True), (5, False)]:
        m = KneserNeyLM.from_text(text, order, modified=modified)
        ids = m.encode(text)
        contexts = [ids[s:s + int(rng.integers(0, 7))] for s in rng.integers(0, len(ids) - 8, size=60)]
        contexts += [rng.integers(0, m.V, size=4) for _ in range(40)]               # mostly unseen contexts
        contexts += [[], [0, 0, 0, 0]]                                              # start of text, UNKs
        for ctx in contexts:
            total = np.exp(m.logprobs(ctx)).sum()
            assert abs(total - 1) < 1e-9, f"order {order}: probabilities after {list(ctx)} sum to {total!r}"
    sums = [np.exp(KneserNeyLM(3, vocab_size=50).fit(rng.integers(0, 50, 3000)).logprobs(c)).sum()
            for c in ([], [1], [1, 2], [49, 49])]
    assert np.allclose(sums, 1, atol=1e-9), sums


def test_unknown_tokens_and_the_floor():
    m = KneserNeyLM(3, vocab_size=6).fit(np.array([0, 1, 2, 0, 1, 2, 3]))
    assert np.isfinite(m.logprob([0, 1], 5)), "a vocabulary id never seen in training gets the unigram floor"
    with pytest.raises(ValueError, match="outside the vocabulary.*unk_id"):
        m.logprob([0, 1], 6)
    u = KneserNeyLM(3, vocab_size=6, unk_id=5).fit(np.array([0, 1, 2, 0, 1, 2, 3]))
    assert u.logprob([0, 1], 99) == u.logprob([0, 1], 5)
    vocab = CharVocab("hello")
    assert vocab.itos[0] == CharVocab.UNK and vocab.encode("hez!").tolist() == [vocab.stoi["h"], vocab.stoi["e"], 0, 0]
    lm = KneserNeyLM.from_text("hello world, hello there", 3)
    lp = lm.token_logprobs(lm.encode("hello zebra"))
    assert np.all(np.isfinite(lp)) and lp[6] < lp[1], "an unseen character is possible but unlikely"


def test_trigram_beats_unigram_on_held_out_shakespeare_and_is_fast():
    text = (DATA_DIR / "tiny_shakespeare" / "input.txt").read_text(encoding="utf-8")
    cut = int(0.9 * len(text))
    train, held = text[:cut], text[cut:]
    n_bytes = len(held.encode("utf-8"))
    t = time.perf_counter()
    tri = KneserNeyLM.from_text(train, 3)
    fit_seconds = time.perf_counter() - t
    uni = KneserNeyLM.from_text(train, 1)
    bpb3 = tri.bits_per_byte(tri.encode(held), n_bytes)
    bpb1 = uni.bits_per_byte(uni.encode(held), n_bytes)
    assert bpb3 < bpb1 - 1.5, f"3-gram {bpb3:.3f} bits/byte should beat the unigram {bpb1:.3f} by far"
    assert 2.85 < bpb3 < 3.05 and 4.7 < bpb1 < 4.95, (bpb3, bpb1)          # 2.940 and 4.829 when written
    assert fit_seconds < 15, f"fitting a 3-gram on 1 MB took {fit_seconds:.1f} s"
    ids = tri.encode(held)
    assert math.isclose(tri.perplexity(ids), 2 ** (bpb3 * n_bytes / len(ids)), rel_tol=1e-9)
    small = train[:300_000]                                   # the two comparisons below on 300k chars (speed)
    mod = KneserNeyLM.from_text(small, 3)
    flat = KneserNeyLM(3, vocab_size=mod.V, modified=False).fit(mod.encode(small))
    ids = mod.encode(held)
    assert flat.bits_per_byte(ids, n_bytes) > mod.bits_per_byte(ids, n_bytes) + 0.03, \
        "modified KN (three discounts) should beat one discount per order (3.287 vs 3.352 when written)"
    byte = KneserNeyLM.from_text(small, 3, level="byte")
    assert abs(byte.bits_per_byte(byte.encode(held), n_bytes) - mod.bits_per_byte(ids, n_bytes)) < 0.01, \
        "on ASCII text a byte model and a character model should agree"


def test_errors_are_clear():
    with pytest.raises(ValueError, match="order must be >= 1"):
        KneserNeyLM(0)
    with pytest.raises(ValueError, match="not trained"):
        KneserNeyLM(2).logprob([1], 2)
    with pytest.raises(ValueError, match="at least one non-empty"):
        KneserNeyLM(2).fit([])
    with pytest.raises(ValueError, match=r"training ids must be in \[0, vocab_size=3\)"):
        KneserNeyLM(2, vocab_size=3).fit(np.array([0, 1, 3]))
    with pytest.raises(ValueError, match="trained on ids"):
        KneserNeyLM(2).fit(np.array([0, 1])).encode("text")
    with pytest.raises(ValueError, match="level"):
        KneserNeyLM.from_text("abc", 2, level="word")
