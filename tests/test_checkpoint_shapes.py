"""checkpoints/shapes.py: a config is compared with the stored tensor shapes BEFORE a model is built.

A hostile 1 KB checkpoint (training checkpoint or Hugging Face directory) whose config claims a huge
model must fail with CheckpointError without allocating it (measured with tracemalloc, which sees
NumPy's allocations). The implied shapes are checked against the real models, so drift shows up here.
"""
import json
import os
import shutil
import tracemalloc

import numpy as np
import pytest

from tinygrad_lm.checkpoints.checkpoint import load_checkpoint, read_checkpoint, save_checkpoint
from tinygrad_lm.checkpoints.safetensors import CheckpointError, describe, save_file
from tinygrad_lm.checkpoints.shapes import char_lm_shapes, check_config_shapes, expected_shapes, gpt_shapes
from tinygrad_lm.models.char_lm import CharLM
from tinygrad_lm.models.gpt import GPT, GPTConfig
from tinygrad_lm.models.mlm import MaskedLM

FIX = os.path.join(os.path.dirname(__file__), "fixtures", "gpt2_tiny")
SMALL = dict(vocab_size=11, block_size=8, n_layer=2, n_head=2, n_embd=4, dropout=0.0, bias=True)
HUGE = dict(SMALL, vocab_size=50257, block_size=1024, n_layer=64, n_head=64, n_embd=32768)


def _shapes(model):
    return {k: tuple(v.shape) for k, v in model.state_dict().items()}


@pytest.mark.parametrize("bias", [True, False])
def test_gpt_shapes_match_the_real_models(bias):
    cfg = GPTConfig(**dict(SMALL, bias=bias))
    want = gpt_shapes(cfg.vocab_size, cfg.block_size, cfg.n_layer, cfg.n_embd, bias=bias)
    assert _shapes(GPT(cfg)) == want, "models/gpt.py changed its parameters: update checkpoints/shapes.py"
    assert _shapes(MaskedLM(cfg)) == want
    assert expected_shapes({"model": cfg.to_dict()}) == want


@pytest.mark.parametrize("cell,layers", [("lstm", 1), ("lstm", 2), ("rnn", 3)])
def test_char_lm_shapes_match_the_real_model(cell, layers):
    cfg = {"cell": cell, "vocab_size": 7, "emb": 5, "hidden": 6, "layers": layers, "dropout": 0.0}
    assert _shapes(CharLM.from_config(cfg)) == char_lm_shapes(7, 5, 6, layers, cell)
    assert expected_shapes(cfg) == char_lm_shapes(7, 5, 6, layers, cell)


def _peak_mib(fn):
    tracemalloc.start()
    try:
        fn()
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return peak / 2**20


def test_hostile_training_checkpoint_fails_before_building_the_model(tmp_path):
    model = GPT(GPTConfig(**SMALL))
    good = tmp_path / "good.safetensors"
    save_checkpoint(good, model, step=3, config={"model": SMALL, "kind": "gpt"}, save_rng=False)
    assert read_checkpoint(good)["config"]["model"] == SMALL            # the honest file passes
    bad = tmp_path / "bad.safetensors"                                  # same tensors, config lies
    save_checkpoint(bad, model, step=3, config={"model": HUGE}, save_rng=False)
    tiny = tmp_path / "tiny.safetensors"                                # ~1 KB: no tensors at all
    save_checkpoint(tiny, None, step=0, config={"model": HUGE}, save_rng=False)
    assert os.path.getsize(tiny) < 1024

    def build_like_a_trainer(path):                  # what training/lm.py does with a checkpoint
        cfg = read_checkpoint(path)["config"]
        load_checkpoint(path, GPT(GPTConfig(**cfg["model"])))
    for path in (bad, tiny):
        with pytest.raises(CheckpointError, match=r"shape mismatch|refusing to build") as info:
            assert _peak_mib(lambda: build_like_a_trainer(path)) < 0     # never reached
        assert str(path) in str(info.value)
    assert _peak_mib(lambda: pytest.raises(CheckpointError, build_like_a_trainer, tiny)) < 20
    with pytest.raises(CheckpointError, match="refusing to build"):
        check_config_shapes({"model": HUGE}, describe(tiny), "tiny")


def test_bad_config_values_and_other_implementations(tmp_path):
    for bad in ({"model": dict(SMALL, n_embd="4")}, {"model": dict(SMALL, n_layer=-1)},
                {"model": {k: v for k, v in SMALL.items() if k != "vocab_size"}},
                {"cell": "gru", "vocab_size": 3, "emb": 2, "hidden": 2, "layers": 1},
                {"cell": "lstm", "vocab_size": 3, "emb": 2, "hidden": True, "layers": 1}):
        with pytest.raises(CheckpointError, match="config"):
            expected_shapes(bad, "x")
    assert expected_shapes({"vocab_size": 12, "n_embd": 8}) is None       # unknown layout: not checked
    # a learner's char LM with other parameter names but the same size loads
    cfg = {"cell": "lstm", "vocab_size": 7, "emb": 5, "hidden": 6, "layers": 1}
    renamed = {"model.my_" + k: ("F32", s) for k, s in char_lm_shapes(7, 5, 6, 1, "lstm").items()}
    check_config_shapes(cfg, renamed, "learner")
    with pytest.raises(CheckpointError, match="refusing"):
        check_config_shapes(dict(cfg, layers=40, hidden=60), renamed, "learner")


def test_hostile_hugging_face_directory(tmp_path):
    shutil.copy(os.path.join(FIX, "model.safetensors"), tmp_path / "model.safetensors")
    cfg = json.load(open(os.path.join(FIX, "config.json")))
    cfg.update(n_embd=32768, n_layer=64, n_head=64)
    json.dump(cfg, open(tmp_path / "config.json", "w"))
    with pytest.raises(CheckpointError, match="shape mismatch") as info:
        _peak_mib(lambda: GPT.from_pretrained(str(tmp_path)))
    assert "model.safetensors" in str(info.value)
    assert _peak_mib(lambda: pytest.raises(CheckpointError, GPT.from_pretrained, str(tmp_path))) < 20
    # a ~1 KB weights file with nothing in it
    save_file({"transformer.wte.weight": np.zeros((cfg["vocab_size"], 1), np.float32)[:0]},
              tmp_path / "model.safetensors")
    with pytest.raises(CheckpointError, match="refusing to build|shape mismatch"):
        GPT.from_pretrained(str(tmp_path))
    for key, value in (("n_embd", "64"), ("n_layer", 0), ("n_inner", 7), ("n_head", 3)):
        json.dump(dict(json.load(open(os.path.join(FIX, "config.json"))), **{key: value}),
                  open(tmp_path / "config.json", "w"))
        with pytest.raises(CheckpointError, match=key if key != "n_head" else "divisible"):
            GPT.from_pretrained(str(tmp_path))
