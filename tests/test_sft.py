"""Supervised fine-tuning pieces (week 8): fitting conversations into the context, packing with the loss mask,
the assistant-token NLL, LoRA's new-token rows, the chat-data formats. Tiny models and synthetic data: seconds."""
import numpy as np
import pytest

from tinygrad_lm.datasets.chat_sft import SYSTEM, dialogue_messages, grounded_system, instruction_prompt
from tinygrad_lm.models.config import GPTConfig
from tinygrad_lm.models.gpt import GPT
from tinygrad_lm.tokenizers import ByteLevelBPE
from tinygrad_lm.tokenizers.chat import IGNORE, add_chat_tokens, render_conversation
from tinygrad_lm.training.sft import fit_conversation, masked_nll, pack, pad, train_new_rows_only
from tinygrad_lm import nn


@pytest.fixture(scope="module")
def tok():
    t = ByteLevelBPE.train("hello there, how are you? I am fine. " * 20, vocab_size=300)
    add_chat_tokens(t)
    return t


def conv(*turns, system="be kind"):
    return [{"role": "system", "content": system}] + [
        {"role": "user" if i % 2 == 0 else "assistant", "content": t} for i, t in enumerate(turns)]


def test_short_conversation_is_one_piece(tok):
    c = conv("hi", "hello")
    (ids, mask), = fit_conversation(tok, c, 256)
    ref_ids, ref_mask = render_conversation(tok, c)
    assert np.array_equal(ids, ref_ids) and np.array_equal(mask, ref_mask)


def test_long_dialogue_splits_between_turns_and_keeps_the_system_prompt(tok):
    c = conv(*["how are you? " * 3, "I am fine. " * 3] * 6)
    pieces = fit_conversation(tok, c, 64)
    sys_ids = render_conversation(tok, c[:1])[0]
    assert len(pieces) > 1
    for ids, mask in pieces:
        assert len(ids) <= 65 and len(ids) == len(mask)
        assert np.array_equal(ids[:len(sys_ids)], sys_ids), "every piece starts with the system message"
        assert mask[-2] == 1 and mask[-1] == 0, "a piece ends after an assistant <|im_end|> + newline"
    total = sum(int(m.sum()) for _, m in pieces)
    assert total == int(render_conversation(tok, c)[1].sum()), "no assistant token lost or duplicated"


def test_one_long_turn_keeps_its_head(tok):
    c = conv("hi", "I am fine. " * 40)
    (ids, mask), = fit_conversation(tok, c, 64)
    full = render_conversation(tok, c)[0]
    assert np.array_equal(ids, full[:65]) and mask[-1] == 1


def test_pack_targets_only_on_assistant_tokens(tok):
    exs = [render_conversation(tok, conv("hi", "hello " * k)) for k in (1, 3, 5, 2, 8)]
    X, Y = pack(exs, 128, pad_id=0)
    assert X.shape[1] == 128 and X.shape == Y.shape
    assert len(X) < len(exs), "short conversations share rows"
    expected = sum(int(m[1:].sum()) for _, m in exs)
    assert int((Y != IGNORE).sum()) == expected
    Xp, Yp = pad(exs, 128, pad_id=0)
    assert len(Xp) == len(exs) and int((Yp != IGNORE).sum()) == expected
    # every target is the next input token
    r, t = np.nonzero(Y[:, :-1] != IGNORE)
    assert np.array_equal(Y[r, t], X[r, t + 1])
    with pytest.raises(ValueError, match="fit_conversation"):
        pack([render_conversation(tok, conv("hi", "hello " * 80))], 16, pad_id=0)


def tiny_model(V):
    np.random.seed(0)
    return GPT(GPTConfig(vocab_size=V, block_size=64, n_layer=1, n_head=2, n_embd=16))


def test_masked_nll_is_the_mean_over_assistant_tokens(tok):
    model = tiny_model(tok.vocab_size)
    exs = [render_conversation(tok, conv("hi", "hello " * k)) for k in (1, 4)]
    total, n = masked_nll(model, exs)
    want, count = 0.0, 0
    for ids, mask in exs:
        logits, _ = model(ids[None, :-1])
        z = logits.data[0].astype(np.float64)
        logp = z - z.max(1, keepdims=True) - np.log(np.exp(z - z.max(1, keepdims=True)).sum(1, keepdims=True))
        for t in np.nonzero(mask[1:])[0]:
            want -= logp[t, ids[t + 1]]
            count += 1
    assert n == count and abs(total - want) < 1e-3 * count


def test_lora_trains_only_the_new_embedding_rows(tok):
    model = tiny_model(tok.vocab_size - 2)
    model.resize_token_embeddings(tok.vocab_size)
    first_new = tok.vocab_size - 2
    nn.apply_lora(model, patterns=("attn.c_attn",), r=2, alpha=4)
    opt = train_new_rows_only(model, nn.trainable_parameters(model), first_new, lr=1e-2)
    before = model.transformer.wte.weight.data.copy()
    X, Y = pack([render_conversation(tok, conv("hi", "hello"))], 64, pad_id=0)
    for _ in range(2):
        _, loss = model(X, Y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    after = model.transformer.wte.weight.data
    assert np.array_equal(after[:first_new], before[:first_new]), "old embedding rows must stay frozen"
    assert not np.allclose(after[first_new:], before[first_new:]), "the chat-token rows must learn"


def test_chat_data_formats():
    g = grounded_system([("docs/a.md", "word " * 500), ("docs/b.md", "other")])
    assert g.startswith(SYSTEM + "\n\nSources:\n[docs/a.md] ") and len(g) < len(SYSTEM) + 700
    assert grounded_system([]) == SYSTEM
    with pytest.raises(TypeError):
        grounded_system(("docs/a.md", "text"))
    rec = {"turns": [{"text": "Hi , how are you ?"}, {"text": "I ' m fine ."}, {"text": "Good ."}]}
    msgs = dialogue_messages(rec)
    assert [m["role"] for m in msgs] == ["system", "user", "assistant"]
    assert msgs[1]["content"] == "Hi, how are you?" and msgs[2]["content"] == "I'm fine."
    assert instruction_prompt({"instruction": "Sum", "input": "1 2"}) == "Sum\n\n1 2"
    assert instruction_prompt({"instruction": "Sum", "input": ""}) == "Sum"


def test_shipped_course_assistant_has_the_chat_template():
    import json
    import os
    from tinygrad_lm.models.pretrained import load
    from tinygrad_lm.tokenizers.chat import IM_END, IM_START
    model, tok, info = load("course-assistant-8m")
    cfg = json.load(open(os.path.join(info["directory"], "config.json")))["tglm"]
    assert cfg["chat_template"] == "chatml"
    assert tok.special_tokens[IM_START] == cfg["im_start_id"] == 8192
    assert tok.special_tokens[IM_END] == cfg["im_end_id"] == cfg["eos_token_id"] == 8193
    assert model.config.vocab_size == tok.vocab_size == 8194
    ids, mask = render_conversation(tok, [{"role": "user", "content": "Hi!"}], add_generation_prompt=True)
    logits, _ = model(ids[None])
    assert np.isfinite(logits.data).all()
