"""`tglm human-eval`: the interactive session driven through stdin, its files, and the analysis on simulated annotators.

Simulated annotators (seeded) have a known preference and known noise; the analysis must recover what was
put in, within the intervals it states:
  - win rates: truth "x beats y" with the Bradley-Terry probability p = 1 / (1 + 10^((R_y - R_x) / 400)), each
    annotator flips it with probability FLIP, so the observed win rate (ties excluded) is q = p (1 - FLIP) + (1 - p) FLIP;
  - agreement: two annotators agree with p_o = (1 - FLIP)^2 + FLIP^2, chance p_e = m^2 + (1 - m)^2 (m = share of
    "x better" labels), kappa = (p_o - p_e) / (1 - p_e); attention checks are consistent with p_o too;
  - Bradley-Terry (noise-free judgements): the bootstrap intervals contain the true ratings, order a > b > c.
"""
import io
import json
import math
import os
import signal
import subprocess
import sys
import time
from itertools import combinations
from pathlib import Path

import numpy as np
import pytest

from tinygrad_lm.cli.human_eval import build_pool, main, real_stories, run_detect, run_pairwise, truncate_words
from tinygrad_lm.metrics.human_eval import (append_record, display_order, load_items, pairwise_units, read_records,
                                            schedule, write_jsonl)
from tinygrad_lm.metrics.human_eval_stats import analyze, format_report, likert, pair_table

ROOT = Path(__file__).resolve().parents[1]
TRUE = {"a": 1100.0, "b": 1000.0, "c": 900.0}                 # Bradley-Terry ratings, mean 1000
FLIP = 0.1


def p_beats(x, y):
    return 1.0 / (1.0 + 10 ** ((TRUE[y] - TRUE[x]) / 400))


def write_items(path, n=4, systems=("bad", "good")):
    write_jsonl(path, [{"id": f"i{k}", "input": f"input {k}", "outputs": {s: f"{s} output {k}" for s in systems}}
                       for k in range(n)])
    return str(path)


def keys_for(items, annotator, prefer="good", seed=0, checks=0.1, likert=""):
    """The keystrokes of an annotator who always prefers `prefer`: reads the side it is shown on."""
    lines = []
    for (item, x, y), is_check in schedule(pairwise_units(items), annotator, seed, checks):
        left, right = display_order(annotator, item, x, y, seed)
        left, right = (right, left) if is_check else (left, right)
        lines.append("1" if left == prefer else "2" if right == prefer else "t")
        lines += list(likert)
    return lines


# ---- the session ------------------------------------------------------------------------------------------------

def test_records_name_the_winning_system_not_the_side(tmp_path):
    items = load_items(write_items(tmp_path / "items.jsonl", n=12))
    out = str(tmp_path / "ana.jsonl")
    keys = keys_for(items, "ana")
    assert run_pairwise(items, out, "ana", stdin=io.StringIO("\n".join(keys) + "\n"), screen=io.StringIO()) == 0
    recs = read_records(out)
    assert len(recs) == len(keys) == 12 + 1, f"12 comparisons + 1 attention check expected, got {len(recs)} records"
    assert {r["winner"] for r in recs} == {"good"}, "the winner must be the preferred system whatever side it was on"
    sides = {r["order"][0] for r in recs if not r["attention_check"]}
    assert sides == {"good", "bad"}, f"display order should vary per item, left sides seen: {sides}"
    check = next(r for r in recs if r["attention_check"])
    orig = next(r for r in recs if not r["attention_check"] and r["item"] == check["item"])
    assert check["order"] == orig["order"][::-1], "an attention check shows the sides swapped"
    assert all(r["annotator"] == "ana" and r["time"].endswith("Z") for r in recs)
    res = analyze(recs, rounds=50)
    assert res["pairwise"]["annotators"]["ana"]["consistency"]["rate"] == 1.0
    assert res["pairwise"]["pairs"][0]["losses"] == 12, res["pairwise"]["pairs"]    # x = "bad" lost all 12


def test_quit_and_resume_judges_every_unit_once(tmp_path):
    items = load_items(write_items(tmp_path / "items.jsonl", n=10, systems=("bad", "good", "mid")))
    out = str(tmp_path / "ana.jsonl")
    keys = keys_for(items, "ana", prefer="mid")
    screen = io.StringIO()
    run_pairwise(items, out, "ana", stdin=io.StringIO("\n".join(keys[:7] + ["q"]) + "\n"), screen=screen)
    assert len(read_records(out)) == 7 and "Run the same command to resume" in screen.getvalue()
    run_pairwise(items, out, "ana", stdin=io.StringIO("\n".join(keys[7:12])), screen=io.StringIO())  # input ends
    assert len(read_records(out)) == 12
    screen = io.StringIO()
    run_pairwise(items, out, "ana", stdin=io.StringIO("\n".join(keys[12:]) + "\n"), screen=screen)
    recs = read_records(out)
    plan = schedule(pairwise_units(items), "ana", 0, 0.1)
    assert "12 of 33 judged" in screen.getvalue() and len(plan) == 33
    assert sorted((r["item"], *r["systems"], r["attention_check"]) for r in recs) == sorted(
        (*u, c) for u, c in plan), "after resuming, each scheduled unit must be judged exactly once"
    for r in recs:                                       # the keys were computed from the display order, so a
        if "mid" in r["systems"]:                        # resumed session showed every unit on the same sides
            assert r["winner"] == "mid", r


def test_likert_ratings_and_bad_keys(tmp_path):
    items = load_items(write_items(tmp_path / "items.jsonl", n=2))
    out = str(tmp_path / "ana.jsonl")
    screen = io.StringIO()
    lines = ["x", "t", "9", "5", "4", "3", "2", "1", "1", "q"]     # x and 9 are refused and asked again
    run_pairwise(items, out, "ana", checks=0, criteria=("fluency", "coherence", "relevance"),
                 stdin=io.StringIO("\n".join(lines) + "\n"), screen=screen)
    (r,) = read_records(out)
    left, right = r["order"]
    assert r["winner"] == "tie"
    assert r["ratings"] == {left: {"fluency": 5, "coherence": 4, "relevance": 3},
                            right: {"fluency": 2, "coherence": 1, "relevance": 1}}
    assert "'x'? press" in screen.getvalue() and "'9'? press" in screen.getvalue()


def test_command_through_a_pipe(tmp_path):
    items = write_items(tmp_path / "items.jsonl", n=3)
    out = tmp_path / "ana.jsonl"
    proc = subprocess.run([sys.executable, "-m", "tinygrad_lm", "human-eval", items, "--annotator", "ana",
                           "--out", str(out), "--checks", "0"], input="1\n2\nt\n", capture_output=True, text=True,
                          cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "[2/3]" in proc.stdout and "all 3 judged" in proc.stdout
    assert [r["winner"] == "tie" for r in read_records(out)] == [False, False, True]


def test_single_keystrokes_on_a_terminal(tmp_path):
    pty = pytest.importorskip("pty")
    items = write_items(tmp_path / "items.jsonl", n=3)
    out = tmp_path / "ana.jsonl"
    master, slave = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "tinygrad_lm", "human-eval", items, "--annotator", "ana",
                             "--out", str(out), "--checks", "0"], stdin=slave, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        for key, lines in ((b"2", 1), (b"q", None)):        # no Enter: raw mode reads one key
            os.write(master, key)
            deadline = time.time() + 30
            while lines and not (out.exists() and len(out.read_text().splitlines()) >= lines):
                assert time.time() < deadline, "the keystroke was not read within 30 s"
                time.sleep(0.05)
        assert proc.wait(timeout=30) == 0, proc.stderr.read()
    finally:
        proc.kill()
        os.close(master)
        os.close(slave)
    (r,) = read_records(out)
    assert r["winner"] == r["order"][1]


# ---- files ------------------------------------------------------------------------------------------------------

_WRITER = """
import sys
from tinygrad_lm.metrics.human_eval import append_record
i = 0
while True:
    append_record(sys.argv[1], {"task": "pairwise", "item": str(i), "systems": ["a", "b"], "order": ["a", "b"],
                                "winner": "a", "annotator": "x", "time": str(i), "pad": "y" * 3000})
    i += 1
"""


def test_killed_writer_leaves_whole_lines(tmp_path):
    out = tmp_path / "killed.jsonl"
    proc = subprocess.Popen([sys.executable, "-c", _WRITER, str(out)], env={**os.environ, "PYTHONPATH": str(ROOT)})
    deadline = time.time() + 30
    while not (out.exists() and out.stat().st_size > 60_000) and time.time() < deadline:
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    data = out.read_bytes()
    assert data.endswith(b"\n"), "a killed writer left half a line"
    recs = read_records(out)
    assert len(recs) == data.count(b"\n") >= 20 and [r["item"] for r in recs] == [str(i) for i in range(len(recs))]


def test_broken_tail_is_skipped_and_healed(tmp_path):
    out = tmp_path / "j.jsonl"
    rec = {"task": "detect", "item": "h1", "source": "human", "answer": "human", "annotator": "a", "time": "t"}
    append_record(out, rec)
    with open(out, "a") as f:
        f.write('{"task": "detect", "ite')                       # a writer died mid-line
    with pytest.warns(RuntimeWarning, match="incomplete"):
        assert len(read_records(out)) == 1
    append_record(out, rec)                                      # starts on a fresh line
    with pytest.warns(RuntimeWarning, match=r"skipped 1 incomplete line\(s\) \[2\]"):
        assert len(read_records(out)) == 2


def one_line_error(capsys, argv, expect):
    assert main(argv) == 2, f"tglm human-eval {' '.join(argv)} should exit 2"
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("tglm human-eval: ") and expect in err, err
    return err


def test_clear_errors(tmp_path, capsys):
    one_line_error(capsys, [str(tmp_path / "nope.jsonl"), "--annotator", "a", "--out", str(tmp_path / "j.jsonl")],
                   "not found")
    single = tmp_path / "one.jsonl"
    write_jsonl(single, [{"id": "x", "input": "", "outputs": {"only": "text"}}])
    one_line_error(capsys, [str(single), "--annotator", "a", "--out", str(tmp_path / "j.jsonl")],
                   "has 1 system (only)")
    csv = tmp_path / "judgements.csv"
    csv.write_text("item,winner\n1,a\n")
    one_line_error(capsys, ["--analyze", str(csv)], "unknown annotator file format")
    foreign = tmp_path / "foreign.jsonl"
    foreign.write_text('{"question": "q", "answer": "a"}\n')
    one_line_error(capsys, ["--analyze", str(foreign)], "unknown annotator file format")
    one_line_error(capsys, [str(single), "--annotator", "a", "--out", str(tmp_path / "j.csv")],
                   "unknown annotator file format")
    one_line_error(capsys, [str(tmp_path / "items.txt"), "--annotator", "a", "--out", str(tmp_path / "j.jsonl")],
                   "unknown file format '.txt'")
    dup = tmp_path / "dup.json"
    dup.write_text(json.dumps({"items": [{"id": 1, "outputs": {"a": "", "b": ""}}] * 2}))
    one_line_error(capsys, [str(dup), "--annotator", "a", "--out", str(tmp_path / "j.jsonl")], "occurs twice")


def test_make_items_from_week5_outputs(tmp_path, capsys):
    for name, preds in (("greedy", ["g0", "g1", "g2"]), ("beam", ["b0", "b1"])):
        d = tmp_path / name
        d.mkdir()
        rows = [{"fname": f"test_{k}", "prediction": p, "reference1": f"ref {k}"} for k, p in enumerate(preds)]
        (d / "test_rouge.json").write_text(json.dumps({"n": len(rows), "summaries": rows}))
    out = tmp_path / "items.jsonl"
    assert main(["--make-items", str(tmp_path / "greedy" / "test_rouge.json"), str(tmp_path / "beam" / "test_rouge.json"),
                 "--reference", "--out", str(out)]) == 0
    assert "1 ids not in every file were left out" in capsys.readouterr().out
    items = load_items(out)
    assert [it["id"] for it in items] == ["test_0", "test_1"]
    assert items[1]["outputs"] == {"greedy": "g1", "beam": "b1", "reference": "ref 1"}   # names from the folders
    assert items[0]["input"].startswith("#Person1#: Ms. Dawson"), "DialogSum test_0's dialogue is the input"


# ---- simulated annotators through the real analysis ---------------------------------------------------------------

def simulate(rng, n_items=400, annotators=("p", "q", "r", "s"), flip=FLIP, shared_truth=True, check_every=4):
    """Pairwise records over systems a, b, c: every annotator judges every (item, pair), plus attention checks."""
    records = []
    for item in range(n_items):
        for x, y in combinations(sorted(TRUE), 2):
            truth = rng.random() < p_beats(x, y)
            for a in annotators:
                if not shared_truth:
                    truth = rng.random() < p_beats(x, y)
                for check in (False, True) if item % check_every == 0 else (False,):
                    says_x = truth ^ (rng.random() < flip)
                    left = [x, y] if rng.random() < 0.5 else [y, x]
                    records.append({"task": "pairwise", "item": str(item), "systems": [x, y], "order": left,
                                    "winner": x if says_x else y, "attention_check": check, "annotator": a,
                                    "time": f"{item:05d}"})
    return records


def test_simulated_win_rates_kappa_and_consistency(tmp_path):
    recs = simulate(np.random.default_rng(0))
    for a in "pqrs":                                            # one file per annotator, through the file code
        write_jsonl(tmp_path / f"{a}.jsonl", [r for r in recs if r["annotator"] == a])
    recs = [r for a in "pqrs" for r in read_records(tmp_path / f"{a}.jsonl")]
    res = analyze(recs, rounds=200)
    pw = res["pairwise"]
    assert pw["judgements"] == 400 * 3 * 4 and pw["attention_checks"] == 100 * 3 * 4
    q = {}
    for row in pw["pairs"]:
        p = p_beats(row["x"], row["y"])
        q[(row["x"], row["y"])] = p * (1 - FLIP) + (1 - p) * FLIP
        # 4 annotators share each item's truth: the item bootstrap is the interval that holds, Wilson is too narrow
        assert row["item_lo"] < q[(row["x"], row["y"])] < row["item_hi"], f"{row['x']} vs {row['y']}: win rate " \
            f"{row['win_rate']:.3f} [{row['item_lo']:.3f}, {row['item_hi']:.3f}] misses the true {q[(row['x'], row['y'])]:.3f}"
        assert row["item_hi"] - row["item_lo"] > 1.3 * (row["hi"] - row["lo"]), row
        assert row["sign_p"] < 1e-6 and row["ties"] == 0
    p_o = (1 - FLIP) ** 2 + FLIP ** 2
    for a, qa in pw["annotators"].items():                      # attention checks agree with the original w.p. p_o
        c = qa["consistency"]
        assert c["lo"] < p_o < c["hi"], f"annotator {a}: consistency {c['rate']:.3f} [{c['lo']:.3f}, {c['hi']:.3f}]"
        assert qa["left_rate"]["lo"] < 0.5 < qa["left_rate"]["hi"], f"annotator {a} has no side bias"
    m = np.mean(list(q.values()))                               # share of "x better" labels
    p_e = m ** 2 + (1 - m) ** 2
    kappa = (p_o - p_e) / (1 - p_e)
    tol = 3 * math.sqrt(p_o * (1 - p_o) / 1200) / (1 - p_e)     # 3 large-sample standard errors
    ag = pw["agreement"]
    assert len(ag["cohen"]) == 6
    for k in ag["cohen"]:
        assert abs(k["unweighted"] - kappa) < tol, f"{k['a']} & {k['b']}: kappa {k['unweighted']:.3f}, " \
                                                   f"expected {kappa:.3f} +- {tol:.3f}"
        assert abs(k["linear"] - k["unweighted"]) < 1e-12 and abs(k["quadratic"] - k["unweighted"]) < 1e-12, \
            "without ties the labels are 0 / 2 only, so every weighting gives the same kappa"
    assert ag["fleiss"]["raters_per_unit"] == 4 and abs(ag["fleiss"]["kappa"] - kappa) < tol
    bt = pw["ratings"]["bradley_terry"]
    assert list(bt) == ["a", "b", "c"] and list(pw["ratings"]["elo"]) == ["a", "b", "c"]
    assert "Fleiss' kappa" in format_report(res) and "Bradley-Terry" in format_report(res)


def test_simulated_bradley_terry_intervals_cover_the_truth():
    recs = simulate(np.random.default_rng(1), n_items=250, annotators=("p", "q"), flip=0.0, shared_truth=False)
    pw = analyze(recs, rounds=300)["pairwise"]
    for row in pw["pairs"]:                                     # independent judgements: Wilson holds
        p = p_beats(row["x"], row["y"])
        assert row["lo"] < p < row["hi"], f"{row['x']} vs {row['y']}: {row['win_rate']:.3f} " \
                                          f"[{row['lo']:.3f}, {row['hi']:.3f}] misses {p:.3f}"
    rt = pw["ratings"]
    assert rt["battles"] == 250 * 3 * 2 and rt["bootstrap_failed_rounds"] == 0
    for m, true in TRUE.items():
        b = rt["bradley_terry"][m]
        assert b["lo"] < true < b["hi"], f"{m}: BT {b['rating']:.1f} [{b['lo']:.1f}, {b['hi']:.1f}] misses {true}"
        assert b["hi"] - b["lo"] < 80, f"{m}: interval {b['hi'] - b['lo']:.1f} wide from 1500 battles"


def simulate_likert(rng, n_items, mu={"a": 4.0, "b": 3.0}):
    """Two annotators rate each output: a latent quality per output (shared, so they agree) plus their own noise."""
    recs = []
    for item in range(n_items):
        quality = {s: mu[s] + rng.normal(0, 0.8) for s in mu}
        for ann in ("p", "q"):
            rate = {s: {"fluency": int(np.clip(np.rint(quality[s] + rng.normal(0, 0.5)), 1, 5))} for s in mu}
            recs.append({"task": "pairwise", "item": str(item), "systems": ["a", "b"], "order": ["a", "b"],
                         "winner": "tie", "ratings": rate, "annotator": ann, "time": str(item)})
    return recs


def expected_rating(mu, n=10 ** 6):
    """E[clip(round(mu + N(0, 0.8) + N(0, 0.5)), 1, 5)] by Monte Carlo (standard error ~ 0.001)."""
    big = np.random.default_rng(123)
    return float(np.clip(np.rint(mu + big.normal(0, 0.8, n) + big.normal(0, 0.5, n)), 1, 5).mean())


def test_simulated_likert_means_and_weighted_kappa():
    pw = analyze(simulate_likert(np.random.default_rng(3), 300), rounds=20)["pairwise"]
    for s, mu in (("a", 4.0), ("b", 3.0)):
        m, true = pw["likert"][s]["fluency"], expected_rating(mu)
        assert m["outputs"] == 300 and m["ratings"] == 600
        assert m["lo"] < true < m["hi"], f"{s}: mean {m['mean']:.3f} [{m['lo']:.3f}, {m['hi']:.3f}] misses {true:.3f}"
    (k,) = pw["likert_agreement"]["fluency"]["cohen"]
    assert k["n"] == 600 and k["quadratic"] > k["linear"] > k["unweighted"] > 0.1, \
        f"ratings that differ by 1 should count as near-agreement: {k}"


def test_intervals_cover_the_truth_about_95_percent_of_the_time():
    # Likert: the interval over outputs (each output rated by 2 annotators) in 200 small experiments
    rng, true = np.random.default_rng(4), expected_rating(4.0)
    hits = [(lambda m: m["lo"] < true < m["hi"])(likert(simulate_likert(rng, 40))[0]["a"]["fluency"])
            for _ in range(200)]
    assert 0.90 <= np.mean(hits) <= 0.99, f"Likert 95% interval covered the mean in {np.mean(hits):.1%} of 200 runs"
    # win rate, 3 annotators sharing each item's truth: the item bootstrap holds its level, Wilson does not
    rng, q = np.random.default_rng(5), p_beats("a", "b") * (1 - FLIP) + (1 - p_beats("a", "b")) * FLIP
    item_hits, wilson_hits = [], []
    for _ in range(150):
        recs = [r for r in simulate(rng, n_items=40, annotators="pqr", check_every=10 ** 9) if r["systems"] == ["a", "b"]]
        (row,) = pair_table(recs, rounds=300, seed=0)
        item_hits.append(row["item_lo"] < q < row["item_hi"])
        wilson_hits.append(row["lo"] < q < row["hi"])
    assert 0.88 <= np.mean(item_hits) <= 0.99, f"item bootstrap covered q in {np.mean(item_hits):.1%} of 150 runs"
    assert np.mean(wilson_hits) < np.mean(item_hits) - 0.04, \
        f"Wilson {np.mean(wilson_hits):.1%} vs item bootstrap {np.mean(item_hits):.1%}: shared items should make Wilson too narrow"


# ---- detection --------------------------------------------------------------------------------------------------

def test_detect_session_and_accuracy(tmp_path):
    real = ["once upon a time, a cat sat.", "once upon a time, a dog ran."]
    pool = build_pool(real, {"tiny": ["once upon a time cat cat.", "once upon a time dog dog."]}, seed=0)
    assert {p["source"] for p in pool} == {"human", "tiny"} and len(pool) == 4
    out = str(tmp_path / "det.jsonl")
    run_detect(pool, out, "ana", stdin=io.StringIO("h\n" * 10), screen=io.StringIO())   # always "human"
    recs = read_records(out)
    assert len(recs) == 5 and sum(r["attention_check"] for r in recs) == 1
    det = analyze(recs)["detect"]
    assert det["per_source"]["human"]["rate"] == 1.0 and det["per_source"]["tiny"]["rate"] == 0.0
    assert det["vs_human"]["tiny"]["rate"] == 0.5 and det["annotators"]["ana"]["consistency"]["rate"] == 1.0


def test_detect_stories_real_and_generated():
    text = "Once upon a time there was a cat. It was big! It said \"hi.\" The end came at last and " * 3
    assert truncate_words(text, 14) == "Once upon a time there was a cat. It was big! It said \"hi.\""
    assert truncate_words(text, 13) == "Once upon a time there was a cat. It was big!"
    assert truncate_words("no sentence end here at all", 3) == "no sentence end"
    stories = real_stories(ROOT / "data" / "tinystories" / "tinystories_valid_head.txt", 5, words=60, seed=0)
    assert len(set(stories)) == 5 and all(s.startswith("Once upon a time") and len(s.split()) <= 60 for s in stories)
    from tinygrad_lm.cli.human_eval import model_stories
    (story,), lowercase = model_stories("tinystories-3m", 1, words=40, max_new_tokens=10, seed=0)
    assert lowercase and story.startswith("once upon a time") and 4 < len(story.split()) <= 40
