"""A chat session: ChatML turns, streaming replies, a KV cache kept across turns, left-truncated history.

    model, tok, info = load_chat_model("course-assistant-8m")
    chat = ChatSession(model, tok, retriever=CourseBM25())
    for piece in chat.send("How do I resume training?"):
        print(piece, end="", flush=True)
    chat.last.sources        # the course files whose passages were in the prompt (cite them)
    chat.last.fed, chat.last.reused, chat.last.seconds       # what this turn cost

The conversation is kept as TOKEN segments, one per message, exactly as the model saw them: a user
message is rendered by tokenizers/chat.py (render_conversation: its text is ordinary text, never
control tokens), an assistant message is the ids the model sampled (re-encoding the decoded text can
give other ids, which would invalidate the cache), closed by <|im_end|> "\\n". The prompt of a turn:

    [system] [user 1][assistant 1] ... [user n] <|im_start|>assistant\\n     -> sample until <|im_end|>

KV cache across turns: the Decoder (generation/decoder.py) holds the keys/values of `self._cached`.
If the new prompt starts with those ids, only the rest is fed (a turn costs its new tokens: the
user message, the headers and the reply); otherwise (the system prompt changed: /system, retrieval
passages, or old turns were dropped) the cache is refilled from the whole prompt. `last.reused`
says which happened.

Left truncation: the context holds block_size tokens. Before each turn the oldest user/assistant
pairs are dropped until prompt + reply_reserve tokens fit; the system prompt always stays. If the
system prompt and the new message alone leave less than reply_reserve tokens, send() raises
ValueError (the message is longer than the context allows). A reply stops at <|im_end|>, at the
model's <|endoftext|> or <|im_start|>, after max_new_tokens, or when the context is full.

Retrieval: with a retriever (retrieval/course.py: search(text, k) -> [(chunk, score)]) and
retrieval on, the top-k passages of the user's message go into the system prompt with
retrieval/grounding.py's grounded_system (the format the SFT data uses; passages cut to 600
characters in all, fewer when that would not leave reply_reserve tokens: grounded_system_fit), and
last.sources lists the files of the passages that made it into the prompt. min_score: passages scoring
below it are left out, so small talk gets no passage (tglm chat uses retrieval/course.py's CHAT_MIN_SCORE).
Grounded decoding (grounded="copy" or "select", retrieval on): "copy" masks the logits so the reply is
made of spans copied from the passages in the prompt (copy_constrained.py; the repetition penalty then
looks at the reply only, since every allowed token is in the prompt); "select" answers with the
passage sentence the model scores highest as its reply (span_select.py). With no passage in the
prompt both fall back to ordinary decoding. Settings: copy_options (CopyConstraint's starts,
max_spans, stop), select_best (sentences in the reply), select_pmi (score minus the score after the
same passages and the neutral message "Hello.": what the QUESTION adds), select_from (0: the sentences of
the passages in the prompt; k: of the top-k retrieved passages, whole, even those the context had no room
for; the prompt scoring them stays the same, and the reply's passages are added to last.sources).
Legend: T tokens, V vocabulary.
Does not handle: batching several sessions in one forward pass, tool calls, beam search.
"""
import json
import os
import time
from dataclasses import dataclass, field

import numpy as np

from ..retrieval.grounding import SYSTEM, grounded_system_fit, prompt_passages
from ..tokenizers.chat import IM_END, IM_START, add_chat_tokens, render_conversation
from .decoder import Decoder
from .copy_constrained import CopyConstraint
from .decoding import apply_repetition_penalty
from .sampling import sample
from .span_select import select_reply, sentence_candidates

GROUNDED_MODES = ("off", "copy", "select")


class ChatTemplateError(ValueError):
    """A model that cannot chat: no ChatML tokens in its tokenizer or embeddings."""


def load_chat_model(name_or_path: str, untuned_ok: bool = False):
    """-> (model, tok, info) for a model with a ChatML template. info["untuned"] is True when the chat
    tokens were just added here (untuned_ok=True: their embeddings are the mean row, never trained).

    Raises FileNotFoundError for an unknown model, ChatTemplateError for a checkpoint without a chat
    template (unless untuned_ok)."""
    from ..models.pretrained import load, resolve
    directory = resolve(name_or_path)                     # FileNotFoundError naming where it looked
    model, tok, info = load(directory)
    with open(os.path.join(directory, "config.json"), encoding="utf-8") as f:
        extra = json.load(f).get("tglm", {})
    has_tokens = IM_START in getattr(tok, "special_tokens", {}) and IM_END in tok.special_tokens
    declared = extra.get("chat_template")
    if declared not in (None, "chatml"):
        raise ChatTemplateError(f"{name_or_path}: chat_template {declared!r} in config.json; only 'chatml' is known")
    info = dict(info, name=str(name_or_path), untuned=False)
    if has_tokens:
        if max(tok.special_tokens[IM_START], tok.special_tokens[IM_END]) >= model.config.vocab_size:
            raise ChatTemplateError(f"{name_or_path}: the tokenizer has chat tokens the model has no embeddings for")
    elif declared == "chatml":
        raise ChatTemplateError(f"{name_or_path}: config.json says chat_template 'chatml' but its tokenizer has no "
                                f"{IM_START} / {IM_END} tokens")
    elif not untuned_ok:
        raise ChatTemplateError(
            f"{name_or_path} has no chat template (no {IM_START} / {IM_END} tokens): it was never fine-tuned to "
            f"chat. Use a chat model (e.g. course-assistant-8m), or pass --untuned to add the tokens to this "
            f"base model and talk to it untrained")
    else:
        add_chat_tokens(tok)
        model.resize_token_embeddings(tok.vocab_size)     # new rows = the mean embedding
        info["untuned"] = True
    if not hasattr(tok, "encode_ordinary"):
        raise ChatTemplateError(f"{name_or_path}: its tokenizer cannot encode ordinary text safely")
    return model, tok, info


@dataclass
class TurnStats:
    prompt_tokens: int = 0            # tokens of the whole prompt of this turn
    fed: int = 0                      # tokens actually run through the model before sampling
    reused: bool = False              # True when the cache of the previous turns was kept
    dropped_turns: int = 0            # user/assistant pairs dropped by left truncation
    new_tokens: int = 0               # sampled tokens (the <|im_end|> included)
    stopped: str = ""                 # "im_end", "eos", "im_start", "max_new_tokens", "context"
    seconds: float = 0.0              # wall time of send(), first fed token to the last sampled one
    first_token_seconds: float = 0.0
    sources: list = field(default_factory=list)    # [{"path", "id", "score"}] of passages in the prompt
    reply: str = ""


class ChatSession:
    def __init__(self, model, tok, system: str = SYSTEM, retriever=None, k: int = 3, retrieval: bool = True,
                 temperature: float = 0.7, top_k=40, top_p=None, repetition_penalty: float = 1.0,
                 max_new_tokens: int = 96, reply_reserve=None, use_cache: bool = True, weights: str = "float32",
                 max_message_chars: int = 4000, seed=None, grounded: str = "off", copy_options=None,
                 select_best: int = 1, select_pmi: bool = False, select_from: int = 0, min_score: float = 0.0):
        if IM_START not in tok.special_tokens or IM_END not in tok.special_tokens:
            raise ChatTemplateError("ChatSession: the tokenizer has no chat tokens (load_chat_model adds or checks them)")
        self.model, self.tok = model, tok
        self.dec = Decoder(model, weights)
        self.block = model.config.block_size
        self.im_end = tok.special_tokens[IM_END]
        self._gen = [tok.special_tokens[IM_START]] + tok.encode_ordinary("assistant\n")   # as render_conversation
        self._newline = tok.encode_ordinary("\n")
        # <|im_end|> ends the reply; <|endoftext|> or a new <|im_start|> (the model starting another turn) too
        self.stop_ids = {self.im_end} | {tok.special_tokens[s] for s in ("<|endoftext|>", IM_START)
                                         if s in tok.special_tokens}
        self.retriever, self.k, self.retrieval = retriever, int(k), bool(retrieval and retriever is not None)
        self.min_score = float(min_score)
        self.top_k, self.top_p, self.repetition_penalty = top_k, top_p, float(repetition_penalty)
        self.max_new_tokens = int(max_new_tokens)
        self.reply_reserve = int(reply_reserve if reply_reserve is not None else min(self.max_new_tokens, self.block // 4))
        if not 1 <= self.reply_reserve < self.block:
            raise ValueError(f"reply_reserve must be in [1, {self.block}), got {self.reply_reserve}")
        self.use_cache, self.max_message_chars = bool(use_cache), int(max_message_chars)
        self.rng = np.random.default_rng(seed)
        self.set_grounded(grounded)
        self.copy_options = dict(copy_options or {})
        self.select_best, self.select_pmi = int(select_best), bool(select_pmi)
        self.select_from = int(select_from)
        self._token_text = None
        self.set_temperature(temperature)
        self.set_system(system)
        self.reset()

    # ---- commands ----------------------------------------------------------------------------------
    def reset(self) -> None:
        """Forget the conversation (the system prompt and settings stay)."""
        self.turns = []                     # [(user ids, assistant ids)] token segments, oldest first
        self._cached = []                   # the ids the Decoder's cache holds
        self.passages = []                  # texts of the passages in the last prompt
        self.dec.reset()
        self.last = TurnStats()

    def set_system(self, text: str) -> None:
        if not isinstance(text, str) or not text.strip():
            raise ValueError("the system prompt is empty: give some text, e.g. /system You are a helpful assistant.")
        self.system = text.strip()

    def set_temperature(self, t) -> None:
        try:
            t = float(t)
        except (TypeError, ValueError):
            raise ValueError(f"temperature must be a number in [0, 5] (0 = greedy), got {t!r}") from None
        if not 0 <= t <= 5 or t != t:
            raise ValueError(f"temperature must be in [0, 5] (0 = greedy), got {t}")
        self.temperature = t

    def set_grounded(self, mode: str) -> None:
        if mode not in GROUNDED_MODES:
            raise ValueError(f"grounded decoding must be one of {', '.join(GROUNDED_MODES)}, got {mode!r}")
        self.grounded = mode

    def set_retrieval(self, on: bool) -> None:
        if on and self.retriever is None:
            raise ValueError("no retriever was given to this session: retrieval cannot be switched on")
        self.retrieval = bool(on)

    # ---- the prompt --------------------------------------------------------------------------------
    def _segment(self, role: str, content: str) -> list:
        return render_conversation(self.tok, [{"role": role, "content": content}])[0].tolist()

    def build_prompt(self, message: str):
        """-> (prompt ids, sources, dropped pairs, the user segment, pairs kept) for the next turn;
        ValueError for an empty message, one over max_message_chars, or one that cannot fit the context."""
        if not isinstance(message, str):
            raise TypeError(f"the message must be a str, got {type(message).__name__}")
        if not message.strip():
            raise ValueError("empty message: type something (or /help for the commands)")
        if len(message) > self.max_message_chars:
            raise ValueError(f"the message has {len(message)} characters; the limit is {self.max_message_chars}")
        user = self._segment("user", message.strip())
        gen = self._gen                                               # <|im_start|>assistant\n
        sources, system = [], self.system
        self.passages = []                                            # passage texts as in the prompt
        self._hits = []
        if self.retrieval:
            hits = [(c, sc) for c, sc in self.retriever.search(message, max(self.k, self.select_from))
                    if sc >= self.min_score]                        # below min_score: no passage (small talk)
            self._hits = [(c, float(sc)) for c, sc in hits]             # all retrieved, for select_from
            hits = hits[:self.k]
            frame = len(self._segment("system", "")) - len(self.tok.encode_ordinary(""))   # header + <|im_end|>\n
            budget = self.block - self.reply_reserve - len(user) - len(gen) - frame
            if budget > 0:
                system = grounded_system_fit([(c.path, c.text) for c, _ in hits],
                                             lambda t: len(self.tok.encode_ordinary(t)), budget, system=self.system)
            sources = [{"path": c.path, "id": c.id, "score": round(float(s), 3)}
                       for c, s in hits if f"[{c.path}] " in system]
            self.passages = prompt_passages(system)
        head = self._segment("system", system)
        self._head = head
        fixed = len(head) + len(user) + len(gen)
        if fixed + self.reply_reserve > self.block:
            raise ValueError(f"the message is too long for the context: system prompt {len(head)} + message "
                             f"{len(user)} tokens leave {self.block - fixed} of the model's {self.block} tokens "
                             f"for the reply (need {self.reply_reserve}); shorten it"
                             + (" or turn retrieval off (/retrieval off)" if self.retrieval else ""))
        turns, dropped = list(self.turns), 0
        while turns and fixed + sum(len(u) + len(a) for u, a in turns) + self.reply_reserve > self.block:
            turns.pop(0)                                              # the oldest pair goes first
            dropped += 1
        ids = head + [t for u, a in turns for t in u + a] + user + gen
        return ids, sources, dropped, user, len(turns)

    # ---- a turn ------------------------------------------------------------------------------------
    def send(self, message: str):
        """Yield the reply as text pieces while it is sampled; afterwards self.last holds the turn's stats."""
        ids, sources, dropped, user, kept = self.build_prompt(message)
        st = TurnStats(prompt_tokens=len(ids), dropped_turns=dropped, sources=sources)
        self.turns = self.turns[len(self.turns) - kept:] if kept else []
        t0 = time.perf_counter()
        n = len(self._cached)
        if self.use_cache and n and n < len(ids) and ids[:n] == self._cached and self.dec.length == n:
            new, st.reused = ids[n:], True
        else:
            self.dec.reset()
            new = ids
        st.fed = len(new)
        if self.grounded == "select" and self.passages:
            yield from self._select_turn(ids, user, st, t0)
            return
        cons = None
        if self.grounded == "copy" and self.passages:
            if self._token_text is None:
                self._token_text = [self.tok.decode([i]) for i in range(self.model.config.vocab_size)]
            cons = CopyConstraint(self.passages, self.tok.encode_ordinary, self.stop_ids,
                                  token_text=self._token_text, **self.copy_options)
        logits = self.dec.forward(new)                                # (V,)
        context = list(ids) if cons is None else []                  # copying: penalise repeats of the reply only
        budget = min(self.max_new_tokens, self.block - len(ids))
        out, shown, text = [], "", ""
        while True:
            logits = apply_repetition_penalty(logits, context, self.repetition_penalty)
            if cons is not None:
                logits = cons.mask(logits)                           # (V,) -inf outside the passages' spans
            nxt = int(sample(logits, self.temperature, self.top_k, self.top_p, self.rng))
            if cons is not None:
                cons.advance(nxt)
            if not out:
                st.first_token_seconds = time.perf_counter() - t0
            out.append(nxt)
            if nxt in self.stop_ids:
                st.stopped = "im_end" if nxt == self.im_end else "im_start" if nxt == self._gen[0] else "eos"
                break
            text = self.tok.decode(out)
            if not text.endswith("\ufffd"):                           # whole characters only
                yield text[len(shown):]
                shown = text
            if len(out) >= budget:
                st.stopped = "max_new_tokens" if budget == self.max_new_tokens else "context"
                break
            context.append(nxt)
            logits = self.dec.forward([nxt])                          # one token: O(T) with the cache
        content = [t for t in out if t not in self.stop_ids]
        final = self.tok.decode(content)
        if len(final) > len(shown):
            yield final[len(shown):]
        st.new_tokens, st.reply, st.seconds = len(out), final, time.perf_counter() - t0
        # The cache holds ids + out[:-1] (the last sampled token was never fed): a prefix of the next
        # prompt, whose assistant segment is <|im_start|>assistant\n + content + <|im_end|>\n.
        self._cached = ids + out[:-1]
        self.turns.append((user, self._gen + content + [self.im_end] + self._newline))
        self.last = st

    def _select_turn(self, ids, user, st, t0):
        """grounded="select": the best passage sentence(s) as the reply (span_select.py)."""
        pool = self.passages
        if self.select_from and self._hits:                            # the top select_from passages, whole
            pool = [c.text for c, _ in self._hits[:self.select_from]]
        cands = sentence_candidates(pool)
        enc = self.tok.encode_ordinary
        base = self._head + self._segment("user", "Hello.") + self._gen if self.select_pmi else None
        reply, _ = select_reply(self.dec, ids, cands, enc, self.im_end, n_best=self.select_best, baseline_ids=base)
        self.dec.reset()                                              # the scoring used the cache
        content = enc(reply)
        if self.select_from:                                          # cite where the sentences came from
            have = {x["id"] for x in st.sources}
            st.sources = st.sources + [{"path": c.path, "id": c.id, "score": round(sc, 3)}
                                       for c, sc in self._hits[:self.select_from]
                                       if c.id not in have and any(p in " ".join(c.text.split())
                                                                   for p in sentence_candidates([reply]))]
        st.first_token_seconds = st.seconds = time.perf_counter() - t0
        st.new_tokens, st.reply, st.stopped = len(content) + 1, reply, "im_end"
        self._cached = []
        self.turns.append((user, self._gen + content + [self.im_end] + self._newline))
        self.last = st
        if reply:
            yield reply

    def reply(self, message: str) -> str:
        """The whole reply at once (send() without streaming)."""
        return "".join(self.send(message))
