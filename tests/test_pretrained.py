"""`tglm pretrain` pieces, export -> load round trip, the shipped model, `tglm generate --model`, `tglm demo`."""
import json
import os

import numpy as np
import pytest

from tinygrad_lm.training import pretrain
from tinygrad_lm.models.pretrained import REGISTRY, SHIPPED_DIR, list_models, load

SHIPPED = "tinystories-3m"
have_shipped = pytest.mark.skipif(not os.path.isfile(os.path.join(SHIPPED_DIR, SHIPPED, "model.safetensors")),
                                  reason="shipped model not present")


def test_split_stories():
    text = "one day, a cat.\n\nthe end.\nonce upon a time.\n\nbye.\nlast story\n"
    assert pretrain.split_stories(text) == ["one day, a cat.\n\nthe end.", "once upon a time.\n\nbye.", "last story"]


def test_tokenizer_has_eot_last_and_docs_are_joined():
    docs = ["the cat sat on the mat. " * 5, "the dog ran. " * 5]
    tok = pretrain.build_tokenizer(docs, 300)
    eot = tok.special_tokens[pretrain.EOT]
    assert tok.vocab_size <= 300 and eot == tok.vocab_size - 1      # fewer merges when pairs run out
    ids = pretrain.encode_docs(tok, docs)
    assert ids.dtype == np.uint16 and (ids == eot).sum() == 2 and ids[-1] == eot
    assert tok.decode(ids.tolist()) == docs[0] + pretrain.EOT + docs[1] + pretrain.EOT


def test_lr_schedule_on_progress():
    from tinygrad_lm.optim import cosine_warmup_lr
    lr = lambda step, p: cosine_warmup_lr(step, 1.0, 10, 10**6, 0.1, progress=p)   # noqa: E731  (pretrain's)
    assert lr(0, 0.0) == pytest.approx(1 / 11)
    assert lr(10, 0.0) == pytest.approx(1.0)
    assert lr(50, 0.5) == pytest.approx(0.55)
    assert lr(50, 1.0) == pytest.approx(0.1)


def test_config_states_expected_result():
    cfg = json.load(open(pretrain.DEFAULT_CONFIG))
    assert cfg["name"] in REGISTRY and "expected" in cfg and cfg["tokenizer"]["vocab_size"] <= 65535


def test_tiny_pretrain_export_load_generate(tmp_path):
    """A few steps of the real recipe on a small slice, exported and loaded back by name-or-path."""
    story = ("once upon a time, there was a little cat named tom. tom liked to play.\n\n"
             "one day, tom saw a big red ball. \"can i play?\" he said.\n")
    (tmp_path / "stories.txt").write_text(story * 40, encoding="utf-8")
    (tmp_path / "book.txt").write_text("Alice was beginning to get very tired.\n" * 20, encoding="utf-8")
    cfg = json.load(open(pretrain.DEFAULT_CONFIG))
    cfg["data"] = {"tinystories": str(tmp_path / "stories.txt"), "gutenberg": [str(tmp_path / "book.txt")],
                   "val_stories": 5}
    cfg["tokenizer"]["vocab_size"] = 300
    cfg["model"] = {"n_layer": 1, "n_head": 2, "n_embd": 16, "block_size": 16, "dropout": 0.0, "bias": True}
    cfg["train"].update(batch_size=4, max_iters=6, eval_every=3, eval_iters=2, budget_min=5)
    assert pretrain.pretrain(cfg, str(tmp_path / "run")) == 0
    hist = json.load(open(tmp_path / "run" / "history.json"))
    assert [h["step"] for h in hist] == [3, 6], "one evaluation per eval_every steps, the last at the end"
    dest = pretrain.export(str(tmp_path / "run" / "best.safetensors"), "tiny-test", str(tmp_path / "models"))
    assert sorted(os.listdir(dest)) == ["config.json", "model.safetensors", "tokenizer.bpe"]
    model, tok, info = load(dest)
    assert info["lowercase"] and info["eos_token_id"] == tok.vocab_size - 1 == model.config.vocab_size - 1
    from tinygrad_lm.generation.decoding import generate
    out = generate(model, tok.encode("once"), 5, temperature=0.0)
    assert 1 <= len(out) <= 5
    (tmp_path / "valid.txt").write_text("Once upon a time there was a dog.\n\n" * 20, encoding="utf-8")
    cfg["data"]["valid_head"] = str(tmp_path / "valid.txt")
    ev = pretrain.evaluate_model(dest, cfg, block_size=16, batch_size=4)
    assert set(ev) == {"held-out stories", "TinyStories validation head", "samples"} and len(ev["samples"]) == 3
    assert ev["held-out stories"]["ppl"] == pytest.approx(np.exp(ev["held-out stories"]["loss"]))


@have_shipped
def test_shipped_model_loads_and_tells_a_story():
    assert SHIPPED in list_models()
    model, tok, info = load(SHIPPED)
    assert info["lowercase"] and tok.vocab_size == model.config.vocab_size
    size = os.path.getsize(os.path.join(SHIPPED_DIR, SHIPPED, "model.safetensors"))
    assert size <= 25 * 2 ** 20, f"shipped weights are {size / 2**20:.1f} MB"
    assert os.path.isfile(os.path.join(SHIPPED_DIR, SHIPPED, "MODEL_CARD.md"))
    from tinygrad_lm.generation.decoding import generate
    text = tok.decode(generate(model, tok.encode("once upon a time"), 20, temperature=0.0).tolist())
    assert len(text.split()) >= 5


@have_shipped
def test_generate_cli_model(capsys):
    from tinygrad_lm.cli import main
    assert main(["generate", "--model", SHIPPED, "--prompt", "Once upon a time", "--max-new-tokens", "8"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("once upon a time") and len(out) > len("once upon a time") + 5


@have_shipped
def test_demo_tells_a_story(capsys):
    from tinygrad_lm.cli.demo import main
    assert main(["--max-new-tokens", "5"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("once upon a time")
    ppl = float(out.rsplit("never saw: ", 1)[1].split()[0])
    assert 5 < ppl < 30, f"the shipped model's held-out perplexity should be ~11 (MODEL_CARD.md), got {ppl}"


def test_generate_cli_unknown_model(capsys):
    from tinygrad_lm.cli import main
    assert main(["generate", "--model", "no-such-model-xyz", "--prompt", "hi"]) == 2
    assert "looked for" in capsys.readouterr().err
