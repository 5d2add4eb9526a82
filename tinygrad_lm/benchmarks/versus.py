"""Ours vs PyTorch, each in its OWN process in its default state: `tglm bench --only versus`.

How a learner compares two frameworks: two scripts, two processes, nothing set by hand. Measuring
both in one process is not that: `import tinygrad_lm` sets OMP_WAIT_POLICY=PASSIVE, which also
slows torch's OpenMP pool (the old same-process rows of `--only gpt` flattered us by ~0.3x).
So per workload this starts two long-lived worker processes:
  * ours:   `import numpy as np; import tinygrad_lm` (a learner's order), the model of
            benchmarks/gpt.py or benchmarks/lstm.py;
  * theirs: benchmarks/torch_twins.py under a Python with torch (`--torch-python PATH`, or this
            Python when `import torch` works here; otherwise only our side runs, with a note);
both with the user's environment (minus the variables `import tinygrad_lm` put into this parent
process, so each child starts as a fresh script would), and asks them for one timed training step
at a time, alternating ours / theirs with a short pause between (so neither side's idle threads
spin into the other's step), after 2 warm-up steps each.
Printed per workload: ms per step min / median / max on each side, the ratio of medians
(ours / torch; < 1 means we are faster), the min-max of the per-pair ratios, the ratio of median
CPU seconds per step (all threads of the process, spin-waiting included: on an oversubscribed
machine a spinning OpenMP pool makes wall times explode, CPU times move less), and the 1-minute
load average before and after (the machine may be shared: read ratios, not absolute times).
--threads N sets OMP/OPENBLAS/MKL/NUMBA_NUM_THREADS=N in both children (e.g. 1: per-core speed).

Workloads: GPT (a) 4L/4H/128d T128 B32 V65 and (b) 6L/6H/384d T256 B16 V65, fwd+bwd+AdamW;
char-LSTM H256 and H512, T100 B32 (E64, V65). --quick: tiny shapes (a smoke run).
Does not: check that the two sides compute the same numbers (tests/test_gpt.py and
tests/test_lstm_torch.py do, via fixtures), time compilation (warm-up steps absorb it).
"""
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import time

WORKLOADS = {
    "GPT (a) 4L/4H/128d T128 B32":  dict(kind="gpt", vocab_size=65, block_size=128, n_layer=4, n_head=4,
                                         n_embd=128, batch=32),
    "GPT (b) 6L/6H/384d T256 B16":  dict(kind="gpt", vocab_size=65, block_size=256, n_layer=6, n_head=6,
                                         n_embd=384, batch=16),
    "char-LSTM H256 T100 B32":      dict(kind="lstm", vocab_size=65, embed=64, hidden=256, batch=32, seq=100),
    "char-LSTM H512 T100 B32":      dict(kind="lstm", vocab_size=65, embed=64, hidden=512, batch=32, seq=100),
}
QUICK = {
    "GPT tiny 1L/2H/32d T16 B2":    dict(kind="gpt", vocab_size=65, block_size=16, n_layer=1, n_head=2,
                                         n_embd=32, batch=2),
    "char-LSTM tiny H32 T10 B4":    dict(kind="lstm", vocab_size=65, embed=16, hidden=32, batch=4, seq=10),
}
PAUSE = 0.05            # seconds between two timed steps (idle pools go to sleep)
TWINS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "torch_twins.py")
OURS_CODE = ("import sys, numpy as np, tinygrad_lm; from tinygrad_lm.benchmarks.versus import serve_ours; "
             "serve_ours(sys.argv[1])")


def ours_step(cfg):
    """Our step function for a workload dict (the models of benchmarks/gpt.py, benchmarks/lstm.py)."""
    if cfg["kind"] == "gpt":
        from .gpt import _ours
        return _ours(cfg)
    from .lstm import _tg_step
    return _tg_step(cfg["hidden"], B=cfg["batch"], T=cfg["seq"], V=cfg["vocab_size"], E=cfg["embed"])


def serve_ours(cfg_json):
    """Worker side for tinygrad_lm (same protocol as torch_twins.serve)."""
    from .torch_twins import serve
    serve(ours_step(json.loads(cfg_json)))


class Worker:
    """A child process that answers "step" with "<wall seconds> <cpu seconds>"."""

    def __init__(self, cmd, env):
        self.p = subprocess.Popen(cmd, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True, bufsize=1)
        line = self.p.stdout.readline().strip()
        if line != "ready":
            err = self.p.stderr.read()
            self.p.kill()
            raise RuntimeError(f"benchmark worker {cmd[:2]} did not start: {err[-1500:]}")

    def step(self):
        self.p.stdin.write("step\n")
        self.p.stdin.flush()
        line = self.p.stdout.readline()
        if not line:
            raise RuntimeError(f"benchmark worker died: {self.p.stderr.read()[-1500:]}")
        wall, cpu = map(float, line.split())
        return wall, cpu

    def close(self):
        try:
            self.p.stdin.write("quit\n")
            self.p.stdin.flush()
            self.p.wait(timeout=30)
        except Exception:
            self.p.kill()


def find_torch_python(explicit=None):
    """(python path, note): a Python that can `import torch`, or (None, why not)."""
    if explicit:
        ok = subprocess.run([explicit, "-c", "import torch"], capture_output=True).returncode == 0 \
            if os.path.exists(explicit) else False
        return (explicit, "") if ok else (None, f"torch not found: `{explicit} -c 'import torch'` failed")
    if importlib.util.find_spec("torch") is not None:
        return sys.executable, ""
    return None, ("torch not found in this Python: our side only. Compare with PyTorch by passing "
                  "--torch-python PATH (a Python where `import torch` works)")


def child_env(threads=0):
    """The user's environment: this process's, minus what `import tinygrad_lm` added to it
    (threads > 0: plus OMP/OPENBLAS/MKL/NUMBA_NUM_THREADS=threads, the same on both sides)."""
    from .. import _threads
    env = {k: v for k, v in os.environ.items() if k not in _threads.set_by_us}
    if threads > 0:
        for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
            env[k] = str(threads)
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env                                       # (PYTHONPATH: so the child finds this tinygrad_lm)


def _mmm(xs, scale=1e3):
    f = ".1f" if statistics.median(xs) * scale < 20 else ".0f"
    return f"{min(xs) * scale:{f}} / {statistics.median(xs) * scale:{f}} / {max(xs) * scale:{f}}"


def run(args=None):
    quick = bool(getattr(args, "quick", args))
    repeats = getattr(args, "repeats", None) or (3 if quick else 7)
    torch_py, note = find_torch_python(getattr(args, "torch_python", None))
    workloads = QUICK if quick else WORKLOADS
    threads = getattr(args, "threads", 0) or 0
    env = child_env(threads)
    print(f"each side in its own process, {'default environment' if threads <= 0 else f'{threads} thread(s) each'}, "
          f"{repeats} alternating steps after 2 warm-ups")
    if torch_py:
        print(f"torch side: {torch_py} benchmarks/torch_twins.py")
    else:
        print(note)
    print(f"{'workload':<30} {'ours ms min/med/max':>22} {'torch ms min/med/max':>22} {'ratio':>6} "
          f"{'pairs min-max':>14} {'CPU ratio':>9} {'load':>10}")
    for name, cfg in workloads.items():
        load0 = os.getloadavg()[0]
        sides = [Worker([sys.executable, "-c", OURS_CODE, json.dumps(cfg)], env)]
        try:
            if torch_py:
                sides.append(Worker([torch_py, TWINS, json.dumps(cfg)], env))
            times = [[] for _ in sides]
            cpus = [[] for _ in sides]
            for r in range(repeats + 2):
                for i, w in enumerate(sides):
                    t, c = w.step()
                    if r >= 2:
                        times[i].append(t)
                        cpus[i].append(c)
                    time.sleep(PAUSE)
        finally:
            for w in sides:
                w.close()
        load = f"{load0:.1f}-{os.getloadavg()[0]:.1f}"
        if torch_py:
            ratio = statistics.median(times[0]) / statistics.median(times[1])
            pairs = [a / b for a, b in zip(*times)]
            cpu_ratio = statistics.median(cpus[0]) / statistics.median(cpus[1])
            print(f"{name:<30} {_mmm(times[0]):>22} {_mmm(times[1]):>22} {ratio:6.2f} "
                  f"{f'{min(pairs):.2f}-{max(pairs):.2f}':>14} {cpu_ratio:9.2f} {load:>10}")
        else:
            print(f"{name:<30} {_mmm(times[0]):>22} {'-':>22} {'-':>6} {'-':>14} {'-':>9} {load:>10}")
        sys.stdout.flush()
