"""Week 5 project, part 0: in-context learning on movie reviews: does a small model learn from shots?

    python -m solutions.week5.icl_sentiment --model course-base-8m --shots 0 1 4 8 --n 300

For each test review of rt_polarity (week 1's data and split), build a k-shot prompt with k training
reviews drawn at random (a fresh draw per test review, seeded), then read the model's answer by
ranking the two candidates " positive" / " negative" by log-likelihood (GPT-3's method for
classification; summed over the candidate's tokens and per-token, both reported). The prompt is cut
from the left when it does not fit the context (the query stays). Week 1's NB-LR classifier, trained on
all 9,596 training reviews, is the number to compare with (80.96% on this test split, week 1 README).

GPT-3 (Figure 1.2, Table 3.x) shows few-shot gains growing with model size; a model of a few million
parameters is expected to sit near chance whatever k is. This script measures it honestly.

Legend: k shots, n test reviews.
"""
import argparse
import json
import os
import sys
import time

import numpy as np
from tqdm import tqdm

from tinygrad_lm.datasets import load_rt_polarity
from tinygrad_lm.generation.in_context import kshot_prompt, rank_candidates
from tinygrad_lm.models.pretrained import load

CANDIDATES = (" negative", " positive")           # index = label id (rt_polarity: 0 negative, 1 positive)
INSTRUCTION = "Decide whether each movie review is positive or negative."


def label_names(ds):
    return {i: ("positive" if c in ("1", "pos", "positive") else "negative") for i, c in enumerate(ds.classes)}


def run(model_name, shots, n, seed=0):
    model, tok, info = load(model_name)
    train, test = load_rt_polarity("train"), load_rt_polarity("test")
    names = label_names(train)
    train_pairs = [(t, names[y]) for t, y in zip(train.texts, train.y())]
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(test.texts))[:n]
    lower = info["lowercase"]
    results = {}
    for k in shots:
        correct = {"sum": 0, "token": 0}
        pred_pos = 0
        t0 = time.perf_counter()
        for i in tqdm(order, desc=f"{k}-shot", unit="review", file=sys.stdout, mininterval=2.0):
            prompt = kshot_prompt(train_pairs, test.texts[i], k=k, rng=rng, instruction=INSTRUCTION)
            prompt = prompt.lower() if lower else prompt
            truth = CANDIDATES.index(" " + names[test.y()[i]])
            for norm in ("sum", "token"):
                best, _ = rank_candidates(model, tok, prompt, CANDIDATES, normalize=norm)
                correct[norm] += int(best == truth)
                pred_pos += int(norm == "sum" and best == 1)
        results[k] = {"accuracy_sum": correct["sum"] / len(order), "accuracy_token": correct["token"] / len(order),
                      "predicted_positive": pred_pos / len(order), "seconds": round(time.perf_counter() - t0, 1)}
        print(f"{k}-shot: accuracy {results[k]['accuracy_sum']:.1%} (summed log-prob), "
              f"{results[k]['accuracy_token']:.1%} (per token); says positive {results[k]['predicted_positive']:.0%}")
    return results


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m solutions.week5.icl_sentiment", description=__doc__.split("\n\n")[0])
    p.add_argument("--model", default="course-base-8m")
    p.add_argument("--shots", type=int, nargs="+", default=[0, 1, 4, 8])
    p.add_argument("--n", type=int, default=300, help="test reviews (of 1,066)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default="runs/week5/icl_sentiment.json")
    args = p.parse_args(argv)
    results = run(args.model, args.shots, args.n, args.seed)
    os.makedirs(os.path.dirname(args.out) or ".", exist_ok=True)
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump({"model": args.model, "n": args.n, "results": results}, f, indent=1)
    print(f"wrote {args.out}  (chance 50%; week 1's NB-LR on the same test split: 80.96%)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
