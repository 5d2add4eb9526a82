"""Decoding options of the week 5 summarizer (solutions/week5/summarization.py): the setting strings of
`tune` and summarize_one's no-repeat n-gram / min-new-tokens paths, on a tiny random GPT-2 of
tests/fixtures/beam/ with a character tokenizer stand-in."""
import os

import pytest

from solutions.week5.summarization import parse_setting, prompt_ids, prompt_text, set_dropout, summarize_one
from tinygrad_lm.generation import beam_search
from tinygrad_lm.models.gpt import GPT

FIX = os.path.join(os.path.dirname(__file__), "fixtures", "beam", "model_a")      # vocab 64, block 64


class CharTok:
    """ids = ord(c) % 60; decode maps ids back to letters (enough to count tokens)."""
    def encode(self, text):
        return [ord(c) % 60 for c in text]

    def decode(self, ids):
        return "".join(chr(65 + i % 26) + " " for i in ids)


@pytest.fixture(scope="module")
def model():
    return GPT.from_pretrained(FIX)


def test_parse_setting():
    rest = dict(mbr=0, mbr_samples=0, temperature=1.0, top_p=None, keep="end")
    assert parse_setting("b1") == dict(beams=1, no_repeat_ngram_size=0, length_penalty=1.0, min_new_tokens=0,
                                       max_new_tokens=60, ngram_scope="all", **rest)
    assert parse_setting("b4,n3,lp0.5,min10,max40") == dict(beams=4, no_repeat_ngram_size=3, length_penalty=0.5,
                                                             min_new_tokens=10, max_new_tokens=40, ngram_scope="all",
                                                             **rest)
    assert parse_setting("b1,s6,max40,mbs16,t0.8,p0.9,head") == dict(
        parse_setting("b1,s6,max40"), mbr_samples=16, temperature=0.8, top_p=0.9, keep="start")
    assert parse_setting("mbr8")["mbr"] == 8
    assert parse_setting("b2,s6") == dict(parse_setting("b2"), no_repeat_ngram_size=6, ngram_scope="new")
    with pytest.raises(SystemExit, match="unknown part 'x3'"):
        parse_setting("b4,x3")


def test_no_repeat_ngram_and_min_new_tokens_reach_the_search(model):
    tok, dialogue = CharTok(), "hello there"
    prompt = tok.encode(dialogue + "\n\nSummary:")
    for kw in (dict(beams=1, no_repeat_ngram_size=2), dict(beams=3, no_repeat_ngram_size=2, min_new_tokens=5),
               dict(beams=1, min_new_tokens=4), dict(beams=2, no_repeat_ngram_size=2, ngram_scope="new")):
        got = summarize_one(model, tok, dialogue, 17, max_new_tokens=12, **kw)
        seqs, _ = beam_search(model, prompt, 12, num_beams=kw["beams"], eos_token_id=17, early_stopping=True,
                              no_repeat_ngram_size=kw.get("no_repeat_ngram_size", 0),
                              min_new_tokens=kw.get("min_new_tokens", 0),
                              no_repeat_ngram_scope=kw.get("ngram_scope", "all"))
        assert got == tok.decode([i for i in seqs[0] if i != 17]).strip(), kw
        assert len(got.split()) >= kw.get("min_new_tokens", 0)


def test_defaults_keep_the_first_measurements(model):
    """beams > 1 without an explicit n-gram size bans repeated 3-grams (as the 12-minute rows did)."""
    tok, dialogue = CharTok(), "a b a b a b"
    a = summarize_one(model, tok, dialogue, 17, beams=3, max_new_tokens=12)
    b = summarize_one(model, tok, dialogue, 17, beams=3, max_new_tokens=12, no_repeat_ngram_size=3)
    assert a == b


def test_prompt_ids_keep_the_end_or_the_opening():
    tok = CharTok()
    dialogue = "#Person1#: first line about the topic\n#Person2#: a long reply " + "blah " * 20
    full = tok.encode(prompt_text(dialogue))
    assert prompt_ids(tok, "short", 50) == tok.encode(prompt_text("short"))           # fits: unchanged
    assert prompt_ids(tok, dialogue, 40, "end") == full[-40:]                          # the first recipe
    head = prompt_ids(tok, dialogue, 40, "start")
    assert len(head) == 40 and head[-len("\n\nSummary:"):] == tok.encode("\n\nSummary:")
    assert head[:20] == full[:20], "keep='start' must keep the dialogue's opening"
    with pytest.raises(ValueError, match="keep must be"):
        prompt_ids(tok, dialogue, 40, "middle")


def test_mbr_options_reach_summarize_one(model):
    import numpy as np
    tok = CharTok()
    a = summarize_one(model, tok, "hello there", 0, max_new_tokens=8, mbr=3)
    b = summarize_one(model, tok, "hello there", 0, max_new_tokens=8, mbr_samples=4, temperature=1.0,
                      rng=np.random.default_rng(0))
    c = summarize_one(model, tok, "hello there", 0, max_new_tokens=8, mbr_samples=4, temperature=1.0,
                      rng=np.random.default_rng(0))
    assert isinstance(a, str) and b == c, "MBR over samples must be reproducible with the same rng"


def test_set_dropout_reaches_every_dropout_and_only_trains_with_it(model):
    import numpy as np
    from tinygrad_lm import nn
    m = GPT.from_pretrained(FIX)
    set_dropout(m, 0.1)
    drops = [d for d in m.modules() if isinstance(d, nn.Dropout)]
    assert drops and all(d.p == 0.1 for d in drops) and m.config.dropout == 0.1
    x = np.arange(10, dtype=np.int64)[None, :]
    m.eval()
    assert np.array_equal(m(x)[0].data, model(x)[0].data)         # eval mode: dropout off, same logits
    m.train()
    assert not np.allclose(m(x)[0].data, model(x)[0].data)         # train mode: dropout on
    with pytest.raises(ValueError, match="must be in"):
        set_dropout(m, 1.0)


@pytest.mark.parametrize("argv,expect", [
    (["train", "--dropout", "1.0", "--out", "{tmp}/run"], "--dropout must be in [0, 1)"),
    (["train", "--dropout", "-0.1", "--out", "{tmp}/run"], "--dropout must be in [0, 1)"),
    (["average", "{tmp}/a.safetensors", "--out", "{tmp}/avg.safetensors"], "at least 2 checkpoints"),
    (["average", "{tmp}/a.safetensors", "{tmp}/b.safetensors", "--weights", "1", "--out", "{tmp}/x.safetensors"],
     "--weights: 1 given for 2"),
    (["average", "{tmp}/a.safetensors", "{tmp}/b.safetensors", "--out", "{tmp}/a.safetensors"], "exists"),
    (["average", "{tmp}/a.safetensors", "{tmp}/nope.safetensors", "--out", "{tmp}/x.safetensors"], "no checkpoint at"),
    (["average", "{tmp}/a.safetensors", "{tmp}/b.safetensors", "--weights", "1", "-1", "--out", "{tmp}/x.safetensors"],
     "non-negative weights"),
])
def test_bad_train_and_average_options_exit_2_with_one_line(tmp_path, capsys, argv, expect):
    from solutions.week5.summarization import main
    from tinygrad_lm.checkpoints import save_checkpoint
    m = GPT.from_pretrained(FIX)
    for name in ("a", "b"):
        save_checkpoint(tmp_path / f"{name}.safetensors", m, None, 1, {"model": m.config.to_dict(), "kind": "gpt"})
    before = sorted(p.name for p in tmp_path.iterdir())
    with pytest.raises(SystemExit) as e:
        main([a.replace("{tmp}", str(tmp_path)) for a in argv])
    err = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert e.value.code == 2 and expect in err[-1] and "Traceback" not in "\n".join(err)
    assert sorted(p.name for p in tmp_path.iterdir()) == before          # nothing written, nothing overwritten
