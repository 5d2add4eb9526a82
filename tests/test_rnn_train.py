"""Smoke test of `tglm train char-lstm|char-rnn` and `tglm sample`: a few steps on a tiny text,
checkpoints written with the val loss in their metadata, resume, and sampling from the result."""
import numpy as np

from tinygrad_lm.checkpoints.checkpoint import read_checkpoint
from tinygrad_lm.cli.sample import main as main_sample
from tinygrad_lm.cli.train import main as main_train


def test_train_resume_and_sample(tmp_path, capsys):
    text = ("First Citizen:\nBefore we proceed any further, hear me speak.\n\nAll:\nSpeak, speak.\n" * 30)
    data = tmp_path / "tiny.txt"
    data.write_text(text)
    out = tmp_path / "run"
    common = ["--data", str(data), "--out", str(out), "--hidden", "16", "--emb", "8", "--batch-size", "4",
              "--seq-len", "16", "--eval-every", "3", "--sample-every", "0", "--time", "0"]
    assert main_train(["char-lstm", "--steps", "6"] + common) == 0
    best = read_checkpoint(str(out / "best.safetensors"))
    assert float(best["metadata"]["val_loss"]) < np.log(best["config"]["vocab_size"]) + 0.5
    assert "val_bpc" in best["metadata"] and best["config"]["cell"] == "lstm"
    assert main_train(["char-lstm", "--steps", "9", "--resume", str(out / "last.safetensors")] + common) == 0
    assert read_checkpoint(str(out / "last.safetensors"))["step"] == 9
    capsys.readouterr()
    assert main_sample(["--checkpoint", str(out / "best.safetensors"), "--prime", "All:", "--length", "40"]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith("All:") and len(printed) >= 44
    assert main_sample(["--checkpoint", str(out / "best.safetensors"), "--prime", "ALL{"]) == 2
    assert "never saw" in capsys.readouterr().err
    assert main_sample(["--checkpoint", str(tmp_path / "missing.safetensors")]) == 2
    assert "not found" in capsys.readouterr().err
    other = tmp_path / "other.txt"
    other.write_text(text + "{}")
    assert main_train(["char-lstm", "--steps", "10", "--resume", str(out / "last.safetensors")]
                      + common[:1] + [str(other)] + common[2:]) == 2
    assert "does not fit the vocabulary" in capsys.readouterr().err


def test_train_char_rnn_runs(tmp_path):
    data = tmp_path / "t.txt"
    data.write_text("abcabcabd\n" * 50)
    assert main_train(["char-rnn", "--data", str(data), "--out", str(tmp_path / "r"), "--hidden", "8", "--emb", "4",
                       "--batch-size", "2", "--seq-len", "8", "--steps", "4", "--eval-every", "2",
                       "--sample-every", "1", "--time", "0"]) == 0


def test_usage_errors():
    assert main_train([]) == 2
    assert main_train(["char-gpt"]) == 2
    assert main_train(["char-lstm", "--data", "/nonexistent.txt", "--steps", "1"]) == 2


def test_too_short_text_is_a_usage_error(tmp_path, capsys):
    data = tmp_path / "short.txt"
    data.write_text("hello world")
    assert main_train(["char-lstm", "--data", str(data), "--out", str(tmp_path / "r"), "--steps", "1"]) == 2
    assert "too short" in capsys.readouterr().err
