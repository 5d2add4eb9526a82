"""Week 6 autograder: sliding-window perplexity (tasks 6.1, 6.2) and bits per byte (6.3), compared with
tinygrad_lm/metrics/perplexity.py (Hugging Face's "Perplexity of fixed-length models" loop)."""
import math

import numpy as np
import pytest

from tinygrad_lm.course import assert_close, assert_equal, load
from tinygrad_lm.metrics.perplexity import sliding_window_nll as library_nll, window_spans as library_spans

mod = load("week6.perplexity")

V = 7
RNG = np.random.default_rng(0)
A, C, S = RNG.standard_normal((V, V)), RNG.standard_normal(V), RNG.standard_normal((5, V))


def log_softmax(z):
    z = z - z.max(axis=-1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))


def context_fn(x):
    """A toy model whose prediction depends on the previous token, the position in the window and the
    whole prefix of the window: any mistake in the context or the positions changes the answer."""
    x = np.asarray(x)
    B, T = x.shape
    pos = np.arange(1, T + 1)[None, :, None]                    # (1, T, 1)
    prefix = np.cumsum(x, axis=1) % 5                            # (B, T)
    return log_softmax(A[x] + 0.3 * pos * C + S[prefix])         # (B, T, V)


NEXT = log_softmax(np.where(np.arange(V)[None, :] == (np.arange(V)[:, None] + 1) % V, 5.0, 0.0))  # (V, V)


def counting_fn(x):
    """A model that is almost sure the next token is the current one + 1 (mod V)."""
    return NEXT[np.asarray(x)]                                   # (B, T, V)


@pytest.mark.task("6.1", points=2, title="window_spans: which tokens each sliding window scores")
def test_window_spans():
    got = mod.window_spans(10, 4, 2)
    if got == [(0, 4, 1), (2, 6, 3), (4, 8, 5), (6, 10, 7)]:
        pytest.fail("window_spans(10, 4, 2) scores the overlap twice: each window scores only tokens after the "
                    "previous window's end (first = max(prev_end, begin + 1))")
    if got and got[0][2] == 0:
        pytest.fail("window_spans scores token 0: the first token has no context and is never scored")
    assert_equal(got, [(0, 4, 1), (2, 6, 4), (4, 8, 6), (6, 10, 8)], name="window_spans(10, 4, 2)")
    assert_equal(mod.window_spans(10, 4, 4), [(0, 4, 1), (4, 8, 5), (8, 10, 9)], name="window_spans(10, 4, 4)",
                 hint="stride == window: disjoint chunks, each chunk's first token unscored")
    got = mod.window_spans(10, 4, 3)
    if len(got) > 3:
        pytest.fail(f"window_spans(10, 4, 3) returned {got}: stop after the window that reaches the end (end == n) "
                    "and leave out windows that score nothing")
    assert_equal(got, [(0, 4, 1), (3, 7, 4), (6, 10, 7)], name="window_spans(10, 4, 3)")
    assert_equal(mod.window_spans(3, 8, 2), [(0, 3, 1)], name="window_spans(3, 8, 2): text shorter than the window")
    assert_equal(mod.window_spans(1, 8, 2), [], name="window_spans(1, 8, 2): nothing to score")
    rng = np.random.default_rng(1)
    for _ in range(200):
        window = int(rng.integers(2, 12))
        stride, n = int(rng.integers(1, window + 1)), int(rng.integers(0, 40))
        got = [tuple(int(v) for v in s) for s in mod.window_spans(n, window, stride)]
        scored = [t for _, e, f in got for t in range(f, e)]
        if stride < window and n >= 2 and sorted(scored) != list(range(1, n)):
            twice = sorted({t for t in scored if scored.count(t) > 1})
            pytest.fail(f"window_spans({n}, {window}, {stride}): tokens 1..{n - 1} must each be scored exactly "
                        f"once; scored twice: {twice[:5]}, never: {sorted(set(range(1, n)) - set(scored))[:5]}")
        assert_equal(got, library_spans(n, window, stride), name=f"window_spans({n}, {window}, {stride})")


@pytest.mark.task("6.2", points=2, title="sliding_window_nll: total NLL with every token scored once")
def test_sliding_window_nll_equals_the_library():
    ids = np.arange(20) % V                                      # 0 1 2 ... : counting_fn predicts them well
    nll, n = mod.sliding_window_nll(counting_fn, ids, 6, 3)
    assert_equal(int(n), 19, name="tokens scored in a text of 20 tokens (window 6, stride 3)",
                 hint="every token except the first, each once")
    if nll > 19 * 3.0:
        pytest.fail(f"sliding_window_nll of a text the model predicts almost surely is {nll:.1f} nats: position j of "
                    "the window's output predicts the token at j + 1, so token t is read at t - 1 - begin")
    uniform = lambda x: np.full(np.shape(x) + (V,), -math.log(V))            # noqa: E731
    got = mod.sliding_window_nll(uniform, ids, 5, 2)
    assert_close([got[0], got[1]], [19 * math.log(V), 19], atol=1e-9, name="uniform model: (19 ln V, 19)")
    ids = RNG.integers(0, V, size=31)
    for window, stride in [(5, 5), (5, 1), (8, 3), (6, 4), (40, 7), (2, 1), (3, 2)]:
        want = library_nll(context_fn, ids, window, stride)
        got = mod.sliding_window_nll(context_fn, ids, window, stride)
        assert_equal(int(got[1]), want.n_tokens, name=f"tokens scored (window {window}, stride {stride})")
        assert_close(float(got[0]), want.nll, atol=1e-9, name=f"total NLL (window {window}, stride {stride})",
                     hint="the model's input is the whole window ids[begin:end]; add -lp[t - 1 - begin, ids[t]] "
                          "for t in [first, end)")


@pytest.mark.task("6.3", points=1, title="bits_per_byte: NLL per UTF-8 byte, in bits")
def test_bits_per_byte():
    text, nll = "naïve café — ok", 10.0
    n_bytes, n_chars = len(text.encode("utf-8")), len(text)
    got = mod.bits_per_byte(nll, text)
    if math.isclose(got, nll / (math.log(2) * n_chars)):
        pytest.fail(f"bits_per_byte divides by {n_chars} characters; count UTF-8 bytes ({n_bytes}): "
                    "len(text.encode('utf-8'))")
    if math.isclose(got, nll / n_bytes):
        pytest.fail("bits_per_byte returned nats per byte: divide by ln 2 to get bits")
    if math.isclose(got, nll * math.log(2) / n_bytes):
        pytest.fail("bits_per_byte multiplied by ln 2: nats -> bits DIVIDES by ln 2 (1 bit = ln 2 nats)")
    assert_close(got, nll / (math.log(2) * n_bytes), atol=1e-12, name=f"bits_per_byte(10, {text!r})")
    assert_close(mod.bits_per_byte(8 * math.log(2), "abcd"), 2.0, atol=1e-12, name="bits_per_byte(8 ln 2, 'abcd')")
    with pytest.raises(ValueError):
        mod.bits_per_byte(1.0, "")
