"""Benchmark: one training step of a char-LSTM (forward + backward + AdamW), vs PyTorch if installed.

Model (the week-3 default, as in `tglm train char-lstm`): Embedding(65, 64) -> LSTM(64, H), 1 layer
-> Linear(H, 65); batch 32, sequence 100, cross-entropy over all 3200 positions.
Rows: tinygrad_lm's fused LSTM (one graph node per layer: kernels/lstm.py), the same model in
PyTorch (when `import torch` works; torch.set_num_threads = the Numba thread count), and, for
scale, the LSTM written as a loop of Tensor ops per step (what week 3's task 3.6/3.7 builds).
Timings are medians with the contenders interleaved repeat by repeat (see benchmarks/__init__.py):
on a shared machine the RATIO is the number to read. The CPU-time ratio (process CPU seconds of
all threads per step) is what each side costs in work; it moves least with machine load.

    python -m tinygrad_lm.benchmarks.lstm [--quick]       (or `tglm bench --only lstm` once listed)

Reference (course machine, 2 cores, torch 2.13, idle): torch 31 ms/step at H=256, 101 ms at H=512.
Does not handle: multi-layer / dropout configurations, inference-only timings.
"""
import os
import sys
import time

import numpy as np


def _tg_step(H, B=32, T=100, V=65, E=64, seed=0):
    import tinygrad_lm as tg
    from tinygrad_lm import functional as F
    from tinygrad_lm.optim import AdamW
    from tinygrad_lm.models.char_lm import CharLM
    tg.manual_seed(seed)
    model = CharLM(V, E, H, 1, "lstm")
    opt = AdamW(model.parameters(), lr=1e-3)
    rng = np.random.default_rng(seed)
    x, y = rng.integers(0, V, (T, B)), rng.integers(0, V, (T, B))

    def step():
        logits, _ = model(x)                                           # (T, B, V)
        loss = F.cross_entropy(logits.reshape(-1, V), y.reshape(-1))
        opt.zero_grad()
        loss.backward()
        opt.step()
    return step


def _unfused_step(H, B=32, T=100, V=65, E=64, seed=0):
    """The same LSTM as a Python loop of Tensor ops (~15 graph nodes per time step)."""
    import tinygrad_lm as tg
    from tinygrad_lm import functional as F
    from tinygrad_lm.optim import AdamW
    from tinygrad_lm.models.char_lm import CharLM
    tg.manual_seed(seed)
    model = CharLM(V, E, H, 1, "lstm")
    opt = AdamW(model.parameters(), lr=1e-3)
    rng = np.random.default_rng(seed)
    x, y = rng.integers(0, V, (T, B)), rng.integers(0, V, (T, B))
    r = model.rnn

    def step():
        e = model.emb(x)                                               # (T, B, E)
        h = c = tg.zeros(B, H)
        hs = []
        for t in range(T):
            a = e[t] @ r.weight_ih_l0.T + r.bias_ih_l0 + h @ r.weight_hh_l0.T + r.bias_hh_l0   # (B, 4H)
            i, f, g, o = a[:, :H].sigmoid(), a[:, H:2 * H].sigmoid(), a[:, 2 * H:3 * H].tanh(), a[:, 3 * H:].sigmoid()
            c = f * c + i * g
            h = o * c.tanh()
            hs.append(h)
        logits = model.head(tg.stack(hs, 0))
        loss = F.cross_entropy(logits.reshape(-1, V), y.reshape(-1))
        opt.zero_grad()
        loss.backward()
        opt.step()
    return step


def _torch_step(H, B=32, T=100, V=65, E=64, seed=0):
    """The same step in PyTorch (defined once, in torch_twins.py)."""
    from .torch_twins import lstm_step
    return lstm_step(dict(vocab_size=V, embed=E, hidden=H, batch=B, seq=T), seed)


def _cpu_ms(step, n):
    t = time.process_time()
    for _ in range(n):
        step()
    return (time.process_time() - t) / n * 1e3


def run(args=None):
    """Print ms per training step. `args`: tglm bench's namespace (.quick, .repeats) or a bool `quick`."""
    from . import timeit
    import numba
    quick = bool(getattr(args, "quick", args))
    repeats = getattr(args, "repeats", None) or (3 if quick else 7)
    sizes = (128,) if quick else (256, 512)
    try:
        import torch
        torch.set_num_threads(numba.get_num_threads())
        have_torch = True
    except ImportError:
        have_torch = False
    print(f"char-LSTM training step (fwd + bwd + AdamW), B=32, T=100, V=65, E=64, 1 layer; "
          f"{numba.get_num_threads()} threads; median of {repeats}")
    print(f"  {'H':>5}  {'tinygrad_lm ms':>14}  {'torch ms':>9}  {'ratio':>6}  {'CPU-time ratio':>14}  "
          f"{'Tensor-op loop ms':>17}")
    for H in sizes:
        fns = [_tg_step(H)]
        if have_torch:
            fns.append(_torch_step(H))
        times = timeit(fns, repeats=repeats, warmup=2)
        ours = times[0] * 1e3
        theirs = f"{times[1] * 1e3:9.1f}" if have_torch else f"{'-':>9}"
        ratio = f"{ours / (times[1] * 1e3):6.2f}" if have_torch else f"{'-':>6}"
        cpu = [_cpu_ms(f, repeats) for f in fns]            # CPU seconds of all threads: less load-sensitive
        cpu_ratio = f"{cpu[0] / cpu[1]:14.2f}" if have_torch else f"{'-':>14}"
        loop = "-"
        if H <= 256:
            loop = f"{timeit([_unfused_step(H)], repeats=max(1, repeats // 3), warmup=1)[0] * 1e3:.0f}"
        print(f"  {H:>5}  {ours:14.1f}  {theirs}  {ratio}  {cpu_ratio}  {loop:>17}")
    if not have_torch:
        print("  (torch not importable: no comparison)")
    elif os.environ.get("OMP_WAIT_POLICY", "").upper() == "PASSIVE":
        print("  note: OMP_WAIT_POLICY=PASSIVE (tinygrad_lm's default) also slows PyTorch's OpenMP pool in this "
              "process;\n  the fair comparison: OMP_WAIT_POLICY=ACTIVE tglm bench --only lstm")


if __name__ == "__main__":
    run("--quick" in sys.argv[1:])
