"""checkpoints/average.py: the weight average of checkpoints of one model."""
import numpy as np
import pytest

from tinygrad_lm.checkpoints import CheckpointError, save_checkpoint
from tinygrad_lm.checkpoints.average import average_checkpoints, average_state_dicts
from tinygrad_lm.models import GPT, GPTConfig
from tinygrad_lm.random import manual_seed
from tinygrad_lm.training.lm import load_gpt

CFG = dict(vocab_size=32, block_size=8, n_layer=1, n_head=2, n_embd=8)


def _ckpt(path, seed, **cfg):
    manual_seed(seed)
    m = GPT(GPTConfig(**{**CFG, **cfg}))
    tok = {"type": "char", "chars": "abcdefghijklmnopqrstuvwxyz012345"}
    save_checkpoint(path, m, None, 7, {"model": m.config.to_dict(), "tokenizer": tok, "kind": "gpt"})
    return m


def test_average_state_dicts_weighted_mean():
    a, b = {"w": np.array([1.0, 2.0])}, {"w": np.array([3.0, 6.0])}
    assert np.allclose(average_state_dicts([a, b])["w"], [2.0, 4.0])
    assert np.allclose(average_state_dicts([a, b], [3, 1])["w"], [1.5, 3.0])
    assert average_state_dicts([a, b])["w"].dtype == np.float32
    with pytest.raises(ValueError, match="other tensors"):
        average_state_dicts([a, {"v": a["w"]}])
    with pytest.raises(ValueError, match="shape"):
        average_state_dicts([a, {"w": np.zeros(3)}])
    with pytest.raises(ValueError, match="non-negative weights"):
        average_state_dicts([a, b], [1, -1])


def test_average_checkpoints_loads_as_a_gpt(tmp_path):
    m1, m2 = _ckpt(tmp_path / "a.safetensors", 1), _ckpt(tmp_path / "b.safetensors", 2)
    average_checkpoints([tmp_path / "a.safetensors", tmp_path / "b.safetensors"], tmp_path / "avg.safetensors")
    avg, _, cfg = load_gpt(tmp_path / "avg.safetensors")          # loads like any GPT checkpoint (tied weights)
    sd1, sd2, sda = m1.state_dict(), m2.state_dict(), avg.state_dict()
    assert sorted(sda) == sorted(sd1)
    for n in sd1:
        assert np.allclose(sda[n], (sd1[n] + sd2[n]) / 2, atol=1e-7), n
    assert cfg["averaged_from"]["paths"][0].endswith("a.safetensors")


def test_average_checkpoints_ignores_dropout(tmp_path):
    _ckpt(tmp_path / "a.safetensors", 1)
    _ckpt(tmp_path / "d.safetensors", 2, dropout=0.1)              # a continuation trained with dropout
    average_checkpoints([tmp_path / "a.safetensors", tmp_path / "d.safetensors"], tmp_path / "avg.safetensors")
    assert load_gpt(tmp_path / "avg.safetensors")[0].config.dropout == 0.0     # the first checkpoint's config


def test_average_checkpoints_refuses_other_shapes(tmp_path):
    _ckpt(tmp_path / "a.safetensors", 1)
    _ckpt(tmp_path / "c.safetensors", 1, n_embd=16)
    with pytest.raises(CheckpointError, match="another model config"):
        average_checkpoints([tmp_path / "a.safetensors", tmp_path / "c.safetensors"], tmp_path / "x.safetensors")
    with pytest.raises(ValueError, match="at least 2"):
        average_checkpoints([tmp_path / "a.safetensors"], tmp_path / "x.safetensors")
    assert not (tmp_path / "x.safetensors").exists()
