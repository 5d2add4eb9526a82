"""`tglm` on bad input: ONE line on stderr that names the option or file, exit code 2, no traceback,
and no file that existed before is changed (an earlier run's checkpoints stay as they were).

CASES is the table: (id, argv, text the line must contain). Each case runs in-process through
tinygrad_lm.cli.main (the same handler `python -m tinygrad_lm` uses); SUBPROCESS_CASES runs a
representative few again as real processes, with Ctrl-C (exit 130, the line says how to resume).
The last tests check what replaced the silent wrong results: --overwrite, and --resume restoring the
run's own settings (batch size, learning rate, model shape) and finding the best checkpoint.
$names in argv are filled from the `world` fixture (tiny data and checkpoints made once per module).
"""
import hashlib
import json
import os
import pathlib
import signal
import string
import subprocess
import sys
import time

import numpy as np
import pytest

from tinygrad_lm.checkpoints.checkpoint import read_checkpoint
from tinygrad_lm.checkpoints.safetensors import save_file
from tinygrad_lm.cli import main

ROOT = pathlib.Path(__file__).resolve().parents[1]
SHAPE = "--n-layer 1 --n-head 2 --n-embd 16 --block-size 8 --batch-size 2 --eval-iters 1".split()
GPT = SHAPE + ["--sample-tokens", "0"]
LSTM = "--hidden 8 --emb 4 --batch-size 2 --seq-len 8 --eval-every 2 --sample-every 0 --time 0".split()


def g(*extra):                       # tglm train gpt on the tiny data into a fresh directory
    return ["train", "gpt", "--data", "$data", *GPT, "--out", "$new", "--max-iters", "2", *extra]


def m(*extra):
    return ["train", "mlm", "--data", "$data", *SHAPE, "--out", "$new", "--max-iters", "2", *extra]


def c(*extra, cell="lstm"):
    return ["train", f"char-{cell}", "--data", "$data", *LSTM, "--out", "$new", *extra]


CASES = [
    # ---- train gpt: every number range-checked, the data and --out checked before any work
    ("gpt-block-0", g("--block-size", "0"), "--block-size"),
    ("gpt-block-neg", g("--block-size", "-5"), "--block-size"),
    ("gpt-block-larger-than-data", g("--block-size", "5000"), "--block-size"),
    ("gpt-batch-0", g("--batch-size", "0"), "--batch-size"),
    ("gpt-batch-neg", g("--batch-size", "-3"), "--batch-size"),
    ("gpt-max-iters-0", g("--max-iters", "0"), "--max-iters"),
    ("gpt-eval-every-0", g("--eval-every", "0"), "--eval-every"),
    ("gpt-eval-iters-0", g("--eval-iters", "0"), "--eval-iters"),
    ("gpt-val-fraction-1.5", g("--val-fraction", "1.5"), "--val-fraction"),
    ("gpt-val-fraction-neg", g("--val-fraction", "-0.1"), "--val-fraction"),
    ("gpt-val-fraction-0", g("--val-fraction", "0"), "--val-fraction"),
    ("gpt-n-head-not-dividing", g("--n-head", "3"), "--n-head"),
    ("gpt-n-head-0", g("--n-head", "0"), "--n-head"),
    ("gpt-n-layer-0", g("--n-layer", "0"), "--n-layer"),
    ("gpt-n-embd-text", g("--n-embd", "abc"), "--n-embd"),
    ("gpt-dropout-1", g("--dropout", "1.0"), "--dropout"),
    ("gpt-dropout-neg", g("--dropout", "-0.1"), "--dropout"),
    ("gpt-lr-nan", g("--lr", "nan"), "--lr"),
    ("gpt-lr-inf", g("--lr", "inf"), "--lr"),
    ("gpt-min-lr-neg", g("--min-lr", "-1"), "--min-lr"),
    ("gpt-warmup-neg", g("--warmup-iters", "-1"), "--warmup-iters"),
    ("gpt-clip-0", g("--clip", "0"), "--clip"),
    ("gpt-clip-nan", g("--clip", "nan"), "--clip"),
    ("gpt-seed-neg", g("--seed", "-1"), "--seed"),
    ("gpt-bpe-vocab-too-small", g("--tokenizer", "bpe", "--vocab-size", "100"), "--vocab-size"),
    ("gpt-unknown-option", g("--nope", "1"), "--nope"),
    ("gpt-data-not-utf8", ["train", "gpt", "--data", "$latin1", "--out", "$new"], "latin1.txt"),
    ("gpt-data-directory", ["train", "gpt", "--data", "$dir", "--out", "$new"], "adir"),
    ("gpt-data-empty", ["train", "gpt", "--data", "$empty", "--out", "$new"], "empty.txt"),
    ("gpt-data-missing", ["train", "gpt", "--data", "$missing", "--out", "$new"], "missing.txt"),
    ("gpt-out-under-a-file", ["train", "gpt", "--data", "$data", "--out", "$data/run"], "--out"),
    ("gpt-out-holds-a-run", ["train", "gpt", "--data", "$data", *GPT, "--out", "$gpt_dir"], "--overwrite"),
    ("gpt-sample-prompt-unknown-chars", g("--sample-tokens", "5", "--sample-prompt", "{~}"), "--sample-prompt"),
    ("gpt-diverges-nan", g("--lr", "1e6", "--warmup-iters", "0", "--clip", "1e30", "--max-iters", "20",
                           "--eval-every", "10"), "--lr"),
    ("gpt-resume-lstm", ["train", "gpt", "--resume", "$lstm", "--out", "$new"], "char-lstm"),
    ("gpt-resume-mlm", ["train", "gpt", "--resume", "$mlm", "--out", "$new"], "mlm"),
    ("gpt-resume-plain-safetensors", ["train", "gpt", "--resume", "$plain", "--out", "$new"], "plain.safetensors"),
    ("gpt-resume-missing", ["train", "gpt", "--resume", "$missing", "--out", "$new"], "missing.txt"),
    ("gpt-resume-directory", ["train", "gpt", "--resume", "$gpt_dir", "--out", "$new"], "--resume"),
    ("gpt-resume-other-shape", ["train", "gpt", "--resume", "$gpt", "--out", "$new", "--n-embd", "32"], "--n-embd"),
    ("gpt-resume-into-another-run", ["train", "gpt", "--resume", "$gpt", "--out", "$mlm_dir"], "--out"),
    ("gpt-resume-new-characters", ["train", "gpt", "--resume", "$gpt", "--out", "$new", "--data", "$curly"], "--data"),
    # ---- train mlm
    ("mlm-mask-prob-0", m("--mask-prob", "0"), "--mask-prob"),
    ("mlm-mask-prob-1.5", m("--mask-prob", "1.5"), "--mask-prob"),
    ("mlm-block-0", m("--block-size", "0"), "--block-size"),
    ("mlm-batch-0", m("--batch-size", "0"), "--batch-size"),
    ("mlm-val-fraction-1.5", m("--val-fraction", "1.5"), "--val-fraction"),
    ("mlm-lr-nan", m("--lr", "nan"), "--lr"),
    ("mlm-out-holds-a-run", ["train", "mlm", "--data", "$data", "--out", "$mlm_dir"], "--overwrite"),
    ("mlm-resume-gpt", ["train", "mlm", "--resume", "$gpt", "--out", "$new"], "--resume"),
    ("mlm-data-not-utf8", ["train", "mlm", "--data", "$latin1", "--out", "$new"], "latin1.txt"),
    # ---- train char-lstm / char-rnn (a budget that never ends used to hang)
    ("lstm-steps-neg-hangs", c("--steps", "-1", "--time", "0"), "--steps"),
    ("lstm-time-neg-hangs", c("--time", "-1", "--steps", "0"), "--time"),
    ("lstm-no-budget", c("--time", "0", "--steps", "0"), "--steps"),
    ("lstm-time-nan", c("--time", "nan"), "--time"),
    ("lstm-hidden-0", c("--hidden", "0", "--steps", "2"), "--hidden"),
    ("lstm-seq-len-0", c("--seq-len", "0", "--steps", "2"), "--seq-len"),
    ("lstm-batch-neg", c("--batch-size", "-3", "--steps", "2"), "--batch-size"),
    ("lstm-warmup-1", c("--warmup", "1", "--steps", "2"), "--warmup"),
    ("lstm-val-fraction-1.5", c("--val-fraction", "1.5", "--steps", "2"), "--val-fraction"),
    ("lstm-val-fraction-0", c("--val-fraction", "0", "--steps", "2"), "--val-fraction"),
    ("lstm-clip-0", c("--clip", "0", "--steps", "2"), "--clip"),
    ("lstm-eval-every-0", c("--eval-every", "0", "--steps", "2"), "--eval-every"),
    ("lstm-data-directory", ["train", "char-lstm", "--data", "$dir", "--steps", "2", "--out", "$new"], "adir"),
    ("lstm-out-holds-a-run", ["train", "char-lstm", "--data", "$data", "--steps", "2", "--out", "$lstm_dir"],
     "--overwrite"),
    ("lstm-resume-gpt", ["train", "char-lstm", "--resume", "$gpt", "--out", "$new"], "gpt"),
    ("lstm-resume-plain", ["train", "char-lstm", "--resume", "$plain", "--out", "$new"], "plain.safetensors"),
    ("lstm-resume-other-shape", ["train", "char-lstm", "--resume", "$lstm", "--out", "$new", "--hidden", "32"],
     "--hidden"),
    ("lstm-resume-new-characters", ["train", "char-lstm", "--resume", "$lstm", "--out", "$new", "--data", "$curly"],
     "--data"),
    ("rnn-resume-lstm", ["train", "char-rnn", "--resume", "$lstm", "--out", "$new"], "char-lstm"),
    ("rnn-out-holds-a-run", ["train", "char-rnn", "--data", "$data", "--steps", "2", "--out", "$lstm_dir"],
     "--overwrite"),
    ("rnn-clip-nan", c("--clip", "nan", "--steps", "2", cell="rnn"), "--clip"),
    ("train-no-model", ["train"], "model"),
    ("train-unknown-model", ["train", "char-gpt"], "char-gpt"),
    # ---- tglm sample
    ("sample-gpt-checkpoint", ["sample", "--checkpoint", "$gpt"], "last.safetensors"),
    ("sample-mlm-checkpoint", ["sample", "--checkpoint", "$mlm"], "fill-mask"),
    ("sample-plain-safetensors", ["sample", "--checkpoint", "$plain"], "plain.safetensors"),
    ("sample-text-file", ["sample", "--checkpoint", "$data"], "small.txt"),
    ("sample-missing", ["sample", "--checkpoint", "$missing"], "missing.txt"),
    ("sample-directory", ["sample", "--checkpoint", "$dir"], "adir"),
    ("sample-top-k-0", ["sample", "--checkpoint", "$lstm", "--top-k", "0"], "--top-k"),
    ("sample-top-p-0", ["sample", "--checkpoint", "$lstm", "--top-p", "0"], "--top-p"),
    ("sample-length-neg", ["sample", "--checkpoint", "$lstm", "--length", "-1"], "--length"),
    ("sample-temperature-nan", ["sample", "--checkpoint", "$lstm", "--temperature", "nan"], "--temperature"),
    ("sample-empty-prime", ["sample", "--checkpoint", "$lstm", "--prime", ""], "--prime"),
    ("sample-prime-unknown-chars", ["sample", "--checkpoint", "$lstm", "--prime", "{~}"], "--prime"),
    # ---- tglm fill-mask / generate
    ("fill-mask-top-k-neg", ["fill-mask", "--checkpoint", "$mlm", "--top-k", "-2", "a [MASK]"], "--top-k"),
    ("fill-mask-top-k-0", ["fill-mask", "--checkpoint", "$mlm", "--top-k", "0", "a [MASK]"], "--top-k"),
    ("fill-mask-gpt-checkpoint", ["fill-mask", "--checkpoint", "$gpt", "a [MASK]"], "last.safetensors"),
    ("fill-mask-missing", ["fill-mask", "--checkpoint", "$missing", "a [MASK]"], "missing.txt"),
    ("fill-mask-no-mask", ["fill-mask", "--checkpoint", "$mlm", "no mask"], "[MASK]"),
    ("generate-lstm-checkpoint", ["generate", "--checkpoint", "$lstm"], "last.safetensors"),
    ("generate-missing", ["generate", "--checkpoint", "$missing"], "missing.txt"),
    ("generate-top-k-0", ["generate", "--checkpoint", "$gpt", "--top-k", "0"], "--top-k"),
    ("generate-top-p-1.5", ["generate", "--checkpoint", "$gpt", "--top-p", "1.5"], "--top-p"),
    ("generate-max-new-tokens-neg", ["generate", "--checkpoint", "$gpt", "--max-new-tokens", "-1"],
     "--max-new-tokens"),
    # ---- tglm tokenizer
    ("tokenizer-input-directory", ["tokenizer", "train", "--input", "$dir", "--vocab-size", "300", "--out",
                                   "$W/t.bpe"], "adir"),
    ("tokenizer-out-directory", ["tokenizer", "train", "--input", "$data", "--vocab-size", "300", "--out", "$dir"],
     "adir"),
    ("tokenizer-vocab-out-directory", ["tokenizer", "train", "--input", "$data", "--vocab-size", "300", "--out",
                                       "$W/t.bpe", "--vocab-out", "$dir"], "--vocab-out"),
    ("tokenizer-input-not-utf8", ["tokenizer", "train", "--input", "$latin1", "--vocab-size", "300", "--out",
                                  "$W/t.bpe"], "latin1.txt"),
    ("tokenizer-vocab-size-10", ["tokenizer", "train", "--input", "$data", "--vocab-size", "10", "--out",
                                 "$W/t.bpe"], "--vocab-size"),
    ("tokenizer-encode-input-directory", ["tokenizer", "encode", "--tokenizer", "gpt2", "--input", "$dir"], "adir"),
    ("tokenizer-not-a-tokenizer", ["tokenizer", "encode", "--tokenizer", "$data", "--text", "hi"], "small.txt"),
    ("tokenizer-missing", ["tokenizer", "vocab", "--tokenizer", "$missing"], "missing.txt"),
    ("tokenizer-decode-negative-id", ["tokenizer", "decode", "--tokenizer", "gpt2", "--", "-1"], "ids"),
    # ---- tglm pretrain / demo / the dispatcher
    ("pretrain-out-holds-a-run", ["pretrain", "--out", "$gpt_dir", "--max-iters", "1"], "--overwrite"),
    ("pretrain-config-not-json", ["pretrain", "--config", "$data", "--out", "$new"], "--config"),
    ("pretrain-config-empty-object", ["pretrain", "--config", "$emptycfg", "--out", "$new"], "--config"),
    ("pretrain-config-directory", ["pretrain", "--config", "$dir", "--out", "$new"], "adir"),
    ("pretrain-resume-gpt", ["pretrain", "--resume", "$gpt", "--out", "$new"], "--resume"),
    ("pretrain-budget-0", ["pretrain", "--budget-min", "0", "--out", "$new"], "--budget-min"),
    ("pretrain-max-iters-0", ["pretrain", "--max-iters", "0", "--out", "$new"], "--max-iters"),
    ("pretrain-export-lstm", ["pretrain", "--export", "$lstm", "--dest", "$new"], "--export"),
    ("demo-seed-neg", ["demo", "--seed", "-1"], "--seed"),
    # ---- tglm train captioner / generate: session 5 flags
    ("captioner-decoder-tune-without-decoder", ["train", "captioner", "--decoder-tune", "lora", "--steps", "1",
                                                "--out", "$new"], "--decoder-tune"),
    ("captioner-decoder-missing", ["train", "captioner", "--decoder", "$missing", "--steps", "1", "--out", "$new"],
     "missing"),
    ("captioner-lora-r-0", ["train", "captioner", "--decoder", "tinystories-3m", "--decoder-tune", "lora",
                            "--lora-r", "0", "--steps", "1", "--out", "$new"], "--lora-r"),
    ("generate-weights-int4", ["generate", "--checkpoint", "$gpt", "--weights", "int4"], "--weights"),
    ("chat-grounded-decoding-bogus", ["chat", "--grounded-decoding", "bogus"], "--grounded-decoding"),
    ("unknown-command", ["nosuch"], "nosuch"),
]

# a representative few again as real processes (`python -m tinygrad_lm`), run side by side
SUBPROCESS_CASES = ["gpt-block-0", "gpt-data-not-utf8", "gpt-resume-lstm", "lstm-steps-neg-hangs",
                    "sample-gpt-checkpoint", "tokenizer-input-directory", "gpt-out-holds-a-run"]


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """Tiny data, odd files and one checkpoint of each trainer (2 steps each), made once."""
    W = tmp_path_factory.mktemp("world")
    text = (ROOT / "data" / "tiny_shakespeare" / "input.txt").read_text(encoding="utf-8")[:6000]
    (W / "small.txt").write_text(text, encoding="utf-8")
    (W / "curly.txt").write_text(text + "{}", encoding="utf-8")
    (W / "latin1.txt").write_bytes("caf\xe9 au lait\n".encode("latin-1") * 50)
    (W / "empty.txt").write_text("")
    (W / "adir").mkdir()
    (W / "adir" / "x.txt").write_text("x")
    (W / "emptycfg.json").write_text("{}")
    save_file({"w": np.zeros(3, dtype=np.float32)}, str(W / "plain.safetensors"))
    runs = W / "runs"
    assert main(["train", "gpt", "--data", str(W / "small.txt"), *GPT, "--out", str(runs / "gpt"),
                 "--max-iters", "2", "--eval-every", "2"]) == 0
    assert main(["train", "mlm", "--data", str(W / "small.txt"), *SHAPE, "--out", str(runs / "mlm"),
                 "--max-iters", "2", "--eval-every", "2"]) == 0
    assert main(["train", "char-lstm", "--data", str(W / "small.txt"), *LSTM, "--out", str(runs / "lstm"),
                 "--steps", "2"]) == 0
    names = {"W": str(W), "data": str(W / "small.txt"), "curly": str(W / "curly.txt"),
             "latin1": str(W / "latin1.txt"), "empty": str(W / "empty.txt"), "dir": str(W / "adir"),
             "missing": str(W / "missing.txt"), "plain": str(W / "plain.safetensors"),
             "emptycfg": str(W / "emptycfg.json")}
    for kind in ("gpt", "mlm", "lstm"):
        names[kind] = str(runs / kind / "last.safetensors")
        names[f"{kind}_dir"] = str(runs / kind)
    return W, names


def _argv(argv, names, case_id):
    names = dict(names, new=os.path.join(names["W"], "new", case_id))
    return [string.Template(a).safe_substitute(names) for a in argv]


def _snapshot(root) -> dict:
    """path -> (size, sha1) of every file under root. A file that vanishes between listing and reading is
    left out: the Ctrl-C training run beside the subprocess cases renames its temporary checkpoint files
    (an atomic save) while the snapshot is taken; such files were never in the `before` snapshot."""
    out = {}
    for dirpath, _, files in os.walk(root):
        for f in files:
            p = os.path.join(dirpath, f)
            try:
                with open(p, "rb") as fh:
                    out[p] = (os.path.getsize(p), hashlib.sha1(fh.read()).hexdigest())
            except FileNotFoundError:
                continue
    return out


def _check(case_id, code, out, err, expect, before, after):
    lines = [line for line in err.splitlines() if line.strip()]
    assert code == 2, f"{case_id}: exit code {code}, expected 2; stderr: {err[-800:]!r}"
    assert "Traceback" not in err + out, f"{case_id}: a traceback was printed:\n{err[-2000:]}"
    assert len(lines) == 1, f"{case_id}: expected ONE line on stderr, got {len(lines)}:\n{err[-2000:]}"
    assert expect in lines[0], f"{case_id}: the message should name {expect!r}: {lines[0]!r}"
    changed = [p for p in before if after.get(p) != before[p]]
    assert not changed, f"{case_id}: files that existed before were changed or deleted: {changed}"


@pytest.mark.parametrize("case_id,argv,expect", CASES, ids=[c[0] for c in CASES])
def test_bad_input_is_one_line_and_exit_2(world, case_id, argv, expect, capsys, monkeypatch):
    W, names = world
    monkeypatch.delenv("TGLM_DEBUG", raising=False)
    before = _snapshot(W)
    capsys.readouterr()
    code = main(_argv(argv, names, case_id))
    out, err = capsys.readouterr()
    _check(case_id, code, out, err, expect, before, _snapshot(W))


def test_table_size():
    assert len({c[0] for c in CASES}) == len(CASES) >= 100, "case ids must be unique"
    assert set(SUBPROCESS_CASES) <= {c[0] for c in CASES}


def _env():
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    env.pop("TGLM_DEBUG", None)
    return env


def _popen(argv, **kw):
    return subprocess.Popen([sys.executable, "-m", "tinygrad_lm", *argv], cwd=str(ROOT), env=_env(), text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL), **kw)


def test_in_a_subprocess_and_ctrl_c(world):
    """The same cases as real processes, and Ctrl-C during training: exit 130, one line naming the last
    checkpoint and the --resume that continues it."""
    W, names = world
    table = {c[0]: c for c in CASES}
    before = _snapshot(W)
    run_dir = os.path.join(names["W"], "interrupted")
    ctrl_c = _popen(["train", "gpt", "--data", names["data"], *GPT, "--out", run_dir, "--max-iters", "100000",
                     "--eval-every", "2"])
    procs = {cid: _popen(_argv(table[cid][1], names, "sub-" + cid)) for cid in SUBPROCESS_CASES}
    for cid, p in procs.items():
        try:
            out, err = p.communicate(timeout=120)
        except subprocess.TimeoutExpired:
            p.kill()
            pytest.fail(f"{cid}: still running after 120 s (a budget that never ends?)")
        _check(cid, p.returncode, out, err, table[cid][2], before, _snapshot(W))
    t0 = time.time()
    while not os.path.exists(os.path.join(run_dir, "history.json")) and time.time() - t0 < 120:
        time.sleep(0.1)
    ctrl_c.send_signal(signal.SIGINT)
    out, err = ctrl_c.communicate(timeout=60)
    lines = [line for line in err.splitlines() if line.strip()]
    assert ctrl_c.returncode == 130, f"Ctrl-C: exit code {ctrl_c.returncode}, expected 130; stderr {err[-800:]!r}"
    assert "Traceback" not in err and len(lines) == 1, f"Ctrl-C: expected one line, got:\n{err[-2000:]}"
    assert "--resume" in lines[0] and "last.safetensors" in lines[0], lines[0]
    assert read_checkpoint(os.path.join(run_dir, "last.safetensors"))["step"] >= 2


def test_debug_shows_the_traceback(world, capsys, monkeypatch):
    W, names = world
    monkeypatch.setenv("TGLM_DEBUG", "1")
    assert main(_argv(CASES[0][1], names, "debug")) == 2
    assert "Traceback" in capsys.readouterr().err
    monkeypatch.delenv("TGLM_DEBUG")
    assert main(["--debug", *_argv(["sample", "--checkpoint", "$gpt"], names, "debug2")]) == 2
    assert "Traceback" in capsys.readouterr().err


# ---- what replaced the silent wrong results ---------------------------------------------------------
def test_overwrite_replaces_the_run_in_out(world, tmp_path):
    W, names = world
    out = tmp_path / "a"
    base = ["train", "gpt", "--data", names["data"], *GPT, "--out", str(out)]
    assert main(base + ["--max-iters", "4", "--eval-every", "4"]) == 0
    assert read_checkpoint(str(out / "best.safetensors"))["step"] == 4
    assert main(base + ["--max-iters", "2", "--eval-every", "2", "--lr", "0", "--min-lr", "0"]) == 2   # refused
    assert read_checkpoint(str(out / "best.safetensors"))["step"] == 4
    assert main(base + ["--max-iters", "2", "--eval-every", "2", "--overwrite"]) == 0
    assert read_checkpoint(str(out / "best.safetensors"))["step"] == 2
    assert [h["step"] for h in json.loads((out / "history.json").read_text())] == [2]


def test_resume_restores_the_runs_settings_into_a_new_out(world, tmp_path, capsys):
    """`--resume` alone continues with the run's batch size, LR and shape (not the command-line defaults),
    into a new directory, and scores the run's best checkpoint."""
    W, names = world
    capsys.readouterr()
    assert main(["train", "gpt", "--resume", names["gpt"], "--out", str(tmp_path / "b"), "--max-iters", "3",
                 "--eval-every", "10", "--no-full-eval", "--lr", "0.002"]) == 0
    printed = capsys.readouterr().out
    assert "--batch-size 2" in printed and "--lr 0.002 (the run had 0.001)" in printed, printed
    cfg = read_checkpoint(str(tmp_path / "b" / "last.safetensors"))["config"]
    assert cfg["train"]["batch_size"] == 2 and cfg["train"]["block_size"] == 8 and cfg["train"]["lr"] == 0.002
    assert cfg["model"]["n_embd"] == 16
    # resumed into an empty --out (--no-full-eval was the run's: --full-eval says otherwise): the whole-split
    # score finds a best checkpoint even when this directory has none
    assert main(["train", "gpt", "--resume", str(tmp_path / "b" / "last.safetensors"), "--out",
                 str(tmp_path / "c"), "--max-iters", "4", "--eval-every", "10", "--lr", "0", "--full-eval"]) == 0
    result = json.loads((tmp_path / "c" / "result.json").read_text())
    assert os.path.exists(result["checkpoint"]), result
