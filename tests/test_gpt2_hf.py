"""Hugging Face GPT-2 load/export (models/gpt2_hf.py) and name resolution (pretrained.py).

Fixture tests/fixtures/gpt2_tiny/ was recorded once with transformers (make_fixture.py there):
a tiny random GPT2LMHeadModel, its logits on fixed ids and a greedy continuation.
"""
import json
import os
import shutil

import numpy as np
import pytest

from tinygrad_lm.generation.decoding import generate
from tinygrad_lm.models.gpt import GPT, GPTConfig
from tinygrad_lm.models.gpt2_hf import config_from_hf, hf_to_ours, save_pretrained
from tinygrad_lm.models.pretrained import resolve
from tinygrad_lm.checkpoints.safetensors import CheckpointError, load_file, save_file

FIX = os.path.join(os.path.dirname(__file__), "fixtures", "gpt2_tiny")


@pytest.fixture(scope="module")
def expected():
    return dict(np.load(os.path.join(FIX, "expected.npz")))


@pytest.fixture(scope="module")
def model():
    return GPT.from_pretrained(FIX)


def _logits(m, ids):
    return m(ids)[0].data


def test_logits_match_transformers(model, expected):
    got = _logits(model, expected["input_ids"])
    diff = np.abs(got - expected["logits"])
    assert got.shape == expected["logits"].shape
    assert diff.max() < 1e-4, f"max abs diff {diff.max():.2e} at {np.unravel_index(diff.argmax(), diff.shape)}"


def test_greedy_continuation_identical(model, expected):
    prompt = expected["input_ids"][0]
    out = generate(model, prompt, max_new_tokens=20, temperature=0.0)
    want = expected["greedy"][0, len(prompt):]
    assert out.tolist() == want.tolist(), f"ours {out.tolist()}\nHF   {want.tolist()}"


def test_from_pretrained_directory(expected):
    m = GPT.from_pretrained(FIX)
    np.testing.assert_allclose(_logits(m, expected["input_ids"]), expected["logits"], atol=1e-4)


def test_export_has_reference_layout_and_reloads(model, expected, tmp_path):
    save_pretrained(model, tmp_path)
    ref, ours = load_file(os.path.join(FIX, "model.safetensors")), load_file(tmp_path / "model.safetensors")
    assert sorted(ours) == sorted(ref), f"names differ: {set(ours) ^ set(ref)}"
    assert "lm_head.weight" not in ours
    for k in ref:
        assert ours[k].shape == ref[k].shape and ours[k].dtype == np.float32, k
        np.testing.assert_array_equal(ours[k], ref[k], err_msg=k)       # Conv1D (in, out) restored exactly
    cfg = json.load(open(tmp_path / "config.json"))
    for k in ("n_layer", "n_head", "n_embd", "n_positions", "vocab_size"):
        assert cfg[k] == json.load(open(os.path.join(FIX, "config.json")))[k], k
    again = GPT.from_pretrained(tmp_path)
    np.testing.assert_array_equal(_logits(again, expected["input_ids"]), _logits(model, expected["input_ids"]))


def test_export_float16(model, expected, tmp_path):
    save_pretrained(model, tmp_path, dtype=np.float16)
    assert load_file(tmp_path / "model.safetensors")["transformer.wte.weight"].dtype == np.float16
    again = GPT.from_pretrained(tmp_path)
    assert again.transformer.wte.weight.dtype == np.float32
    np.testing.assert_allclose(_logits(again, expected["input_ids"]), expected["logits"], atol=5e-2)


def test_prefix_absent_old_buffers_and_tied_head(model, expected, tmp_path):
    """The original `gpt2` file: no 'transformer.' prefix, attn.bias / masked_bias buffers, (maybe) lm_head."""
    ref = load_file(os.path.join(FIX, "model.safetensors"))
    old = {k[len("transformer."):]: v for k, v in ref.items()}
    for i in range(2):
        old[f"h.{i}.attn.bias"] = np.tril(np.ones((1, 1, 64, 64), dtype=np.float32))
        old[f"h.{i}.attn.masked_bias"] = np.array(-1e4, dtype=np.float32)
    old["lm_head.weight"] = ref["transformer.wte.weight"]
    save_file(old, tmp_path / "model.safetensors")
    shutil.copy(os.path.join(FIX, "config.json"), tmp_path / "config.json")
    np.testing.assert_array_equal(_logits(GPT.from_pretrained(tmp_path), expected["input_ids"]),
                                  _logits(model, expected["input_ids"]))


def test_untied_head_is_an_error():
    ref = load_file(os.path.join(FIX, "model.safetensors"))
    ref["lm_head.weight"] = ref["transformer.wte.weight"] + 1
    with pytest.raises(CheckpointError, match="untied"):
        hf_to_ours(ref)


def test_shape_mismatch_names_the_tensor(tmp_path):
    shutil.copy(os.path.join(FIX, "model.safetensors"), tmp_path / "model.safetensors")
    cfg = json.load(open(os.path.join(FIX, "config.json")))
    cfg["n_embd"] = 64
    json.dump(cfg, open(tmp_path / "config.json", "w"))
    with pytest.raises(CheckpointError, match=r"shape mismatch.*transformer\.h\.0\.attn\.c_attn\.weight"):
        GPT.from_pretrained(tmp_path)


def test_missing_and_corrupt_files(tmp_path):
    with pytest.raises(FileNotFoundError, match="config.json"):
        GPT.from_pretrained(tmp_path)
    shutil.copy(os.path.join(FIX, "config.json"), tmp_path / "config.json")
    (tmp_path / "pytorch_model.bin").write_bytes(b"pickle")
    with pytest.raises(FileNotFoundError, match="never pickle"):
        GPT.from_pretrained(tmp_path)
    data = open(os.path.join(FIX, "model.safetensors"), "rb").read()
    (tmp_path / "model.safetensors").write_bytes(data[: len(data) // 2])
    with pytest.raises(CheckpointError):
        GPT.from_pretrained(tmp_path)


@pytest.mark.parametrize("name,n_layer,n_embd", [("gpt2", 12, 768), ("gpt2-medium", 24, 1024),
                                                 ("distilgpt2", 6, 768)])
def test_real_configs(name, n_layer, n_embd):
    hf = {"activation_function": "gelu_new", "model_type": "gpt2", "n_ctx": 1024, "n_embd": n_embd,
          "n_head": n_embd // 64, "n_layer": n_layer, "n_positions": 1024, "vocab_size": 50257,
          "layer_norm_epsilon": 1e-05, "architectures": ["GPT2LMHeadModel"]}
    if name == "distilgpt2":
        hf["_num_labels"] = 1
    cfg = config_from_hf(hf)
    assert (cfg.n_layer, cfg.n_embd, cfg.n_head, cfg.block_size, cfg.vocab_size) == (
        n_layer, n_embd, n_embd // 64, 1024, 50257)


def test_unsupported_config_options():
    base = json.load(open(os.path.join(FIX, "config.json")))
    with pytest.raises(CheckpointError, match="activation"):
        config_from_hf({**base, "activation_function": "relu"})
    with pytest.raises(CheckpointError, match="scale_attn_by_inverse_layer_idx"):
        config_from_hf({**base, "scale_attn_by_inverse_layer_idx": True})
    with pytest.raises(CheckpointError, match="n_layer"):
        config_from_hf({"n_head": 2})


def _fake_cache(root, repo, rev="0123abc"):
    snap = root / f"models--{repo.replace('/', '--')}" / "snapshots" / rev
    snap.mkdir(parents=True)
    for f in ("config.json", "model.safetensors"):
        shutil.copy(os.path.join(FIX, f), snap / f)
    (root / f"models--{repo.replace('/', '--')}" / "refs").mkdir()
    (root / f"models--{repo.replace('/', '--')}" / "refs" / "main").write_text(rev)
    return snap


@pytest.mark.parametrize("env,sub", [("HF_HUB_CACHE", ""), ("HF_HOME", "hub")])
def test_hf_cache_layout(tmp_path, monkeypatch, expected, env, sub):
    for var in ("HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE", "HF_HOME", "XDG_CACHE_HOME"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    root = tmp_path / "cache" / sub if sub else tmp_path / "cache"
    root.mkdir(parents=True)
    snap = _fake_cache(root, "openai-community/gpt2")
    monkeypatch.setenv(env, str(tmp_path / "cache"))
    assert resolve("gpt2") == str(snap)                        # the short name finds the renamed repo
    m = GPT.from_pretrained("openai-community/gpt2")
    np.testing.assert_allclose(_logits(m, expected["input_ids"]), expected["logits"], atol=1e-4)


def test_default_home_cache(tmp_path, monkeypatch):
    for var in ("HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE", "HF_HOME", "XDG_CACHE_HOME"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    snap = _fake_cache(tmp_path / ".cache" / "huggingface" / "hub", "gpt2")
    assert resolve("gpt2") == str(snap)


def test_not_found_lists_where_it_looked(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))
    monkeypatch.setenv("HOME", str(tmp_path))
    with pytest.raises(FileNotFoundError) as e:
        GPT.from_pretrained("gpt2-xl")
    msg = str(e.value)
    assert "models--openai-community--gpt2-xl" in msg and "data/pretrained" in msg, msg
    assert "Nothing is downloaded" in msg, msg
    assert str(tmp_path / "hub") in msg


def test_roundtrip_random_gpt(tmp_path):
    m = GPT(GPTConfig(vocab_size=50, block_size=16, n_layer=3, n_head=2, n_embd=8))
    save_pretrained(m, tmp_path)
    ids = np.arange(10, dtype=np.int64).reshape(1, 10)
    np.testing.assert_array_equal(_logits(GPT.from_pretrained(tmp_path), ids), _logits(m, ids))


def test_tokenizer_from_hf_file_names(tmp_path):
    """A Hugging Face GPT-2 snapshot names the tokenizer files vocab.json + merges.txt."""
    from tinygrad_lm.models.pretrained import load_tokenizer
    src = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "data", "gpt2_bpe")
    shutil.copy(os.path.join(src, "encoder.json"), tmp_path / "vocab.json")
    shutil.copy(os.path.join(src, "vocab.bpe"), tmp_path / "merges.txt")
    tok = load_tokenizer(str(tmp_path))
    assert tok.vocab_size == 50257 and tok.encode("Hello world") == [15496, 995]
    with pytest.raises(FileNotFoundError, match="tokenizer.bpe"):
        load_tokenizer(str(tmp_path / "nowhere"))
