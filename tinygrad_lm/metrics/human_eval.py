"""Human evaluation files: the items to judge, the judgement records, and the order a session shows them in (week 6).

Handles: items files (what `tglm human-eval` shows), built by hand or from prediction files; judgement
records appended atomically to a JSONL file and read back (a killed session leaves whole lines only);
the blind display order (seeded by annotator + item, so a resumed session shows the same sides); the
session schedule with attention checks (earlier units shown again later). The statistics over the records
live in human_eval_stats.py.

Does not handle: the terminal itself (cli/human_eval.py), several annotators writing one file from
different machines (one file per annotator, or a local file shared on one machine, is safe).

Items file (.jsonl: one item per line; .json: a list, or {"items": [...]}):
    {"id": "test_0", "input": "the dialogue / prompt (may be empty)", "outputs": {"beam": "...", "greedy": "..."}}
Every item needs a unique id and at least two systems; items may differ in their systems.

Judgement records (.jsonl, one JSON object per line):
    pairwise: {"task": "pairwise", "item", "systems": [x, y] (sorted), "order": [left, right], "winner": x | y | "tie",
               "ratings": {system: {"fluency": 1-5, ...}} (with --likert), "attention_check", "annotator", "time", "seconds"}
    detect:   {"task": "detect", "item", "source": "human" | model name, "answer": "human" | "model", "correct",
               "attention_check", "annotator", "time", "seconds"}
The winner is a system name, never a screen side: the side is in "order" only.
"""
import hashlib
import json
import os
import random
import warnings
from datetime import datetime, timezone
from itertools import combinations

CRITERIA = ("fluency", "coherence", "relevance")
TIE = "tie"
HUMAN = "human"
_REQUIRED = {"pairwise": ("item", "systems", "order", "winner", "annotator", "time"),
             "detect": ("item", "source", "answer", "annotator", "time")}


# ---- items ---------------------------------------------------------------------------------------------------------

def _read_json_or_jsonl(path, what: str):
    """Objects from a .jsonl (one per line) or .json file; anything else is refused by its extension."""
    path = os.fspath(path)
    ext = os.path.splitext(path)[1].lower()
    if ext not in (".jsonl", ".json"):
        raise ValueError(f"{what} {path}: unknown file format {ext or '(no extension)'!r}; expected .jsonl or .json")
    if not os.path.isfile(path):
        raise FileNotFoundError(f"{what} {path} not found")
    with open(path, encoding="utf-8") as f:
        if ext == ".json":
            try:
                return json.load(f)
            except json.JSONDecodeError as e:
                raise ValueError(f"{what} {path} is not valid JSON: {e}") from None
        rows = []
        for n, line in enumerate(f, 1):
            if line.strip():
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError as e:
                    raise ValueError(f"{what} {path}, line {n}: not valid JSON ({e})") from None
        return rows


def load_items(path) -> list:
    """Read and check an items file -> list of {"id": str, "input": str, "outputs": {system: str}}."""
    data = _read_json_or_jsonl(path, "items file")
    if isinstance(data, dict):
        data = data.get("items")
    if not isinstance(data, list) or not data:
        raise ValueError(f"items file {path}: expected a non-empty list of items (or {{\"items\": [...]}}), "
                         'each {"id", "input", "outputs": {system: text}}')
    items, seen = [], set()
    for i, it in enumerate(data):
        if not isinstance(it, dict) or "id" not in it or not isinstance(it.get("outputs"), dict):
            raise ValueError(f"items file {path}: item {i} must be an object with \"id\" and \"outputs\": "
                             f"{{system: text}}, got {str(it)[:80]!r}")
        item_id, outputs = str(it["id"]), it["outputs"]
        if item_id in seen:
            raise ValueError(f"items file {path}: item id {item_id!r} occurs twice; ids must be unique")
        seen.add(item_id)
        if len(outputs) < 2:
            raise ValueError(f"items file {path}: item {item_id!r} has {len(outputs)} system ({', '.join(outputs)}); "
                             "pairwise comparison needs at least two systems' outputs per item")
        if not all(isinstance(v, str) for v in outputs.values()):
            raise ValueError(f"items file {path}: item {item_id!r} has a non-text output; outputs must be strings")
        items.append({"id": item_id, "input": str(it.get("input") or ""), "outputs": dict(outputs)})
    return items


def read_predictions(path) -> tuple:
    """One system's predictions -> ({id: text}, {id: reference}) (references may be empty).

    Accepts the week 5 summarization output {"summaries": [{"fname", "prediction", "reference1"}, ...]},
    or a list / JSONL of {"id" or "fname", "prediction" or "output", optional "reference" or "reference1"}.
    """
    data = _read_json_or_jsonl(path, "predictions file")
    if isinstance(data, dict):
        data = data.get("summaries", data.get("predictions"))
    if not isinstance(data, list) or not data:
        raise ValueError(f"predictions file {path}: expected {{\"summaries\": [...]}} (week 5) or a list of "
                         '{"id", "prediction"} objects')
    preds, refs = {}, {}
    for i, r in enumerate(data):
        key = r.get("id", r.get("fname")) if isinstance(r, dict) else None
        text = r.get("prediction", r.get("output")) if isinstance(r, dict) else None
        if key is None or not isinstance(text, str):
            raise ValueError(f"predictions file {path}: row {i} needs an \"id\" (or \"fname\") and a text "
                             f"\"prediction\" (or \"output\"), got {str(r)[:80]!r}")
        preds[str(key)] = text
        ref = r.get("reference", r.get("reference1"))
        if isinstance(ref, str):
            refs[str(key)] = ref
    return preds, refs


def items_from_predictions(systems: dict, inputs: dict = None) -> list:
    """{system: {id: text}} -> items for the ids every system has, in the first system's order.

    inputs: {id: input text} shown above the outputs (missing ids get "").
    """
    if len(systems) < 2:
        raise ValueError(f"need predictions of at least two systems to compare, got {list(systems)}")
    names = list(systems)
    common = [k for k in systems[names[0]] if all(k in systems[n] for n in names[1:])]
    if not common:
        raise ValueError(f"the prediction files share no id: systems {names} were run on different inputs")
    inputs = inputs or {}
    return [{"id": k, "input": inputs.get(k, ""), "outputs": {n: systems[n][k] for n in names}} for k in common]


def write_jsonl(path, rows):
    """Write rows to a .jsonl file all at once (temporary file + rename: never half a file)."""
    path = os.fspath(path)
    tmp = f"{path}.tmp{os.getpid()}"
    with open(tmp, "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    os.replace(tmp, path)


# ---- judgement records ---------------------------------------------------------------------------------------------

def now() -> str:
    """UTC timestamp of a judgement, ISO 8601 to the millisecond (sorts as text)."""
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def append_record(path, record: dict):
    """Append one record as one line: O_APPEND, a single write() of the whole line, fsync.

    O_APPEND makes every write land at the current end even with other writers; one write of a line
    shorter than a page is not split by a crash or kill, so the file only ever holds whole lines. If a
    previous writer died mid-line (a huge line, a full disk), we start on a fresh line so only that
    fragment is lost (read_records skips it with a warning).
    """
    line = (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8")
    fd = os.open(os.fspath(path), os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        size = os.fstat(fd).st_size
        if size:
            with open(os.fspath(path), "rb") as f:
                f.seek(size - 1)
                if f.read(1) != b"\n":
                    line = b"\n" + line
        written = os.write(fd, line)
        while written < len(line):                     # short writes only happen on a full disk or a signal
            written += os.write(fd, line[written:])
        os.fsync(fd)
    finally:
        os.close(fd)


def read_records(path) -> list:
    """All judgement records of a .jsonl file, checked. Broken lines (a killed writer) are skipped with a warning."""
    path = os.fspath(path)
    if os.path.splitext(path)[1].lower() != ".jsonl":
        raise ValueError(f"judgements file {path}: unknown annotator file format; expected the .jsonl file that "
                         "`tglm human-eval --out` writes (one JSON record per line)")
    if not os.path.isfile(path):
        raise FileNotFoundError(f"judgements file {path} not found")
    records, broken = [], []
    with open(path, encoding="utf-8", errors="replace") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                r = json.loads(line)
            except json.JSONDecodeError:
                broken.append(n)
                continue
            task = r.get("task") if isinstance(r, dict) else None
            if task not in _REQUIRED or any(k not in r for k in _REQUIRED[task]):
                raise ValueError(f"judgements file {path}, line {n}: unknown annotator file format (expected records "
                                 f"with \"task\": pairwise or detect and keys {_REQUIRED.get(task, _REQUIRED['pairwise'])})")
            records.append(r)
    if broken and not records:
        raise ValueError(f"judgements file {path}: no line is a JSON record; unknown annotator file format")
    if broken:
        warnings.warn(f"{path}: skipped {len(broken)} incomplete line(s) {broken[:5]} (an interrupted write)",
                      RuntimeWarning, stacklevel=2)
    return records


# ---- what a session shows, in which order ----------------------------------------------------------------------------

def _stable_int(*parts) -> int:
    """A hash of the parts that is the same in every process (Python's hash() is salted per process)."""
    return int.from_bytes(hashlib.sha256("\x1f".join(map(str, parts)).encode("utf-8")).digest()[:8], "little")


def display_order(annotator: str, item_id: str, x: str, y: str, seed: int = 0) -> tuple:
    """(left, right) for one comparison: a coin flip seeded by annotator, item and the pair, so resuming
    shows the same sides and each annotator gets an independent order."""
    x, y = sorted((x, y))
    return (x, y) if _stable_int(seed, annotator, item_id, x, y) % 2 == 0 else (y, x)


def pairwise_units(items) -> list:
    """Every comparison to make: (item id, x, y) for each pair of an item's systems (x < y)."""
    return [(it["id"], x, y) for it in items for x, y in combinations(sorted(it["outputs"]), 2)]


def schedule(units, annotator: str, seed: int = 0, check_rate: float = 0.1, gap: int = 5) -> list:
    """The session: units shuffled per annotator, plus attention checks -> list of (unit, is_check).

    A check repeats a unit gap .. 2*gap positions after it (fewer when the list is short); about
    check_rate * len(units) of them (at least one if check_rate > 0 and there are two units). The same
    annotator and seed always give the same list, which is what makes a session resumable.
    """
    if not 0.0 <= check_rate <= 1.0:
        raise ValueError(f"check_rate must be in [0, 1] (a fraction of the units repeated), got {check_rate}")
    rng = random.Random(_stable_int(seed, annotator, "schedule"))
    order = list(units)
    rng.shuffle(order)
    n = len(order)
    gap = max(1, min(gap, n // 3))
    candidates = list(range(max(1, n - 1 - gap))) if n >= 2 else []
    k = min(len(candidates), max(1, round(check_rate * n))) if check_rate > 0 else 0
    after = {}
    for i in sorted(rng.sample(candidates, k)):
        after.setdefault(min(n - 1, i + gap + rng.randrange(gap + 1)), []).append(order[i])
    out = []
    for i, u in enumerate(order):
        out.append((u, False))
        out.extend((c, True) for c in after.get(i, []))
    return out


def unit_of(record: dict) -> tuple:
    """The unit a record judged: (item, x, y) for pairwise, (item,) for detect."""
    if record["task"] == "pairwise":
        return (str(record["item"]), *sorted(record["systems"]))
    return (str(record["item"]),)


def done_units(records, annotator: str, task: str) -> set:
    """{(unit, is_check)} this annotator already judged: a resumed session skips them."""
    return {(unit_of(r), bool(r.get("attention_check", False))) for r in records
            if r.get("annotator") == annotator and r.get("task") == task}
