"""The course base model's pretraining corpus: every offline text that is not an evaluation set.

Handles: one list of documents per source, with every evaluation text removed and a deterministic held-out
slice (every HOLDOUT_EVERY-th document, by position) per source:

  source        documents                                             evaluation texts removed
  dialogsum     train dialogue + "\\n\\nSummary: " + summary          overlaps with DailyDialog test,
                                                                      DialogSum dev and test (see below)
  dailydialog   validation dialogues as "A: ...\\nB: ..."             overlaps with the same three sets
  squad         distinct SQuAD v1.1 train-subset paragraphs           any paragraph of the v2 dev subset
  dolly         Dolly responses (rows with a lost passage dropped)    -
  instructions  LLMs-from-scratch *train* responses (85%)             the 10% test and 5% val examples
  tinystories   first 5,000 train stories, recased (see recase)       -  (tinystories_valid_head.txt is kept
                                                                          out: it is the story evaluation text)
  gutenberg     Alice, Oz, Grimms in paragraph chunks of ~CHUNK chars -

Overlap rule (`pair_keys`): a dialogue is "the same" as an evaluation dialogue if their first two turns agree
after lowercasing and dropping non-alphanumerics (the rule of data/dialogsum/SOURCE.md) OR if they share any
two consecutive turns of at least MIN_PAIR_CHARS normalized characters (this catches dialogues that DialogSum
edited in the opening lines; short generic pairs like "Hello.|Hi." are ignored).
`build_corpus()` -> {source: {"train": [str], "val": [str]}}, `corpus_counts()` -> documents, characters and
removed counts per source, `load_corpus(cfg)` -> (train_docs, val_docs) for `tglm pretrain` (config
data.builder = "course_base"), `overlap_report()` -> the overlaps left in the training documents (all zero).

Does not handle: near-duplicates within a source, casing other than the original (the model is cased; the
TinyStories train file is lowercase upstream and is recased heuristically), token counts (they need the
tokenizer: see pretrain.source_token_counts).
"""
import re
from collections import Counter
from functools import lru_cache

from ..paths import DATA_DIR
from .dailydialog import dailydialog_key, dialogue_text, load_dailydialog
from .dialogsum import dialogue_turns, load_dialogsum, normalize_turn, record_key
from .instructions import load_dolly, load_instruction_data
from .squad import load_squad_v1_train, load_squad_v2_dev, paragraphs

HOLDOUT_EVERY = 40          # document i is held out if i % HOLDOUT_EVERY == HOLDOUT_EVERY - 1 (2.5%)
MIN_PAIR_CHARS = 24         # a shared consecutive-turn pair must be this long (normalized) to count
CHUNK = 2000                # Gutenberg books are cut into paragraph chunks of about this many characters
SOURCES = ("dialogsum", "dailydialog", "squad", "dolly", "instructions", "tinystories", "gutenberg")
BOOKS = ("alice_in_wonderland.txt", "wonderful_wizard_of_oz.txt", "grimms_fairy_tales.txt")


# ---------------------------------------------------------------- overlap detection
def pair_keys(turns, min_chars: int = MIN_PAIR_CHARS) -> set:
    """Keys of a dialogue: its first-two-turn key plus every long consecutive turn pair, normalized."""
    norm = [normalize_turn(t) for t in turns]
    keys = {"first:" + "|".join(norm[:2])}
    for a, b in zip(norm, norm[1:]):
        if len(a) + len(b) >= min_chars:
            keys.add("pair:" + a + "|" + b)
    return keys


@lru_cache(maxsize=None)
def evaluation_dialogue_keys() -> dict:
    """{"dailydialog_test" | "dialogsum_dev" | "dialogsum_test": set of pair_keys} of the evaluation dialogues."""
    return {"dailydialog_test": set().union(*(pair_keys([t["text"] for t in r["turns"]])
                                              for r in load_dailydialog("test"))),
            "dialogsum_dev": set().union(*(pair_keys(dialogue_turns(r["dialogue"])) for r in load_dialogsum("dev"))),
            "dialogsum_test": set().union(*(pair_keys(dialogue_turns(r["dialogue"])) for r in load_dialogsum("test")))}


def _hits(turns) -> list:
    """Names of the evaluation sets that share a key with this dialogue."""
    keys = pair_keys(turns)
    return [name for name, ev in evaluation_dialogue_keys().items() if keys & ev]


MIN_SENTENCE_CHARS = 40    # sentences shorter than this ("Thank you very much.") are too generic to count
_SENT = re.compile(r"(?<=[.!?])\s+|\n+")


def sentences(text: str, min_chars: int = MIN_SENTENCE_CHARS) -> set:
    """The sentences of a text (split after . ! ? and at newlines) that have at least min_chars characters."""
    return {x.strip() for x in _SENT.split(text) if len(x.strip()) >= min_chars}


@lru_cache(maxsize=None)
def evaluation_sentences() -> frozenset:
    """Every sentence of >= MIN_SENTENCE_CHARS characters in any evaluation text: DailyDialog test turns,
    DialogSum dev/test dialogues and summaries, SQuAD v2 dev paragraphs and questions, instruction-data
    test/val responses. A training document containing one of them is dropped (this catches evaluation
    dialogues that DialogSum re-edited, which the turn-pair keys miss)."""
    out = set()
    for r in load_dailydialog("test"):
        out |= sentences(plain_text("dailydialog", dialogue_text(r)))
        out |= sentences("\n".join(t["text"] for t in r["turns"]))
    for split in ("dev", "test"):
        for r in load_dialogsum(split):
            out |= sentences("\n".join(dialogue_turns(r["dialogue"])))
            for x in r["summaries"]:
                out |= sentences(x)
    for r in load_squad_v2_dev():
        out |= sentences(r["context"]) | sentences(r["question"])
    for r in load_instruction_data("test") + load_instruction_data("val"):
        out |= sentences(r["output"])
    return frozenset(out)


def plain_text(source: str, doc: str) -> str:
    """A document without speaker tags ("#Person1#: ", "A: "), so sentences compare across formats."""
    if source == "dialogsum":
        return "\n".join(dialogue_turns(doc))
    if source == "dailydialog":
        return "\n".join(t[3:] for t in doc.split("\n"))
    return doc


def _shares_sentence(text) -> bool:
    return not evaluation_sentences().isdisjoint(sentences(text))


# ---------------------------------------------------------------- TinyStories recasing
_WORD = re.compile(r"[A-Za-z]+")


@lru_cache(maxsize=None)
def proper_nouns() -> frozenset:
    """Lowercase forms of words that are capitalized in the cased TinyStories validation head every time they
    appear (at least twice), outside sentence starts: names like lily, tom, spot. Only this word list is taken
    from the validation text, never its sentences."""
    text = open(DATA_DIR / "tinystories" / "tinystories_valid_head.txt", encoding="utf-8").read()
    cap, low = Counter(), Counter()
    for m in re.finditer(r"(?<=[a-z,;] )([A-Za-z]+)", text):            # preceded by a mid-sentence word
        w = m.group(1)
        (cap if w[0].isupper() else low)[w.lower()] += 1
    for w in _WORD.findall(text):
        if w[0].islower():
            low[w.lower()] += 1
    return frozenset(w for w, n in cap.items() if n >= 2 and low[w] == 0 and w != "i")


def recase(text: str, names=frozenset()) -> str:
    """Heuristic truecasing of lowercased English: sentence starts, the pronoun I (I'm, I'll...), and `names`."""
    text = re.sub(r"\bi\b", "I", text)
    if names:
        text = _WORD.sub(lambda m: m.group(0).capitalize() if m.group(0) in names else m.group(0), text)
    # a quotation opened after "said," / ":" starts a sentence: said, "yes -> said, "Yes
    text = re.sub(r'((?:[,:]|["”])\s+["“])([a-z])', lambda m: m.group(1) + m.group(2).upper(), text)
    # first letter of the text, and after . ! ? or a newline, past opening quotes; not after a closing quote
    # ("Yes!" she said), which is wrong for the rarer "Stop." Then ...
    return re.sub(r'(^|[.!?]\s+|\n\s*)(["“‘]?)([a-z])', lambda m: m.group(1) + m.group(2) + m.group(3).upper(),
                  text)


# ---------------------------------------------------------------- sources
def _split_stories(text):
    return [s.strip() for s in re.split(r"(?<!\n)\n(?!\n)", text) if s.strip()]


def _chunks(text, size=CHUNK):
    out, cur = [], ""
    for para in re.split(r"\n\s*\n", text.strip()):
        cur = cur + "\n\n" + para if cur else para
        if len(cur) >= size:
            out.append(cur)
            cur = ""
    return out + ([cur] if cur else [])


def _source_documents():
    """-> ({source: [documents]}, {removal reason: count})."""
    docs, removed = {}, Counter()
    ds = []
    for r in load_dialogsum("train"):
        hits = _hits(dialogue_turns(r["dialogue"]))
        for h in hits:
            removed[f"dialogsum train ~ {h}"] += 1
        if hits:
            removed["dialogsum train removed"] += 1
        else:
            ds.append(r["dialogue"] + "\n\nSummary: " + r["summaries"][0])
    docs["dialogsum"] = ds
    dd = []
    for r in load_dailydialog("validation"):
        hits = _hits([t["text"] for t in r["turns"]])
        for h in hits:
            removed[f"dailydialog validation ~ {h}"] += 1
        if hits:
            removed["dailydialog validation removed"] += 1
        else:
            dd.append(dialogue_text(r))
    docs["dailydialog"] = dd
    v2 = {c for _, c in paragraphs(load_squad_v2_dev())}
    paras = paragraphs(load_squad_v1_train())
    removed["squad v1 paragraph in v2 dev"] = sum(c in v2 for _, c in paras)
    docs["squad"] = [c for _, c in paras if c not in v2]
    docs["dolly"] = [r["output"].strip() for r in load_dolly() if r["output"].strip()]
    removed["dolly lost-context rows"] = len(load_dolly(keep_lost_context=True)) - len(load_dolly())
    held = load_instruction_data("test") + load_instruction_data("val")
    held_out = {r["output"].strip() for r in held}
    train = [r["output"].strip() for r in load_instruction_data("train")]
    removed["instruction held-out (test+val) examples"] = len(held)
    removed["instruction train response equal to a held-out one"] = sum(t in held_out for t in train)
    docs["instructions"] = [t for t in train if t not in held_out]
    names = proper_nouns()
    stories = _split_stories(open(DATA_DIR / "tinystories" / "tinystories_train5000_lowercase.txt",
                                  encoding="utf-8").read())
    docs["tinystories"] = [recase(s, names) for s in stories]
    docs["gutenberg"] = [c for b in BOOKS for c in _chunks(open(DATA_DIR / "gutenberg_children" / b,
                                                                encoding="utf-8").read())]
    for name in SOURCES:                            # the sentence rule, on every source
        kept = [d for d in docs[name] if not _shares_sentence(plain_text(name, d))]
        removed[f"{name} sharing a sentence with an evaluation text"] = len(docs[name]) - len(kept)
        docs[name] = kept
    return docs, removed


@lru_cache(maxsize=None)
def _cached():
    docs, removed = _source_documents()
    removed = dict(removed)
    corpus = {}
    for name in SOURCES:
        d = docs[name]
        train = [x for i, x in enumerate(d) if i % HOLDOUT_EVERY != HOLDOUT_EVERY - 1]
        seen = set(train)                           # a source can repeat a document (DailyDialog does):
        val = [x for i, x in enumerate(d)           # a held-out copy of a training document is not held out
               if i % HOLDOUT_EVERY == HOLDOUT_EVERY - 1 and x not in seen]
        removed[f"{name} held-out duplicates of training documents"] = (
            sum(i % HOLDOUT_EVERY == HOLDOUT_EVERY - 1 for i in range(len(d))) - len(val))
        corpus[name] = {"train": train, "val": val}
    return corpus, removed


def build_corpus() -> dict:
    """{source: {"train": [str], "val": [str]}} with all exclusions applied (cached; do not mutate)."""
    return _cached()[0]


def corpus_counts() -> dict:
    """{"sources": {source: {"train_docs", "val_docs", "train_chars", "val_chars"}}, "removed": {reason: n}}."""
    corpus, removed = _cached()
    return {"sources": {s: {"train_docs": len(c["train"]), "val_docs": len(c["val"]),
                            "train_chars": sum(map(len, c["train"])), "val_chars": sum(map(len, c["val"]))}
                        for s, c in corpus.items()},
            "removed": removed}


def load_corpus(cfg: dict = None):
    """-> (train_docs, val_docs): every source's train / held-out documents, in SOURCES order (for tglm pretrain)."""
    if cfg is not None and cfg.get("lowercase"):
        raise ValueError("the course base corpus is cased; set \"lowercase\": false in the config")
    corpus = build_corpus()
    return ([d for s in SOURCES for d in corpus[s]["train"]], [d for s in SOURCES for d in corpus[s]["val"]])


def training_sentences() -> set:
    """sentences() of every training document of every source (the held-out slices excluded)."""
    corpus = build_corpus()
    out = set()
    for s in SOURCES:
        for d in corpus[s]["train"]:
            out |= sentences(plain_text(s, d))
    return out


def overlap_report() -> dict:
    """Evaluation texts left in the training documents; every count should be 0. Checks:
    dialogue keys (pair_keys) of every dialogue document against each evaluation set; whole evaluation dialogues
    and summaries as documents; and any evaluation sentence of >= MIN_SENTENCE_CHARS characters (SQuAD v2 dev
    paragraphs and questions, DialogSum dev/test summaries, held-out instruction responses, DailyDialog test turns)
    found verbatim in ANY training document of any source."""
    corpus = build_corpus()
    train = {s: corpus[s]["train"] for s in SOURCES}
    ev = evaluation_dialogue_keys()
    ds_dialogues = [d.split("\n\nSummary: ")[0] for d in train["dialogsum"]]
    ds_summaries = {d.split("\n\nSummary: ")[1] for d in train["dialogsum"]}
    dd_turns = [[t[3:] for t in d.split("\n")] for d in train["dailydialog"]]
    out = {}
    for name, keys in ev.items():
        out[f"dialogsum train dialogues ~ {name}"] = sum(bool(pair_keys(dialogue_turns(d)) & keys)
                                                         for d in ds_dialogues)
        out[f"dailydialog train dialogues ~ {name}"] = sum(bool(pair_keys(t) & keys) for t in dd_turns)
    dd_test = load_dailydialog("test")
    dev_test = load_dialogsum("dev") + load_dialogsum("test")
    dd_docs, ds_docs = set(train["dailydialog"]), set(ds_dialogues)
    out["dailydialog test dialogues as documents"] = sum(dialogue_text(r) in dd_docs for r in dd_test)
    out["dialogsum dev/test dialogues as documents"] = sum(r["dialogue"] in ds_docs for r in dev_test)
    out["dialogsum dev/test summaries as summaries"] = sum(x in ds_summaries for r in dev_test for x in r["summaries"])
    sent = training_sentences()
    v2 = load_squad_v2_dev()
    v1_paras = {c for _, c in paragraphs(load_squad_v1_train())}
    out["squad v1 paragraphs == v2 dev paragraphs"] = sum(c in v1_paras for _, c in paragraphs(v2))
    out["squad v2 dev paragraphs sharing a sentence"] = sum(bool(sentences(c) & sent) for _, c in paragraphs(v2))
    out["squad v2 dev questions"] = sum(r["question"].strip() in sent for r in v2)
    out["dialogsum dev/test summaries sharing a sentence"] = sum(bool(sentences(x) & sent)
                                                                 for r in dev_test for x in r["summaries"])
    out["dailydialog test dialogues sharing a sentence"] = sum(
        bool((sentences(plain_text("dailydialog", dialogue_text(r))) | sentences("\n".join(t["text"] for t in r["turns"])))
             & sent) for r in dd_test)
    out["dialogsum dev/test dialogues sharing a sentence"] = sum(
        bool(sentences(plain_text("dialogsum", r["dialogue"])) & sent) for r in dev_test)
    held = load_instruction_data("test") + load_instruction_data("val")
    out["instruction held-out responses sharing a sentence"] = sum(bool(sentences(r["output"]) & sent)
                                                                   for r in held)
    out["instruction held-out responses as documents"] = sum(r["output"].strip() in set(train["instructions"])
                                                             for r in held)
    return out


def dailydialog_test_keys() -> set:
    """First-two-turn keys of the DailyDialog test dialogues (the SOURCE.md rule)."""
    return {dailydialog_key(r) for r in load_dailydialog("test")}


def dialogsum_key_overlaps() -> dict:
    """First-two-turn key overlaps between DialogSum train and the evaluation sets, before any removal."""
    train = {record_key(r) for r in load_dialogsum("train")}
    return {"dialogsum dev in train": sum(record_key(r) in train for r in load_dialogsum("dev")),
            "dialogsum test in train": sum(record_key(r) in train for r in load_dialogsum("test")),
            "dailydialog test in dialogsum train": sum(k in train for k in dailydialog_test_keys())}
