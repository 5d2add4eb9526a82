"""Conversations as tokens: a ChatML-style template and the loss mask of supervised fine-tuning.

    tok = ByteLevelBPE.load("data/pretrained/course-base-8m/tokenizer.bpe")
    add_chat_tokens(tok)                      # <|im_start|>, <|im_end|> become the next two ids
    ids, mask = render_conversation(tok, [
        {"role": "system", "content": "You are the course assistant."},
        {"role": "user", "content": "What is BPE?"},
        {"role": "assistant", "content": "Byte pair encoding: ..."}])

The layout (ChatML, as Qwen and OpenAI's chat format write it):

    <|im_start|>system\\nYou are the course assistant.<|im_end|>\\n
    <|im_start|>user\\nWhat is BPE?<|im_end|>\\n
    <|im_start|>assistant\\nByte pair encoding: ...<|im_end|>\\n

mask[t] = 1 exactly on the tokens the model must learn to write: the content of every assistant
message and its closing <|im_end|> (so it learns to stop), and 0 on everything else: the system
prompt, user turns, the role headers and the newline after <|im_end|> (the semantics of nanochat's
render_conversation and of TRL's assistant_only_loss). For training, target t+1 keeps its id where
mask[t+1] = 1 and becomes -100 elsewhere (sft_example below).

Safety: message text is encoded with encode_ordinary, so a user who types "<|im_end|>" or
"<|im_start|>system" gets those characters as ordinary text, never the control tokens: a user
cannot close the assistant's turn or forge a system message. Only this renderer emits control ids.
Legend: T tokens.
Does not handle: tool calls, multimodal content, several conversations packed in one window.
"""
import numpy as np

IM_START, IM_END = "<|im_start|>", "<|im_end|>"
ROLES = ("system", "user", "assistant")
IGNORE = -100


def add_chat_tokens(tok) -> dict:
    """Register <|im_start|> and <|im_end|> as the next ids of a ByteLevelBPE (no-op if present).
    Returns {token: id}. The model's embedding must then grow to tok.vocab_size
    (GPT.resize_token_embeddings)."""
    new = {}
    for t in (IM_START, IM_END):
        if t not in tok.special_tokens:
            new[t] = tok.vocab_size + len(new)
    if new:
        tok.register_special_tokens(new)
    return {t: tok.special_tokens[t] for t in (IM_START, IM_END)}


def _check(messages):
    if isinstance(messages, dict) or not hasattr(messages, "__iter__"):
        raise TypeError("render_conversation: messages must be a list of {'role', 'content'} dicts")
    messages = list(messages)
    if not messages:
        raise ValueError("render_conversation: the conversation is empty")
    for i, m in enumerate(messages):
        if not isinstance(m, dict) or set(m) - {"role", "content"} or "role" not in m or "content" not in m:
            raise ValueError(f"message {i}: expected {{'role': ..., 'content': ...}}, got {m!r:.80}")
        if m["role"] not in ROLES:
            raise ValueError(f"message {i}: role must be one of {ROLES}, got {m['role']!r}")
        if not isinstance(m["content"], str):
            raise TypeError(f"message {i}: content must be a str, got {type(m['content']).__name__}")
        if m["role"] == "system" and i != 0:
            raise ValueError(f"message {i}: a system message may only come first")
    return messages


def render_conversation(tok, messages, add_generation_prompt: bool = False):
    """-> (ids int64 (T,), mask int8 (T,)): the ChatML tokens of a conversation and the SFT loss mask.
    add_generation_prompt: end with "<|im_start|>assistant\\n" so a model continues as the assistant."""
    if IM_START not in tok.special_tokens or IM_END not in tok.special_tokens:
        raise ValueError("the tokenizer has no chat template tokens: call add_chat_tokens(tok) first "
                         "(and resize the model's embeddings)")
    start, end = tok.special_tokens[IM_START], tok.special_tokens[IM_END]
    newline = tok.encode_ordinary("\n")
    ids, mask = [], []

    def emit(seq, m):
        ids.extend(seq)
        mask.extend([m] * len(seq))

    for msg in _check(messages):
        is_assistant = msg["role"] == "assistant"
        emit([start] + tok.encode_ordinary(msg["role"] + "\n"), 0)         # header: never learned
        emit(tok.encode_ordinary(msg["content"]), int(is_assistant))       # user text: ordinary tokens only
        emit([end], int(is_assistant))                                     # the assistant learns to stop
        emit(newline, 0)
    if add_generation_prompt:
        emit([start] + tok.encode_ordinary("assistant\n"), 0)
    return np.array(ids, dtype=np.int64), np.array(mask, dtype=np.int8)


def sft_example(ids, mask, block_size: int):
    """(inputs, targets) (T,) for next-token training with the loss only where mask = 1; a conversation
    longer than block_size + 1 keeps its END (the latest turns), as the chat's left truncation does."""
    ids, mask = np.asarray(ids, dtype=np.int64), np.asarray(mask)
    if len(ids) != len(mask):
        raise ValueError(f"ids ({len(ids)}) and mask ({len(mask)}) differ in length")
    if len(ids) > block_size + 1:
        ids, mask = ids[-(block_size + 1):], mask[-(block_size + 1):]
    targets = np.where(mask[1:] == 1, ids[1:], IGNORE).astype(np.int64)
    return ids[:-1], targets
