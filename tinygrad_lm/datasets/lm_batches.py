"""Batches for language-model training from one long token array.

Legend: N tokens, B batch, T sequence length (the BPTT window).
Two ways to cut (x, y) pairs, y being x shifted by one token:
  * `TBPTTBatches` (truncated backprop through time, for RNNs): the stream is split into B
    contiguous lanes; batch k holds window k of every lane, so row b of batch k+1 continues row b
    of batch k exactly and the hidden state can be carried over (detached: gradients stop at the
    window boundary, the state's values do not).
  * `random_windows` (for Transformers, or RNNs trained from a zero state): B windows at random
    offsets, as nanoGPT's get_batch.
Also: `train_val_split`, `detach_state` (cut a nested (h, c) structure from the graph).
Does not handle: documents / padding / attention masks, shuffling lanes between epochs.
"""
import numpy as np

from .. import random as _random
from ..tensor import Tensor


def train_val_split(ids, val_fraction: float = 0.1, min_len: int = 1, unit: str = "tokens", window: str = None):
    """First (1 - val_fraction) of the stream for training, the rest for validation (no shuffle:
    neighbouring characters would leak). The one split of every trainer.

    val_fraction must be in (0, 1) (0 would leave nothing to validate on; a negative one would swap
    the parts), and each part must hold at least min_len ids (a trainer passes what one batch
    needs, e.g. block_size + 2, and names the option that sets it in `window`); otherwise ValueError
    saying which part is short and what to change.
    """
    ids = np.asarray(ids)
    if not (isinstance(val_fraction, (int, float, np.floating)) and 0.0 < val_fraction < 1.0):
        raise ValueError(f"--val-fraction must be a number in (0, 1), the held-out part of the text; got {val_fraction!r}")
    n = int(round(len(ids) * (1.0 - val_fraction)))
    train, val = ids[:n], ids[n:]
    for name, part, fix in (("training", train, "a smaller --val-fraction"), ("validation", val, "a larger --val-fraction")):
        if len(part) < min_len:
            raise ValueError(f"the data is too short: its {name} part has {len(part):,} {unit} ({len(ids):,} in all, "
                             f"--val-fraction {val_fraction}), fewer than the {min_len:,} one batch needs: use a "
                             f"longer text, {fix}" + (f" or a smaller {window}" if window else ""))
    return train, val


class TBPTTBatches:
    """Consecutive (x, y) windows, each (B, T) int64, for truncated BPTT with state carry-over.

    lanes = ids[:B*L].reshape(B, L) with L = N // B; x = lanes[:, :-1], y = lanes[:, 1:], and
    batch k is x[:, kT:(k+1)T], y[:, kT:(k+1)T]. len() = number of windows per epoch (a last short
    window is kept unless drop_last).
    """

    def __init__(self, ids, batch_size: int, seq_len: int, drop_last: bool = False):
        if isinstance(ids, (str, bytes)):
            raise TypeError("TBPTTBatches: expected token ids, got text; encode it first (tok.encode(text))")
        ids = np.asarray(getattr(ids, "data", ids)).reshape(-1)
        if ids.size and not np.issubdtype(ids.dtype, np.integer):
            raise TypeError(f"TBPTTBatches: token ids must be integers, got dtype {ids.dtype}")
        ids = ids.astype(np.int64)
        if batch_size < 1 or seq_len < 1:
            raise ValueError(f"batch_size and seq_len must be >= 1, got {batch_size}, {seq_len}")
        L = len(ids) // batch_size                                           # tokens per lane
        if L < 2:
            raise ValueError(f"TBPTTBatches: {len(ids)} tokens are too few for batch_size={batch_size}: each of "
                             f"the B lanes needs at least 2 tokens (an input and its target), so at least "
                             f"{2 * batch_size} tokens; use a longer text or a smaller batch_size")
        lanes = ids[:batch_size * L].reshape(batch_size, L)                  # (B, L)
        self.x, self.y = lanes[:, :-1], lanes[:, 1:]                         # (B, L-1) each
        self.batch_size, self.seq_len, self.lane_len = batch_size, seq_len, self.x.shape[1]
        self.drop_last = drop_last

    def __len__(self):
        full, rest = divmod(self.lane_len, self.seq_len)
        return full + (1 if rest and not self.drop_last else 0)

    def __getitem__(self, k):
        if not 0 <= k < len(self):
            raise IndexError(f"window {k} out of range (0..{len(self) - 1})")
        s = slice(k * self.seq_len, (k + 1) * self.seq_len)
        return np.ascontiguousarray(self.x[:, s]), np.ascontiguousarray(self.y[:, s])

    def __iter__(self):
        for k in range(len(self)):
            yield self[k]


def random_windows(ids, batch_size: int, seq_len: int, rng=None):
    """B windows at random offsets (nanoGPT's get_batch): x, y each (B, T) int64, y = x shifted by one.

    Offsets are drawn from [0, N - T - 1): the last possible offset N - T - 1 is never drawn (an
    off-by-one kept on purpose: the seeded runs whose results the READMEs quote drew exactly these).
    The one random-window sampler of the library: GPT, masked-LM and pretraining runs all use it.
    """
    ids = np.asarray(ids)
    if batch_size < 1 or seq_len < 1:
        raise ValueError(f"random_windows: batch_size and seq_len must be >= 1, got {batch_size}, {seq_len}")
    if len(ids) < seq_len + 2:
        raise ValueError(f"the data has {len(ids)} tokens, fewer than block_size + 2 = {seq_len + 2}: use a longer "
                         f"text or a smaller block size")
    rng = _random.rng() if rng is None else rng
    starts = rng.integers(0, len(ids) - seq_len - 1, size=batch_size)
    win = ids[starts[:, None] + np.arange(seq_len + 1)].astype(np.int64)   # (B, T + 1)
    return win[:, :-1], win[:, 1:]


def detach_state(state):
    """Detach every Tensor in a nested tuple/list (e.g. LSTM (h, c)): keep values, drop the graph."""
    if state is None:
        return None
    if isinstance(state, Tensor):
        return state.detach()
    if isinstance(state, (tuple, list)):
        return type(state)(detach_state(s) for s in state)
    raise TypeError(f"detach_state: expected Tensors in tuples/lists, got {type(state).__name__}")
