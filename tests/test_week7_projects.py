"""Week 7 project scripts run end to end on a few examples (seconds): fine-tuning strategies, domain adaptation."""
from solutions.week7 import domain_adaptation as da
from solutions.week7 import finetune_strategies as fs


def test_finetune_strategies_smoke(tmp_path, capsys):
    assert fs.main(["--strategies", "probe", "lora", "--steps", "2", "--batch-size", "4", "--limit", "8",
                    "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "| LoRA r=8" in out and "| linear probe" in out
    res = fs.read_results(str(tmp_path))
    lora = [r for r in res if r["strategy"] == "lora"][0]
    assert 0 < lora["percent"] < 2 and lora["merged_max_abs_logit_diff"] < 1e-4
    assert fs.main(["--table", str(tmp_path)]) == 0
    other = tmp_path / "r2"
    assert fs.main(["--strategies", "lora", "--steps", "1", "--batch-size", "2", "--limit", "4", "--lora-r", "2",
                    "--lora-targets", "attn.c_attn", "mlp.c_fc", "--out", str(other)]) == 0
    res = fs.read_results(str(other))[0]
    assert res["description"].startswith("LoRA r=2 on attn.c_attn, mlp.c_fc")
    assert res["trainable"] == 6 * 2 * ((256 + 768) + (256 + 1024)) + 3 * 256 + 3     # course-base-8m: 6 blocks, C=256


def test_domain_adaptation_smoke(tmp_path, capsys):
    svg = tmp_path / "c.svg"
    assert da.main(["--runs", "replay", "lora", "--steps", "2", "--batch-size", "2", "--eval-every", "1",
                    "--eval-windows", "2", "--limit-chars", "20000", "--out", str(tmp_path), "--svg", str(svg)]) == 0
    out = capsys.readouterr().out
    assert "| replay" in out and "| lora" in out and svg.read_text().startswith("<svg")


def test_tune_strategies_smoke(tmp_path, capsys):
    from solutions.week7 import tune_strategies as ts
    out = str(tmp_path)
    for lr in (1e-3, 3e-3):
        assert ts.main(["train", "--strategy", "lora", "--lr", str(lr), "--steps", "2", "--batch-size", "4",
                        "--eval-every", "1", "--limit", "8", "--out", out]) == 0
    assert ts.main(["train", "--strategy", "full", "--lr", "1e-4", "--steps", "1", "--batch-size", "4",
                    "--limit", "8", "--out", out]) == 0
    runs = ts.read_runs(out)
    assert len(runs) == 3 and all(r["n_val"] == 8 and r["best"]["step"] >= 1 for r in runs)
    best_lora = max((r for r in runs if r["strategy"] == "lora"), key=lambda r: (r["best"]["val_accuracy"],
                                                                              -r["best"]["val_loss"]))
    assert ts.choose(runs)["lora"][0] == best_lora["lr"]           # chosen on validation only
    assert ts.main(["select", "--out", out]) == 0
    assert "paired bootstrap" in capsys.readouterr().out
    assert ts.main(["table", "--out", out]) == 0
    assert "| LoRA r=8" in capsys.readouterr().out
