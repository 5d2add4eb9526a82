"""CharTokenizer and lm_data (TBPTT lanes, random windows, detach_state)."""
import numpy as np
import pytest

import tinygrad_lm as tg
from tinygrad_lm.datasets.lm_batches import TBPTTBatches, detach_state, random_windows, train_val_split
from tinygrad_lm.tokenizers.char import CharTokenizer


def test_char_tokenizer_roundtrip_and_config():
    tok = CharTokenizer.from_text("hello world")
    assert tok.chars == " dehlorw" and tok.vocab_size == 8
    ids = tok.encode("low")
    assert ids.dtype == np.int64 and tok.decode(ids) == "low"
    assert CharTokenizer.from_config(tok.to_config()).chars == tok.chars
    with pytest.raises(KeyError, match="not in the vocabulary"):
        tok.encode("xyz")
    unk = CharTokenizer.from_text("ab", unk="?")
    assert unk.decode(unk.encode("abc")) == "ab?"
    with pytest.raises(ValueError, match="ids must be"):
        tok.decode([99])


def test_char_tokenizer_bad_input_errors():
    tok = CharTokenizer.from_text("hello world")
    with pytest.raises(ValueError, match=r"1 character\(s\) not in the vocabulary: '!'") as e:
        tok.encode("hello!")                       # also a KeyError (backward compatible)
    assert isinstance(e.value, KeyError) and not str(e.value).startswith('"')
    with pytest.raises(TypeError, match="expected a str, got int"):
        tok.encode(123)
    with pytest.raises(TypeError, match="decode bytes first"):
        tok.encode(b"hello")
    with pytest.raises(TypeError, match="ids must be integers, got dtype float64"):
        tok.decode(np.array([1.0, 2.0]))
    assert tok.decode(tg.Tensor(np.array([3, 2], dtype=np.int64))) == tok.decode([3, 2])


def test_tbptt_lanes_continue():
    ids = np.arange(103)
    b = TBPTTBatches(ids, batch_size=4, seq_len=5)
    lane_len = 103 // 4 - 1                                # 24 (x, y) pairs per lane
    assert len(b) == 5                                     # 4 full windows + one of 4
    xs = np.concatenate([x for x, _ in b], axis=1)
    ys = np.concatenate([y for _, y in b], axis=1)
    assert xs.shape == (4, lane_len)
    np.testing.assert_array_equal(ys, xs + 1)              # targets are the next tokens
    np.testing.assert_array_equal(xs[1, 0], 25)            # lane 1 starts at 103 // 4
    np.testing.assert_array_equal(xs[:, 1:], xs[:, :-1] + 1)  # each lane is contiguous across windows
    assert len(TBPTTBatches(ids, 4, 5, drop_last=True)) == 4


def test_random_windows_and_split():
    ids = np.arange(50)
    x, y = random_windows(ids, 6, 8, rng=np.random.default_rng(0))
    assert x.shape == (6, 8) and x.dtype == np.int64
    np.testing.assert_array_equal(y, x + 1)
    tr, va = train_val_split(ids, 0.1)
    assert len(tr) == 45 and va[0] == 45


def test_detach_state():
    h = tg.Tensor(np.ones((1, 2, 3)), requires_grad=True) * 2
    out = detach_state((h, h))
    assert isinstance(out, tuple) and all(not s.requires_grad and s.is_leaf for s in out)
    assert detach_state(None) is None


def test_tbptt_bad_input_errors():
    with pytest.raises(ValueError, match="at least 8 tokens"):
        TBPTTBatches(np.arange(5), 4, 3)
    with pytest.raises(TypeError, match="encode it first"):
        TBPTTBatches("hello world", 2, 2)
    with pytest.raises(TypeError, match="must be integers, got dtype float64"):
        TBPTTBatches(np.array([0.5, 1.7, 2.2, 3.0]), 1, 2)
    assert len(TBPTTBatches(np.arange(4, dtype=np.int32), 2, 1)) == 1        # any integer dtype
