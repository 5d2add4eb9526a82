"""Retrieved passages into the chat prompt (week 8): the system message of a grounded turn.

    grounded_system([("README.md", "Runtime dependencies: numpy, ..."), ...])
    # 'You are the course assistant of tinygrad_lm. Answer briefly and helpfully.\n\nSources:\n[README.md] Runtime ...'

The SAME string the SFT data is rendered with (tinygrad_lm/datasets/chat_sft.py imports it from here),
so the model is prompted at chat time exactly as it was trained. Passages are cut to MAX_PASSAGE_CHARS characters in all,
best first, whitespace collapsed: the course models read only 256 tokens, so in practice the best
passage and the start of the second.
Does not handle: token-exact budgets (characters are a proxy: ~3.7 characters per token here).
"""
SYSTEM = "You are the course assistant of tinygrad_lm. Answer briefly and helpfully."
MAX_PASSAGE_CHARS = 600


def grounded_system(passages, system: str = SYSTEM, max_chars: int = MAX_PASSAGE_CHARS) -> str:
    """system + "\\n\\nSources:\\n[path] text ..." for passages = [(source_path, text), ...], best first."""
    if isinstance(passages, tuple) and len(passages) == 2 and isinstance(passages[0], str):
        raise TypeError("grounded_system: passages is a list of (source, text) pairs, not one pair")
    parts, left = [], int(max_chars)
    for source, text in passages:
        if left <= 0:
            break
        text = " ".join(str(text).split())
        if len(text) > left:
            text = text[:left].rsplit(" ", 1)[0] + " ..."
        parts.append(f"[{source}] {text}")
        left -= len(text)
    return system + ("\n\nSources:\n" + "\n".join(parts) if parts else "")


def prompt_passages(system_message: str) -> list:
    """The passage texts inside a grounded_system string, as the prompt shows them (whitespace collapsed,
    cut passages without their " ..."): the inverse of grounded_system's format; [] without sources."""
    if "\n\nSources:\n" not in system_message:
        return []
    out = []
    for line in system_message.split("\n\nSources:\n", 1)[1].split("\n"):   # one line per passage: "[path] text"
        text = line.split("] ", 1)[1] if line.startswith("[") and "] " in line else line
        out.append(text[:-4] if text.endswith(" ...") else text)
    return out


def grounded_system_fit(passages, count_tokens, max_tokens: int, system: str = SYSTEM,
                        max_chars: int = MAX_PASSAGE_CHARS, step: int = 50) -> str:
    """grounded_system with the passages shortened (max_chars - step, - 2 step, ...) until the
    string is at most max_tokens tokens (count_tokens: str -> int, e.g. lambda s: len(tok.encode_ordinary(s))).
    Measured on the course-assistant set with course-base-8m's tokenizer: markdown passages run at
    ~2-3 characters per token, so 600 characters are often more than the whole 256-token context.
    Falls back to the bare system prompt if even one character of passage does not fit."""
    chars = int(max_chars)
    while chars > 0:
        s = grounded_system(passages, system, chars)
        if count_tokens(s) <= max_tokens:
            return s
        chars -= step
    if count_tokens(system) > max_tokens:
        raise ValueError(f"the system prompt alone is {count_tokens(system)} tokens, more than the {max_tokens} allowed")
    return system
