"""Smoke test of the week-4 project script gpt_vs_lstm (the long runs are in the week README)."""
import json

import numba
import pytest

from solutions.week4 import gpt_vs_lstm


@pytest.mark.skipif(numba.config.DISABLE_JIT, reason="two training runs: too slow as pure Python (NUMBA_DISABLE_JIT=1)")
def test_gpt_vs_lstm_writes_a_fair_comparison(tmp_path, capsys):
    data = tmp_path / "shakespeare_head.txt"
    data.write_text(open("data/tiny_shakespeare/input.txt", encoding="utf-8").read()[:60_000], encoding="utf-8")
    out = tmp_path / "cmp"
    assert gpt_vs_lstm.main(["--preset", "tiny", "--data", str(data), "--out", str(out)]) == 0
    res = json.loads((out / "results.json").read_text())
    assert res["budget_s"] > 0 and res["gpt"]["steps"] == 200 and res["lstm"]["steps"] > 0
    for name in ("gpt", "lstm"):
        assert 0.5 < res[name]["val_loss"] < 4.2, f"{name} val loss {res[name]['val_loss']} is not a trained model's"
    assert (out / "gpt_vs_lstm.svg").read_text().startswith("<svg")
    assert "same budget" in capsys.readouterr().out


@pytest.mark.skipif(numba.config.DISABLE_JIT, reason="two training runs: too slow as pure Python (NUMBA_DISABLE_JIT=1)")
def test_finetune_project_runs_both_arms(tmp_path, capsys):
    """A few steps of the fine-tune-vs-scratch project on the shipped model (once broken by a name clash)."""
    from solutions.week4 import finetune_project
    out = tmp_path / "ft"
    assert finetune_project.main(["--steps", "4", "--eval-every", "2", "--batch-size", "2", "--block-size", "32",
                                  "--val-dialogues", "5", "--out", str(out)]) == 0
    res = json.loads((out / "history.json").read_text())
    assert set(res) == {"finetuned", "scratch"}
    assert res["finetuned"]["history"][-1]["val_loss"] < res["scratch"]["history"][-1]["val_loss"], \
        "after 4 steps the pretrained model must be far ahead of a random init"
    assert (out / "finetune_vs_scratch.svg").read_text().startswith("<svg")
    assert "fine-tuned sample" in capsys.readouterr().out
