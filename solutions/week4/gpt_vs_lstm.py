"""Week 4 project, part 2: a GPT and week 3's LSTM on tiny Shakespeare, at the same wall-clock budget.

Run on the reference:      python -m solutions.week4.gpt_vs_lstm                  (~4 min idle)
                           python -m solutions.week4.gpt_vs_lstm --preset shakespeare-15min   (~31 min)
Options: --preset nanogpt-cpu|shakespeare-15min|tiny  --out runs/gpt_vs_lstm  --data ...

1. trains a character GPT with `tglm train gpt --preset <preset>` and times it (T seconds);
2. trains week 3's character LSTM (`tglm train char-lstm`, its defaults) for the same T seconds;
3. scores both on the WHOLE validation split (the last 10% of the text, nats per character) and
   writes <out>/gpt_vs_lstm.svg (validation loss vs wall-clock seconds) and <out>/results.json.
Both models see the same characters, split and tokenizer; "same budget" is wall time on this machine,
so the answer depends on how fast each implementation is here, which is the point: it is the
question a practitioner with one laptop and one afternoon actually faces.
Does not handle: BPE tokens for the GPT (the LSTM is character-level; losses per token would not
compare), several seeds (run it twice with --seed).
"""
import argparse
import json
import os
import sys
import time

from tinygrad_lm.cli.train import main as tglm_train
from tinygrad_lm.training.lm import GPT_PRESETS
from tinygrad_lm.plot import line_chart


def run_gpt(args):
    out = os.path.join(args.out, "gpt")
    t0 = time.perf_counter()
    code = tglm_train(["gpt", "--preset", args.preset, "--data", args.data, "--out", out, "--seed", str(args.seed),
                           "--sample-tokens", "0", "--overwrite"])
    seconds = time.perf_counter() - t0
    if code != 0:
        raise SystemExit(f"gpt_vs_lstm: the GPT run failed (exit {code})")
    return out, seconds


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--preset", default="nanogpt-cpu", choices=sorted(GPT_PRESETS))
    p.add_argument("--data", default="data/tiny_shakespeare/input.txt")
    p.add_argument("--out", default="runs/gpt_vs_lstm")
    p.add_argument("--seed", type=int, default=1337)
    args = p.parse_args(argv)
    if not os.path.exists(args.data):
        print(f"gpt_vs_lstm: {args.data!r} not found (run from the repository root)", file=sys.stderr)
        return 2
    os.makedirs(args.out, exist_ok=True)

    gpt_out, budget = run_gpt(args)                                   # 1. the GPT, timed
    lstm_out = os.path.join(args.out, "lstm")
    if tglm_train(["char-lstm", "--data", args.data, "--out", lstm_out,   # 2. same seconds
                                "--time", f"{budget:.0f}", "--overwrite"]) != 0:
        raise SystemExit("gpt_vs_lstm: the LSTM run failed")

    gpt_hist = json.load(open(os.path.join(gpt_out, "history.json")))
    whole_split = json.load(open(os.path.join(gpt_out, "result.json")))["best_val_loss_whole_split"]
    lstm_hist = json.load(open(os.path.join(lstm_out, "history.json")))   # its evals use the whole split
    results = {                                                       # 3. whole validation split
        "budget_s": round(budget, 1),
        "gpt": {"val_loss": whole_split, "steps": gpt_hist[-1]["step"]},
        "lstm": {"val_loss": min(h["val_loss"] for h in lstm_hist), "steps": lstm_hist[-1]["step"]},
    }
    with open(os.path.join(args.out, "results.json"), "w") as f:
        json.dump(results, f, indent=1)
    line_chart({"GPT val loss": ([h["elapsed"] for h in gpt_hist], [h["val_loss"] for h in gpt_hist]),
                "LSTM val loss": ([h["elapsed"] for h in lstm_hist], [h["val_loss"] for h in lstm_hist])},
               os.path.join(args.out, "gpt_vs_lstm.svg"), title=f"GPT ({args.preset}) vs LSTM, same wall time",
               xlabel="seconds", ylabel="val loss (nats/char)")
    print(f"\nsame budget: {budget:.0f} s on this machine")
    print(f"{'model':<8}{'steps':>8}{'val loss (whole split, nats/char)':>36}")
    for name in ("gpt", "lstm"):
        print(f"{name:<8}{results[name]['steps']:>8}{results[name]['val_loss']:>36.4f}")
    print(f"chart: {os.path.join(args.out, 'gpt_vs_lstm.svg')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
