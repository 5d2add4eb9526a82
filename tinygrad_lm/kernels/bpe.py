"""Numba kernel for BPE encoding: apply merges to many short chunks in one call.

Encoding a new chunk means: repeatedly find the adjacent pair with the lowest merge rank and merge
all its occurrences. In Python that costs ~50 us per chunk (a dict lookup per pair per pass); tiny
shakespeare has 15k distinct chunks, so a cold-cache encode spent most of its time here. The
kernel does the same work on a flat int32 buffer holding all missing chunks back to back.

Merge table: a pair (a, b) is the int64 key a * 2**32 + b. `merge_table` returns the keys sorted
and the new ids in the same order; a lookup is a binary search (np.searchsorted, ~16 steps for
GPT-2's 50k merges). The new id doubles as the rank (new ids grow with merge order).

    ids      (N,)   int32  all chunks' byte-token ids, concatenated; merged IN PLACE
    offsets  (M+1,) int64  chunk c is ids[offsets[c]:offsets[c+1]]
    keys     (K,)   int64  sorted pair keys;  vals (K,) int32: new id of each key
    out_lens (M,)   int64  written: chunk c's merged ids are ids[offsets[c]:offsets[c] + out_lens[c]]

NumPy twin: `merge_chunks_numpy` (plain Python over the same arrays, same in-place contract);
tests/test_bpe_kernels.py checks kernel == twin == ByteLevelBPE._merge_short.

Long chunks (> 256 bytes; pre-tokenization caps them at 16 KiB) would cost O(n * passes) above, so
`merge_long` merges ONE chunk in O(n log n): a doubly linked list of tokens and a binary min-heap of
(rank, position) keys packed in one int64 (rank << 32 | position). Popping in (rank, position) order
merges the lowest rank first and equal ranks left to right, exactly like the pass-by-pass version;
entries made stale by an earlier merge are recognised when popped and skipped.
    ids (n,) int32, merged IN PLACE; returns the merged length m (the result is ids[:m])
NumPy twin: `merge_long_numpy` (Python's heapq on the same arrays); ByteLevelBPE._merge_long is the
list version. Does not handle: chunks of 2**32 bytes or more (positions must fit in 32 bits).
"""
import heapq

import numpy as np

from ._jit import jit, use_kernel

NO_MERGE = np.int32(2**31 - 1)


def merge_table(ranks: dict):
    """{(a, b): new_id} -> (keys int64 sorted, vals int32) for the kernel."""
    keys = np.fromiter(((a << 32) | b for a, b in ranks), dtype=np.int64, count=len(ranks))
    vals = np.fromiter(ranks.values(), dtype=np.int32, count=len(ranks))
    order = np.argsort(keys, kind="stable")
    return keys[order], vals[order]


@jit
def _rank(keys, vals, a, b):
    k = (np.int64(a) << 32) | np.int64(b)
    i = np.searchsorted(keys, k)
    if i < keys.size and keys[i] == k:
        return vals[i]
    return NO_MERGE


@jit
def merge_chunks_kernel(ids, offsets, keys, vals, out_lens):
    for c in range(offsets.size - 1):
        s = offsets[c]
        n = offsets[c + 1] - s
        while n >= 2:
            # pass 1: the lowest-rank pair present in the chunk
            best, ba, bb = NO_MERGE, 0, 0
            for i in range(n - 1):
                r = _rank(keys, vals, ids[s + i], ids[s + i + 1])
                if r < best:
                    best, ba, bb = r, ids[s + i], ids[s + i + 1]
            if best == NO_MERGE:
                break
            # pass 2: merge all its occurrences left to right, compacting in place (j <= i)
            i = 0
            j = 0
            while i < n:
                if i + 1 < n and ids[s + i] == ba and ids[s + i + 1] == bb:
                    ids[s + j] = best
                    i += 2
                else:
                    ids[s + j] = ids[s + i]
                    i += 1
                j += 1
            n = j
        out_lens[c] = n


def merge_chunks_numpy(ids, offsets, keys, vals, out_lens):
    """Twin of merge_chunks_kernel in plain Python (a dict instead of the binary search)."""
    ranks = dict(zip(keys.tolist(), vals.tolist()))
    for c in range(offsets.size - 1):
        s, e = int(offsets[c]), int(offsets[c + 1])
        toks = ids[s:e].tolist()
        while len(toks) >= 2:
            pairs = [(toks[i] << 32) | toks[i + 1] for i in range(len(toks) - 1)]
            best_key = min(pairs, key=lambda k: ranks.get(k, int(NO_MERGE)))
            if best_key not in ranks:
                break
            a, b, new, out, i = best_key >> 32, best_key & 0xFFFFFFFF, ranks[best_key], [], 0
            while i < len(toks):
                if i + 1 < len(toks) and toks[i] == a and toks[i + 1] == b:
                    out.append(new)
                    i += 2
                else:
                    out.append(toks[i])
                    i += 1
            toks = out
        ids[s:s + len(toks)] = toks
        out_lens[c] = len(toks)


def merge_chunks(ids, offsets, keys, vals, use_numba=None):
    """Validate, run the kernel (or the twin), return out_lens. `ids` is modified in place.
    use_numba: None = the backend switch (kernels/_jit.py; the twin under TGLM_KERNELS=numpy or NUMBA_DISABLE_JIT)."""
    if ids.dtype != np.int32 or offsets.dtype != np.int64 or keys.dtype != np.int64 or vals.dtype != np.int32:
        raise TypeError(f"merge_chunks: expected ids int32, offsets int64, keys int64, vals int32; got "
                        f"{ids.dtype}, {offsets.dtype}, {keys.dtype}, {vals.dtype}")
    if ids.ndim != 1 or offsets.ndim != 1 or keys.shape != vals.shape or keys.ndim != 1:
        raise ValueError("merge_chunks: ids, offsets, keys, vals must be 1-D (keys and vals the same length)")
    if offsets.size == 0 or offsets[0] != 0 or offsets[-1] != ids.size or np.any(np.diff(offsets) < 0):
        raise ValueError(f"merge_chunks: offsets must rise from 0 to len(ids)={ids.size}")
    if not (ids.flags.c_contiguous and keys.flags.c_contiguous):
        raise ValueError("merge_chunks: ids and keys must be contiguous")
    out_lens = np.zeros(offsets.size - 1, dtype=np.int64)
    use_numba = use_kernel(needs_jit=True) if use_numba is None else use_numba
    if offsets.size > 1:
        (merge_chunks_kernel if use_numba else merge_chunks_numpy)(ids, offsets, keys, vals, out_lens)
    return out_lens


# ---- one long chunk: O(n log n) with a heap ------------------------------------------------
@jit
def _sift_down(heap, k, size):
    item = heap[k]
    while True:
        c = 2 * k + 1
        if c >= size:
            break
        if c + 1 < size and heap[c + 1] < heap[c]:
            c += 1
        if heap[c] >= item:
            break
        heap[k] = heap[c]
        k = c
    heap[k] = item


@jit
def _push(heap, size, item):
    k = size
    while k > 0:                                   # sift up
        parent = (k - 1) // 2
        if heap[parent] <= item:
            break
        heap[k] = heap[parent]
        k = parent
    heap[k] = item
    return size + 1


@jit
def merge_long_kernel(ids, keys, vals):
    n = ids.size
    nxt = np.arange(1, n + 1)                      # n means "end"
    prv = np.arange(-1, n - 1)
    alive = np.ones(n, dtype=np.bool_)
    heap = np.empty(3 * n + 1, dtype=np.int64)     # n-1 initial pairs + at most 2 pushes per merge
    size = 0
    for i in range(n - 1):
        r = _rank(keys, vals, ids[i], ids[i + 1])
        if r != NO_MERGE:
            heap[size] = (np.int64(r) << 32) | i
            size += 1
    for k in range(size // 2 - 1, -1, -1):         # heapify
        _sift_down(heap, k, size)
    while size > 0:
        top = heap[0]
        size -= 1
        if size > 0:
            heap[0] = heap[size]
            _sift_down(heap, 0, size)
        r = np.int32(top >> 32)
        i = top & 0xFFFFFFFF
        j = nxt[i]
        # stale: i was merged away, or the pair at i changed since the push
        if not alive[i] or j >= n or _rank(keys, vals, ids[i], ids[j]) != r:
            continue
        ids[i] = r                                 # the merged token's id is its rank
        alive[j] = False
        nxt[i] = nxt[j]
        if nxt[j] < n:
            prv[nxt[j]] = i
        p, q = prv[i], nxt[i]
        if p >= 0:
            rp = _rank(keys, vals, ids[p], r)
            if rp != NO_MERGE:
                size = _push(heap, size, (np.int64(rp) << 32) | p)
        if q < n:
            rq = _rank(keys, vals, r, ids[q])
            if rq != NO_MERGE:
                size = _push(heap, size, (np.int64(rq) << 32) | i)
    m = 0
    for i in range(n):                             # compact the survivors to the front
        if alive[i]:
            ids[m] = ids[i]
            m += 1
    return m


def merge_long_numpy(ids, keys, vals):
    """Twin of merge_long_kernel with Python's heapq (same in-place contract, same result)."""
    ranks = dict(zip(keys.tolist(), vals.tolist()))
    tok, n = ids.tolist(), ids.size
    nxt, prv, alive = list(range(1, n + 1)), list(range(-1, n - 1)), [True] * n
    rank = lambda x, y: ranks.get((x << 32) | y)   # noqa: E731
    heap = [(rank(tok[i], tok[i + 1]), i) for i in range(n - 1) if rank(tok[i], tok[i + 1]) is not None]
    heapq.heapify(heap)
    while heap:
        r, i = heapq.heappop(heap)
        j = nxt[i]
        if not alive[i] or j >= n or rank(tok[i], tok[j]) != r:
            continue
        tok[i], alive[j], nxt[i] = r, False, nxt[j]
        if nxt[j] < n:
            prv[nxt[j]] = i
        p, q = prv[i], nxt[i]
        if p >= 0 and rank(tok[p], r) is not None:
            heapq.heappush(heap, (rank(tok[p], r), p))
        if q < n and rank(r, tok[q]) is not None:
            heapq.heappush(heap, (rank(r, tok[q]), i))
    out = [t for t, a in zip(tok, alive) if a]
    ids[:len(out)] = out
    return len(out)


def merge_long(ids, keys, vals, use_numba=None) -> int:
    """Merge one chunk's ids (int32, in place) in O(n log n); -> merged length m (result ids[:m])."""
    if ids.dtype != np.int32 or keys.dtype != np.int64 or vals.dtype != np.int32:
        raise TypeError(f"merge_long: expected ids int32, keys int64, vals int32; got {ids.dtype}, "
                        f"{keys.dtype}, {vals.dtype}")
    if ids.ndim != 1 or not ids.flags.c_contiguous or ids.size >= 2 ** 32:
        raise ValueError(f"merge_long: ids must be 1-D, contiguous and shorter than 2**32, got shape {ids.shape}")
    if ids.size < 2:
        return int(ids.size)
    use_numba = use_kernel(needs_jit=True) if use_numba is None else use_numba
    return int((merge_long_kernel if use_numba else merge_long_numpy)(ids, keys, vals))
