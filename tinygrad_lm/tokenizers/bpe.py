"""ByteLevelBPE: a byte-level BPE tokenizer - train, encode, decode, special tokens, save/load.

Token ids: 0..255 are the 256 single bytes (for a trained tokenizer id == byte value; GPT-2 uses a
permutation, given by `byte_ids`), 256 + i is the token made by merge i, and special tokens get
ids after the last merge. Encoding a text:

    text --special-token split--> pieces --regex (patterns.py)--> chunks --UTF-8--> byte ids
         --apply merges, lowest rank first, all occurrences left to right--> token ids

Each chunk is encoded on its own and cached (str -> ids), so repeated words cost one dict lookup;
the chunks missing from the cache are merged in one batch by a Numba kernel (kernels/bpe.py), and
chunks over 256 bytes one by one by its O(n log n) heap kernel. The split checks that the chunks
cover the text and cuts chunks over 16 KiB into pieces (patterns.py: chunks_of), so the cost of
encoding stays linear even for a multi-megabyte line without spaces.
This is exactly GPT-2's algorithm; tests/test_bpe_gpt2.py checks ids against fixtures recorded
from tiktoken's `gpt2` encoding.

Documented choices:
- Special tokens follow tiktoken: `encode` raises ValueError if the text contains a registered
  special token string that is not in `allowed_special` (so user text cannot smuggle in
  <|endoftext|>); pass allowed_special="all" or a set to encode them as their ids, or
  disallowed_special=() to encode them as ordinary text. `encode_ordinary` ignores specials.
- Lone surrogates ('\\ud800') cannot be UTF-8 encoded: encode raises ValueError saying where.
  Every other str (emoji, control chars, '') round-trips: decode(encode(s)) == s.
- A token boundary may cut a multi-byte UTF-8 character; `decode` joins all bytes first, then
  decodes with errors="replace" (an incomplete character becomes U+FFFD). `decode_bytes` is exact.

Handles: training (via bpe_train.py), encode/encode_batch/decode, save/load (via bpe_io.py).
Does not handle: normalization, unigram/sentencepiece models, byte fallback for unknown ids.
"""
import heapq
from itertools import chain
from operator import index

import numpy as np

from ..kernels.bpe import merge_chunks, merge_long, merge_table
from .bpe_train import count_chunks, train_merges
from .patterns import chunks_of, compile_pattern, resolve_pattern, special_splitter

LONG_CHUNK = 256         # chunks longer than this (bytes) use the O(n log n) heap merge
CACHE_SIZE = 200_000     # the chunk cache is emptied when it grows past this many entries


class ByteLevelBPE:
    """A byte-level BPE tokenizer. Build one with `train`, `load`, or gpt2.load_gpt2()."""

    def __init__(self, merges=(), pattern="gpt2", special_tokens=None, byte_ids=None):
        self.pattern = resolve_pattern(pattern)
        self._regex = compile_pattern(self.pattern)
        byte_ids = list(range(256)) if byte_ids is None else [int(i) for i in byte_ids]
        if sorted(byte_ids) != list(range(256)):
            raise ValueError("byte_ids must be a permutation of 0..255 (byte value -> token id)")
        self.byte_ids = byte_ids
        self.merges = [(int(a), int(b)) for a, b in merges]
        # vocab: id -> bytes; ranks: pair -> new id (new ids grow with rank, so min id == min rank)
        self.vocab = {tid: bytes([b]) for b, tid in enumerate(byte_ids)}
        self.ranks = {}
        for i, (a, b) in enumerate(self.merges):
            new_id = 256 + i
            if a not in self.vocab or b not in self.vocab:
                raise ValueError(f"merge {i} ({a}, {b}) uses an id that does not exist yet "
                                 f"(merges must only use byte ids and earlier merges)")
            if (a, b) in self.ranks:
                raise ValueError(f"merge {i} ({a}, {b}) is a duplicate of merge {self.ranks[(a, b)] - 256}")
            self.ranks[(a, b)] = new_id
            self.vocab[new_id] = self.vocab[a] + self.vocab[b]
        self.special_tokens = {}                  # str -> id
        self.register_special_tokens(special_tokens or {})
        self._cache = {}                          # chunk str -> list of ids
        self._table = None                        # merge table for the kernel, built on first use

    # ------------------------------------------------------------------ building
    @classmethod
    def train(cls, text: str, vocab_size: int, pattern="gpt2", special_tokens=None, verbose=False):
        """Learn vocab_size - 256 merges from `text` (fewer if pairs run out; see bpe_train.py).

        pattern: "gpt2" (default), "cl100k" (GPT-4), any regex, or None = the whole text is one
        chunk (fine for small texts; slow on big ones, since every merge rescans the chunk).
        """
        if not isinstance(text, str):
            raise TypeError(f"text must be str, got {type(text).__name__}")
        if vocab_size < 256:
            raise ValueError(f"vocab_size must be >= 256 (the 256 byte tokens), got {vocab_size}")
        merges = train_merges(count_chunks(text, pattern), vocab_size - 256, verbose=verbose)
        return cls(merges, pattern=pattern, special_tokens=special_tokens)

    def register_special_tokens(self, special_tokens):
        """Add special tokens: a list of strings (ids given in order, after the last id) or a dict
        {"<|endoftext|>": id, ...}. Ids must continue the vocabulary without gaps: the specials
        together hold exactly the ids 256 + len(merges), 256 + len(merges) + 1, ... (an unused id
        would be an embedding row no text can reach, and a decode error). Duplicates are refused.
        Registering a token again with the same id changes nothing."""
        if isinstance(special_tokens, (list, tuple)):
            seen = set()
            for s in special_tokens:
                if s in seen:
                    raise ValueError(f"special token {s!r} is listed twice; each special token needs one id")
                seen.add(s)
            base = max(self.vocab) + 1
            new = [s for s in special_tokens if s not in self.special_tokens]
            special_tokens = {s: base + i for i, s in enumerate(new)}
        if not isinstance(special_tokens, dict):
            raise TypeError(f"special tokens must be a list of str or a dict str -> id, "
                            f"got {type(special_tokens).__name__}")
        first = 256 + len(self.merges)
        merged = dict(self.special_tokens)
        for s, tid in special_tokens.items():
            if not isinstance(s, str) or not s:
                raise ValueError(f"special token must be a non-empty str, got {s!r}")
            if isinstance(tid, bool) or not isinstance(tid, (int, np.integer)):
                raise TypeError(f"special token {s!r}: id must be an int, got {tid!r}")
            tid = int(tid)
            if tid < first:
                raise ValueError(f"special token {s!r} id {tid} collides with a BPE token "
                                 f"(ids 0..{first - 1}); use an id >= {first}")
            if s in merged and merged[s] != tid:
                raise ValueError(f"special token {s!r} already has id {merged[s]}, cannot give it id {tid}")
            owner = next((o for o, i in merged.items() if i == tid and o != s), None)
            if owner is not None:
                raise ValueError(f"special token {s!r}: id {tid} is already used by {owner!r}")
            merged[s] = tid
        ids = sorted(merged.values())
        if ids != list(range(first, first + len(ids))):
            gap = next((first + k for k, i in enumerate(ids) if i != first + k), None)
            raise ValueError(f"special token ids must follow the BPE ids without gaps: expected "
                             f"{first}..{first + len(ids) - 1}, got {ids[:8]}{'...' if len(ids) > 8 else ''} "
                             f"(id {gap} would be unused). Pass a list of strings to number them automatically")
        for s, tid in merged.items():
            self.vocab[tid] = s.encode("utf-8")
        self.special_tokens = merged
        self._special_re = special_splitter(self.special_tokens)

    @property
    def vocab_size(self) -> int:
        """Number of ids: 256 + merges + special tokens (max id + 1)."""
        return max(self.vocab) + 1

    # ------------------------------------------------------------------ encoding
    def _merge_short(self, ids: list) -> list:
        """Reference algorithm: repeatedly merge all occurrences of the lowest-rank pair."""
        ranks = self.ranks
        while len(ids) >= 2:
            best = min(zip(ids, ids[1:]), key=lambda p: ranks.get(p, 1 << 62))
            new_id = ranks.get(best)
            if new_id is None:
                break
            a, b = best
            out, i, n = [], 0, len(ids)
            while i < n:
                if i + 1 < n and ids[i] == a and ids[i + 1] == b:
                    out.append(new_id)
                    i += 2
                else:
                    out.append(ids[i])
                    i += 1
            ids = out
        return ids

    def _merge_long(self, ids: list) -> list:
        """Same result as _merge_short in O(n log n): a doubly linked list of tokens and a heap of
        (rank, position) for every adjacent pair. Popping in (rank, position) order merges the
        lowest rank first and equal ranks left to right, exactly like the reference."""
        ranks, n = self.ranks, len(ids)
        tok = list(ids)
        nxt = list(range(1, n + 1))            # n == end
        prv = list(range(-1, n - 1))
        heap = [(ranks[(tok[i], tok[i + 1])], i) for i in range(n - 1) if (tok[i], tok[i + 1]) in ranks]
        heapq.heapify(heap)
        while heap:
            r, i = heapq.heappop(heap)
            j = nxt[i]
            # stale if i was merged away (tok None), or its pair changed since the push
            if tok[i] is None or j >= n or ranks.get((tok[i], tok[j])) != r:
                continue
            tok[i] = r                          # the merged token's id is its rank id
            tok[j] = None
            nxt[i] = nxt[j]
            if nxt[j] < n:
                prv[nxt[j]] = i
            p, q = prv[i], nxt[i]
            if p >= 0 and (tok[p], r) in ranks:
                heapq.heappush(heap, (ranks[(tok[p], r)], p))
            if q < n and (r, tok[q]) in ranks:
                heapq.heappush(heap, (ranks[(r, tok[q])], i))
        return [t for t in tok if t is not None]

    def _encode_missing(self, chunks: list):
        """Encode chunks that are not in the cache yet and store them there. Short chunks go to
        the Numba kernel in one batch (kernels/bpe.py); long ones to the heap merge."""
        cache = self._cache
        if self._table is None:
            self._table = merge_table(self.ranks)
            self._byte_arr = np.asarray(self.byte_ids, dtype=np.int32)
        short, datas = [], []
        for chunk in chunks:
            try:
                data = chunk.encode("utf-8")
            except UnicodeEncodeError as e:
                raise ValueError(f"cannot encode {chunk[:40]!r}: it contains a lone surrogate {chunk[e.start]!r} "
                                 f"(chunk offset {e.start}), which is not valid Unicode text; clean the text "
                                 f"first, e.g. s.encode('utf-8', 'replace').decode()") from None
            if len(data) > LONG_CHUNK:             # O(n log n) heap merge (Numba; twin: _merge_long)
                ids = self._byte_arr[np.frombuffer(data, dtype=np.uint8)]
                cache[chunk] = ids[:merge_long(ids, *self._table)].tolist()
            else:
                short.append(chunk)
                datas.append(data)
        if not short:
            return
        ids = self._byte_arr[np.frombuffer(b"".join(datas), dtype=np.uint8)]     # (N,) int32
        offsets = np.zeros(len(datas) + 1, dtype=np.int64)
        np.cumsum([len(d) for d in datas], out=offsets[1:])
        out_lens = merge_chunks(ids, offsets, *self._table)
        flat, starts = ids.tolist(), offsets.tolist()
        for chunk, s, n in zip(short, starts, out_lens.tolist()):
            cache[chunk] = flat[s:s + n]

    def encode_ordinary(self, text: str) -> list:
        """Encode text as plain text: special-token strings are treated like any other text."""
        if not isinstance(text, str):
            raise TypeError(f"encode expects str, got {type(text).__name__}")
        chunks = chunks_of(self._regex, text)        # covered; chunks over 16 KiB cut (patterns.py)
        cache = self._cache
        if len(cache) > CACHE_SIZE:             # bound memory on huge, varied corpora
            cache.clear()
        missing = [c for c in dict.fromkeys(chunks) if c not in cache]
        if missing:
            self._encode_missing(missing)
        # C-level loops: one dict lookup per chunk, then concatenate
        return list(chain.from_iterable(map(cache.__getitem__, chunks)))

    def encode(self, text: str, allowed_special=frozenset(), disallowed_special="all") -> list:
        """Encode text to ids. Special tokens: see the module docstring (tiktoken semantics)."""
        if not isinstance(text, str):
            raise TypeError(f"encode expects str, got {type(text).__name__}")
        if not self.special_tokens:
            return self.encode_ordinary(text)
        allowed = set(self.special_tokens) if allowed_special == "all" else set(allowed_special)
        unknown = allowed - set(self.special_tokens)
        if unknown:
            raise ValueError(f"allowed_special contains unregistered tokens {sorted(unknown)}; "
                             f"registered: {sorted(self.special_tokens)}")
        disallowed = (set(self.special_tokens) - allowed if disallowed_special == "all"
                      else set(disallowed_special))
        if disallowed:
            for s in disallowed:
                pos = text.find(s)
                if pos >= 0:
                    raise ValueError(
                        f"text contains the special token {s!r} at offset {pos}, which is not allowed. "
                        f"If it is meant as a control token pass allowed_special={{{s!r}}} (or 'all'); "
                        f"to encode it as plain text pass disallowed_special=() or use encode_ordinary.")
        if not allowed:
            return self.encode_ordinary(text)
        out = []
        # the capturing split alternates: text, special, text, special, ..., text
        for k, piece in enumerate(self._special_re.split(text)):
            if k % 2 == 1 and piece in allowed:
                out.append(self.special_tokens[piece])
            elif piece:
                out.extend(self.encode_ordinary(piece))
        return out

    def encode_batch(self, texts, **kwargs) -> list:
        """[encode(t) for t in texts], sharing the chunk cache."""
        if isinstance(texts, str):
            raise TypeError("encode_batch expects a list of str, got one str (use encode, or wrap it: [text])")
        return [self.encode(t, **kwargs) for t in texts]

    # ------------------------------------------------------------------ decoding
    def decode_bytes(self, ids) -> bytes:
        """Exact inverse of encode at the byte level: concatenate the tokens' bytes."""
        vocab = self.vocab
        try:
            return b"".join([vocab[index(i)] for i in ids])       # index(): ints only, 1.5 is not an id
        except KeyError as e:
            raise ValueError(f"decode: unknown token id {e.args[0]} (vocab ids are 0..{max(vocab)})") from None
        except TypeError:
            bad = next(i for i in ids if not isinstance(i, (int, np.integer)))
            raise TypeError(f"decode: token ids must be integers, got {type(bad).__name__} {bad!r}") from None

    def decode(self, ids, errors="replace") -> str:
        """Ids -> str. A token may hold part of a UTF-8 character: bytes are joined first, then
        decoded with `errors` ("replace": an incomplete/invalid sequence becomes U+FFFD)."""
        return self.decode_bytes(ids).decode("utf-8", errors=errors)

    # ------------------------------------------------------------------ files
    def save(self, path):
        """Write the versioned text format of bpe_io.py (merges, special tokens, pattern)."""
        from .bpe_io import save
        save(self, path)

    @classmethod
    def load(cls, path):
        from .bpe_io import load
        return load(path, cls)

    def to_text(self) -> str:
        """The save() file format as a str (to embed in a checkpoint config)."""
        from .bpe_io import dumps
        return dumps(self)

    @classmethod
    def from_text(cls, text: str):
        """Inverse of to_text."""
        from .bpe_io import loads
        return loads(text, cls)

    def to_config(self) -> dict:
        """JSON-able description stored in checkpoints; tokenizers.from_config reads it back."""
        return {"kind": "bpe", "text": self.to_text()}

    @classmethod
    def from_config(cls, cfg: dict):
        return cls.from_text(cfg["text"])

    def vocab_lines(self, head: int = None) -> list:
        """Human-readable vocab, one line per id, control characters escaped (see bpe_io.py);
        head=N: only the first N lines (N >= 0)."""
        from .bpe_io import vocab_lines
        return vocab_lines(self, head)

    def __repr__(self):
        return (f"ByteLevelBPE(vocab_size={self.vocab_size}, merges={len(self.merges)}, "
                f"special={len(self.special_tokens)}, pattern={self.pattern!r:.40})")
