"""The analysis of human-evaluation judgements (`tglm human-eval --analyze`) (week 6).

Handles, from the records of human_eval.py (any number of annotators and files):
  - per system pair: wins / losses / ties, win rate (ties excluded, and ties as half a win), Wilson
    interval, exact sign test, non-tie judgements needed to detect the observed rate (power 0.8, alpha 0.05);
  - annotator quality: self-consistency on attention checks, how often each annotator picked the left side;
  - agreement on doubly judged units: Cohen's kappa (unweighted, linear, quadratic) on the 3-way preference
    (x better / tie / y better, in that order) and on each Likert criterion, Fleiss' kappa with 3+ annotators;
  - ratings over all systems: Bradley-Terry with bootstrap intervals and online Elo (battles in time order,
    model_a = the left side, as Chatbot Arena), from metrics/ratings.py; like Arena's notebook the bootstrap
    resamples single battles (independent judgements), so with shared items its intervals are too narrow too;
  - Likert means per system and criterion; detection accuracy per source (GPT-3's Table 3.11 in small).
Attention checks count only towards self-consistency; a unit an annotator judged twice counts once (the first).

Does not handle: ties inside the tests (dropped, or half a win where said), multiple-comparison corrections,
annotator weighting, Krippendorff's alpha, intervals for kappa.
"""
import math
import warnings
from collections import Counter, defaultdict
from itertools import combinations

import numpy as np

from .agreement import aggregate_raters, cohen_kappa, fleiss_kappa
from .human_eval import CRITERIA, HUMAN, TIE, unit_of
from .preference import judgements_needed, sign_test, sign_test_power, wilson_interval
from .ratings import bootstrap_bradley_terry, bradley_terry, online_elo


def _clean(x):
    """nan -> None, numpy numbers -> Python numbers (the result goes to JSON)."""
    if isinstance(x, dict):
        return {k: _clean(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_clean(v) for v in x]
    if isinstance(x, (float, np.floating)):
        return None if math.isnan(x) else float(x)
    return int(x) if isinstance(x, np.integer) else x


def split_records(records):
    """-> (main, checks): first judgement of each (annotator, unit), and the attention-check records."""
    main, checks, seen = [], [], set()
    for r in sorted(records, key=lambda r: str(r["time"])):         # stable: file order within a timestamp
        if r.get("attention_check"):
            checks.append(r)
        elif (r["annotator"], unit_of(r)) not in seen:
            seen.add((r["annotator"], unit_of(r)))
            main.append(r)
    return main, checks


def _rate(k, n, confidence=0.95) -> dict:
    lo, hi = wilson_interval(k, n, confidence) if n else (None, None)
    return {"n": n, "k": k, "rate": k / n if n else None, "lo": lo, "hi": hi}


def _item_bootstrap(wx, wy, rounds, seed, confidence):
    """Percentile interval of the win rate when whole units (an item's comparison, with all its annotators'
    judgements) are resampled: judgements of one item by several annotators are not independent.
    wx, wy (U,) wins of x and of y per unit."""
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, len(wx), size=(rounds, len(wx)))                 # (rounds, U)
    a, b = wx[idx].sum(axis=1), wy[idx].sum(axis=1)                        # (rounds,)
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = a / (a + b)
    if np.all(np.isnan(rate)):
        return None, None
    return tuple(float(v) for v in np.nanquantile(rate, [(1 - confidence) / 2, (1 + confidence) / 2]))


def pair_table(main, confidence=0.95, rounds=1000, seed=0) -> list:
    """Per system pair (x < y): counts, win rate of x with its Wilson interval, sign test, judgements needed.

    Wilson and the sign test treat every judgement as independent (one annotator per item, or a new
    item per judgement). When several annotators judge the same items, item_lo / item_hi (a bootstrap over
    units) is the honest interval; it is wider by about sqrt(1 + (m - 1) rho), m judgements per unit.
    """
    counts, per_unit = defaultdict(Counter), defaultdict(lambda: defaultdict(lambda: [0, 0]))
    for r in main:
        x, y = sorted(r["systems"])
        counts[(x, y)]["x" if r["winner"] == x else "y" if r["winner"] == y else "tie"] += 1
        u = per_unit[(x, y)][unit_of(r)]
        u[0], u[1] = u[0] + (r["winner"] == x), u[1] + (r["winner"] == y)
    rows = []
    for (x, y), c in sorted(counts.items()):
        wx, wy, t = c["x"], c["y"], c["tie"]
        decisive, p = wx + wy, (wx / (wx + wy) if wx + wy else None)
        lo, hi = wilson_interval(wx, decisive, confidence) if decisive else (None, None)
        units = np.array(list(per_unit[(x, y)].values()), dtype=np.int64)          # (U, 2)
        ilo, ihi = _item_bootstrap(units[:, 0], units[:, 1], rounds, seed, confidence) if decisive else (None, None)
        useful = p is not None and 0 < p < 1 and p != 0.5
        rows.append({"x": x, "y": y, "n": wx + wy + t, "units": len(units), "wins": wx, "losses": wy, "ties": t,
                     "win_rate": p, "lo": lo, "hi": hi, "item_lo": ilo, "item_hi": ihi,
                     "win_rate_ties_half": (wx + 0.5 * t) / (wx + wy + t),
                     "sign_p": sign_test(wx, wy) if decisive else None,
                     "needed": judgements_needed(p, 0.5) if useful else None,
                     "power_now": sign_test_power(decisive, p, 0.5) if useful else None})
    return rows


def annotator_quality(records, checks, confidence=0.95) -> dict:
    """Per annotator: self-consistency on attention checks, and the share of decisive answers on the left side."""
    first = {}
    for r in records:
        if not r.get("attention_check"):
            first.setdefault((r["annotator"], unit_of(r)), r)
    answer = lambda r: r["winner"] if r["task"] == "pairwise" else r["answer"]        # noqa: E731
    same, left = defaultdict(list), defaultdict(list)
    for c in checks:
        orig = first.get((c["annotator"], unit_of(c)))
        if orig is not None:
            same[c["annotator"]].append(answer(c) == answer(orig))
    for r in records:
        if r["task"] == "pairwise" and r["winner"] != TIE:
            left[r["annotator"]].append(r["winner"] == r["order"][0])
    out = {}
    for a in sorted({r["annotator"] for r in records}):
        out[a] = {"consistency": _rate(sum(same[a]), len(same[a]), confidence)}
        if any(r["task"] == "pairwise" for r in records):
            out[a]["left_rate"] = _rate(sum(left[a]), len(left[a]), confidence)
    return out


def _kappas(a, b, labels, weighted=True) -> dict:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)                # undefined kappa -> nan -> None
        out = {"unweighted": cohen_kappa(a, b, labels=labels)}
        if weighted:
            out["linear"] = cohen_kappa(a, b, weights="linear", labels=labels)
            out["quadratic"] = cohen_kappa(a, b, weights="quadratic", labels=labels)
    return out


def agreement(units: dict, labels, weighted=True) -> dict:
    """units: {unit: {annotator: label}} -> Cohen's kappas per annotator pair on shared units, Fleiss' kappa.

    Fleiss (3+ annotators) needs the same number of ratings per unit: m = the most common count (>= 2);
    units with more ratings contribute their first m, units with fewer are left out.
    """
    annotators = sorted({a for u in units.values() for a in u})
    pairs = []
    for a, b in combinations(annotators, 2):
        shared = [u for u in units.values() if a in u and b in u]
        if len(shared) >= 2:
            la, lb = [u[a] for u in shared], [u[b] for u in shared]
            pairs.append({"a": a, "b": b, "n": len(shared), "observed": float(np.mean(np.equal(la, lb))),
                          **_kappas(la, lb, labels, weighted)})
    out = {"annotators": annotators, "cohen": pairs, "fleiss": None}
    multi = [list(u.values()) for u in units.values() if len(u) >= 2]
    if len(annotators) > 2 and multi:
        m = Counter(len(v) for v in multi).most_common(1)[0][0]
        rows = [[labels.index(x) for x in v[:m]] for v in multi if len(v) >= m]
        table, _ = aggregate_raters(np.array(rows, dtype=np.int64), n_categories=len(labels))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            out["fleiss"] = {"kappa": fleiss_kappa(table), "raters_per_unit": m, "n": len(rows)}
    return out


def preference_label(r) -> int:
    """The 3-way ordered preference: 0 = first system (sorted) better, 1 = tie, 2 = second better."""
    x, y = sorted(r["systems"])
    return 0 if r["winner"] == x else 2 if r["winner"] == y else 1


def likert(main) -> tuple:
    """-> (means, agreement). means: per system and criterion, the mean over outputs (item, system) of each
    output's mean rating, with a normal 95% interval over outputs (an output rated by several annotators, or
    in several pairs, is one unit). agreement: kappas per criterion on the first rating of each output."""
    per_output = defaultdict(lambda: defaultdict(list))
    units = defaultdict(lambda: defaultdict(dict))
    for r in main:
        for system, crit in (r.get("ratings") or {}).items():
            for c, v in crit.items():
                per_output[(system, c)][r["item"]].append(v)
                units[c][(r["item"], system)].setdefault(r["annotator"], v)   # first rating of this output
    means = {}
    for (system, c), outputs in sorted(per_output.items()):
        v = np.array([np.mean(x) for x in outputs.values()], dtype=np.float64)      # (outputs,)
        half = 1.96 * v.std(ddof=1) / math.sqrt(len(v)) if len(v) > 1 else float("nan")
        means.setdefault(system, {})[c] = {"outputs": len(v), "ratings": sum(map(len, outputs.values())),
                                           "mean": float(v.mean()), "lo": v.mean() - half, "hi": v.mean() + half}
    order = [c for c in CRITERIA if c in units] + sorted(set(units) - set(CRITERIA))
    return means, {c: agreement(units[c], [1, 2, 3, 4, 5]) for c in order}


def ratings(main, rounds=1000, seed=0, confidence=0.95) -> dict:
    """Bradley-Terry (MLE, bootstrap percentile intervals) and online Elo over all systems."""
    battles = [(r["order"][0], r["order"][1],
                "model_a" if r["winner"] == r["order"][0] else "model_b" if r["winner"] == r["order"][1] else "tie")
               for r in main]
    out = {"battles": len(battles), "elo": online_elo(battles) if battles else {}}
    try:
        bt = bradley_terry(battles)
        boot = bootstrap_bradley_terry(battles, rounds=rounds, seed=seed, confidence=confidence)
        out["bradley_terry"] = {m: {"rating": bt[m], "lo": boot.lower[m], "hi": boot.upper[m]} for m in bt}
        out["bootstrap_failed_rounds"] = boot.failed_rounds
    except ValueError as e:                    # e.g. one system never lost: no finite ratings
        out["bradley_terry"], out["error"] = None, str(e)
    return out


def detection(main, confidence=0.95) -> dict:
    """Accuracy per source (human stories answered "human", model stories "model"), and per model the accuracy
    on the human + that model's stories together: the number GPT-3's Table 3.11 reports (52% for 175B)."""
    by = defaultdict(list)
    for r in main:
        by[r["source"]].append(r["answer"] == ("human" if r["source"] == HUMAN else "model"))
    per_source = {s: _rate(sum(v), len(v), confidence) for s, v in sorted(by.items())}
    vs_human = {m: _rate(sum(v) + sum(by[HUMAN]), len(v) + len(by[HUMAN]), confidence)
                for m, v in sorted(by.items()) if m != HUMAN and by[HUMAN]}
    return {"per_source": per_source, "vs_human": vs_human}


def analyze(records, rounds: int = 1000, seed: int = 0, confidence: float = 0.95) -> dict:
    """Everything above for a list of records (pairwise and/or detect) -> a JSON-ready dict."""
    out = {"records": len(records), "annotators": sorted({r["annotator"] for r in records}),
           "needed_60_vs_50": judgements_needed(0.6, 0.5)}
    pw = [r for r in records if r["task"] == "pairwise"]
    det = [r for r in records if r["task"] == "detect"]
    if pw:
        main, checks = split_records(pw)
        units = defaultdict(dict)
        for r in main:
            units[unit_of(r)][r["annotator"]] = preference_label(r)
        means, likert_agreement = likert(main)
        out["pairwise"] = {"judgements": len(main), "attention_checks": len(checks),
                           "pairs": pair_table(main, confidence, rounds, seed),
                           "annotators": annotator_quality(pw, checks, confidence),
                           "agreement": agreement(units, [0, 1, 2]),
                           "likert": means, "likert_agreement": likert_agreement,
                           "ratings": ratings(main, rounds, seed, confidence)}
    if det:
        main, checks = split_records(det)
        out["detect"] = {"judgements": len(main), "attention_checks": len(checks), **detection(main, confidence),
                         "annotators": annotator_quality(det, checks, confidence)}
    return _clean(out)


def _f(x, spec=".3f"):
    return "-" if x is None else format(x, spec)


def _ci(d):
    return f"{_f(d['rate'])} [{_f(d['lo'])}, {_f(d['hi'])}] ({d['k']}/{d['n']})" if d["n"] else "-"


def format_report(res: dict) -> str:
    """The analysis as plain-text tables."""
    L = [f"{res['records']} records from {len(res['annotators'])} annotator(s): {', '.join(res['annotators'])}"]
    pw = res.get("pairwise")
    if pw:
        L += ["", f"PAIRWISE: {pw['judgements']} judgements (+{pw['attention_checks']} attention checks); "
              f"win rate of x, ties excluded, Wilson 95%; needed = non-tie judgements to detect that rate "
              f"(60% vs 50% needs {res['needed_60_vs_50']})",
              "(Wilson treats judgements as independent; 'by item' resamples items, right when annotators share them)",
              f"{'x':>14} vs {'y':<14} {'n':>5} {'wins':>5} {'loss':>5} {'ties':>5}  {'win rate [Wilson]':<22}"
              f" {'by item':<16} {'ties=1/2':>8} {'sign p':>8} {'needed':>7}"]
        for p in pw["pairs"]:
            L.append(f"{p['x']:>14} vs {p['y']:<14} {p['n']:>5} {p['wins']:>5} {p['losses']:>5} {p['ties']:>5}  "
                     f"{_f(p['win_rate']) + ' [' + _f(p['lo']) + ', ' + _f(p['hi']) + ']':<22} "
                     f"{'[' + _f(p['item_lo']) + ', ' + _f(p['item_hi']) + ']':<16} "
                     f"{_f(p['win_rate_ties_half']):>8} {_f(p['sign_p'], '.2g'):>8} {_f(p['needed'], 'd'):>7}")
        L += ["", "annotators: self-consistency on attention checks; share of decisive answers on the left side"]
        for a, q in pw["annotators"].items():
            L.append(f"  {a:<16} consistent {_ci(q['consistency'])}   left {_ci(q['left_rate'])}")
        sections = [("preference (x better / tie / y better)", pw["agreement"])]
        sections += [(f"Likert {c}", ag) for c, ag in pw["likert_agreement"].items()]
        for name, ag in sections:
            if ag["cohen"] or ag["fleiss"]:
                L.append(f"agreement on {name}:")
            for k in ag["cohen"]:
                L.append(f"  {k['a']} & {k['b']}: n {k['n']}, observed {_f(k['observed'])}, Cohen's kappa "
                         f"{_f(k['unweighted'])} (linear {_f(k['linear'])}, quadratic {_f(k['quadratic'])})")
            if ag["fleiss"]:
                fl = ag["fleiss"]
                L.append(f"  Fleiss' kappa {_f(fl['kappa'])} ({fl['n']} units x {fl['raters_per_unit']} raters)")
        if pw["likert"]:
            L.append("Likert means [95%]:")
            for s, crit in pw["likert"].items():
                L.append(f"  {s:<16} " + "  ".join(f"{c} {_f(v['mean'], '.2f')} [{_f(v['lo'], '.2f')}, "
                                                     f"{_f(v['hi'], '.2f')}]" for c, v in crit.items()))
        rt = pw["ratings"]
        L.append(f"ratings from {rt['battles']} battles: Bradley-Terry [bootstrap 95%], online Elo (K=4)")
        if rt["bradley_terry"] is None:
            L.append(f"  Bradley-Terry: {rt['error']}")
        for m, e in rt["elo"].items():
            bt = (rt["bradley_terry"] or {}).get(m)
            bt_s = f"{bt['rating']:7.1f} [{bt['lo']:.1f}, {bt['hi']:.1f}]" if bt else "-"
            L.append(f"  {m:<16} BT {bt_s:<26} Elo {e:7.1f}")
    det = res.get("detect")
    if det:
        L += ["", f"DETECTION: {det['judgements']} judgements (+{det['attention_checks']} attention checks); "
              "accuracy = answered 'human' for human stories, 'model' for model stories; chance 0.5"]
        for s, d in det["per_source"].items():
            L.append(f"  {s:<24} {_ci(d)}")
        for m, d in det["vs_human"].items():
            L.append(f"  {'human + ' + m:<24} {_ci(d)}   (GPT-3 175B news articles: 0.52)")
        for a, q in det["annotators"].items():
            L.append(f"  {a:<24} consistent {_ci(q['consistency'])}")
    return "\n".join(L)
