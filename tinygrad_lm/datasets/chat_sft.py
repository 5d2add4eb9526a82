"""Conversations for supervised fine-tuning (week 8): the course data as chat messages, with the held-out sets.

    convs = sft_conversations("train")     # {source: [[{"role", "content"}, ...], ...]}
    held = sft_conversations("test")       # the held-out sets: never trained on
    overlap_counts()                        # what was removed from the training side, and why

Sources and splits (a conversation is a list of {"role", "content"}; every one starts with a system message):

  source            train                                          test (held out)
  instructions      LLMs-from-scratch train split (935)            its test split (110); val (55) -> "val"
  dolly             Dolly rows 10001-15010 without lost context,   (none: the base model was pretrained on
                    every 40th row to "val"                        these responses)
  dailydialog       DailyDialog VALIDATION dialogues minus those   DailyDialog TEST (1,000 dialogues)
                    sharing a turn pair or a sentence with the
                    test dialogues (or DialogSum dev/test); every
                    40th to "val"
  course            data/course_assistant/train.jsonl (157)         data/course_assistant/test.jsonl (51)
                    (datasets/course_assistant.py; skipped if absent)

Roles: DailyDialog's speaker A is the user and B the assistant (a dialogue ending on A drops that last turn);
an instruction's `input`, if any, follows the instruction after a blank line. Course-assistant questions are
rendered twice in training: grounded (its source passage in the system prompt, as the retrieval assistant
prompts; the passage shortened until the conversation fits 257 tokens, grounded_turn) and plain; the test set
is rendered grounded in its GOLD passage (the perplexity of answering from the right passage) -- retrieval
quality is measured separately.

The overlap rule is course_base.py's (the one the base model's pretraining used): a dialogue is dropped if
its first two turns, or any two consecutive turns of >= 24 normalized characters, match an evaluation
dialogue, or if it contains a >= 40-character sentence of an evaluation text. DialogSum is not part of the SFT
mix at all (its train split contains ~900 DailyDialog test dialogues); the base model's pretraining removed them.
Does not handle: shuffling or tokenizing (training/sft.py), retrieval itself (the chat work's retrievers).
"""
import json
from collections import Counter
from functools import lru_cache

from ..paths import DATA_DIR
from ..retrieval.grounding import MAX_PASSAGE_CHARS, SYSTEM, grounded_system, grounded_system_fit  # noqa: F401 (re-exported)
from .course_base import _hits, _shares_sentence, plain_text
from .dailydialog import detokenize_turn, dialogue_text, load_dailydialog
from .instructions import load_dolly, load_instruction_data


def load_course_assistant(split: str) -> list:
    """datasets/course_assistant.py's records, or [] when data/course_assistant/ is not there."""
    if not (COURSE_DIR / f"{split}.jsonl").exists():
        return []
    from .course_assistant import load_course_assistant as load
    return load(split)

SOURCES = ("instructions", "dolly", "dailydialog", "course")
SPLITS = ("train", "val", "test")
VAL_EVERY = 40                    # item i of dolly / dailydialog goes to "val" if i % 40 == 39
COURSE_DIR = DATA_DIR / "course_assistant"
CONTEXT = 257                     # tokens of one training piece: block_size 256 + the shifted target


def grounded_turn(passages, question: str, answer: str, count_conversation=None, limit: int = CONTEXT) -> list:
    """[system with passages, user question, assistant answer]; with count_conversation (conv -> tokens) the
    passages are shortened until the whole conversation is at most `limit` tokens (the answer is never cut)."""
    if count_conversation is None:
        return single_turn(question, answer, grounded_system(passages))
    chars = MAX_PASSAGE_CHARS
    while chars > 0:
        conv = single_turn(question, answer, grounded_system(passages, max_chars=chars))
        if count_conversation(conv) <= limit:
            return conv
        chars -= 50
    return single_turn(question, answer)


def instruction_prompt(record: dict) -> str:
    """The user turn of an instruction record: the instruction, then its input after a blank line (if any)."""
    inp = (record.get("input") or "").strip()
    return record["instruction"].strip() + (f"\n\n{inp}" if inp else "")


def single_turn(user: str, assistant: str, system: str = SYSTEM) -> list:
    return [{"role": "system", "content": system}, {"role": "user", "content": user},
            {"role": "assistant", "content": assistant}]


def dialogue_messages(record: dict, system: str = SYSTEM) -> list:
    """A DailyDialog record as chat: A -> user, B -> assistant; a trailing user turn is dropped."""
    turns = [detokenize_turn(t["text"]) for t in record["turns"]]
    if len(turns) % 2:
        turns = turns[:-1]
    return [{"role": "system", "content": system}] + [
        {"role": "user" if i % 2 == 0 else "assistant", "content": t} for i, t in enumerate(turns)]


def _every(items, split):
    """train: items i with i % 40 != 39; val: the others."""
    return [x for i, x in enumerate(items) if (i % VAL_EVERY == VAL_EVERY - 1) == (split == "val")]


@lru_cache(maxsize=None)
def _dailydialog_train_pool():
    """DailyDialog validation dialogues that share nothing with an evaluation dialogue; and the removal counts."""
    kept, removed = [], Counter()
    for r in load_dailydialog("validation"):
        hits = _hits([t["text"] for t in r["turns"]])
        if hits:
            removed["dailydialog validation: turn-pair key of " + "/".join(hits)] += 1
        elif _shares_sentence(plain_text("dailydialog", dialogue_text(r))):
            removed["dailydialog validation: shares a >= 40-char sentence with an evaluation text"] += 1
        else:
            kept.append(r)
    return kept, dict(removed)


def course_passage(r: dict):
    """(source file, passage) of a course-assistant record."""
    return r["source"], r["passage"]


def source_conversations(source: str, split: str, count_conversation=None) -> list:
    """The conversations of one source and split (see the module docstring). count_conversation (conv ->
    tokens): fit grounded course prompts into CONTEXT tokens by shortening the passage (grounded_turn)."""
    if source not in SOURCES:
        raise ValueError(f"unknown SFT source {source!r}; use one of {SOURCES}")
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}; use one of {SPLITS}")
    if source == "instructions":
        return [single_turn(instruction_prompt(r), r["output"].strip()) for r in load_instruction_data(split)]
    if source == "dolly":
        rows = [r for r in load_dolly() if r["output"].strip()]
        return [] if split == "test" else [single_turn(instruction_prompt(r), r["output"].strip())
                                           for r in _every(rows, split)]
    if source == "dailydialog":
        if split == "test":
            return [dialogue_messages(r) for r in load_dailydialog("test")]
        return [dialogue_messages(r) for r in _every(_dailydialog_train_pool()[0], split)]
    # course assistant: train -> grounded + plain; val -> grounded copies of every 10th train question
    rows = load_course_assistant("test" if split == "test" else "train")
    grounded = [grounded_turn([course_passage(r)], r["question"], r["answer"], count_conversation) for r in rows]
    if split == "test":
        return grounded
    if split == "val":
        return grounded[9::10]
    return grounded + [single_turn(r["question"], r["answer"]) for r in rows]


def sft_conversations(split: str, sources=SOURCES) -> dict:
    """{source: [conversation, ...]} for one split."""
    return {s: source_conversations(s, split) for s in sources}


def overlap_counts() -> dict:
    """What was removed from the training side, and the checks that the held-out sets are disjoint from it."""
    kept, removed = _dailydialog_train_pool()
    test_keys = {tuple(m["content"] for m in c[1:3]) for c in source_conversations("dailydialog", "test")}
    train_pairs = {tuple(m["content"] for m in c[1:3]) for s in ("train", "val")
                   for c in source_conversations("dailydialog", s)}
    ins_test = {r["output"].strip() for r in load_instruction_data("test")}
    ins_train = {r["output"].strip() for r in load_instruction_data("train")}
    dolly_out = {r["output"].strip() for r in load_dolly()}
    course_train = {r["question"].strip().lower() for r in load_course_assistant("train")}
    course_test = {r["question"].strip().lower() for r in load_course_assistant("test")}
    return {"dailydialog_validation_total": len(load_dailydialog("validation")),
            "dailydialog_validation_kept": len(kept), "removed": removed,
            "check_dailydialog_test_first_turns_in_train": len(test_keys & train_pairs),
            "check_instruction_test_outputs_in_train": len(ins_test & ins_train),
            "check_instruction_test_outputs_in_dolly": len(ins_test & dolly_out),
            "check_course_test_questions_in_train": len(course_test & course_train)}
