"""Week 5 project scripts: smoke runs on the shipped story model (seconds), and the real-GPT-2 recipes,
skipped unless GPT-2 124M is in the local Hugging Face cache (nothing is downloaded)."""
import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))     # the repo root holds solutions/
from solutions.week5 import icl_sentiment, summarization  # noqa: E402

from tinygrad_lm.checkpoints.hub import resolve  # noqa: E402


def _have(name):
    try:
        resolve(name)
        return True
    except FileNotFoundError:
        return False


def test_summarization_train_and_evaluate_smoke(tmp_path):
    out = tmp_path / "sum"
    assert summarization.main(["train", "--model", "tinystories-3m", "--limit", "16", "--dev-size", "4",
                               "--minutes", "5", "--max-steps", "4", "--eval-every", "2", "--batch-size", "2",
                               "--out", str(out)]) == 0
    hist = json.loads((out / "history.json").read_text())
    assert [h["step"] for h in hist] == [2, 4] and all(h["val_loss"] > 0 for h in hist)
    assert summarization.main(["evaluate", "--checkpoint", str(out / "best.safetensors"), "--limit", "2",
                               "--out", str(tmp_path / "r.json")]) == 0
    res = json.loads((tmp_path / "r.json").read_text())
    assert res["n"] == 2 and set(res["ref1"]) == {"rouge1", "rouge2", "rougeL"}
    lo, mid, hi = res["ref1"]["rougeL"]
    assert 0 <= lo <= mid <= hi <= 100


def test_summary_examples_mask_the_prompt():
    from tinygrad_lm.models.pretrained import load
    _, tok, info = load("tinystories-3m")
    recs = [{"dialogue": "#Person1#: hi there.\n#Person2#: hello.", "summaries": ["they greet."]}]
    (x, y), = summarization.encode_examples(tok, recs, 128, info["eos_token_id"])
    n_sum = len(tok.encode(" they greet.")) + 1
    assert (y != -100).sum() == n_sum and y[-1] == info["eos_token_id"]


def test_icl_sentiment_smoke(tmp_path):
    res = icl_sentiment.run("tinystories-3m", [0, 2], n=4)
    assert set(res) == {0, 2} and all(0 <= r["accuracy_sum"] <= 1 for r in res.values())


@pytest.mark.skipif(not _have("gpt2"), reason="GPT-2 124M is not in the local Hugging Face cache (never downloaded)")
def test_gpt2_zero_shot_tldr():
    assert summarization.main(["zeroshot", "--model", "gpt2", "--limit", "3"]) == 0


def test_qa_baselines_small():
    from solutions.week5 import qa_baselines
    ctx = "The Normans were in Normandy. They came from Denmark in the 10th century. Rollo led them."
    ans = qa_baselines.sliding_window_answer(ctx, "Who led the Normans?")
    assert ans and ans in ctx, ans
    assert qa_baselines.main(["--limit", "20"]) == 0
