"""Which chunk is the gold passage NOW: re-deriving a Q/A pair's gold from the passage text it stores (week 8).

    golds = gold_ids(rows, chunks)      # rows: {"passage", "source", "answer", ...}; -> [set of acceptable ids]
    recall_at_k(ranked_ids, golds)      # retrieval/course.py accepts these sets

Why: a chunk id is `path#heading-slug-n` (chunker.py); editing a section keeps its slug, but adding a
paragraph moves the piece number n of everything after it, and a new heading or another max_words moves
text between pieces. A stored id then names a different passage (on 2026-12-03, 26 of the 208 course pairs
pointed at text that was no longer theirs). data/course_assistant stores each pair's passage text beside
its id, so the gold is looked up by that text, never hand-edited:
  1. every chunk whose text equals the stored passage (after strip) is gold: the passage itself, and an
     identical twin anywhere else (a README quoting another word for word) counts as found too;
  2. else, among the chunks of the pair's source file, the one that covers most of it:
        score(c) = |words(passage) ∩ words(c)| / |words(passage)| + 0.5 |words(answer) ∩ words(c)| / |words(answer)|
     (multiset intersection of chunker.words; the answer term breaks ties towards the piece that holds the
     answer when an edited passage is now spread over two pieces). If no chunk of the file covers
     min_cover (default 0.5) of the passage, the pair has lost its passage: {} (counted as a miss).
Does not handle: a passage moved to another file (only the source file is searched in step 2), near-twins
(a README restating a fact in other words is a competitor, not a gold).
"""
from collections import Counter, defaultdict

from .chunker import words


def _cover(a: Counter, c: Counter) -> float:
    n = sum(a.values())
    return sum((a & c).values()) / n if n else 0.0


def gold_ids(rows, chunks, min_cover: float = 0.5) -> list:
    """[set of chunk ids] per row (rules 1-2 of the module docstring); rows need "passage" and "source"."""
    if not 0 <= min_cover <= 1:
        raise ValueError(f"min_cover must be in [0, 1], got {min_cover}")
    by_text, by_path = defaultdict(set), defaultdict(list)
    for c in chunks:
        by_text[c.text.strip()].add(c.id)
        by_path[c.path].append(c)
    bags = {}
    out = []
    for r in rows:
        if "passage" not in r or "source" not in r:
            raise ValueError(f"gold_ids: a row needs 'passage' and 'source', got keys {sorted(r)}")
        same = by_text.get(r["passage"].strip())
        if same:
            out.append(set(same))
            continue
        P, A = Counter(words(r["passage"])), Counter(words(r.get("answer", "")))
        best, best_score, max_cover = None, -1.0, 0.0
        for c in by_path.get(r["source"], []):
            if c.id not in bags:
                bags[c.id] = Counter(words(c.text))
            cov = _cover(P, bags[c.id])
            s = cov + 0.5 * _cover(A, bags[c.id])
            max_cover = max(max_cover, cov)
            if s > best_score:
                best, best_score = c, s
        out.append({best.id} if best is not None and max_cover >= min_cover else set())
    return out
