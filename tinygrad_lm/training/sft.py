"""Supervised fine-tuning of a chat model: conversations -> masked windows -> the shared loop (week 8).

    model, tok = chat_model("course-base-8m")               # + <|im_start|>, <|im_end|> (mean-initialised rows)
    examples = [fit_conversation(tok, conv, 256) ...]       # (ids, mask) pieces that fit the context
    X, Y = pack(examples, block_size=256, pad_id=eot)       # rows of whole conversations, targets -100 off-mask
    nll, n = masked_nll(model, examples)                    # assistant-token NLL sum and count (no packing)

The loss of SFT is the next-token cross-entropy on the ASSISTANT tokens only (chat.render_conversation's mask:
assistant content + its <|im_end|>); the system prompt, user turns and role headers are context, target -100.
Assistant-token perplexity = exp(sum of NLL over masked targets / their number).

Fitting the 256-token context: a conversation that does not fit is split between user/assistant turn pairs
into consecutive segments, each starting with the system message again (so no segment loses its system prompt,
unlike keeping only the end); a single turn pair longer than the context keeps its HEAD (the prompt and the start
of the answer; its <|im_end|> is cut, so the model does not learn to stop there).
Packing (`pack`): first-fit decreasing of whole segments into rows of block_size + 1 tokens, the rest padded with
pad_id and target -100; conversations in one row can attend to earlier ones (as GPT pretraining across
<|endoftext|>; no block-diagonal attention mask here), which is what "packing" costs. `pad` is the one-per-row
alternative (no cross-conversation attention, more padding).

LoRA with new tokens: the chat tokens' embedding rows must learn (they start at the mean embedding), so
`train_new_rows_only` lets the embedding train ONLY its rows >= first_new (the gradient of the older rows is
zeroed before the optimizer step; the rows are excluded from weight decay), like PEFT's trainable_token_indices.
Legend: B rows, T = block_size, V vocabulary.
Does not handle: multi-GPU, gradient accumulation, block-diagonal attention for packed rows, DPO/RLHF.
"""
import numpy as np

from ..models.pretrained import load
from ..optim import AdamW
from ..tensor import no_grad
from ..tokenizers.chat import IGNORE, add_chat_tokens, render_conversation


def chat_model(name_or_path: str):
    """-> (model, tok, info): a pretrained model whose tokenizer and embedding have the chat tokens."""
    model, tok, info = load(name_or_path)
    add_chat_tokens(tok)
    if tok.vocab_size > model.config.vocab_size:
        model.resize_token_embeddings(tok.vocab_size)
    return model, tok, info


def _turn_groups(conv):
    """[system], [[user, assistant], ...] of a conversation that starts with a system message."""
    system = [conv[0]] if conv and conv[0]["role"] == "system" else []
    rest = conv[len(system):]
    groups, cur = [], []
    for m in rest:
        cur.append(m)
        if m["role"] == "assistant":
            groups.append(cur)
            cur = []
    if cur:
        groups.append(cur)
    return system, groups


def fit_conversation(tok, conv, block_size: int) -> list:
    """[(ids, mask), ...]: the conversation as pieces of at most block_size + 1 tokens (see the docstring)."""
    limit = int(block_size) + 1
    ids, mask = render_conversation(tok, conv)
    if len(ids) <= limit:
        return [(ids, mask)]
    system, groups = _turn_groups(conv)
    out, cur = [], []
    for g in groups:
        trial = render_conversation(tok, system + cur + g)[0]
        if cur and len(trial) > limit:
            out.append(render_conversation(tok, system + cur))
            cur = []
        cur = cur + g
    if cur:
        out.append(render_conversation(tok, system + cur))
    return [(i[:limit], m[:limit]) for i, m in out if m[1:limit].any()]


def example_targets(ids, mask):
    """(inputs, targets) (T,): targets = next id where the next token is an assistant token, else -100."""
    ids, mask = np.asarray(ids, dtype=np.int64), np.asarray(mask)
    return ids[:-1], np.where(mask[1:] == 1, ids[1:], IGNORE).astype(np.int64)


def pack(examples, block_size: int, pad_id: int):
    """First-fit decreasing packing of (ids, mask) examples -> X, Y (B, block_size) int64; pads are -100."""
    limit = int(block_size) + 1
    order = sorted(range(len(examples)), key=lambda i: -len(examples[i][0]))
    rows, room = [], []
    for i in order:
        n = len(examples[i][0])
        if n > limit:
            raise ValueError(f"example {i} has {n} tokens > block_size + 1 = {limit}: fit_conversation first")
        for r in range(len(rows)):
            if room[r] >= n:
                rows[r].append(i)
                room[r] -= n
                break
        else:
            rows.append([i])
            room.append(limit - n)
    X = np.full((len(rows), limit - 1), pad_id, dtype=np.int64)
    Y = np.full((len(rows), limit - 1), IGNORE, dtype=np.int64)
    for r, members in enumerate(rows):
        ids = np.concatenate([examples[i][0] for i in members])
        mask = np.concatenate([examples[i][1] for i in members])
        x, y = example_targets(ids, mask)
        X[r, :len(x)], Y[r, :len(y)] = x, y
    return X, Y


def pad(examples, block_size: int, pad_id: int):
    """One example per row, padded -> X, Y (B, block_size)."""
    X = np.full((len(examples), block_size), pad_id, dtype=np.int64)
    Y = np.full((len(examples), block_size), IGNORE, dtype=np.int64)
    for r, (ids, mask) in enumerate(examples):
        x, y = example_targets(ids, mask)
        X[r, :len(x)], Y[r, :len(y)] = x, y
    return X, Y


def masked_nll(model, examples, batch_size: int = 16, pad_id: int = 0) -> tuple:
    """(sum of NLL over the assistant targets, their number) of (ids, mask) examples, one per row (no packing:
    each conversation sees only itself). Rows are sorted by length and padded per batch."""
    order = sorted(range(len(examples)), key=lambda i: len(examples[i][0]))
    total, count = 0.0, 0
    was_training = model.training
    model.eval()
    with no_grad():
        for s in range(0, len(order), batch_size):
            batch = [examples[i] for i in order[s:s + batch_size]]
            T = max(len(e[0]) for e in batch) - 1
            X, Y = pad(batch, T, pad_id)                                     # (B, T)
            n = int((Y != IGNORE).sum())
            if n == 0:
                continue
            _, loss = model(X, Y)
            total += float(loss.item()) * n
            count += n
    model.train(was_training)
    return total, count


class NewRowsOnlyAdamW(AdamW):
    """AdamW whose embedding `weight` trains only rows >= first_new (the rest get a zero gradient)."""

    def __init__(self, params, embedding, first_new: int, **kw):
        super().__init__(params, **kw)
        self.embedding, self.first_new = embedding, int(first_new)

    def step(self):
        g = self.embedding.grad
        if g is not None:
            g[:self.first_new] = 0.0
        super().step()


def train_new_rows_only(model, params, first_new: int, lr: float, weight_decay: float = 0.0,
                        betas=(0.9, 0.95)):
    """An optimizer for LoRA fine-tuning that also trains the new token rows of the (tied) embedding.
    params: the LoRA parameters (nn.trainable_parameters after apply_lora); the embedding is added here
    with weight decay 0 (decoupled decay would shrink the frozen rows)."""
    wte = model.transformer.wte.weight
    wte.requires_grad = True
    params = [p for p in params if p is not wte]
    groups = [{"params": params, "weight_decay": float(weight_decay)}, {"params": [wte], "weight_decay": 0.0}]
    return NewRowsOnlyAdamW(groups, wte, first_new, lr=lr, betas=betas)
