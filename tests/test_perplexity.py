"""metrics/perplexity.py: Hugging Face's sliding-window NLL on toy models whose log-probabilities are known."""
import math

import numpy as np
import pytest

from tinygrad_lm.metrics.perplexity import (NLL, bits_per_byte, bits_per_char, perplexity, sliding_window_nll,
                                            window_spans)

V = 7
RNG = np.random.default_rng(0)
A = RNG.standard_normal((V, V))
C = RNG.standard_normal(V)
S = RNG.standard_normal((5, V))


def log_softmax(z):
    z = z - z.max(axis=-1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))


BIGRAM = log_softmax(A)                                  # (V, V): row = previous token


def bigram_fn(x):
    return BIGRAM[x]                                     # (B, T, V)


def context_fn(x):
    """Depends on the previous token, the position in the window and the sum of the whole window prefix."""
    x = np.asarray(x)
    B, T = x.shape
    pos = np.arange(1, T + 1)[None, :, None]            # (1, T, 1)
    prefix = np.cumsum(x, axis=1) % 5                    # (B, T)
    return log_softmax(A[x] + 0.3 * pos * C + S[prefix])  # (B, T, V)


def ref_lp(context, target):
    """log p(target | context) by calling the model on exactly that context."""
    return float(context_fn(np.asarray(context)[None])[0, -1, target])


IDS = RNG.integers(0, V, size=23)


def test_window_spans_hand_worked():
    assert window_spans(10, 4, 2) == [(0, 4, 1), (2, 6, 4), (4, 8, 6), (6, 10, 8)]
    assert window_spans(10, 4, 3) == [(0, 4, 1), (3, 7, 4), (6, 10, 7)]
    assert window_spans(10, 4, 4) == [(0, 4, 1), (4, 8, 5), (8, 10, 9)]       # chunks: each first token unscored
    assert window_spans(3, 8, 2) == [(0, 3, 1)]
    assert window_spans(1, 8, 2) == []


def test_stride_equal_window_is_disjoint_chunks():
    W = 5
    want, count = 0.0, 0
    for c in range(0, len(IDS), W):
        chunk = IDS[c:c + W]
        want -= sum(ref_lp(chunk[:t], chunk[t]) for t in range(1, len(chunk)))
        count += len(chunk) - 1
    got = sliding_window_nll(context_fn, IDS, window=W, stride=W)
    assert got.n_tokens == count == len(IDS) - math.ceil(len(IDS) / W)
    assert math.isclose(got.nll, want, rel_tol=1e-12), (got.nll, want)


def test_stride_one_gives_every_token_the_full_window():
    W = 6
    want = -sum(ref_lp(IDS[max(0, t - W + 1):t], IDS[t]) for t in range(1, len(IDS)))
    got = sliding_window_nll(context_fn, IDS, window=W, stride=1)
    assert got.n_tokens == len(IDS) - 1 and math.isclose(got.nll, want, rel_tol=1e-12), (got, want)


def test_window_covering_everything_is_full_context_for_any_stride():
    want = -sum(ref_lp(IDS[:t], IDS[t]) for t in range(1, len(IDS)))
    for stride in (1, 3, 30):
        got = sliding_window_nll(context_fn, IDS, window=30, stride=stride)
        assert got.n_tokens == len(IDS) - 1 and math.isclose(got.nll, want, rel_tol=1e-12), (stride, got, want)


def test_general_stride_matches_the_definition_and_counts_len_minus_one():
    for W, stride in [(8, 3), (8, 7), (4, 2), (2, 1), (9, 4)]:
        want = 0.0
        for b, e, first in window_spans(len(IDS), W, stride):
            want -= sum(ref_lp(IDS[b:t], IDS[t]) for t in range(first, e))
        got = sliding_window_nll(context_fn, IDS, window=W, stride=stride)
        assert got.n_tokens == len(IDS) - 1, f"window {W} stride {stride}: scored {got.n_tokens} tokens"
        assert math.isclose(got.nll, want, rel_tol=1e-12), (W, stride)


def test_bigram_model_ignores_the_windowing_and_batching_changes_nothing():
    want = -sum(BIGRAM[IDS[t - 1], IDS[t]] for t in range(1, len(IDS)))
    for W, stride in [(2, 1), (5, 2), (8, 7), (40, 10)]:
        for bs in (1, 3):
            got = sliding_window_nll(bigram_fn, IDS, W, stride, batch_size=bs)
            assert math.isclose(got.nll, want, rel_tol=1e-12) and got.n_tokens == len(IDS) - 1, (W, stride, bs)
    seen = []
    one = sliding_window_nll(context_fn, IDS, 6, 2)
    many = sliding_window_nll(lambda x: seen.append(x.shape) or context_fn(x), IDS, 6, 2, batch_size=4)
    assert math.isclose(one.nll, many.nll, rel_tol=1e-12) and one.n_tokens == many.n_tokens
    assert max(s[0] for s in seen) == 4, f"windows were not batched: call shapes {seen}"


def test_documents_are_scored_separately():
    EOT = V - 1
    ids = np.array([1, 2, 3, 4, 2, EOT, 3, 3, 1, 0, 2, 4, 1, EOT, 2, 5, 0, EOT, EOT, 4], dtype=np.int64)
    docs = [ids[:5], ids[5:13], ids[13:17], ids[17:18], ids[18:]]
    calls = []

    def spy(x):
        calls.append(x.copy())
        return context_fn(x)
    got = sliding_window_nll(spy, ids, window=4, stride=2, eot_id=EOT)
    nll = sum(sliding_window_nll(context_fn, d, 4, 2).nll for d in docs)
    assert got.n_tokens == sum(len(d) - 1 for d in docs) == len(ids) - 5
    assert math.isclose(got.nll, nll, rel_tol=1e-12)
    for x in calls:                                   # no window crosses a boundary: EOT only opens a window
        assert not np.any(x[:, 1:] == EOT), f"a window crossed a document boundary: {x}"
    whole = sliding_window_nll(context_fn, ids, 4, 2, eot_id=EOT, split_documents=False)
    assert whole == sliding_window_nll(context_fn, ids, 4, 2) and whole.n_tokens == len(ids) - 1
    assert not math.isclose(whole.nll, got.nll)


def test_bits_per_byte_is_comparable_across_tokenizers_perplexity_is_not():
    data = np.frombuffer(b"the same text, two tokenizers: bytes and byte pairs!", dtype=np.uint8).astype(np.int64)
    by_byte = sliding_window_nll(lambda x: np.full(x.shape + (256,), -math.log(256)), data, 8, 4)
    pairs = data[0::2] * 256 + data[1::2]                                     # a "tokenizer" with 2-byte tokens
    by_pair = sliding_window_nll(lambda x: np.full(x.shape + (65536,), -math.log(65536)), pairs, 8, 4)
    assert math.isclose(perplexity(*by_byte), 256) and math.isclose(perplexity(*by_pair), 65536)
    assert math.isclose(bits_per_byte(by_byte.nll, by_byte.n_tokens), 8.0)      # scored bytes: 1 per token
    assert math.isclose(bits_per_byte(by_pair.nll, 2 * by_pair.n_tokens), 8.0)  # 2 bytes per token
    assert math.isclose(bits_per_char(math.log(2) * 12, 6), 2.0)
    assert isinstance(by_byte, NLL) and by_byte.nll == by_byte[0]


def test_errors_are_clear():
    with pytest.raises(ValueError, match="stride"):
        sliding_window_nll(bigram_fn, IDS, 4, 5)
    with pytest.raises(ValueError, match="window must be at least 2"):
        sliding_window_nll(bigram_fn, IDS, 1, 1)
    with pytest.raises(ValueError, match="1-D"):
        sliding_window_nll(bigram_fn, IDS[None], 4, 2)
    with pytest.raises(ValueError, match="logits or probabilities"):
        sliding_window_nll(lambda x: A[x], IDS, 4, 2)
    with pytest.raises(ValueError, match=r"\(B, T, V\)"):
        sliding_window_nll(lambda x: BIGRAM[x][0], IDS, 4, 2)
    with pytest.raises(ValueError, match="ids go up to"):
        sliding_window_nll(lambda x: BIGRAM[x][..., :3], IDS, 4, 2)
    with pytest.raises(ValueError, match="at least one scored token"):
        perplexity(0.0, 0)
    with pytest.raises(ValueError, match="byte count"):
        bits_per_byte(1.0, 0)
