"""Fast byte-level BPE training: learn merges from text, in order, with deterministic ties.

The naive loop (count every adjacent pair in the whole corpus, merge the best, repeat) costs
O(merges x corpus) and takes minutes for a 4k vocabulary on 1 MB of text. Three tricks make it
take about a second (see `train_merges`):

1. Count chunks once. Pre-tokenization cuts text into chunks ("words"); tiny shakespeare's 298k
   chunks are only 15k distinct strings. We train on (distinct word, frequency) pairs, so a pair
   inside " the" is counted once with weight 7k instead of 7k times.
2. Update pair counts incrementally. After merging (a, b) -> x only the words that contain (a, b)
   change; `where[(a, b)]` indexes them, and for each such word we subtract the old pairs around
   each merge and add the new ones (weighted by the word's frequency): the work is proportional to
   the number of merges, not to the word's length (which matters for long chunks; patterns.py caps
   chunks at 16 KiB, so a chunk rescan is bounded too).
3. A max-heap with lazy deletion picks the best pair. Counts change all the time; instead of
   updating heap entries we push a new entry when a count grows and, when a popped entry is stale
   (its count no longer matches), push it back with its current count and pop again.

Tie-breaking (documented, tested): the pair with the highest count wins; among equal counts the
smallest pair (a, b) in (first id, second id) order wins. Heap entries are (-count, a, b), so
Python's tuple order implements exactly this rule; the naive trainer in tests/ and the week-4
exercise use the same rule and must produce identical merges.

Handles: training from text or from a {chunk: frequency} table; byte ids 0..255 are the bytes.
Does not handle: special tokens (register them after training, see bpe.py), pair counts across
chunk boundaries (by design), min-frequency cut-offs other than "stop when the best count < 2".
"""
import heapq
from collections import Counter

from .patterns import chunks_of, compile_pattern


def count_chunks(text: str, pattern="gpt2") -> Counter:
    """Pre-tokenize `text` and count distinct chunks: {chunk (str): frequency}."""
    return Counter(chunks_of(compile_pattern(pattern), text))     # covered; overlong chunks cut


def merge_word(ids: list, a: int, b: int, new_id: int):
    """Replace every non-overlapping (a, b) in ids, left to right, by new_id.
    -> (new list, old start index of each merge). The scan for `a` runs in C (list.index), so a long
    word with few merges costs little Python work."""
    out, starts, i, n = [], [], 0, len(ids)
    if n <= 32:                                # natural-text words: a plain loop is cheapest
        while i < n:
            if ids[i] == a and i + 1 < n and ids[i + 1] == b:
                starts.append(i)
                out.append(new_id)
                i += 2
            else:
                out.append(ids[i])
                i += 1
        return out, starts
    find, s0 = ids.index, 0
    while True:
        try:
            j = find(a, s0, n - 1)             # an `a` that has a right neighbour
        except ValueError:
            break
        if ids[j + 1] == b:
            out += ids[i:j]
            out.append(new_id)
            starts.append(j)
            i = s0 = j + 2
        else:
            s0 = j + 1
    if not starts:
        return ids, starts
    out += ids[i:]
    return out, starts


def train_merges(chunk_counts, num_merges: int, verbose: bool = False) -> list:
    """Learn up to `num_merges` merges from {chunk: count}; return [(a, b), ...] in merge order.

    Merge i creates token id 256 + i. Training stops early when no pair occurs at least twice
    (a merge seen once compresses nothing worth a vocabulary slot).
    """
    if num_merges < 0:
        raise ValueError(f"num_merges must be >= 0, got {num_merges}")
    # distinct words as lists of byte ids, with their frequencies
    words, freqs = [], []
    for chunk, f in chunk_counts.items():
        b = chunk.encode("utf-8") if isinstance(chunk, str) else bytes(chunk)
        if len(b) >= 2:                       # a 1-byte word has no pairs: it can never change
            words.append(list(b))
            freqs.append(int(f))

    # initial pair counts and the index pair -> words that contain it
    counts, where = {}, {}
    for w, (ids, f) in enumerate(zip(words, freqs)):
        pairs = Counter(zip(ids, ids[1:])).items() if len(ids) > 64 else ((p, 1) for p in zip(ids, ids[1:]))
        for pair, k in pairs:
            counts[pair] = counts.get(pair, 0) + k * f
            where.setdefault(pair, set()).add(w)
    heap = [(-c, a, b) for (a, b), c in counts.items()]
    heapq.heapify(heap)

    merges = []
    while len(merges) < num_merges and heap:
        neg, a, b = heapq.heappop(heap)
        cur = counts.get((a, b), 0)
        if cur != -neg:                        # stale entry: re-queue with the true count
            if cur > 0:
                heapq.heappush(heap, (-cur, a, b))
            continue
        if cur < 2:
            break
        new_id = 256 + len(merges)
        merges.append((a, b))
        if verbose and len(merges) % 500 == 0:
            print(f"merge {len(merges)}/{num_merges}: ({a}, {b}) -> {new_id} count {cur}")
        delta = {}                             # pair -> change of its count, summed over words
        for w in where.pop((a, b)):
            ids = words[w]
            out, starts = merge_word(ids, a, b, new_id)
            if not starts:                     # `where` is lazy too: the word no longer has (a, b)
                continue
            # Only pairs touching a merge change: old pairs at s-1, s, s+1 for a merge starting at
            # old index s; new pairs at t-1, t for the merged token at new index t = s - k (the k-th
            # merge). Every other pair is the same before and after. Cost: O(merges in the word).
            f, n, m = freqs[w], len(ids), len(out)
            if len(starts) == 1:               # the common case: no set needed
                s0 = starts[0]
                old = [j for j in (s0 - 1, s0, s0 + 1) if 0 <= j < n - 1]
                new = [j for j in (s0 - 1, s0) if 0 <= j < m - 1]
            else:
                old = {j for s0 in starts for j in (s0 - 1, s0, s0 + 1) if 0 <= j < n - 1}
                new = {j for k, s0 in enumerate(starts) for j in (s0 - k - 1, s0 - k) if 0 <= j < m - 1}
            for j in old:
                pair = (ids[j], ids[j + 1])
                delta[pair] = delta.get(pair, 0) - f
            for j in new:
                pair = (out[j], out[j + 1])    # contains new_id
                delta[pair] = delta.get(pair, 0) + f
                where.setdefault(pair, set()).add(w)
            words[w] = out
        for pair, d in delta.items():
            if d == 0:
                continue
            c = counts.get(pair, 0) + d
            if c > 0:
                counts[pair] = c
                if d > 0:
                    heapq.heappush(heap, (-c, pair[0], pair[1]))
            else:
                counts.pop(pair, None)
                where.pop(pair, None)
        counts.pop((a, b), None)
    return merges
