"""`tglm train gpt`: a smoke run learns, writes its checkpoint and curve, and resumes exactly."""
import json
import os

import numpy as np

from tinygrad_lm.cli.train import main_gpt
from tinygrad_lm.optim import cosine_warmup_lr
from tinygrad_lm.training.lm import split_loss
from tinygrad_lm.checkpoints.checkpoint import read_checkpoint

TEXT = "the cat sat on the mat. the dog sat on the log. " * 60


def _run(tmp_path, out, *extra):
    data = tmp_path / "text.txt"
    data.write_text(TEXT, encoding="utf-8")
    argv = ["--preset", "tiny", "--data", str(data), "--out", str(tmp_path / out), "--n-embd", "32",
            "--block-size", "16", "--batch-size", "8", "--eval-iters", "2", "--sample-tokens", "0", *extra]
    assert main_gpt(argv) == 0
    return tmp_path / out


def test_lr_schedule_warmup_then_cosine_to_min():
    lrs = [cosine_warmup_lr(i, 1.0, 10, 100, 0.1) for i in range(120)]
    assert lrs[0] < lrs[9] < 1.0 and abs(lrs[10] - 1.0) < 1e-9
    assert abs(lrs[55] - 0.55) < 1e-9 and lrs[100] == lrs[119] == 0.1


def test_train_smoke_learns_and_writes_artifacts(tmp_path):
    out = _run(tmp_path, "a", "--max-iters", "40", "--eval-every", "20")
    hist = json.loads((out / "history.json").read_text())
    assert [h["step"] for h in hist] == [20, 40]
    assert hist[-1]["val_loss"] < np.log(len(set(TEXT))) - 0.5, f"loss did not fall: {hist}"
    assert (out / "loss.svg").read_text().startswith("<svg")
    ck = read_checkpoint(out / "best.safetensors")
    assert ck["step"] in (20, 40) and ck["config"]["tokenizer"]["kind"] == "char"


def test_resume_is_exact(tmp_path):
    straight = _run(tmp_path, "s", "--max-iters", "20", "--eval-every", "10")
    _run(tmp_path, "r", "--max-iters", "10", "--eval-every", "10")
    resumed = _run(tmp_path, "r", "--max-iters", "20", "--eval-every", "10",
                   "--resume", str(tmp_path / "r" / "last.safetensors"))
    a = read_checkpoint(straight / "last.safetensors")["model"]
    b = read_checkpoint(resumed / "last.safetensors")["model"]
    for name in a:
        np.testing.assert_array_equal(a[name], b[name], err_msg=name)


def test_missing_data_file_is_a_clear_error(tmp_path, capsys):
    assert main_gpt(["--data", str(tmp_path / "nope.txt")]) == 2
    assert "not found" in capsys.readouterr().err


def test_split_loss_is_the_mean_over_every_whole_window():
    import tinygrad_lm as tg
    from tinygrad_lm.models import GPT, GPTConfig
    tg.manual_seed(0)
    model = GPT(GPTConfig(vocab_size=11, block_size=8, n_layer=1, n_head=2, n_embd=16))
    ids = np.random.default_rng(0).integers(0, 11, size=8 * 5 + 3).astype(np.uint16)   # 5 windows + a rest
    per_window = [model(ids[None, i:i + 8].astype(np.int64), ids[None, i + 1:i + 9].astype(np.int64))[1].item()
                  for i in range(0, 40, 8)]
    assert abs(split_loss(model, ids, 8, batch_size=2) - np.mean(per_window)) < 1e-5
    assert model.training, "split_loss must restore training mode"


def test_training_ends_with_the_whole_validation_split_score(tmp_path, capsys):
    out = _run(tmp_path, "f", "--max-iters", "10", "--eval-every", "10")
    assert "on the whole validation split" in capsys.readouterr().out
    result = json.loads((out / "result.json").read_text())
    assert result["steps"] == 10 and 0 < result["best_val_loss_whole_split"] < 10
