"""Week 5's real-GPT-2 recipes (issue 17, section 5) run end to end on a STAND-IN GPT-2: a tiny random
model with GPT-2's real tokenizer (data/gpt2_bpe) and vocabulary (50,257), written in the Hugging Face
cache layout (models--openai-community--gpt2/snapshots/<rev>/) in a temporary directory. So the code a
learner with the real weights runs (`--model gpt2`: zero-shot TL;DR, summarization fine-tuning, generative
QA) is exercised here without them; the numbers are meaningless (random weights). The real-weights runs
are tests/test_week5_projects.py::test_gpt2_zero_shot_tldr (skipped when GPT-2 is not cached)."""
import json
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))                    # the repo root holds solutions/
from solutions.week5 import generative_qa, summarization  # noqa: E402

from tinygrad_lm.checkpoints.hub import resolve  # noqa: E402
from tinygrad_lm.models import GPT, GPTConfig  # noqa: E402
from tinygrad_lm.models.gpt2_hf import save_pretrained  # noqa: E402
from tinygrad_lm.random import manual_seed  # noqa: E402


@pytest.fixture
def stand_in_gpt2(tmp_path, monkeypatch):
    manual_seed(0)
    model = GPT(GPTConfig(vocab_size=50257, block_size=256, n_layer=1, n_head=2, n_embd=16))
    repo = tmp_path / "hub" / "models--openai-community--gpt2"
    snap = repo / "snapshots" / "0123abcd"
    save_pretrained(model, str(snap), extra_config={"eos_token_id": 50256})
    shutil.copy(ROOT / "data" / "gpt2_bpe" / "encoder.json", snap / "vocab.json")      # HF's file names
    shutil.copy(ROOT / "data" / "gpt2_bpe" / "vocab.bpe", snap / "merges.txt")
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text("0123abcd")
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))
    assert Path(resolve("gpt2")) == snap
    return snap


def test_gpt2_zero_shot_tldr_recipe(stand_in_gpt2, capsys):
    assert summarization.main(["zeroshot", "--model", "gpt2", "--limit", "2", "--max-new-tokens", "4"]) == 0
    assert "zero-shot TL;DR" in capsys.readouterr().out


def test_gpt2_summarization_finetune_recipe(stand_in_gpt2, tmp_path):
    out = tmp_path / "sum"
    assert summarization.main(["train", "--model", "gpt2", "--limit", "8", "--dev-size", "2", "--minutes", "5",
                               "--max-steps", "2", "--eval-every", "2", "--batch-size", "2", "--out", str(out)]) == 0
    assert summarization.main(["evaluate", "--checkpoint", str(out / "best.safetensors"), "--limit", "2",
                               "--out", str(tmp_path / "r.json")]) == 0
    assert json.loads((tmp_path / "r.json").read_text())["n"] == 2


def test_gpt2_generative_qa_recipe(stand_in_gpt2, tmp_path):
    out = tmp_path / "qa"
    assert generative_qa.main(["train", "--model", "gpt2", "--limit", "8", "--minutes", "5", "--max-steps", "2",
                               "--eval-every", "2", "--batch-size", "2", "--held-out-limit", "4",
                               "--out", str(out)]) == 0
    assert generative_qa.main(["evaluate", "--checkpoint", str(out / "best.safetensors"), "--limit", "4",
                               "--out", str(tmp_path / "qa.json")]) == 0
    res = json.loads((tmp_path / "qa.json").read_text())
    assert {"exact", "f1", "total"} <= set(res.get("scores", res))
