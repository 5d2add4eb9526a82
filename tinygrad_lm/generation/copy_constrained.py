"""Copy-constrained decoding: a reply made only of spans copied verbatim from the retrieved passages.

    cons = CopyConstraint(["Resume with `tglm train --resume RUN`. It reloads ..."], tok.encode_ordinary,
                          stop_ids={im_end}, token_text=[tok.decode([i]) for i in range(V)])
    logits = cons.mask(logits)          # (V,) -inf outside the allowed tokens
    nxt = sample(logits, ...)
    cons.advance(nxt)

Why: a small model that cannot copy from its context (week 8's copy probe: the right passage lowers
the answer's loss by 0.03 nats per token) still ranks continuations sensibly once the vocabulary is
cut down to what the passages say. The MODEL chooses which passage content to say and when to stop
(its probabilities over the allowed tokens); the CONSTRAINT guarantees every word comes from a passage.

The allowed set is a trie over passage suffixes. Each passage (whitespace collapsed, as in the prompt)
is cut at its span starts (starts="sentence": offset 0 and after [.!?] + space, or a " | " table cell
border; starts="word": after every space); every suffix text[s:] (at most max_chars characters) is
tokenized twice: bare, for the reply's first span ("Resume with ..."), and with a leading space for
the later ones (" It reloads ..."), because BPE merges the space into the word's token.
State: `active` = the (suffix, position) pairs the current span matches (all suffixes it is a prefix of).

    allowed = { suffix[pos] : (suffix, pos) in active }                 continue the span
            U { suffix[0]   : an unused start, if spans < max_spans      start a new span
                              and the current span is at a boundary: sentence end, end of suffix,
                              after a free token (starts="word": also between words) }
            U free_ids                                                  e.g. punctuation (ends the span)
            U stop_ids      if stop is allowed (below)
    stop allowed: stop="any": after the first token; stop="sentence": after a token whose text ends
    in . ! ? followed by a space in the passage (not "solutions.week1"), at the end of a passage, or
    when nothing else is allowed (never a dead end); never before min_tokens tokens (unless a dead end).

advance(id) prefers continuing the current span over starting a new one (a new span costs one of
max_spans); a span's start may not be copied from again once the span ended (no repeated sentence).
`pieces` records what the reply is made of: [("span", ids), ("free", ids), ("stop", ids)]. With no passages (or only empty ones) the constraint is off: mask() returns the logits
unchanged and the decoding is the model's own.
Legend: V vocabulary.
Omissions: the tokenization of a copied span may differ from the one inside the prompt (the passage
follows "[path] " there); no fuzzy copying (inflections, reordering); no beam search over spans
(see span_select.py for ranking whole sentences by the model's likelihood).
"""
import re

import numpy as np

_SENTENCE_START = re.compile(r"(?<=[.!?])\s+(?=\S)|\s\|\s(?=\S)")
_WORD_START = re.compile(r"\s+(?=\S)")
_END_CHARS = (".", "!", "?")


def span_starts(text: str, starts: str = "sentence") -> list:
    """Character offsets where a copied span may begin: 0 and each sentence (or word) start."""
    if starts not in ("sentence", "word"):
        raise ValueError(f"starts must be 'sentence' or 'word', got {starts!r}")
    pattern = _SENTENCE_START if starts == "sentence" else _WORD_START
    return [0] + [m.end() for m in pattern.finditer(text) if m.end() < len(text)]


class CopyConstraint:
    def __init__(self, passages, encode, stop_ids, token_text=None, starts: str = "sentence",
                 max_spans: int = 2, stop: str = "sentence", free_ids=(), max_chars: int = 400,
                 min_tokens: int = 1):
        """passages: list of str; encode: str -> list of ids (no special tokens); stop_ids: ids that end
        the reply (<|im_end|>, ...); token_text: list, the text of every id (needed for stop="sentence")."""
        if isinstance(passages, str):
            raise TypeError("CopyConstraint: passages is a list of strings, not one string")
        if stop not in ("sentence", "any"):
            raise ValueError(f"stop must be 'sentence' or 'any', got {stop!r}")
        if int(max_spans) < 1:
            raise ValueError(f"max_spans must be >= 1, got {max_spans}")
        if stop == "sentence" and token_text is None:
            raise ValueError("stop='sentence' needs token_text (the text of every token id)")
        self.stop_ids = {int(i) for i in stop_ids}
        if not self.stop_ids:
            raise ValueError("CopyConstraint: give at least one stop id (e.g. <|im_end|>)")
        self.free_ids = {int(i) for i in free_ids}
        self.max_spans, self.stop, self.starts = int(max_spans), stop, starts
        self.min_tokens = int(min_tokens)
        self.end_ids = (set() if token_text is None else
                        {i for i, t in enumerate(token_text) if t.rstrip().endswith(_END_CHARS)})
        self.space_ids = set() if token_text is None else {i for i, t in enumerate(token_text) if t[:1].isspace()}
        # self.seqs[v] = suffix token lists of variant v (0: bare, first span; 1: " "-prefixed, later spans)
        self.seqs, self.to_end, self.key = ([], []), ([], []), ([], [])  # to_end: runs to the passage's end
        self.texts = []                                                    # key: (passage, offset) of the start
        for text in passages:
            text = " ".join(str(text).split())
            if not text:
                continue
            self.texts.append(text)
            for off in span_starts(text, starts):
                piece = text[off:off + max_chars]
                for v, s in enumerate((piece, " " + piece)):
                    ids = [int(i) for i in encode(s)]
                    if ids:
                        self.seqs[v].append(ids)
                        self.to_end[v].append(off + max_chars >= len(text))
                        self.key[v].append((len(self.texts) - 1, off))
        self.on = bool(self.seqs[0])
        self.by_first = tuple({} for _ in range(2))  # first token -> suffix indices, per variant
        for v in range(2):
            for j, ids in enumerate(self.seqs[v]):
                self.by_first[v].setdefault(ids[0], []).append(j)
        self.reset()

    def reset(self) -> None:
        self.active = []          # [(suffix index, tokens matched)] of variant self._variant
        self._variant = 0
        self.spans = 0
        self.used = set()         # (passage, offset) starts a finished span already copied from
        self.out = []             # ids emitted so far
        self.pieces = []          # [(kind, ids)], kind "span" / "free" / "stop": what the reply is made of
        self.done = False
        self._next = None         # the set of ids allowed at the current step, once computed

    # ---- what may come next ------------------------------------------------------------------------
    def _continuations(self) -> set:
        seqs = self.seqs[self._variant]
        return {seqs[j][p] for j, p in self.active if p < len(seqs[j])}

    def _fresh(self, v: int, t: int) -> list:
        """Suffixes of variant v starting with token t whose start was not copied from before."""
        return [j for j in self.by_first[v].get(t, ()) if self.key[v][j] not in self.used]

    def _at_boundary(self) -> bool:
        """A new span may start only where the current one could end: at the reply's start, after a
        free token, at a sentence end (. ! ?) or at the end of the copied suffix; starts="word" also
        between two words (the next passage token begins with a space)."""
        if not self.out or not self.active:
            return True
        seqs = self.seqs[self._variant]
        if any(p == len(seqs[j]) for j, p in self.active) or self._sentence_end():
            return True
        return self.starts == "word" and any(seqs[j][p] in self.space_ids for j, p in self.active)

    def _starts(self) -> set:
        if self.spans >= self.max_spans or not self._at_boundary():
            return set()
        v = 0 if self.spans == 0 else 1
        return {t for t in self.by_first[v] if self._fresh(v, t)}

    def _stop_ok(self, others: set) -> bool:
        if not self.out:
            return not others                  # never an empty reply unless nothing is possible
        if not others:
            return True                        # never a dead end
        if len(self.out) < self.min_tokens:
            return False
        if self.stop == "any":
            return True
        seqs, ends = self.seqs[self._variant], self.to_end[self._variant]
        at_end = any(p == len(seqs[j]) and ends[j] for j, p in self.active)
        return at_end or self._sentence_end()

    def _sentence_end(self) -> bool:
        """The last token ends in . ! ? and, if copying, the passage goes on with a space (not "solutions.week1")."""
        if self.out[-1] not in self.end_ids:
            return False
        seqs = self.seqs[self._variant]
        return not self.active or any(p == len(seqs[j]) or seqs[j][p] in self.space_ids for j, p in self.active)

    def allowed(self):
        """Sorted int64 array of the ids allowed next, or None when the constraint is off."""
        if not self.on:
            return None
        return np.array(sorted(self._allowed_set()), dtype=np.int64)

    def _allowed_set(self) -> set:
        """The set of ids allowed next, computed once per step (mask() and advance() share it)."""
        if self.done:
            raise ValueError("CopyConstraint: the reply already stopped; reset() for a new one")
        if self._next is None:
            others = self._continuations() | self._starts() | (self.free_ids if self.out else set())
            self._next = others | (self.stop_ids if self._stop_ok(others) else set())
        return self._next

    def mask(self, logits: np.ndarray) -> np.ndarray:
        """logits (V,) -> (V,) with -inf outside the allowed ids (unchanged when the constraint is off)."""
        ids = self.allowed()
        if ids is None:
            return logits
        out = np.full(np.shape(logits), -np.inf, dtype=np.float64)      # (V,)
        out[ids] = np.asarray(logits, dtype=np.float64)[ids]
        return out

    # ---- one step ----------------------------------------------------------------------------------
    def advance(self, token_id: int) -> None:
        """Record the emitted id (it must be allowed); continuing the span wins over a new start."""
        if not self.on:
            return
        t = int(token_id)
        if t not in self._allowed_set():
            raise ValueError(f"CopyConstraint.advance: token {t} is not allowed here")
        self._next = None
        seqs = self.seqs[self._variant]
        cont = [(j, p + 1) for j, p in self.active if p < len(seqs[j]) and seqs[j][p] == t]
        if cont:
            self.active = cont
            self.pieces[-1][1].append(t)
            self.out.append(t)
            return
        self._finish_span()
        if t in self.stop_ids:
            self.done = True
            self.pieces.append(("stop", [t]))
        elif t in self._starts():                                       # after the span ended (its starts used)
            v = 0 if self.spans == 0 else 1
            self._variant, self.spans = v, self.spans + 1
            self.active = [(j, 1) for j in self._fresh(v, t)]
            self.pieces.append(("span", [t]))
        else:                                                           # a free token ends the span
            self.pieces.append(("free", [t]))
        self.out.append(t)

    def _finish_span(self) -> None:
        """The current span ends: its starts may not be copied from again."""
        self.used |= {self.key[self._variant][j] for j, _ in self.active}
        self.active = []
