"""Extractive-QA inputs: question + context -> fixed windows of token ids with answer positions (BERT's doc stride).

One window (Devlin et al. 2019, section 4.2; the run_squad.py recipe):

    [CLS] question tokens [SEP] context tokens c_a .. c_b [SEP] [PAD] ...      (length padded to a multiple of 32)
    position 0 = [CLS]: its start/end logits give the "no answer" (null) score

A context longer than max_len - len(question) - 3 tokens is covered by several windows whose first context
tokens are 0, doc_stride, 2 doc_stride, ... until one reaches the context's end, so every answer is
wholly inside at least one window when doc_stride + max_answer_tokens <= the window's context length.
Training targets: the answer's first and last token if it lies wholly in the window, else (0, 0), [CLS]:
"no answer in this window" (so unanswerable pairs and windows that miss the answer teach the null score).

Character offsets (`token_char_spans`): the byte-level BPE is an exact inverse at the byte level, so the
cumulative byte lengths of the tokens give each token's [start, end) byte range in text.encode("utf-8"),
mapped to characters. GPT-2-style tokens carry their leading space (" Paris"), so a span's text is
context[char_start:char_end].strip().
[CLS], [SEP] and [PAD] are all the tokenizer's end-of-text id here (the base model has no other special
token; [CLS] is told apart by its position, padding by coming after the second [SEP]).

Legend: T tokens of a window (<= max_len).
DrQA's lexical token features (datasets/qa_features.py) ride along with `features=True`: feats (T, 4),
0 outside the context tokens.

Does not handle: padding masks (windows are batched only with windows of the same padded length, so a
window's logits never depend on its batch), segment embeddings, questions longer than max_question tokens
(cut at their end).
"""
import numpy as np

from .qa_features import question_token_features, token_features

PAD_MULTIPLE = 32


def token_char_spans(tok, text: str):
    """-> (ids list, starts (T,), ends (T,)) with each token's [start, end) character range in text."""
    ids = tok.encode_ordinary(text)                                  # special-token strings as plain text
    lens = np.array([len(tok.decode_bytes([i])) for i in ids], dtype=np.int64)          # bytes per token
    byte_end = np.cumsum(lens)
    byte_start = byte_end - lens
    raw = text.encode("utf-8")
    # char_at[b] = index of the character that byte b belongs to; one extra entry for the end
    char_len = np.array([len(ch.encode("utf-8")) for ch in text], dtype=np.int64)
    char_at = np.append(np.repeat(np.arange(len(text)), char_len), len(text))
    if len(char_at) != len(raw) + 1 or (len(ids) and byte_end[-1] != len(raw)):
        raise ValueError("token_char_spans: the tokens do not cover the text byte for byte")
    return list(ids), char_at[byte_start], char_at[np.minimum(byte_end, len(raw))]


def answer_token_span(starts, ends, answer_start: int, answer_text: str):
    """First and last token (inclusive) covering the characters [answer_start, answer_start + len)."""
    a, b = answer_start, answer_start + len(answer_text)
    inside = np.flatnonzero((ends > a) & (starts < b))            # tokens overlapping the answer
    if len(inside) == 0:
        raise ValueError(f"answer {answer_text!r} at {answer_start} is outside the context")
    return int(inside[0]), int(inside[-1])


def make_windows(tok, question: str, context: str, sep_id: int, max_len: int = 256, doc_stride: int = 128,
                 max_question: int = 64, answer=None, features: bool = False, question_features: bool = False):
    """-> list of windows, each a dict:
        ids (T,) int64 padded with sep_id to a multiple of 32;  n (real length);
        ctx_offset (index of the first context token in ids);  ctx_tokens (slice of context token indices);
        starts / ends (char offsets of the window's context tokens);  start, end (target positions, 0 = [CLS]).
    answer: (answer_start, answer_text) or None (no answer: every target is [CLS]).
    features=True adds feats (T, 4) int64: the context tokens' lexical features (qa_features.py), 0 elsewhere;
    question_features=True (with features) makes feats (T, 5): column 4 is the question tokens' qmatch
    (qa_features.question_token_features: is the word in the paragraph?), 0 elsewhere."""
    if question_features and not features:
        raise ValueError("make_windows: question_features=True needs features=True (they share feats)")
    if max_len < max_question + 8:
        raise ValueError(f"make_windows: max_len {max_len} leaves no room for context after a "
                         f"{max_question}-token question")
    if question_features:
        q, q_start, q_end = token_char_spans(tok, question)
        q, q_start, q_end = q[:max_question], q_start[:max_question], q_end[:max_question]
    else:
        q = tok.encode_ordinary(question)[:max_question]
    c_ids, c_start, c_end = token_char_spans(tok, context)
    room = max_len - len(q) - 3                                      # context tokens per window
    if doc_stride < 1 or doc_stride > room:
        raise ValueError(f"make_windows: doc_stride {doc_stride} must be in [1, {room}] (the context tokens "
                         f"a window holds after the question)")
    span = answer_token_span(c_start, c_end, *answer) if answer is not None else None
    c_feats = token_features(question, context, c_start, c_end) if features else None        # (N, 4)
    q_feats = question_token_features(question, context, q_start, q_end) if question_features else None
    firsts = list(range(0, max(1, len(c_ids) - room + doc_stride), doc_stride))
    out = []
    for a in firsts:
        b = min(a + room, len(c_ids))
        ids = [sep_id] + q + [sep_id] + c_ids[a:b] + [sep_id]
        off = len(q) + 2
        start = end = 0
        if span is not None and a <= span[0] and span[1] < b:
            start, end = span[0] - a + off, span[1] - a + off
        n = len(ids)
        T = min(max_len, -(-n // PAD_MULTIPLE) * PAD_MULTIPLE)
        w = {"ids": np.array(ids + [sep_id] * (T - n), dtype=np.int64), "n": n, "ctx_offset": off,
             "ctx_first": a, "starts": c_start[a:b], "ends": c_end[a:b], "start": start, "end": end}
        if features:
            w["feats"] = np.zeros((T, c_feats.shape[1] + bool(question_features)), dtype=np.int64)  # (T, 4|5)
            w["feats"][off:off + b - a, :c_feats.shape[1]] = c_feats[a:b]
            if question_features:
                w["feats"][1:1 + len(q), -1] = q_feats                                      # after [CLS]
        out.append(w)
    return out
