"""Week 5 project, part 2 baselines: what a SQuAD v2 system must beat, computed with our metric.

    python -m solutions.week5.qa_baselines                 # both baselines on data/squad_v2_dev_subset

1. Always "no answer": every prediction is "". Its exact match and F1 both equal the fraction of
   unanswerable questions (702 / 1,407 = 49.89 on the shipped subset): the floor of SQuAD 2.0.
2. The sliding-window baseline of Rajpurkar et al. (2016, section 5), after Richardson et al. (2013):
   a) split the context into sentences; keep the sentence(s) with the largest unigram + bigram
      overlap with the question;
   b) candidates = every span of 1-4 tokens of those sentences that is not made only of question
      words or stopwords (the paper used parse-tree constituents; we have no parser, so short spans);
   c) score a candidate a by Richardson's sliding window over the passage P: S = question words
      + words of a; IC(w) = log(1 + 1 / count_P(w)); score = max over windows of |S| tokens of
      the sum of IC(w) for the window's tokens that are in S; the best-scoring candidate wins
      (ties: the first in the passage).
   It always answers, so on SQuAD 2.0 its NoAns score is 0: the number to beat is its HasAns F1.

Legend: P passage tokens, Q question tokens.
"""
import argparse
import json
import math
import re
import sys
from collections import Counter

from tqdm import tqdm

from tinygrad_lm.datasets.squad import load_squad_v2_dev
from tinygrad_lm.metrics import squad_v2

TOKEN = re.compile(r"\w+(?:[-'.]\w+)*|[^\w\s]")
STOP = frozenset("a an the of in on at to for by with from and or is are was were be been what which who whom "
                 "whose when where why how did do does that this these those it its as than".split())


def tokens_with_offsets(text):
    return [(m.group(0), m.start(), m.end()) for m in TOKEN.finditer(text)]


def sentences(tokens):
    """Token index ranges [(start, end)) of sentences: a token '.', '?' or '!' ends one."""
    out, start = [], 0
    for i, (tok, _, _) in enumerate(tokens):
        if tok in (".", "?", "!"):
            out.append((start, i + 1))
            start = i + 1
    if start < len(tokens):
        out.append((start, len(tokens)))
    return out


def overlap(words, question):
    """Unigram + bigram overlap of a sentence's lowercase words with the question's."""
    uni = len(set(words) & set(question))
    bi = len(set(zip(words, words[1:])) & set(zip(question, question[1:])))
    return uni + bi


def sliding_window_answer(context, question):
    toks = tokens_with_offsets(context)
    words = [t.lower() for t, _, _ in toks]
    q = [t.lower() for t, _, _ in tokens_with_offsets(question) if t[0].isalnum()]
    if not toks:
        return ""
    sents = sentences(toks)
    scores = [overlap(words[a:b], q) for a, b in sents]
    best_sents = [s for s, sc in zip(sents, scores) if sc == max(scores)]
    count = Counter(words)
    ic = {w: math.log(1 + 1 / c) for w, c in count.items()}
    qset = set(q)
    best, best_score = None, -1.0
    for a, b in best_sents:
        for i in range(a, b):
            for j in range(i + 1, min(b, i + 4) + 1):
                span = words[i:j]
                if all(w in qset or w in STOP or not w[0].isalnum() for w in span):
                    continue
                S = qset | set(span)
                width = len(S)
                score = 0.0
                for start in range(0, max(1, len(words) - width + 1)):
                    s = sum(ic[w] for w in words[start:start + width] if w in S)
                    score = max(score, s)
                if score > best_score:
                    best, best_score = (i, j), score
    if best is None:
        return ""
    return context[toks[best[0]][1]:toks[best[1] - 1][2]]


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m solutions.week5.qa_baselines", description=__doc__.split("\n\n")[0])
    p.add_argument("--limit", type=int, default=None, help="only the first N questions")
    p.add_argument("--out", default=None, help="write the scores as JSON here")
    args = p.parse_args(argv)
    dev = load_squad_v2_dev()[:args.limit]
    none = squad_v2(dev, {r["id"]: "" for r in dev})
    window = squad_v2(dev, {r["id"]: sliding_window_answer(r["context"], r["question"])
                            for r in tqdm(dev, desc="sliding window", unit="question", file=sys.stdout)})
    for name, res in (("always no answer", none), ("sliding window", window)):
        print(f"{name:<18} EM {res['exact']:6.2f}  F1 {res['f1']:6.2f}  |  HasAns EM {res.get('HasAns_exact', 0):6.2f} "
              f"F1 {res.get('HasAns_f1', 0):6.2f}  |  NoAns {res.get('NoAns_exact', 0):6.2f}   ({res['total']} questions)")
    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            json.dump({"no_answer": none, "sliding_window": window}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
