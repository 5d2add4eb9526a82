"""Interpolated modified Kneser-Ney n-gram language model (Chen & Goodman 1998), any order, in NumPy.

The probability of token w after the context h (the last n-1 tokens) mixes every order, highest first:

    p_k(w | h) = max(c_k(h w) - D_k(c), 0) / c_k(h .)  +  gamma_k(h) p_{k-1}(w | h')     h' = h minus its first token
    gamma_k(h) = (D_k1 N1(h .) + D_k2 N2(h .) + D_k3+ N3+(h .)) / c_k(h .)
    p_0(w)     = 1 / V                                       (the unigram floor: uniform over the vocabulary)

c_k(h .) = sum_w c_k(h w); Nj(h .) = how many w have c_k(h w) = j (N3+: >= 3). A context never seen at
order k passes p_{k-1} through unchanged (gamma = 1). The counts c_k are:
  - the highest order n: raw counts;
  - lower orders: continuation counts N1+(. h w), the number of distinct tokens seen before h w (a token
    that follows many different contexts is a likely guess for a new one: "Francisco" is frequent but
    follows only "San", so its unigram continuation count is 1);
  - n-grams starting with the sequence-start symbol keep their raw counts (nothing can precede them;
    KenLM's rule, Heafield et al. 2013).
Three discounts per order (modified KN) from that order's count-of-counts n1..n4 (how many n-grams have
count 1, 2, 3, 4):   Y = n1 / (n1 + 2 n2)
    D1 = 1 - 2 Y n2 / n1      D2 = 2 - 3 Y n3 / n2      D3+ = 3 - 4 Y n4 / n3
modified=False uses one discount per order, D = Y (original interpolated Kneser-Ney, Ney et al. 1994).
When the formula is undefined (some n_j = 0) or gives D_j outside [0, j], the order falls back to
(0.5, 1.0, 1.5) (KenLM's --discount_fallback) and is listed in `fallback_orders`.

Sequence start: each training sequence and each query is padded on the left with n-1 start symbols
(id V, never predicted), so the first token is scored too, given "start of text". A context shorter than
n-1 tokens in logprob(context, w) means the start of a sequence.

Unknown tokens and the floor: the vocabulary is 0..V-1 (vocab_size, or max training id + 1). The unigram
level interpolates with 1/V, so every id of the vocabulary, seen or not, gets probability >= gamma_1 / V > 0.
An id outside the vocabulary is mapped to unk_id if one is set (CharVocab reserves id 0 for unknown
characters, which then receives only the floor), otherwise it is an error. Byte-level models (V = 256)
have no unknowns.

Implementation: an n-gram is stored as one int64 key, id(context) * (V + 1) + w, where id(context) is the
index of the (k-1)-gram among the distinct (k-1)-grams of the training data (a trie flattened into sorted
arrays), so any order and any vocabulary fit in int64; lookups are np.searchsorted, vectorised.
Legend: n order, V vocabulary, B = V + 1 key base, M padded training length, Q queries.
Handles: token ids, characters (CharVocab), UTF-8 bytes (ByteVocab); log-probabilities in nats.
Does not handle: pruning, ARPA files, backoff (non-interpolated) KN, sentence-end symbols, smoothing other
than Kneser-Ney.
"""
import math

import numpy as np

from ..metrics.perplexity import bits_per_byte as _bits_per_byte

FALLBACK_DISCOUNTS = (0.5, 1.0, 1.5)


def kn_discounts(n1: int, n2: int, n3: int, n4: int, modified: bool = True):
    """(D1, D2, D3+) from count-of-counts (Chen & Goodman 1998, eq. 26); None when undefined or out of range."""
    if n1 <= 0 or n2 <= 0 or (modified and n3 <= 0):
        return None
    Y = n1 / (n1 + 2 * n2)
    if not modified:
        return (Y, Y, Y) if 0 <= Y <= 1 else None
    D = (1 - 2 * Y * n2 / n1, 2 - 3 * Y * n3 / n2, 3 - 4 * Y * n4 / n3)
    return D if all(0 <= d <= j for j, d in enumerate(D, start=1)) else None


def _lookup(sorted_keys: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Index of each q in sorted_keys, -1 where absent (or q < 0)."""
    if len(sorted_keys) == 0:
        return np.full(q.shape, -1, dtype=np.int64)
    idx = np.minimum(np.searchsorted(sorted_keys, q), len(sorted_keys) - 1)
    return np.where((q >= 0) & (sorted_keys[idx] == q), idx, -1)


class CharVocab:
    """Characters of a training text, id 0 = unknown character (UNK)."""
    UNK = "\ufffd"

    def __init__(self, text: str):
        self.itos = [self.UNK] + sorted(set(text) - {self.UNK})
        self.stoi = {c: i for i, c in enumerate(self.itos)}

    def __len__(self):
        return len(self.itos)

    def encode(self, text: str) -> np.ndarray:
        """(len(text),) ids; characters not in the vocabulary become 0 (UNK)."""
        codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)           # one code point per char
        known = np.array([ord(c) for c in self.itos[1:]], dtype=np.uint32)          # sorted like itos[1:]
        idx = np.minimum(np.searchsorted(known, codes), max(len(known) - 1, 0))
        hit = (known[idx] == codes) if len(known) else np.zeros(len(codes), bool)
        return np.where(hit, idx + 1, 0).astype(np.int64)


class ByteVocab:
    """UTF-8 bytes: V = 256, no unknowns."""

    def __len__(self):
        return 256

    def encode(self, text: str) -> np.ndarray:
        return np.frombuffer(text.encode("utf-8"), dtype=np.uint8).astype(np.int64)


class KneserNeyLM:
    def __init__(self, order: int = 3, vocab_size: int = None, modified: bool = True, unk_id: int = None,
                 discounts=None):
        """discounts: optional {k: (D1, D2, D3+)} per order k = 1..n, overriding the count-of-counts estimate."""
        if int(order) < 1:
            raise ValueError(f"order must be >= 1 (1 = unigram), got {order}")
        if vocab_size is not None and int(vocab_size) < 1:
            raise ValueError(f"vocab_size must be positive, got {vocab_size}")
        self.n, self.V, self.modified, self.unk_id = int(order), vocab_size, bool(modified), unk_id
        self.user_discounts = dict(discounts or {})
        self.vocab = None                                   # CharVocab / ByteVocab when built from text

    # ---------------------------------------------------------------- training
    def fit(self, sequences):
        """Count n-grams of one sequence of ids or a list of them; returns self."""
        if isinstance(sequences, np.ndarray) and sequences.ndim == 1:
            seqs = [sequences]                              # one sequence
        elif len(sequences) and np.isscalar(sequences[0]):
            seqs = [np.asarray(sequences)]                  # one sequence as a list of ints
        else:
            seqs = [np.asarray(s) for s in sequences]       # several sequences (or rows of a 2-D array)
        seqs = [s for s in seqs if s.size]
        if not seqs:
            raise ValueError("fit needs at least one non-empty sequence of token ids")
        for s in seqs:
            if s.ndim != 1 or s.dtype.kind not in "iu":
                raise ValueError(f"each sequence must be a 1-D int array of token ids, got {s.shape} {s.dtype}")
        hi = max(int(s.max()) for s in seqs)
        self.V = hi + 1 if self.V is None else int(self.V)
        lo = min(int(s.min()) for s in seqs)
        if lo < 0 or hi >= self.V:
            raise ValueError(f"training ids must be in [0, vocab_size={self.V}), got range [{lo}, {hi}]")
        if self.unk_id is not None and not 0 <= self.unk_id < self.V:
            raise ValueError(f"unk_id {self.unk_id} is not in the vocabulary [0, {self.V})")
        n, V = self.n, self.V
        self.B = B = V + 1                                  # key base; id V is the start symbol
        pad = np.full(n - 1, V, dtype=np.int64)
        x = np.concatenate([np.full(n - 1, V, np.int64)]
                           + [np.concatenate([pad, s.astype(np.int64)]) for s in seqs])    # (M,)
        tgt = np.flatnonzero(x != V)                        # positions of real tokens: the predictions
        # gid[j][i] = id of the j-gram ending at position i (-1 where it does not fit), an index into
        # table[j], the sorted distinct keys gid[j-1][i-1] * B + x[i] of all j-grams (j = 1: the token itself)
        gid, self.table, size = {1: x}, {}, {1: B}
        for j in range(2, n + 1):
            k_j = gid[j - 1][j - 2:-1] * B + x[j - 1:]                # keys of the j-grams ending at j-1 .. M-1
            self.table[j], inv = np.unique(k_j, return_inverse=True)
            gid[j] = np.concatenate([np.full(j - 1, -1, np.int64), inv.reshape(-1)])
            size[j] = len(self.table[j])
        # per order k: the k-grams seen at targets (sorted keys) and their adjusted counts; no sorting
        # needed: counts are bincounts over the gram ids
        self.keys, self.counts, self.discounts, self.count_of_counts, self.fallback_orders = {}, {}, {}, {}, []
        self.tot, self.mass = {}, {}                        # per order k >= 2: (n contexts,) c(h .) and discounted mass
        for k in range(1, n + 1):
            ids_t = gid[k][tgt]                                          # (targets,) k-gram ids
            raw = np.bincount(ids_t, minlength=size[k])                  # occurrences of each k-gram
            if k < n:
                # continuation count: distinct (k+1)-grams v g at targets, per suffix g
                ext_t = gid[k + 1][tgt]
                suffix_of = np.zeros(size[k + 1], np.int64)
                suffix_of[ext_t] = ids_t                                 # (k+1)-gram id -> its suffix k-gram id
                seen_ext = np.flatnonzero(np.bincount(ext_t, minlength=size[k + 1]))
                cont = np.bincount(suffix_of[seen_ext], minlength=size[k])
                starts_bos = np.zeros(size[k], bool)
                starts_bos[ids_t] = x[tgt - k + 1] == V                  # nothing can precede it: keep raw count
                c_all = np.where(starts_bos, raw, cont)
            else:
                c_all = raw
            present = np.flatnonzero(raw)
            uniq = present if k == 1 else self.table[k][present]         # sorted keys (k = 1: token ids)
            c = c_all[present]
            self.keys[k], self.counts[k] = uniq, c.astype(np.float64)
            coc = tuple(int(np.sum(c == j)) for j in (1, 2, 3, 4))
            self.count_of_counts[k] = coc
            D = self.user_discounts.get(k) or kn_discounts(*coc, modified=self.modified)
            if D is None:
                D = FALLBACK_DISCOUNTS if self.modified else (FALLBACK_DISCOUNTS[0],) * 3
                self.fallback_orders.append(k)
            self.discounts[k] = tuple(float(d) for d in D)
            Dk = np.array((0.0,) + self.discounts[k])                 # index min(c, 3)
            d_applied = np.minimum(Dk[np.minimum(c, 3).astype(np.int64)], c)   # never more than the count
            if k == 1:
                self.dense1 = np.zeros(V)                               # (V,) counts of every token
                self.dense1[uniq] = c
                self.tot1, self.mass1 = float(c.sum()), float(d_applied.sum())
            else:
                ctx = uniq // B                                         # context id of each k-gram
                self.tot[k] = np.bincount(ctx, weights=c, minlength=size[k - 1])
                self.mass[k] = np.bincount(ctx, weights=d_applied, minlength=size[k - 1])
        return self

    @classmethod
    def from_text(cls, text: str, order: int = 3, level: str = "char", modified: bool = True) -> "KneserNeyLM":
        """A model of a text's characters (id 0 = unknown character) or UTF-8 bytes; model.encode(text) gives ids."""
        if level not in ("char", "byte"):
            raise ValueError(f"level must be 'char' or 'byte', got {level!r}")
        vocab = CharVocab(text) if level == "char" else ByteVocab()
        model = cls(order, vocab_size=len(vocab), modified=modified, unk_id=0 if level == "char" else None)
        model.vocab = vocab
        return model.fit(vocab.encode(text))

    def encode(self, text: str) -> np.ndarray:
        if self.vocab is None:
            raise ValueError("this model was trained on ids, not text: encode the text with your tokenizer")
        return self.vocab.encode(text)

    # ---------------------------------------------------------------- scoring
    def _check_ids(self, ids) -> np.ndarray:
        if not hasattr(self, "B"):
            raise ValueError("the model is not trained: call fit(sequences) first")
        ids = np.asarray(ids, dtype=np.int64).reshape(-1)
        bad = (ids < 0) | (ids >= self.V)
        if bad.any():
            if self.unk_id is None:
                raise ValueError(f"token id {ids[bad][0]} is outside the vocabulary [0, {self.V}); "
                                 "pass unk_id=... to map unknown ids, or train with a larger vocab_size")
            ids = np.where(bad, self.unk_id, ids)
        return ids

    def _context_ids(self, q: np.ndarray) -> dict:
        """For a padded sequence q (L,): ctx[k][i] = id of the (k-1)-gram ending at i (-1 if unseen), k = 2..n."""
        ctx = {2: q} if self.n >= 2 else {}
        g = q
        for j in range(2, self.n):
            kj = np.full(len(q), -1, dtype=np.int64)
            ok = g[:-1] >= 0
            kj[1:][ok] = g[:-1][ok] * self.B + q[1:][ok]
            kj[:j - 1] = -1
            g = _lookup(self.table[j], kj)
            ctx[j + 1] = g
        return ctx

    def _probs(self, ctx: dict, w: np.ndarray) -> np.ndarray:
        """p(w | context) (Q,) from context ids ctx[k] (Q,) for k = 2..n, interpolating upward from 1 / V."""
        D1 = np.array((0.0,) + self.discounts[1])
        c = self.dense1[w]
        p = (c - np.minimum(D1[np.minimum(c, 3).astype(np.int64)], c)) / self.tot1 + self.mass1 / self.tot1 / self.V
        for k in range(2, self.n + 1):
            cid = ctx[k]
            seen = cid >= 0
            tot = np.where(seen, self.tot[k][np.maximum(cid, 0)], 0.0)
            has = tot > 0
            idx = _lookup(self.keys[k], np.where(seen, cid * self.B + w, -1))
            c = np.where(idx >= 0, self.counts[k][np.maximum(idx, 0)], 0.0)
            Dk = np.array((0.0,) + self.discounts[k])
            top = c - np.minimum(Dk[np.minimum(c, 3).astype(np.int64)], c)
            mass = np.where(seen, self.mass[k][np.maximum(cid, 0)], 0.0)
            p = np.where(has, (top + mass * p) / np.where(has, tot, 1.0), p)
        return p

    def _padded_context(self, context) -> np.ndarray:
        ctx = self._check_ids(context)[-(self.n - 1):] if self.n > 1 else np.zeros(0, np.int64)
        return np.concatenate([np.full(self.n - 1, self.V, np.int64), ctx])

    def logprob(self, context, token: int) -> float:
        """ln p(token | context); only the last n-1 context tokens matter; a shorter context = sequence start."""
        return float(self.logprobs(context)[self._check_ids([token])[0]])

    def logprobs(self, context) -> np.ndarray:
        """(V,) ln p(w | context) for every token w of the vocabulary (sums to 1 in probability)."""
        q = self._padded_context(context)                   # (>= n-1,) ends with the last context token
        ctx = {k: np.full(self.V, v[-1]) for k, v in self._context_ids(q).items()}
        return np.log(self._probs(ctx, np.arange(self.V)))

    def token_logprobs(self, ids) -> np.ndarray:
        """(n_ids,) ln p(ids[t] | start, ids[:t]) for every token, the first one included."""
        ids = self._check_ids(ids)
        q = np.concatenate([np.full(self.n - 1, self.V, np.int64), ids])
        ctx = {k: v[self.n - 2:-1] for k, v in self._context_ids(q).items()}   # context ends at t - 1
        return np.log(self._probs(ctx, ids))

    def sequence_logprob(self, ids) -> float:
        """Sum of ln p over all tokens (nats)."""
        return float(self.token_logprobs(ids).sum())

    def perplexity(self, ids) -> float:
        n = len(np.asarray(ids).reshape(-1))
        if n == 0:
            raise ValueError("perplexity of an empty sequence is undefined")
        return math.exp(-self.sequence_logprob(ids) / n)

    def bits_per_byte(self, ids, n_bytes: int) -> float:
        """-sum ln p / (ln 2 x n_bytes): n_bytes = len(text.encode('utf-8')) of the text the ids encode."""
        return _bits_per_byte(-self.sequence_logprob(ids), n_bytes)

    def summary(self) -> str:
        lines = [f"{'modified ' if self.modified else ''}Kneser-Ney, order {self.n}, vocabulary {self.V}"]
        for k in range(1, self.n + 1):
            d = ", ".join(f"{v:.3f}" for v in self.discounts[k])
            lines.append(f"  order {k}: {len(self.keys[k]):>9,} n-grams  n1..n4 {self.count_of_counts[k]}  "
                         f"D = ({d}){'  (fallback)' if k in self.fallback_orders else ''}")
        return "\n".join(lines)
