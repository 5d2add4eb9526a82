"""Tests for tinygrad_lm.checkpoints.checkpoint: a model + AdamW + scheduler + RNG state round trip resumes
bit-exactly; wrong files and mismatched objects give clear CheckpointErrors."""
import numpy as np
import pytest

import tinygrad_lm
import tinygrad_lm.functional as F
from tinygrad_lm import nn, optim
from tinygrad_lm.checkpoints.checkpoint import CheckpointError, load_checkpoint, read_checkpoint, save_checkpoint
from tinygrad_lm.random import rng
from tinygrad_lm.checkpoints.safetensors import save_file

CONFIG = {"vocab_size": 12, "n_embd": 8, "dropout": 0.2}


class TinyLM(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        V, C = cfg["vocab_size"], cfg["n_embd"]
        self.wte = nn.Embedding(V, C)
        self.ln = nn.LayerNorm(C)
        self.mlp = nn.Sequential(nn.Linear(C, 2 * C), nn.GELU(), nn.Dropout(cfg["dropout"]), nn.Linear(2 * C, C))
        self.head = nn.Linear(C, V, bias=False)
        self.head.weight = self.wte.weight                    # tied

    def forward(self, ids, targets):
        x = self.wte(ids)                                     # (B, T, C)
        x = x + self.mlp(self.ln(x))
        logits = self.head(x)                                 # (B, T, V)
        return F.cross_entropy(logits, targets)


def make(seed=0):
    tinygrad_lm.manual_seed(seed)
    model = TinyLM(CONFIG)
    groups = [{"params": [p for n, p in model.named_parameters() if p.ndim >= 2]},
              {"params": [p for n, p in model.named_parameters() if p.ndim < 2], "weight_decay": 0.0}]
    opt = optim.AdamW(groups, lr=1e-2, weight_decay=0.1)
    sched = optim.CosineWarmupLR(opt, warmup_steps=2, total_steps=8)
    return model, opt, sched


def train(model, opt, sched, steps):
    losses = []
    for _ in range(steps):
        ids = rng().integers(0, CONFIG["vocab_size"], size=(4, 5))   # data drawn from the library rng
        loss = model(ids[:, :-1], ids[:, 1:])
        opt.zero_grad()
        loss.backward()
        optim.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        losses.append(loss.item())
    return losses


def test_resume_is_bit_exact(tmp_path):
    model, opt, sched = make()
    full_losses = train(model, opt, sched, 6)

    model1, opt1, sched1 = make()
    first = train(model1, opt1, sched1, 3)
    path = tmp_path / "ckpt.safetensors"
    save_checkpoint(path, model1, opt1, step=3, config=CONFIG, scheduler=sched1, extra={"note": "hi"})

    model2, opt2, sched2 = make(seed=123)                     # different init and rng state
    tinygrad_lm.manual_seed(999)
    info = load_checkpoint(path, model2, opt2, sched2)
    assert info["step"] == 3 and info["config"] == CONFIG and info["metadata"]["note"] == "hi"
    rest = train(model2, opt2, sched2, 3)

    assert first + rest == full_losses
    for (name, p), (_, q) in zip(model.named_parameters(), model2.named_parameters()):
        np.testing.assert_array_equal(p.data, q.data, err_msg=f"{name} differs after resuming")
    for p, q in zip(model.parameters(), model2.parameters()):
        for key in ("exp_avg", "exp_avg_sq"):
            np.testing.assert_array_equal(opt.state[p][key], opt2.state[q][key])
        assert opt.state[p]["step"] == opt2.state[q]["step"] == 6
    assert sched2.get_last_lr() == sched.get_last_lr()
    assert model2.head.weight is model2.wte.weight


def test_read_checkpoint_contents(tmp_path):
    model, opt, sched = make()
    train(model, opt, sched, 1)
    save_checkpoint(tmp_path / "c.safetensors", model, opt, step=1, config=CONFIG)
    ckpt = read_checkpoint(tmp_path / "c.safetensors")
    assert set(ckpt["model"]) == set(model.state_dict())
    assert ckpt["metadata"]["aliases"] == '{"model.head.weight": "model.wte.weight"}', "tied weight stored once"
    np.testing.assert_array_equal(ckpt["model"]["head.weight"], model.wte.weight.data)
    assert ckpt["optimizer_type"] == "AdamW"
    assert ckpt["optimizer"]["param_groups"][1]["weight_decay"] == 0.0
    assert ckpt["optimizer"]["state"][0]["step"] == 1 and isinstance(ckpt["optimizer"]["state"][0]["step"], int)
    assert ckpt["optimizer"]["state"][0]["exp_avg"].dtype == np.float32
    # weights only: no optimizer/scheduler
    save_checkpoint(tmp_path / "w.safetensors", model, save_rng=False)
    w = read_checkpoint(tmp_path / "w.safetensors")
    assert w["optimizer"] is None and w["rng"] is None and w["step"] == 0


def test_errors(tmp_path):
    save_file({"a": np.zeros(2, np.float32)}, tmp_path / "plain.safetensors")
    with pytest.raises(CheckpointError, match="not a tinygrad_lm training checkpoint"):
        read_checkpoint(tmp_path / "plain.safetensors")

    model, opt, sched = make()
    train(model, opt, sched, 1)
    path = tmp_path / "c.safetensors"
    save_checkpoint(path, model, opt, step=1, config=CONFIG)
    bigger = TinyLM(dict(CONFIG, n_embd=16))
    with pytest.raises(CheckpointError, match=r"(?s)c.safetensors.*size mismatch"):
        load_checkpoint(path, bigger)
    with pytest.raises(CheckpointError, match="optimizer is AdamW, got a SGD"):
        load_checkpoint(path, model, optim.SGD(model.parameters(), lr=0.1))
    with pytest.raises(CheckpointError, match="no scheduler state"):
        load_checkpoint(path, model, scheduler=sched)
    data = path.read_bytes()
    path.write_bytes(data[:-10])
    with pytest.raises(CheckpointError, match="truncated"):
        load_checkpoint(path, model)
    with pytest.raises(ValueError, match="reserved"):
        save_checkpoint(tmp_path / "x.safetensors", model, extra={"step": "5"})


def test_cli_inspect(tmp_path, capsys):
    from tinygrad_lm.cli import main
    model, opt, sched = make()
    save_checkpoint(tmp_path / "c.safetensors", model, opt, step=7, config=CONFIG)
    assert main(["ckpt", str(tmp_path / "c.safetensors")]) == 0
    out = capsys.readouterr().out
    assert "meta step = 7" in out and "model.wte.weight" in out and "F32   [12, 8]" in out
    (tmp_path / "bad.safetensors").write_bytes(b"\x00" * 5)
    assert main(["ckpt", str(tmp_path / "bad.safetensors")]) == 1
    assert "too short" in capsys.readouterr().out


def test_format_name_is_stable(tmp_path):
    """The metadata format string names the file format; it must not follow module renames
    (checkpoints written before the 2026-12 layout change say "tinygrad_lm.checkpoint")."""
    from tinygrad_lm.checkpoints import checkpoint as ck
    from tinygrad_lm.checkpoints.safetensors import load_metadata
    assert ck.FORMAT == "tinygrad_lm.checkpoint"
    ck.save_checkpoint(tmp_path / "c.safetensors", step=3, config={"a": 1})
    assert load_metadata(tmp_path / "c.safetensors")["format"] == "tinygrad_lm.checkpoint"
