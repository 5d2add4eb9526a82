"""generation/copy_constrained.py and span_select.py: a copy-constrained reply is always made of passage
spans (random logits, many seeds), it stops at <|im_end|>, it falls back to ordinary decoding without
passages; sentence selection scores = teacher-forced mean log-probability; ChatSession's grounded modes.
A tiny random GPT and a tiny BPE: seconds."""
import numpy as np
import pytest

import tinygrad_lm as tg
from tinygrad_lm.generation import Decoder
from tinygrad_lm.generation.chat import ChatSession
from tinygrad_lm.generation.copy_constrained import CopyConstraint, span_starts
from tinygrad_lm.generation.span_select import score_replies, sentence_candidates
from tinygrad_lm.models import GPT, GPTConfig
from tinygrad_lm.retrieval.chunker import Chunk
from tinygrad_lm.tokenizers import ByteLevelBPE
from tinygrad_lm.tokenizers.chat import IM_END, add_chat_tokens

PASSAGES = ["Resume a run with tglm train --resume runs/last. It reloads the optimizer state too! See docs/a.md.",
            "LoRA adds two small matrices. The base weights stay frozen | rank 16 | alpha 32"]
TEXT = " ".join(PASSAGES) * 20 + " hello there, the course assistant answers. what is it? " * 20


@pytest.fixture(scope="module")
def mt():
    tok = ByteLevelBPE.train(TEXT, 320, special_tokens=["<|endoftext|>"])
    add_chat_tokens(tok)
    tg.manual_seed(0)
    model = GPT(GPTConfig(vocab_size=tok.vocab_size, block_size=256, n_layer=2, n_head=2, n_embd=16)).eval()
    return model, tok


def constraint(tok, passages=PASSAGES, **kw):
    texts = [tok.decode([i]) for i in range(tok.vocab_size)]
    return CopyConstraint(passages, tok.encode_ordinary, {tok.special_tokens[IM_END]}, token_text=texts, **kw)


def run(cons, V, rng, stop_bias=0.0, steps=60):
    """Random-logit decoding under the constraint -> emitted ids (the stop id last if it stopped)."""
    for _ in range(steps):
        logits = rng.normal(size=V) * 3
        logits[sorted(cons.stop_ids)] += stop_bias
        nxt = int(np.argmax(cons.mask(logits)))
        cons.advance(nxt)
        if nxt in cons.stop_ids:
            break
    return cons.out


def test_span_starts_sentence_and_word():
    t = "One two. Three four! Five | six"
    assert span_starts(t) == [0, 9, 21, 28] and span_starts(t, "word") == [0, 4, 9, 15, 21, 26, 28]
    with pytest.raises(ValueError, match="sentence"):
        span_starts(t, "char")


@pytest.mark.parametrize("starts,max_spans,stop", [("sentence", 1, "sentence"), ("sentence", 2, "any"),
                                                     ("word", 3, "sentence")])
def test_reply_is_always_made_of_passage_spans(mt, starts, max_spans, stop):
    _, tok = mt
    for seed in range(15):
        cons = constraint(tok, starts=starts, max_spans=max_spans, stop=stop)
        out = run(cons, tok.vocab_size, np.random.default_rng(seed), stop_bias=seed % 3)
        spans = [ids for kind, ids in cons.pieces if kind == "span"]
        assert 1 <= len(spans) <= max_spans, f"{len(spans)} spans, the limit is {max_spans}"
        for ids in spans:
            piece = tok.decode(ids).strip()
            assert any(piece in p for p in PASSAGES), f"{piece!r} is not a span of a passage"
        assert [k for k, _ in cons.pieces if k not in ("span", "stop")] == [], "no free tokens were given"
        assert sum(len(ids) for _, ids in cons.pieces) == len(out)


def test_stop_only_at_a_sentence_end_and_then_done(mt):
    _, tok = mt
    im_end = tok.special_tokens[IM_END]
    cons = constraint(tok, max_spans=1)
    out = run(cons, tok.vocab_size, np.random.default_rng(0), stop_bias=100.0)   # stop whenever allowed
    assert out[-1] == im_end and cons.done
    text = tok.decode(out[:-1]).strip()
    assert text.endswith((".", "!", "?", "32")), f"stopped mid-sentence: {text!r}"
    assert not text.endswith("docs/a."), "'docs/a.md' is not a sentence end"
    with pytest.raises(ValueError, match="already stopped"):
        cons.allowed()
    with pytest.raises(ValueError, match="not allowed"):
        constraint(tok).advance(im_end)                   # an empty reply is not allowed


def test_no_passages_means_no_constraint(mt):
    _, tok = mt
    for passages in ([], ["", "   "]):
        cons = constraint(tok, passages=passages)
        logits = np.arange(tok.vocab_size, dtype=np.float64)
        assert cons.allowed() is None and cons.mask(logits) is logits
        cons.advance(5)                                   # anything goes
    with pytest.raises(TypeError, match="list of strings"):
        constraint(tok, passages="one string")
    with pytest.raises(ValueError, match="max_spans"):
        constraint(tok, max_spans=0)


def test_sentence_candidates_and_scores_equal_teacher_forcing(mt):
    model, tok = mt
    cands = sentence_candidates(PASSAGES)
    assert cands[:2] == ["Resume a run with tglm train --resume runs/last.", "It reloads the optimizer state too!"]
    assert "rank 16" not in cands, "pieces shorter than min_chars (12) are dropped"
    prompt = tok.encode_ordinary("what is it? ")
    end = tok.special_tokens[IM_END]
    ids = [tok.encode_ordinary(c) for c in cands[:3]]
    got = score_replies(Decoder(model), prompt, ids, end)
    for s, c in zip(got, ids):                            # the same with the full model, no cache tricks
        seq = np.array([prompt + c + [end]])
        logits, _ = model(seq)
        lp = logits.data[0] - logits.data[0].max(-1, keepdims=True)
        lp = lp - np.log(np.exp(lp).sum(-1, keepdims=True))
        want = np.mean([lp[len(prompt) - 1 + j, t] for j, t in enumerate(c + [end])])
        assert abs(s - want) < 1e-4, "score = mean log p of the candidate + <|im_end|> after the prompt"


class Retriever:
    def __init__(self, texts):
        self.chunks = [Chunk(f"docs/{i}.md#x-1", f"docs/{i}.md", "x", t) for i, t in enumerate(texts)]

    def search(self, text, k):
        return [(c, 2.0 - i) for i, c in enumerate(self.chunks[:k])]


def test_chat_session_grounded_modes(mt):
    model, tok = mt
    kw = dict(k=2, temperature=0, max_new_tokens=24, reply_reserve=24)
    for seed in range(3):
        chat = ChatSession(model, tok, retriever=Retriever(PASSAGES), grounded="copy", seed=seed,
                           copy_options={"max_spans": 2}, **dict(kw, temperature=1.0))
        reply = chat.reply("how do I resume?")
        assert chat.passages and reply.strip(), "the passages in the prompt are the copy sources"
        assert chat.last.stopped in ("im_end", "max_new_tokens")
    sel = ChatSession(model, tok, retriever=Retriever(PASSAGES), grounded="select", **kw)
    assert sel.reply("how do I resume?") in sentence_candidates(sel.passages)
    sel.reply("and then?")                                # a second turn after the cache was used for scoring
    # no passages (retrieval off): copy decoding is the ordinary decoding
    plain = ChatSession(model, tok, **kw).reply("hello")
    off = ChatSession(model, tok, retriever=Retriever(PASSAGES), retrieval=False, grounded="copy", **kw)
    assert off.reply("hello") == plain
    with pytest.raises(ValueError, match="grounded decoding must be one of"):
        ChatSession(model, tok, grounded="yes")


def test_min_tokens_delays_the_stop(mt):
    _, tok = mt
    for seed in range(5):
        cons = constraint(tok, max_spans=2, stop="any", min_tokens=6)
        out = run(cons, tok.vocab_size, np.random.default_rng(seed), stop_bias=100.0)
        assert cons.done and len(out) == 7, f"stop='any' with a huge stop logit must stop right after min_tokens, got {len(out) - 1}"


def test_select_from_the_top_k_retrieved_passages_cites_them(mt):
    model, tok = mt
    long = ["Alpha beta gamma delta. " * 40, "Resume with tglm train --resume. It reloads everything."]
    chat = ChatSession(model, tok, retriever=Retriever(long), k=2, temperature=0, max_new_tokens=24,
                       reply_reserve=24, grounded="select", select_from=2)
    reply = chat.reply("how do I resume?")
    assert reply in sentence_candidates(long), "a sentence of one of the top-2 passages"
    src = [s["path"] for s in chat.last.sources]
    assert any(reply in " ".join(t.split()) and f"docs/{i}.md" in src for i, t in enumerate(long)), \
        "the passage the reply came from is cited even if the prompt had no room for it"
