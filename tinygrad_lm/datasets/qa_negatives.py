"""Made-up unanswerable questions for extractive QA, written against the SAME paragraph by rule.

SQuAD v1.1 has no unanswerable questions. SQuAD 2.0's were written by crowd workers against the same
paragraph as its answerable ones, with a plausible answer in it (Rajpurkar et al. 2018, table 3: negation
9%, antonym 20%, entity swap 21%, mutual exclusion 15%, impossible condition 4%, ...). A reader that only
ever saw "a question on ANOTHER paragraph" as unanswerable learns "few question words here -> no answer",
which those questions defeat. Rule-based perturbations of answerable questions (the baseline of Zhu et al.
2019, "Learning to Ask Unanswerable Questions for Machine Reading Comprehension", section 4; the
categories of Rajpurkar et al.) keep the paragraph and change the question so the paragraph no longer
answers it:

    entity    a question word that also occurs in the paragraph, of a kind (year / number / capitalised
              word not first in the question), is replaced by a word of the same kind taken from a
              paragraph of ANOTHER article and absent from this paragraph:
              "When did Beyonce leave Destiny's Child?" -> "When did Beyonce leave Destiny's Vienna?"
    negation  the first auxiliary verb gets "not" after it (or "never" where grammatical):
              "What was the Norse leader called?" -> "What was not the Norse leader called?"
    antonym   the first question word with an entry in ANTONYMS (a small hand-written list) is replaced by
              its antonym, if the antonym is not in the paragraph: "the largest city" -> "the smallest city"
    other     the question placed on another paragraph of its article holding none of its answers (the
              old, easy kind)

Each made-up record is the original with a new id (`<id>-<kind><k>`), the new question (or paragraph),
empty answers and is_impossible True: the reader's target is [CLS].

The rules cannot write SQuAD 2.0's hardest kinds, so `load_written(path, records)` also reads unanswerable
questions WRITTEN against the training paragraphs in SQuAD 2.0's manner (data/squad_unanswerable_written/:
JSON lines {title, paragraph_index, question, category, plausible_answer}) and places each on its paragraph
as a record of kind "written" (id `written-<title>-<paragraph>-<k>`).
Does not handle: mutual exclusion and impossible-condition edits by rule, grammar repair after an edit ("did not
won" cannot arise: only auxiliaries are negated), checking that an edited question is really unanswerable
(an entity swap on an inessential word may leave it answerable: rule-based negatives are noisy), languages
other than English.
"""
import json
import re
from pathlib import Path

import numpy as np

from ..text.stopwords import ENGLISH_STOP_WORDS

KINDS = ("entity", "negation", "antonym", "other")
WORD = re.compile(r"\w+")
YEAR = re.compile(r"^(1[0-9]{3}|20[0-9]{2})$")
NUMBER = re.compile(r"^[0-9]+$")
CAPITAL = re.compile(r"^[A-Z][a-z]{2,}$")
# auxiliary -> the negations that read as English after it
AUX = {"is": ("not", "never"), "are": ("not", "never"), "was": ("not", "never"), "were": ("not", "never"),
       "did": ("not",), "does": ("not",), "do": ("not",), "can": ("not", "never"), "could": ("not", "never"),
       "will": ("not", "never"), "would": ("not", "never"), "has": ("not", "never"), "have": ("not", "never"),
       "had": ("not", "never"), "should": ("not", "never"), "must": ("not", "never")}
_PAIRS = [("first", "last"), ("largest", "smallest"), ("biggest", "smallest"), ("most", "least"),
          ("before", "after"), ("earliest", "latest"), ("early", "late"), ("highest", "lowest"), ("high", "low"),
          ("north", "south"), ("east", "west"), ("northern", "southern"), ("eastern", "western"),
          ("more", "less"), ("older", "younger"), ("oldest", "youngest"), ("longest", "shortest"),
          ("long", "short"), ("best", "worst"), ("better", "worse"), ("maximum", "minimum"), ("begin", "end"),
          ("began", "ended"), ("start", "finish"), ("started", "ended"), ("won", "lost"), ("win", "lose"),
          ("increase", "decrease"), ("increased", "decreased"), ("rise", "fall"), ("rose", "fell"),
          ("open", "closed"), ("opened", "closed"), ("major", "minor"), ("upper", "lower"), ("inside", "outside"),
          ("private", "public"), ("modern", "ancient"), ("new", "old"), ("top", "bottom"), ("above", "below"),
          ("allowed", "banned"), ("accepted", "rejected"), ("success", "failure"), ("successful", "unsuccessful"),
          ("positive", "negative"), ("strong", "weak"), ("large", "small"), ("same", "different"),
          ("entered", "left"), ("arrived", "departed"), ("born", "died"), ("built", "destroyed"),
          ("greatest", "least"), ("common", "rare"), ("official", "unofficial"), ("legal", "illegal")]
ANTONYMS = {**{a: b for a, b in _PAIRS}, **{b: a for a, b in _PAIRS}}


def word_kind(word: str, first: bool = False):
    """'year' / 'number' / 'capital' / None for one word; first=True (the question's first word) is never
    'capital' (it is capitalised by position, not because it names something)."""
    if YEAR.match(word):
        return "year"
    if NUMBER.match(word):
        return "number"
    if not first and CAPITAL.match(word) and word.lower() not in ENGLISH_STOP_WORDS:
        return "capital"
    return None


def entity_pools(records) -> dict:
    """{title: {kind: sorted list of words}} of the words of each article's paragraphs, by word_kind."""
    out = {}
    for r in records:
        pools = out.setdefault(r["title"], {"year": set(), "number": set(), "capital": set()})
        for m in WORD.finditer(r["context"]):
            kind = word_kind(m.group(0))
            if kind:
                pools[kind].add(m.group(0))
    return {t: {k: sorted(v) for k, v in p.items()} for t, p in out.items()}


def _replace_word(text: str, start: int, end: int, new: str) -> str:
    return text[:start] + new + text[end:]


def swap_entity(question: str, context: str, title: str, pools: dict, rng):
    """The question with one of its year / number / capitalised words that occurs in the paragraph replaced
    by a word of the same kind from another article's paragraphs, absent from this paragraph; None if no
    word qualifies or no replacement exists."""
    ctx_words = set(WORD.findall(context))
    ctx_lower = {w.lower() for w in ctx_words}
    spots = [(m, word_kind(m.group(0), first=(i == 0))) for i, m in enumerate(WORD.finditer(question))]
    spots = [(m, k) for m, k in spots if k and m.group(0) in ctx_words]
    rng.shuffle(spots)
    others = [t for t in sorted(pools) if t != title]
    for m, kind in spots:
        cands = [w for t in others for w in pools[t][kind]]
        for _ in range(min(50, 4 * len(cands))):                    # rejection sampling: absent words only
            w = cands[int(rng.integers(len(cands)))]
            if w.lower() not in ctx_lower and w.lower() not in question.lower():
                return _replace_word(question, m.start(), m.end(), w)
    return None


def negate(question: str, rng):
    """The question with "not" (or "never") after its first auxiliary verb; None without one."""
    for m in WORD.finditer(question):
        options = AUX.get(m.group(0).lower())
        if options:
            neg = options[int(rng.integers(len(options)))]
            return question[:m.end()] + " " + neg + question[m.end():]
    return None


def swap_antonym(question: str, context: str):
    """The question with its first word listed in ANTONYMS replaced by the antonym (first letter's case
    kept), when the antonym does not occur in the paragraph; None otherwise. Capitalised words after the
    first are names ("Long Island", "New York") and are left alone."""
    ctx_lower = {w.lower() for w in WORD.findall(context)}
    for i, m in enumerate(WORD.finditer(question)):
        w = m.group(0)
        if i > 0 and w[0].isupper():
            continue
        ant = ANTONYMS.get(w.lower())
        if ant and ant not in ctx_lower:
            ant = ant[0].upper() + ant[1:] if w[0].isupper() else ant
            return _replace_word(question, m.start(), m.end(), ant)
    return None


def other_paragraph(record, paragraphs_by_title: dict, rng):
    """Another paragraph of the record's article containing none of its answers; None if there is none."""
    others = [c for c in paragraphs_by_title[record["title"]] if c != record["context"]
              and not any(a.strip() and a in c for a in record["answers"]["text"])]
    return others[int(rng.integers(len(others)))] if others else None


def make_unanswerable(records, kinds=KINDS, per_question: int = 1, rng=None, pool_records=None):
    """-> list of unanswerable records made from the answerable `records` by the perturbations `kinds`.

    Per question, up to per_question made-up records, each of a kind drawn uniformly among the kinds
    that apply to it (a kind is not repeated for one question). pool_records (default: records) give the
    words of the entity swap: only words of articles OTHER than the question's are used."""
    kinds = tuple(kinds)
    bad = [k for k in kinds if k not in KINDS]
    if bad or not kinds:
        raise ValueError(f"make_unanswerable: unknown kinds {bad} (choose from {KINDS})" if bad else
                         "make_unanswerable: give at least one kind")
    if per_question < 0:
        raise ValueError(f"make_unanswerable: per_question must be >= 0, got {per_question}")
    rng = np.random.default_rng(0) if rng is None else rng
    pools = entity_pools(records if pool_records is None else pool_records) if "entity" in kinds else {}
    by_title = {}
    for r in records:
        by_title.setdefault(r["title"], {})[r["context"]] = True
    out = []
    for r in records:
        made = {}
        if "entity" in kinds:
            made["entity"] = (swap_entity(r["question"], r["context"], r["title"], pools, rng), r["context"])
        if "negation" in kinds:
            made["negation"] = (negate(r["question"], rng), r["context"])
        if "antonym" in kinds:
            made["antonym"] = (swap_antonym(r["question"], r["context"]), r["context"])
        if "other" in kinds:
            made["other"] = (r["question"], other_paragraph(r, by_title, rng))
        usable = [k for k in kinds if made[k][0] is not None and made[k][1] is not None]
        for j, i in enumerate(rng.permutation(len(usable))[:per_question]):
            q, c = made[usable[i]]
            out.append({**r, "id": f"{r['id']}-{usable[i]}{j}", "question": q, "context": c,
                        "answers": {"text": [], "answer_start": []}, "is_impossible": True,
                        "neg_kind": usable[i]})
    return out


WRITTEN_FIELDS = ("title", "paragraph_index", "question", "category", "plausible_answer")


def load_written(path, records) -> list:
    """-> unanswerable records (neg_kind "written") from a JSON-lines file of written questions, each placed on
    the paragraph of `records` (load_squad_v1_train()) named by its title and paragraph_index.

    Raises FileNotFoundError for a missing file and ValueError (naming the line) for a line that is not JSON,
    lacks a field, names a paragraph not in `records`, or whose plausible_answer is not in its paragraph."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing: the written unanswerable questions ship in "
                                f"data/squad_unanswerable_written/")
    context = {(r["title"], r["paragraph_index"]): r["context"] for r in records}
    with open(path, encoding="utf-8") as f:
        lines = f.readlines()
    out, per_paragraph = [], {}
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as e:
            raise ValueError(f"{path}:{n}: not JSON ({e.msg})") from None
        missing = [f for f in WRITTEN_FIELDS if f not in row]
        if missing:
            raise ValueError(f"{path}:{n}: missing field(s) {missing}")
        key = (row["title"], row["paragraph_index"])
        if key not in context:
            raise ValueError(f"{path}:{n}: paragraph {key} is not among the given records")
        if row["plausible_answer"] not in context[key]:
            raise ValueError(f"{path}:{n}: plausible_answer {row['plausible_answer']!r} is not in its paragraph")
        k = per_paragraph[key] = per_paragraph.get(key, -1) + 1
        out.append({"id": f"written-{key[0]}-{key[1]}-{k}", "title": key[0], "paragraph_index": key[1],
                    "context": context[key], "question": row["question"], "answers": {"text": [], "answer_start": []},
                    "is_impossible": True, "neg_kind": "written", "category": row["category"]})
    return out
