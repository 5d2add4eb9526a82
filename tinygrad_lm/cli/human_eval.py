"""`tglm human-eval`: blind pairwise comparison of systems' outputs in the terminal, and its analysis (week 6).

    tglm human-eval items.jsonl --annotator ana --out ana.jsonl [--likert]     # judge (q quits; rerun to resume)
    tglm human-eval --analyze ana.jsonl ben.jsonl                              # tables + ana.analysis.json
    tglm human-eval --make-items runs/a/test_rouge_greedy.json runs/b/test_rouge_beam4.json --out items.jsonl
    tglm human-eval --detect --annotator ana --out detect.jsonl                # "human or model?" on TinyStories

Each screen shows an item's input and two outputs as "A" and "B" in a random order per item (seeded by
annotator + item, so a resumed session shows the same sides). Keys: 1 / a = A is better, 2 / b = B is better,
t / 0 = tie, q = quit; with --likert then a digit 1-5 for each criterion of A, then of B. On a terminal one
key is enough (raw mode, standard library only); piped input gives one answer per line, so
`printf '1\\n2\\nt\\n' | tglm human-eval ...` works. Each judgement is appended at once (O_APPEND, one write,
fsync) with the winning SYSTEM's name, the display order, annotator, time and ratings; a rerun skips what this
annotator has judged. About --checks (default 10%) of the comparisons come back later with the sides swapped
(attention checks); --analyze reports each annotator's self-consistency on them.

--detect (GPT-3's human-detection experiment, Brown et al. 2020, Table 3.11, in small): a shuffled mix of
real held-out TinyStories (data/tinystories/tinystories_valid_head.txt) and stories the shipped models write
from the same opening "once upon a time" (seeded; everything lowercased and cut at a sentence end to the
same length, so neither case nor length gives the answer away), built once into --pool. Asks "human or model?".

File formats: tinygrad_lm/metrics/human_eval.py. Statistics: tinygrad_lm/metrics/human_eval_stats.py.
Does not handle: mouse or GUI input, showing more than two outputs at once, editing a past judgement
(judge again in a new file, or delete its line).
"""
import argparse
import json
import os
import random
import re
import shutil
import sys
import textwrap
import time

from ..metrics.human_eval import (CRITERIA, HUMAN, TIE, append_record, display_order, done_units, items_from_predictions,
                                  load_items, now, pairwise_units, read_predictions, read_records, schedule, write_jsonl)
from ..metrics.human_eval_stats import analyze, format_report
from ..paths import DATA_DIR

QUIT = {"q", "\x03", "\x04"}                    # q, Ctrl-C, Ctrl-D (raw mode delivers them as characters)
OPENING = "Once upon a time"


class Keys:
    """One answer at a time: a single keystroke on a terminal (tty raw mode), else one line of piped input."""

    def __init__(self, stream, screen):
        self.stream, self.screen = stream, screen
        try:
            import termios  # noqa: F401  (POSIX only; elsewhere answers are read as lines)
            self.tty = stream.isatty()
        except ImportError:
            self.tty = False

    def _key(self):
        if self.tty:
            import termios
            import tty
            fd = self.stream.fileno()
            old = termios.tcgetattr(fd)
            try:
                tty.setraw(fd, termios.TCSANOW)           # TCSANOW: keep keys typed ahead
                return os.read(fd, 1).decode("utf-8", "replace").lower()
            finally:
                termios.tcsetattr(fd, termios.TCSADRAIN, old)
        line = self.stream.readline()
        return None if line == "" else line.strip().lower()[:1]          # "" at end of input = quit

    def read(self, prompt: str, choices: dict):
        """Ask until a key in choices (-> its value) or a quit key / end of input (-> None)."""
        while True:
            self.screen.write(prompt)
            self.screen.flush()
            key = self._key()
            if self.tty:
                self.screen.write((key if key and key.isprintable() else "") + "\n")
            if key is None or key in QUIT:
                return None
            if key in choices:
                return choices[key]
            if key:
                self.screen.write(f"  '{key}'? press {' / '.join(choices)}, or q to quit (and resume later)\n")


def _wrap(text: str, width: int) -> str:
    return "\n".join(textwrap.fill(line, width) if line.strip() else "" for line in text.strip().splitlines())


def _show(screen, tty: bool, header: str, blocks):
    width = min(100, shutil.get_terminal_size((100, 24)).columns)
    screen.write("\033[2J\033[H" if tty else "\n")
    screen.write(header + "\n")
    for title, text in blocks:
        screen.write(f"\n--- {title} " + "-" * max(0, width - len(title) - 5) + "\n" + _wrap(text, width) + "\n")
    screen.write("\n")


def _progress(i: int, total: int) -> str:
    bar = int(20 * i / max(total, 1))
    return f"[{i}/{total}] {'#' * bar}{'.' * (20 - bar)} {100 * i // max(total, 1)}%"


def _session(units, annotator, out, seed, checks, task, ask, screen, keys):
    """The shared loop: schedule, skip what is done, ask, append. ask(unit, is_check, header) -> record | None."""
    plan = schedule(units, annotator, seed, checks)
    done = done_units(read_records(out) if os.path.exists(out) else [], annotator, task)
    todo = [(u, c) for u, c in plan if (u, c) not in done]
    screen.write(f"annotator {annotator}: {len(plan) - len(todo)} of {len(plan)} judged, {len(todo)} to go; "
                 f"judgements go to {out}\n")
    for i, (unit, is_check) in enumerate(todo):
        t0 = time.monotonic()
        try:
            record = ask(unit, is_check, _progress(len(plan) - len(todo) + i, len(plan)))
        except KeyboardInterrupt:                        # Ctrl-C while the screen is drawn: quit, keep what is saved
            record = None
        if record is None:
            screen.write(f"\nstopped: {len(plan) - len(todo) + i} of {len(plan)} judged. Run the same command to "
                         "resume.\n")
            return 0
        record.update(attention_check=is_check, annotator=annotator, time=now(),
                      seconds=round(time.monotonic() - t0, 2))
        append_record(out, record)
    screen.write(f"\nall {len(plan)} judged, thank you. Analyse with: tglm human-eval --analyze {out}\n")
    return 0


def run_pairwise(items, out, annotator, seed=0, checks=0.1, criteria=(), stdin=None, screen=None) -> int:
    screen, stdin = screen or sys.stdout, stdin or sys.stdin
    keys = Keys(stdin, screen)
    by_id = {it["id"]: it for it in items}
    choice = {"1": "A", "a": "A", "2": "B", "b": "B", "t": TIE, "0": TIE}
    digits = {str(d): d for d in range(1, 6)}
    screen.write("keys: 1/a = A better, 2/b = B better, t/0 = tie, q = quit" +
                 (f"; then 1-5 for {', '.join(criteria)} of A, then of B" if criteria else "") + "\n")

    def ask(unit, is_check, header):
        item_id, x, y = unit
        left, right = display_order(annotator, item_id, x, y, seed)
        if is_check:                                     # the check shows the sides swapped
            left, right = right, left
        it = by_id[item_id]
        blocks = ([("input", it["input"])] if it["input"].strip() else []) + [
            ("A", it["outputs"][left]), ("B", it["outputs"][right])]
        _show(screen, keys.tty, f"{header}   item {item_id}", blocks)
        pick = keys.read("which is better? A (1) / B (2) / tie (t) / quit (q): ", choice)
        if pick is None:
            return None
        record = {"task": "pairwise", "item": item_id, "systems": [x, y], "order": [left, right],
                  "winner": {"A": left, "B": right}.get(pick, TIE)}
        if criteria:
            record["ratings"] = {}
            for side, system in (("A", left), ("B", right)):
                record["ratings"][system] = {}
                for c in criteria:
                    v = keys.read(f"  {side} {c} (1-5): ", digits)
                    if v is None:
                        return None
                    record["ratings"][system][c] = v
        return record

    return _session(pairwise_units(items), annotator, out, seed, checks, "pairwise", ask, screen, keys)


def run_detect(pool, out, annotator, seed=0, checks=0.1, stdin=None, screen=None) -> int:
    screen, stdin = screen or sys.stdout, stdin or sys.stdin
    keys = Keys(stdin, screen)
    by_id = {it["id"]: it for it in pool}
    screen.write("was each story written by a person or by a language model? keys: h = human, m = model, q = quit\n")

    def ask(unit, is_check, header):
        it = by_id[unit[0]]
        _show(screen, keys.tty, header, [("story", it["text"])])
        answer = keys.read("human or model? (h/m, q to quit): ", {"h": "human", "m": "model"})
        if answer is None:
            return None
        return {"task": "detect", "item": it["id"], "source": it["source"], "answer": answer,
                "correct": answer == ("human" if it["source"] == HUMAN else "model")}

    return _session([(it["id"],) for it in pool], annotator, out, seed, checks, "detect", ask, screen, keys)


# ---- the --detect pool: real and generated stories ---------------------------------------------------------------

def truncate_words(text: str, words: int) -> str:
    """The longest prefix of at most `words` words that ends a sentence (else the first `words` words)."""
    text = "\n".join(line.strip() for line in text.strip().splitlines())
    text = re.sub(r"\n{3,}", "\n\n", text)
    best = None
    for m in re.finditer(r"[.!?][\"”’']?(?=\s|$)", text):
        if len(text[:m.end()].split()) > words:
            break
        best = m.end()
    return text[:best] if best else " ".join(text.split()[:words])


def real_stories(path, n: int, words: int, seed: int = 0) -> list:
    """n held-out stories that open with "Once upon a time" (paragraphs up to the next such opening), cut to `words`."""
    if not os.path.isfile(path):
        raise FileNotFoundError(f"{path} not found; copy /work/shared/data/tinystories (with SOURCE.md) into data/")
    paras = [p.strip() for p in open(path, encoding="utf-8").read().split("\n\n") if p.strip()]
    starts = [i for i, p in enumerate(paras) if p.startswith(OPENING)] + [len(paras)]
    if n > len(starts) - 1:
        raise ValueError(f"{path} has {len(starts) - 1} stories opening with {OPENING!r}; asked for {n}")
    picked = sorted(random.Random(seed).sample(range(len(starts) - 1), n))
    return [truncate_words("\n\n".join(paras[starts[k]:starts[k + 1]]), words) for k in picked]


def model_stories(name: str, n: int, words: int, max_new_tokens: int, seed: int = 0) -> tuple:
    """-> (stories, lowercase): n stories from a pretrained model, each seeded, opening with OPENING."""
    import numpy as np
    from tqdm import tqdm
    from ..generation.decoding import generate
    from ..models.pretrained import load
    model, tok, info = load(name)
    prompt = OPENING.lower() if info["lowercase"] else OPENING
    eos = info["eos_token_id"]
    out = []
    for k in tqdm(range(n), desc=f"stories from {name}", unit="story", file=sys.stderr):
        ids = generate(model, tok.encode(prompt), max_new_tokens, temperature=0.8, top_k=40,
                       stop_tokens=[] if eos is None else [eos], rng=np.random.default_rng([seed, k]))
        out.append(truncate_words(prompt + tok.decode([int(i) for i in ids if int(i) != eos]), words))
    return out, info["lowercase"]


def build_pool(real: list, generated: dict, seed: int = 0, lowercase: bool = True) -> list:
    """Shuffled pool of {"id", "text", "source"}: source "human" for real stories, else the model's name."""
    pool = [{"id": f"human-{k:03d}", "text": t.lower() if lowercase else t, "source": HUMAN}
            for k, t in enumerate(real)]
    for name, texts in generated.items():
        pool += [{"id": f"{name}-{k:03d}", "text": t, "source": name} for k, t in enumerate(texts)]
    random.Random(seed).shuffle(pool)
    return pool


# ---- the command -------------------------------------------------------------------------------------------------

def _dialogsum_inputs(ids, spec: str) -> dict:
    """--inputs: "none", "dialogsum:SPLIT", or "auto" (DialogSum when every id looks like SPLIT_N)."""
    if spec == "none":
        return {}
    if spec == "auto":
        splits = {i.split("_")[0] for i in ids}
        if len(splits) != 1 or not all(re.fullmatch(r"(train|dev|test)_\d+", i) for i in ids):
            return {}
        spec = "dialogsum:" + splits.pop()
    if not spec.startswith("dialogsum:"):
        raise ValueError(f"--inputs {spec!r}: use auto, none or dialogsum:train|dev|test")
    from ..datasets.dialogsum import load_dialogsum
    return {r["fname"]: r["dialogue"] for r in load_dialogsum(spec.split(":", 1)[1])}


def make_items(args) -> int:
    if not args.out or os.path.splitext(args.out)[1] not in (".jsonl", ".json"):
        raise ValueError("--make-items needs --out ITEMS.jsonl (or .json)")
    names = args.names.split(",") if args.names else [os.path.splitext(os.path.basename(f))[0] for f in args.make_items]
    if len(set(names)) < len(names):
        names = [os.path.basename(os.path.dirname(os.path.abspath(f))) for f in args.make_items]
    if len(names) != len(args.make_items) or len(set(names)) < len(names):
        raise ValueError(f"cannot name the systems uniquely ({names}); give --names a,b,... (one per file)")
    systems, refs = {}, {}
    for name, f in zip(names, args.make_items):
        systems[name], r = read_predictions(f)
        refs = refs or r
    if args.reference:
        if not refs:
            raise ValueError("--reference: the first prediction file has no reference / reference1 field")
        systems["reference"] = refs
    items = items_from_predictions(systems, _dialogsum_inputs(list(next(iter(systems.values()))), args.inputs))
    if args.out.endswith(".json"):
        with open(args.out, "w", encoding="utf-8") as f:
            json.dump(items, f, ensure_ascii=False, indent=1)
    else:
        write_jsonl(args.out, items)
    dropped = max(len(s) for s in systems.values()) - len(items)
    print(f"wrote {len(items)} items, systems {list(systems)}, to {args.out}"
          + (f" ({dropped} ids not in every file were left out)" if dropped else ""))
    return 0


def run_analysis(args) -> int:
    records = [r for f in args.analyze for r in read_records(f)]
    if not records:
        raise ValueError(f"no judgements in {', '.join(args.analyze)}")
    res = analyze(records, rounds=args.rounds, seed=args.seed)
    print(format_report(res))
    path = args.json or os.path.splitext(args.analyze[0])[0] + ".analysis.json"
    with open(path, "w", encoding="utf-8") as f:
        json.dump(res, f, indent=1)
    print(f"\nwrote {path}")
    return 0


def run_detect_command(args) -> int:
    pool_path = args.pool or os.path.splitext(args.out)[0] + ".pool.jsonl"
    if args.n < 1 or args.words < 1:
        raise ValueError(f"--n and --words must be positive, got --n {args.n} --words {args.words}")
    if os.path.exists(pool_path):
        try:
            with open(pool_path, encoding="utf-8") as f:
                pool = [json.loads(line) for line in f if line.strip()]
            assert pool and all({"id", "text", "source"} <= set(p) for p in pool)
        except (json.JSONDecodeError, AssertionError, TypeError):
            raise ValueError(f"--pool {pool_path} is not a story pool (.jsonl of {{id, text, source}}); delete it "
                             "to build a new one") from None
    else:
        generated, lowercase = {}, False
        for name in args.models.split(","):
            generated[name], lc = model_stories(name, args.n, args.words, args.max_new_tokens, args.seed)
            lowercase = lowercase or lc
        real = real_stories(os.path.join(str(DATA_DIR), "tinystories", "tinystories_valid_head.txt"),
                            args.n, args.words, args.seed)
        pool = build_pool(real, generated, args.seed, lowercase)
        write_jsonl(pool_path, pool)
        print(f"wrote the story pool to {pool_path} (reused when you resume)")
    return run_detect(pool, args.out, args.annotator, args.seed, args.checks)


def main(argv) -> int:
    p = argparse.ArgumentParser(prog="tglm human-eval", description=__doc__.split("\n\n")[0],
                                epilog="examples:\n" + __doc__.split("\n\n")[1],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("items", nargs="?", help="items file (.jsonl / .json): {id, input, outputs: {system: text}}")
    p.add_argument("--annotator", help="your annotator id (recorded with each judgement; resuming needs the same)")
    p.add_argument("--out", help="judgements file (.jsonl, appended); with --make-items: the items file to write")
    p.add_argument("--likert", action="store_true", help="also rate each output 1-5 on --criteria")
    p.add_argument("--criteria", default=",".join(CRITERIA), help="Likert criteria, comma-separated")
    p.add_argument("--checks", type=float, default=0.1, help="fraction of comparisons repeated as attention checks")
    p.add_argument("--seed", type=int, default=0, help="seeds the display order, the schedule, the bootstrap")
    p.add_argument("--analyze", nargs="+", metavar="FILE", help="analyse judgements files (.jsonl)")
    p.add_argument("--rounds", type=int, default=1000, help="--analyze: bootstrap rounds for Bradley-Terry")
    p.add_argument("--json", help="--analyze: where to write the JSON (default: FILE.analysis.json)")
    p.add_argument("--make-items", nargs="+", metavar="PREDICTIONS",
                   help="build an items file from prediction files (week 5 {summaries: [...]} or {id, prediction} rows)")
    p.add_argument("--names", help="--make-items: system names, comma-separated (default: file names)")
    p.add_argument("--reference", action="store_true", help="--make-items: add reference1 as system 'reference'")
    p.add_argument("--inputs", default="auto", help="--make-items: auto | none | dialogsum:SPLIT (shown above outputs)")
    p.add_argument("--detect", action="store_true", help="human or model? on real and generated TinyStories")
    p.add_argument("--models", default="tinystories-3m", help="--detect: pretrained models, comma-separated")
    p.add_argument("--pool", help="--detect: the story pool file (default: OUT.pool.jsonl; built once)")
    p.add_argument("--n", type=int, default=20, help="--detect: stories per source (real, and each model)")
    p.add_argument("--words", type=int, default=80, help="--detect: cut every story to at most this many words")
    p.add_argument("--max-new-tokens", type=int, default=110, help="--detect: tokens generated per story")
    args = p.parse_args(argv)
    try:
        if args.analyze:
            return run_analysis(args)
        if args.make_items:
            return make_items(args)
        if not args.annotator or not args.out:
            raise ValueError("give --annotator NAME and --out JUDGEMENTS.jsonl (or --analyze / --make-items)")
        if not args.out.endswith(".jsonl"):
            raise ValueError(f"--out {args.out}: unknown annotator file format; judgements go to a .jsonl file")
        if args.detect:
            return run_detect_command(args)
        if not args.items:
            raise ValueError("give an items file to judge (see --make-items to build one), or --detect")
        criteria = [c.strip() for c in args.criteria.split(",") if c.strip()] if args.likert else []
        return run_pairwise(load_items(args.items), args.out, args.annotator, args.seed, args.checks, criteria)
    except (ValueError, FileNotFoundError, KeyError) as e:
        print(f"tglm human-eval: {' '.join(str(e).split())}", file=sys.stderr)
        return 2
