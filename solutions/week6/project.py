"""Week 6 project: evaluate week 5's DialogSum summarizer with automatic metrics and a human evaluation.

Three systems on the 500 DialogSum test dialogues:
    finetuned  week 5's course base model fine-tuned on DialogSum, greedy (docs/results/week5_sum_ft_greedy.json)
    scratch    the same architecture trained on DialogSum only, greedy (docs/results/week5_sum_scratch_greedy.json)
    lead2      the first two utterances of the dialogue (solutions/week5/baselines.py, the Lead-2 recipe)

    python -m solutions.week6.project metrics [--limit N]        # the table: JSON + markdown (about 1-2 min)
    python -m solutions.week6.project items                       # blind pairwise items for `tglm human-eval`
    python -m solutions.week6.project preview --next 20           # the next screens annotator 1 will see (blind)
    tglm human-eval docs/results/week6_human/items.jsonl --annotator "..." --out .../annotator1.jsonl < keys.txt
    python -m solutions.week6.project analyze                     # human statistics, Kendall tau, chart
    ... metrics --impl exercises / analyze --impl exercises       # also run YOUR week 6 functions beside the library

Metrics (library code, each equal to its reference tool; per system, against summary1):
  ROUGE-1/2/L/Lsum F x 100 with stemming (= rouge-score), mean over dialogues and a 95% bootstrap interval
    (BootstrapAggregator, 1,000 resamples, seed 0; "mid" is the median of the resampled means). ROUGE-Lsum
    needs one sentence per line: summaries are split after . ! ? followed by a space (rouge-score's
    HF-style usage splits with NLTK; DialogSum summaries are short, so the two rarely differ).
  corpus BLEU and chrF2 with sacreBLEU's defaults (13a, mixed case, exp smoothing), 95% interval from the
    paired bootstrap's resamples; BLEU against all three references too (JSON only).
  distinct-2 over whitespace tokens: corpus (unique bigrams of all outputs / all bigrams) and the mean of
    the per-summary ratios; length in whitespace words: mean, median, and sum(system) / sum(reference).
  paired bootstrap (Koehn 2004; 1,000 resamples, seed 0) for every pair of systems and every score above;
    ROUGE resamples the per-dialogue scores (a mean), BLEU / chrF re-add the sufficient statistics.
Human evaluation: 60 dialogues drawn with random.Random(6).sample from the 500, every pair of the three
  systems on each (180 comparisons + the harness's attention checks); the first 20 of them for annotator 2.
Analysis: the harness's statistics (win rates, Wilson intervals, sign test, Bradley-Terry, kappa), then
  Kendall's tau-b (metrics/correlation.py, = scipy) between each metric and the human judgements:
  system level: the 3 systems' metric scores on the judged dialogues against their Bradley-Terry ratings
    (with 3 systems tau is -1, -1/3, 1/3 or 1: a description, not a test);
  item level: over every judgement (x vs y on one dialogue), the human preference coded +1 / 0 / -1 against
    the metric difference score(x) - score(y) with sentence-level scores (ROUGE F, sacreBLEU sentence_bleu,
    sentence chrF, length); also the plain agreement: on non-tie judgements, the share where the metric
    prefers the human's winner (metric ties counted apart).
--impl exercises (default: solutions): every number above is the library's; the learner's functions of tasks
  6.4-6.11 are run beside it and printed as "yours vs library" (corpus BLEU, chrF, the paired bootstrap of ROUGE-L,
  Wilson intervals of the win shares, Bradley-Terry ratings, Cohen's kappa); an unfinished task says so.
Does not handle: other decoding settings (week 5 has beam results), references 2-3 for ROUGE, significance of
tau at the system level (3 points).
"""
import argparse
import io
import json
import os
import random
import re
import shutil
import statistics
import sys
import tempfile

import numpy as np
from tqdm import tqdm

from tinygrad_lm import plot
from tinygrad_lm.course import load, pop_impl
from tinygrad_lm.course.proxy import current_impl
from tinygrad_lm.datasets.dialogsum import load_dialogsum
from tinygrad_lm.metrics import (BootstrapAggregator, RougeScorer, corpus_bleu, corpus_chrf, distinct_n,
                                 kendall_tau_b, paired_bootstrap, read_records, sentence_bleu, sentence_chrf,
                                 wilson_interval)
from tinygrad_lm.metrics.human_eval import load_items, write_jsonl
from tinygrad_lm.metrics.human_eval_stats import analyze as analyze_records
from tinygrad_lm.metrics.human_eval_stats import format_report, preference_label, split_records
from tinygrad_lm.paths import REPO_ROOT
from tinygrad_lm.training.loop import write_json

from ..week5.baselines import lead

RESULTS = os.path.join(str(REPO_ROOT), "docs", "results")
HUMAN = os.path.join(RESULTS, "week6_human")
PRED_FILES = {"finetuned": os.path.join(RESULTS, "week5_sum_ft_greedy.json"),
              "scratch": os.path.join(RESULTS, "week5_sum_scratch_greedy.json")}
SYSTEMS = ("finetuned", "scratch", "lead2")
PAIRS = (("lead2", "finetuned"), ("lead2", "scratch"), ("scratch", "finetuned"))   # (A = baseline, B)
ROUGE_TYPES = ("rouge1", "rouge2", "rougeL", "rougeLsum")
LABELS = {"rouge1": "ROUGE-1", "rouge2": "ROUGE-2", "rougeL": "ROUGE-L", "rougeLsum": "ROUGE-Lsum",
          "bleu": "BLEU", "bleu_tag1": "BLEU, speaker tag = 1 token", "chrf": "chrF2", "words": "length (words)"}
ANNOTATOR1 = "claude-helper (AI agent acting as developer-annotator)"
N_ITEMS, N_SECOND, ITEM_SEED = 60, 20, 6
# --impl exercises: your week 6 functions are run beside the library's (default: the reference solutions)
bleu_mod, chrf_mod, sig_mod = load("week6.bleu"), load("week6.chrf"), load("week6.significance")
pref_mod, ratings_mod, agree_mod = load("week6.preference"), load("week6.ratings"), load("week6.agreement")
_SENT_END = re.compile(r"(?<=[.!?])\s+")
_TAG = re.compile(r"#Person(\d)#")


# ---- the systems --------------------------------------------------------------------------------------------------

def load_systems(limit=None):
    """-> (test rows, {system: [summary per test dialogue]}) in test-file order."""
    test = load_dialogsum("test")
    systems = {}
    for name, path in PRED_FILES.items():
        with open(path, encoding="utf-8") as f:
            rows = json.load(f)["summaries"]
        if [r["fname"] for r in rows] != [t["fname"] for t in test]:
            raise ValueError(f"{path}: its summaries are not the {len(test)} test dialogues in file order")
        systems[name] = [r["prediction"] for r in rows]
    systems["lead2"] = [lead(t["dialogue"], 2) for t in test]
    if limit:
        test, systems = test[:limit], {k: v[:limit] for k, v in systems.items()}
    return test, systems


def sentence_lines(text: str) -> str:
    """One sentence per line, for ROUGE-Lsum."""
    return "\n".join(s for s in _SENT_END.split(text.strip()) if s)


def words(text: str) -> int:
    return len(text.split())


def tag_as_token(text: str) -> str:
    """"#Person1#" -> "Person1": BLEU's 13a tokenizer splits the tag into three tokens "# Person1 #", so every tag
    in both texts adds matching 1-, 2- and 3-grams (ROUGE's tokenizer drops the "#" and keeps one token)."""
    return _TAG.sub(r"Person\1", text)


# ---- automatic metrics --------------------------------------------------------------------------------------------

class SegmentScores:
    """Sentence-level scores of one (prediction, reference) pair, cached: ROUGE F x 100, sentence BLEU, chrF."""

    def __init__(self):
        self.scorer = RougeScorer(list(ROUGE_TYPES), use_stemmer=True)
        self.cache = {}

    def rouge(self, pred: str, ref: str) -> dict:
        key = (pred, ref)
        if key not in self.cache:
            s = self.scorer.score(sentence_lines(ref), sentence_lines(pred))
            self.cache[key] = {t: 100 * s[t].fmeasure for t in ROUGE_TYPES}
        return self.cache[key]

    def all(self, pred: str, ref: str) -> dict:
        out = dict(self.rouge(pred, ref))
        out["bleu"] = sentence_bleu(pred, [ref]).score
        out["bleu_tag1"] = sentence_bleu(tag_as_token(pred), [tag_as_token(ref)]).score
        out["chrf"] = sentence_chrf(pred, [ref]).score
        out["words"] = float(words(pred))
        return out


def rouge_mean_fn(seg: SegmentScores, rouge_type: str):
    """A metric_fn(hyps, refs) for paired_bootstrap: the mean per-dialogue ROUGE F (from the cache)."""
    def fn(hyps, refs):
        return float(np.mean([seg.rouge(h, r)[rouge_type] for h, r in zip(hyps, refs[0])]))
    return fn


def metric_table(test, systems, n_samples=1000, seed=0) -> dict:
    """Every automatic number of the project for the given dialogues -> JSON-ready dict."""
    refs1 = [t["summaries"][0] for t in test]
    refs3 = [[t["summaries"][i] for t in test] for i in range(3)]
    seg = SegmentScores()
    res = {"n": len(test), "samples": n_samples, "seed": seed, "systems": {}, "pairs": []}
    for name, hyps in systems.items():
        agg = BootstrapAggregator(n_samples=n_samples, seed=seed)
        for h, r in tqdm(list(zip(hyps, refs1)), desc=f"ROUGE {name}", unit="dialogue", file=sys.stderr,
                         leave=False):
            agg.add_scores({t: (v,) for t, v in seg.rouge(h, r).items()})
        rouge = {t: {"mean": float(np.mean([seg.rouge(h, r)[t] for h, r in zip(hyps, refs1)])),
                     "low": a.low[0], "mid": a.mid[0], "high": a.high[0]} for t, a in agg.aggregate().items()}
        b1 = corpus_bleu(hyps, [refs1])
        lens, rlens = [words(h) for h in hyps], [words(r) for r in refs1]
        d2 = distinct_n(hyps, 2)
        res["systems"][name] = {
            "rouge": rouge,
            "bleu": {"score": b1.score, "signature": b1.signature, "bp": b1.bp, "precisions": b1.precisions},
            "bleu_3refs": corpus_bleu(hyps, refs3).score,
            "bleu_tag1": corpus_bleu([tag_as_token(h) for h in hyps], [[tag_as_token(r) for r in refs1]]).score,
            "chrf": {"score": corpus_chrf(hyps, [refs1]).score},
            "distinct2": {"corpus": d2.corpus, "sentence_mean": d2.sentence_mean},
            "length": {"mean": float(np.mean(lens)), "median": float(statistics.median(lens)),
                       "ratio": sum(lens) / sum(rlens)}}
    lens = [words(r) for r in refs1]
    d2 = distinct_n(refs1, 2)
    res["reference"] = {"distinct2": {"corpus": d2.corpus, "sentence_mean": d2.sentence_mean},
                        "length": {"mean": float(np.mean(lens)), "median": float(statistics.median(lens)), "ratio": 1.0}}
    fns = {"bleu": corpus_bleu, "chrf": corpus_chrf, **{t: rouge_mean_fn(seg, t) for t in ROUGE_TYPES}}
    for a, b in tqdm([p for p in PAIRS if p[0] in systems and p[1] in systems], desc="paired bootstrap",
                     unit="pair", file=sys.stderr):
        row = {"a": a, "b": b}
        for m, fn in fns.items():
            pb = paired_bootstrap(fn, systems[a], systems[b], [refs1], n_samples=n_samples, seed=seed)
            row[m] = {"a": pb.score_a, "b": pb.score_b, "diff": pb.diff, "lo": pb.diff_interval[0],
                      "hi": pb.diff_interval[1], "p": pb.p_value}
            if m in ("bleu", "chrf"):              # the same draws for every pair: one interval per system
                for s, iv in ((a, pb.interval_a), (b, pb.interval_b)):
                    res["systems"][s][m]["low"], res["systems"][s][m]["high"] = iv
        res["pairs"].append(row)
    return res


def _iv(d, key="mean"):
    return f"{d[key]:.2f} [{d['low']:.2f}, {d['high']:.2f}]"


def metric_markdown(res: dict) -> str:
    L = [f"DialogSum test, {res['n']} dialogues, reference = summary1; [95% bootstrap interval], "
         f"{res['samples']} resamples, seed {res['seed']}.", "",
         "| system | ROUGE-1 | ROUGE-2 | ROUGE-L | ROUGE-Lsum | BLEU | chrF2 | distinct-2 (corpus / mean) | "
         "words mean / median (x ref) |", "| --- | " + " | ".join(["---:"] * 8) + " |"]
    for name, s in res["systems"].items():
        L.append(f"| {name} | " + " | ".join(_iv(s["rouge"][t]) for t in ROUGE_TYPES) +
                 f" | {_iv(s['bleu'], 'score')} | {_iv(s['chrf'], 'score')} | "
                 f"{s['distinct2']['corpus']:.3f} / {s['distinct2']['sentence_mean']:.3f} | "
                 f"{s['length']['mean']:.1f} / {s['length']['median']:.0f} ({s['length']['ratio']:.2f}) |")
    r = res["reference"]
    L.append("| reference (summary1) | | | | | | | "
             f"{r['distinct2']['corpus']:.3f} / {r['distinct2']['sentence_mean']:.3f} | "
             f"{r['length']['mean']:.1f} / {r['length']['median']:.0f} |")
    L += ["", "Paired bootstrap, B - A [95% interval] (p):", "",
          "| A | B | " + " | ".join(LABELS[m] for m in (*ROUGE_TYPES, "bleu", "chrf")) + " |",
          "| --- | --- | " + " | ".join(["---:"] * 6) + " |"]
    for row in res["pairs"]:
        L.append(f"| {row['a']} | {row['b']} | " + " | ".join(
            f"{row[m]['diff']:+.2f} [{row[m]['lo']:+.2f}, {row[m]['hi']:+.2f}] ({row[m]['p']:.3g})"
            for m in (*ROUGE_TYPES, "bleu", "chrf")) + " |")
    sig = next(iter(res["systems"].values()))["bleu"]["signature"]
    L += ["", f"BLEU signature: `{sig}`; chrF2 with sacreBLEU's defaults (char order 6, beta 2). "
          "BLEU against all three references: " + ", ".join(
              f"{k} {s['bleu_3refs']:.2f}" for k, s in res["systems"].items()) + "; with each speaker tag "
          "`#PersonN#` written as one token `PersonN` (13a splits it into `# PersonN #`): " + ", ".join(
              f"{k} {s['bleu_tag1']:.2f}" for k, s in res["systems"].items()) + "."]
    return "\n".join(L) + "\n"


def _yours(fn):
    """Run one of the learner's functions; an unfinished task gives its message instead of a number."""
    try:
        return fn()
    except NotImplementedError as e:
        task = re.search(r"task \d+\.\d+", str(e))
        return f"not implemented yet ({task.group(0)})" if task else "not implemented yet"


def yours_metrics(test, systems, res) -> dict:
    """Your corpus BLEU and chrF per system and your paired bootstrap (ROUGE-L, lead2 -> finetuned) beside ours."""
    refs = [t["summaries"][0] for t in test]
    out = {}
    for name, hyps in systems.items():
        out[name] = {"bleu": (_yours(lambda: float(bleu_mod.corpus_bleu(hyps, [[r] for r in refs]))),
                              res["systems"][name]["bleu"]["score"]),
                     "chrf": (_yours(lambda: float(chrf_mod.chrf(hyps, refs))), res["systems"][name]["chrf"]["score"])}
    if "lead2" in systems and "finetuned" in systems:
        seg = SegmentScores()
        st = {s: np.array([[seg.rouge(h, r)["rougeL"]] for h, r in zip(systems[s], refs)]) for s in ("lead2", "finetuned")}
        row = next(r for r in res["pairs"] if (r["a"], r["b"]) == ("lead2", "finetuned"))["rougeL"]
        b = _yours(lambda: sig_mod.paired_bootstrap(st["lead2"], st["finetuned"], lambda x: float(x[0]) / len(refs),
                                                    n_samples=res["samples"], seed=res["seed"]))
        out["paired_bootstrap_rougeL_lead2_finetuned"] = (
            b if isinstance(b, str) else {"diff": b.diff, "p": b.p_value, "interval": list(b.interval)},
            {"diff": row["diff"], "p": row["p"], "interval": [row["lo"], row["hi"]]})
    return out


def _fmt_yours(v) -> str:
    if isinstance(v, float):
        return f"{v:.4f}"
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_fmt_yours(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k}: {_fmt_yours(x)}" for k, x in v.items()) + "}"
    return str(v)


def _print_yours(title, yours: dict):
    """Print {name: (yours, library)} or {name: {sub: (yours, library)}} as "yours ... library ..." lines."""
    print(f"\n{title} (yours = --impl {current_impl()}; library beside it):")
    for k, v in yours.items():
        rows = v.items() if isinstance(v, dict) else [("", v)]
        for sub, (mine, lib) in rows:
            print(f"  {(k + ' ' + sub).strip():<24} yours {_fmt_yours(mine)}\n  {'':<24} lib   {_fmt_yours(lib)}")


def cmd_metrics(argv) -> int:
    p = argparse.ArgumentParser(prog="python -m solutions.week6.project metrics")
    p.add_argument("--limit", type=int, default=None, help="only the first N test dialogues (smoke runs)")
    p.add_argument("--samples", type=int, default=1000, help="bootstrap resamples")
    p.add_argument("--out", default=os.path.join(RESULTS, "week6_metrics.json"), help="JSON; the .md goes beside it")
    args = p.parse_args(argv)
    test, systems = load_systems(args.limit)
    res = metric_table(test, systems, args.samples)
    res["yours"] = yours_metrics(test, systems, res)
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    write_json(args.out, res)
    md = metric_markdown(res)
    with open(os.path.splitext(args.out)[0] + ".md", "w", encoding="utf-8") as f:
        f.write(md)
    print(md + f"\nwrote {args.out} and its .md")
    _print_yours("your week 6 functions on the same outputs", res["yours"])
    return 0


# ---- human evaluation: items, and the blind preview of the next screens -------------------------------------------

def make_items(test, systems, n=N_ITEMS, seed=ITEM_SEED) -> list:
    """n items {id, input, outputs} for dialogues sampled with random.Random(seed), in sample order."""
    if not 1 <= n <= len(test):
        raise ValueError(f"n must be between 1 and {len(test)} dialogues, got {n}")
    picked = random.Random(seed).sample(range(len(test)), n)
    return [{"id": test[i]["fname"], "input": test[i]["dialogue"], "outputs": {s: systems[s][i] for s in SYSTEMS}}
            for i in picked]


def cmd_items(argv) -> int:
    p = argparse.ArgumentParser(prog="python -m solutions.week6.project items")
    p.add_argument("--n", type=int, default=N_ITEMS)
    p.add_argument("--second", type=int, default=N_SECOND, help="items (the first of the sample) for annotator 2")
    p.add_argument("--dir", default=HUMAN)
    args = p.parse_args(argv)
    test, systems = load_systems()
    items = make_items(test, systems, args.n)
    os.makedirs(args.dir, exist_ok=True)
    write_jsonl(os.path.join(args.dir, "items.jsonl"), items)
    write_jsonl(os.path.join(args.dir, "items_annotator2.jsonl"), items[:args.second])
    print(f"wrote {len(items)} items ({3 * len(items)} comparisons) and the first {args.second} for annotator 2 "
          f"to {args.dir}")
    return 0


def preview_screens(items_path, annotator, out, n, seed=0, checks=0.1) -> str:
    """The next n screens `tglm human-eval` will show this annotator, exactly as it draws them (the harness runs
    on a temporary copy of the judgements file with n dummy answers, which are thrown away)."""
    from tinygrad_lm.cli.human_eval import run_pairwise
    with tempfile.TemporaryDirectory() as tmp:
        copy = os.path.join(tmp, "judgements.jsonl")
        if os.path.exists(out):
            shutil.copy(out, copy)
        screen = io.StringIO()
        run_pairwise(load_items(items_path), copy, annotator, seed, checks, stdin=io.StringIO("t\n" * n + "q\n"),
                     screen=screen)
    return screen.getvalue()


def cmd_preview(argv) -> int:
    p = argparse.ArgumentParser(prog="python -m solutions.week6.project preview")
    p.add_argument("--items", default=os.path.join(HUMAN, "items.jsonl"))
    p.add_argument("--annotator", default=ANNOTATOR1)
    p.add_argument("--out", default=os.path.join(HUMAN, "annotator1.jsonl"))
    p.add_argument("--next", type=int, default=20, help="how many screens")
    args = p.parse_args(argv)
    print(preview_screens(args.items, args.annotator, args.out, args.next))
    return 0


# ---- analysis: humans against metrics -----------------------------------------------------------------------------

def judged_scores(items, main) -> dict:
    """{(item, system): sentence-level scores} for every output a judgement compares."""
    seg, by_id, test = SegmentScores(), {it["id"]: it for it in items}, {t["fname"]: t for t in load_dialogsum("test")}
    out = {}
    for r in main:
        for s in r["systems"]:
            if (r["item"], s) not in out:
                out[r["item"], s] = seg.all(by_id[r["item"]]["outputs"][s], test[r["item"]]["summaries"][0])
    return out


def item_level(main, scores, metrics) -> dict:
    """Per metric: Kendall tau-b (human +1/0/-1 vs metric difference) and the agreement on non-tie judgements."""
    out = {}
    for m in metrics:
        h, d = [], []
        for r in main:
            x, y = sorted(r["systems"])
            h.append(1 if r["winner"] == x else -1 if r["winner"] == y else 0)
            d.append(scores[r["item"], x][m] - scores[r["item"], y][m])
        kt = kendall_tau_b(h, d)
        agree = sum(1 for a, b in zip(h, d) if a and np.sign(b) == a)
        disagree = sum(1 for a, b in zip(h, d) if a and np.sign(b) == -a)
        mties = sum(1 for a, b in zip(h, d) if a and b == 0)
        lo, hi = wilson_interval(agree, agree + disagree) if agree + disagree else (None, None)
        by_pair = {}
        for r, a, b in zip(main, h, d):
            c = by_pair.setdefault(" vs ".join(sorted(r["systems"])), {"agree": 0, "disagree": 0, "other": 0})
            c["agree" if a and np.sign(b) == a else "disagree" if a and np.sign(b) == -a else "other"] += 1
        out[m] = {"n": len(h), "tau_b": kt.tau, "p": kt.p_value, "agree": agree, "disagree": disagree,
                  "metric_ties": mties, "agree_rate": agree / (agree + disagree) if agree + disagree else None,
                  "agree_lo": lo, "agree_hi": hi, "by_pair": by_pair}
    return out


def corpus_scores(hyps, refs, seg: SegmentScores) -> dict:
    """System-level scores as the metric table computes them: mean ROUGE F, corpus BLEU / chrF, mean length."""
    out = {t: float(np.mean([seg.rouge(h, r)[t] for h, r in zip(hyps, refs)])) for t in ROUGE_TYPES}
    out["bleu"] = corpus_bleu(hyps, [refs]).score
    out["bleu_tag1"] = corpus_bleu([tag_as_token(h) for h in hyps], [[tag_as_token(r) for r in refs]]).score
    out["chrf"] = corpus_chrf(hyps, [refs]).score
    out["words"] = float(np.mean([words(h) for h in hyps]))
    return out


def system_level(items, main, human_ratings, metrics, all_test=True) -> dict:
    """Per metric: each system's score on the judged dialogues (and, with all_test, on all 500 test dialogues),
    and Kendall tau-b of each against the human ratings (3 systems: tau is -1, -1/3, 1/3 or 1)."""
    systems = sorted(human_ratings)
    test, all_outputs = load_systems()
    refs_by_id = {t["fname"]: t["summaries"][0] for t in test}
    judged = [it for it in items if it["id"] in {r["item"] for r in main}]
    seg = SegmentScores()
    on_judged = {s: corpus_scores([it["outputs"][s] for it in judged], [refs_by_id[it["id"]] for it in judged], seg)
                 for s in systems}
    on_all = {s: corpus_scores(all_outputs[s], [t["summaries"][0] for t in test], seg) for s in systems} \
        if all_test else {s: {m: float("nan") for m in metrics} for s in systems}
    human = [human_ratings[s] for s in systems]
    out = {}
    for m in metrics:
        out[m] = {"judged": {s: on_judged[s][m] for s in systems}, "all": {s: on_all[s][m] for s in systems},
                  "tau_b_judged": kendall_tau_b([on_judged[s][m] for s in systems], human).tau,
                  "tau_b_all": kendall_tau_b([on_all[s][m] for s in systems], human).tau if all_test else None,
                  "n_judged": len(judged), "n_all": len(test) if all_test else 0}
    return out


def win_shares(main) -> dict:
    """Per system: comparisons won over all its non-tie comparisons, with a Wilson interval (ties counted apart)."""
    out = {}
    for s in sorted({s for r in main for s in r["systems"]}):
        mine = [r for r in main if s in r["systems"]]
        w = sum(r["winner"] == s for r in mine)
        t = sum(r["winner"] == "tie" for r in mine)
        lo, hi = wilson_interval(w, len(mine) - t) if len(mine) > t else (None, None)
        out[s] = {"n": len(mine), "wins": w, "ties": t, "rate": w / (len(mine) - t) if len(mine) > t else None,
                  "lo": lo, "hi": hi}
    return out


def disagreements(main, scores, items, metric="rougeL", k=5) -> list:
    """The k non-tie judgements where the metric most strongly prefers the output the human did NOT pick."""
    by_id, rows = {it["id"]: it for it in items}, []
    refs = {t["fname"]: t["summaries"][0] for t in load_dialogsum("test")}
    for r in main:
        if r["winner"] == "tie":
            continue
        loser = next(s for s in r["systems"] if s != r["winner"])
        gap = scores[r["item"], loser][metric] - scores[r["item"], r["winner"]][metric]
        if gap > 0:
            rows.append({"item": r["item"], "human_winner": r["winner"], "loser": loser, "gap": gap,
                         "winner_text": by_id[r["item"]]["outputs"][r["winner"]],
                         "loser_text": by_id[r["item"]]["outputs"][loser], "reference": refs[r["item"]],
                         f"{metric}_winner": scores[r["item"], r["winner"]][metric],
                         f"{metric}_loser": scores[r["item"], loser][metric]})
    return sorted(rows, key=lambda x: -x["gap"])[:k]


def analysis(records, items, rounds=1000, seed=0, metrics=(*ROUGE_TYPES, "bleu", "bleu_tag1", "chrf", "words"),
             all_test=True) -> dict:
    """The harness's statistics, win shares, metric-human Kendall tau (system and item level), disagreements."""
    stats = analyze_records(records, rounds=rounds, seed=seed)
    main, _ = split_records([r for r in records if r["task"] == "pairwise"])
    scores = judged_scores(items, main)
    bt = stats["pairwise"]["ratings"]["bradley_terry"]
    human = {s: v["rating"] for s, v in bt.items()} if bt else {s: v["rate"] for s, v in win_shares(main).items()}
    res = {"harness": stats, "human_system_score": "bradley_terry" if bt else "win_share",
           "win_shares": win_shares(main), "item_level": item_level(main, scores, metrics),
           "system_level": system_level(items, main, human, metrics, all_test),
           "disagreements": disagreements(main, scores, items)}
    res["yours"] = yours_analysis(main, res)
    return res


def yours_analysis(main, res) -> dict:
    """Your Wilson intervals, Bradley-Terry ratings and Cohen's kappa beside the library's."""
    out = {"wilson": {}}
    for s_, w in res["win_shares"].items():
        n = w["n"] - w["ties"]
        out["wilson"][s_] = (_yours(lambda: [float(v) for v in pref_mod.wilson_interval(w["wins"], n)]),
                             [w["lo"], w["hi"]])
    battles = [(r["order"][0], r["order"][1], "model_a" if r["winner"] == r["order"][0] else
                "model_b" if r["winner"] == r["order"][1] else "tie") for r in main]

    def bt():
        models, W = ratings_mod.win_matrix(battles)
        return {m: float(v) for m, v in zip(models, ratings_mod.bradley_terry(W))}
    lib = res["harness"]["pairwise"]["ratings"]["bradley_terry"]
    out["bradley_terry"] = (_yours(bt), {m: v["rating"] for m, v in lib.items()} if lib else None)
    by = {}
    for r in main:
        by.setdefault(r["annotator"], {})[(r["item"], *sorted(r["systems"]))] = preference_label(r)
    anns = sorted(by)
    if len(anns) >= 2:
        shared = sorted(set(by[anns[0]]) & set(by[anns[1]]))
        k = res["harness"]["pairwise"]["agreement"]["cohen"]
        out["cohen_kappa"] = (_yours(lambda: float(agree_mod.cohen_kappa([by[anns[0]][u] for u in shared],
                                                                        [by[anns[1]][u] for u in shared]))),
                              k[0]["unweighted"] if k else None)
    return out


def analysis_markdown(res: dict) -> str:
    st = res["harness"]
    L = [f"{st['records']} records from: {', '.join(st['annotators'])}; {st['pairwise']['judgements']} judgements "
         f"(+{st['pairwise']['attention_checks']} attention checks).", "",
         "| system | comparisons | wins | ties | win share, ties excluded [Wilson 95%] | Bradley-Terry [bootstrap 95%] |",
         "| --- | ---: | ---: | ---: | ---: | ---: |"]
    bt = st["pairwise"]["ratings"]["bradley_terry"] or {}
    for s, w in res["win_shares"].items():
        b = bt.get(s)
        L.append(f"| {s} | {w['n']} | {w['wins']} | {w['ties']} | {w['rate']:.3f} [{w['lo']:.3f}, {w['hi']:.3f}] | "
                 + (f"{b['rating']:.0f} [{b['lo']:.0f}, {b['hi']:.0f}] |" if b else "- |"))
    L += ["", "| x | y | wins x | wins y | ties | win rate of x [Wilson] | sign test p |", "| --- | --- | " +
          " | ".join(["---:"] * 5) + " |"]
    for p in st["pairwise"]["pairs"]:
        L.append(f"| {p['x']} | {p['y']} | {p['wins']} | {p['losses']} | {p['ties']} | "
                 f"{p['win_rate']:.3f} [{p['lo']:.3f}, {p['hi']:.3f}] | {p['sign_p']:.2g} |")
    for k in st["pairwise"]["agreement"]["cohen"]:
        L += ["", f"Agreement {k['a']} & {k['b']} on {k['n']} shared comparisons: observed {k['observed']:.3f}, "
              f"Cohen's kappa {k['unweighted']:.3f} (linear {k['linear']:.3f}, quadratic {k['quadratic']:.3f})."]
    L += ["", "Metrics against the human judgements (Kendall tau-b; item level: human +1/0/-1 vs metric difference "
          "per judgement; agreement: share of non-tie judgements where the metric prefers the human's winner):", "",
          "| metric | scores on the judged dialogues | system tau-b (judged) | system tau-b (all test) | "
          "item-level tau-b (p) | agreement [Wilson 95%] | metric ties |",
          "| --- | --- | ---: | ---: | ---: | ---: | ---: |"]
    for m, it in res["item_level"].items():
        sl = res["system_level"][m]
        ag = (f"{it['agree_rate']:.3f} [{it['agree_lo']:.3f}, {it['agree_hi']:.3f}] ({it['agree']}/"
              f"{it['agree'] + it['disagree']})") if it["agree_rate"] is not None else "-"
        sc = ", ".join(f"{s} {v:.1f}" for s, v in sl["judged"].items())
        L.append(f"| {LABELS.get(m, m)} | {sc} | {sl['tau_b_judged']:+.3f} | "
                 f"{'-' if sl['tau_b_all'] is None else format(sl['tau_b_all'], '+.3f')} | "
                 f"{it['tau_b']:+.3f} ({it['p']:.2g}) | {ag} | {it['metric_ties']} |")
    pairs = list(next(iter(res["item_level"].values()))["by_pair"])
    L += ["", "Per pair of systems: judgements where the metric prefers the human's winner / the loser / other "
          "(a human tie or a metric tie):", "", "| metric | " + " | ".join(pairs) + " |",
          "| --- | " + " | ".join(["---:"] * len(pairs)) + " |"]
    for m, it in res["item_level"].items():
        L.append(f"| {LABELS.get(m, m)} | " + " | ".join(
            f"{c['agree']} / {c['disagree']} / {c['other']}" for c in (it["by_pair"][p] for p in pairs)) + " |")
    return "\n".join(L) + "\n"


def chart(metrics_res: dict, res: dict, path) -> str:
    """ROUGE / BLEU / chrF per system with intervals, beside the human win share (x 100) with its Wilson interval."""
    cats = ["ROUGE-1", "ROUGE-2", "ROUGE-L", "ROUGE-Lsum", "BLEU", "chrF2", "human win %"]
    series = {}
    for s in SYSTEMS:
        m, w = metrics_res["systems"][s], res["win_shares"].get(s)
        pts = [(m["rouge"][t]["mean"], m["rouge"][t]["low"], m["rouge"][t]["high"]) for t in ROUGE_TYPES]
        pts += [(m[k]["score"], m[k].get("low"), m[k].get("high")) for k in ("bleu", "chrf")]
        pts.append((100 * w["rate"], 100 * w["lo"], 100 * w["hi"]) if w and w["rate"] is not None else None)
        series[s] = pts
    return plot.interval_chart(cats, series, path, ylabel="score (0-100)",
                               title=f"DialogSum test: metrics on {metrics_res['n']} dialogues (95% intervals), "
                                     f"human win share on {res['harness']['pairwise']['judgements']} judgements")


def cmd_analyze(argv) -> int:
    p = argparse.ArgumentParser(prog="python -m solutions.week6.project analyze")
    p.add_argument("judgements", nargs="*", help="judgement files (default: annotator1.jsonl and annotator2.jsonl "
                                                 "when present)")
    p.add_argument("--items", default=os.path.join(HUMAN, "items.jsonl"))
    p.add_argument("--metrics", default=os.path.join(RESULTS, "week6_metrics.json"))
    p.add_argument("--out", default=os.path.join(HUMAN, "analysis.json"), help="JSON; .md and .svg go beside it")
    p.add_argument("--rounds", type=int, default=1000)
    args = p.parse_args(argv)
    files = args.judgements or [f for f in (os.path.join(HUMAN, "annotator1.jsonl"),
                                            os.path.join(HUMAN, "annotator2.jsonl")) if os.path.exists(f)]
    records = [r for f in files for r in read_records(f)]
    if not records:
        raise ValueError(f"no judgements in {files}")
    res = analysis(records, load_items(args.items), rounds=args.rounds)
    print(format_report(res["harness"]))
    md = analysis_markdown(res)
    base = os.path.splitext(args.out)[0]
    write_json(args.out, res)
    with open(base + ".md", "w", encoding="utf-8") as f:
        f.write(md)
    if os.path.exists(args.metrics):
        with open(args.metrics, encoding="utf-8") as f:
            chart(json.load(f), res, base + ".svg")
    print("\n" + md + f"\nwrote {args.out}, its .md" + (" and .svg" if os.path.exists(args.metrics) else ""))
    _print_yours("your week 6 functions on the same judgements", res["yours"])
    for d in res["disagreements"]:
        print(f"\n{d['item']}: human picked {d['human_winner']} over {d['loser']}, ROUGE-L {d['rougeL_winner']:.1f} "
              f"vs {d['rougeL_loser']:.1f}\n  winner: {d['winner_text']}\n  loser:  {d['loser_text']}\n"
              f"  reference: {d['reference']}")
    return 0


COMMANDS = {"metrics": cmd_metrics, "items": cmd_items, "preview": cmd_preview, "analyze": cmd_analyze}


def main(argv=None) -> int:
    argv = pop_impl(sys.argv[1:] if argv is None else argv)        # --impl exercises: your functions too
    if not argv or argv[0] not in COMMANDS:
        print(__doc__.split("\n\n")[1] if argv else __doc__)
        print(f"commands: {', '.join(COMMANDS)}", file=sys.stderr)
        return 2
    try:
        return COMMANDS[argv[0]](argv[1:])
    except (ValueError, FileNotFoundError) as e:
        print(f"project: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
