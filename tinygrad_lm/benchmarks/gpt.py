"""GPT training-step benchmark: ms per step (forward + backward + AdamW) and tokens/s, vs PyTorch.

    tglm bench --only gpt            (or: python -m tinygrad_lm.benchmarks.gpt [--quick] [--profile])

Configurations (char-level vocabulary 65, as tiny Shakespeare):
    (a) block 128, 4 layers, 4 heads, 128 dim, batch 32      PyTorch 2.x CPU here: ~154 ms/step
    (b) block 256, 6 layers, 6 heads, 384 dim, batch 16      PyTorch 2.x CPU here: ~1.65 s/step
When torch is importable (never a dependency: only this benchmark tries it) the same model is built
in PyTorch (nanoGPT's layout, F.scaled_dot_product_attention, torch.optim.AdamW) and the two are
timed in alternation, step by step, so machine load hits both alike: read the RATIO column
(ours / torch; < 1 means we are faster). Both use float32 and every core torch/Numba see.
--profile runs cProfile over a few steps of (a) and prints where the time goes.
Does not: time dropout (p = 0), gradient clipping, data loading or evaluation.
"""
import argparse
import os
import statistics
import sys
import time

import numpy as np

from .. import _threads  # noqa: F401  (thread settings before numpy)

CONFIGS = {
    "a": dict(vocab_size=65, block_size=128, n_layer=4, n_head=4, n_embd=128, batch=32, torch_ref_ms=154),
    "b": dict(vocab_size=65, block_size=256, n_layer=6, n_head=6, n_embd=384, batch=16, torch_ref_ms=1650),
}


def _ours(cfg, seed=0):
    """A step function for our GPT: forward + backward + AdamW on one fixed random batch."""
    from ..models.gpt import GPT, GPTConfig
    from ..random import manual_seed
    manual_seed(seed)
    model = GPT(GPTConfig(vocab_size=cfg["vocab_size"], block_size=cfg["block_size"], n_layer=cfg["n_layer"],
                          n_head=cfg["n_head"], n_embd=cfg["n_embd"], dropout=0.0, bias=True))
    opt = model.configure_optimizers(0.1, 1e-3, (0.9, 0.99))
    rng = np.random.default_rng(seed)
    x = rng.integers(0, cfg["vocab_size"], (cfg["batch"], cfg["block_size"]))     # (B, T)
    y = rng.integers(0, cfg["vocab_size"], (cfg["batch"], cfg["block_size"]))     # (B, T)

    def step():
        _, loss = model(x, y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss
    return step


def _torch(cfg, seed=0):
    """The same model in PyTorch (nanoGPT layout; defined once, in torch_twins.py), or None without torch."""
    try:
        import torch  # noqa: F401
    except ImportError:
        return None
    from .torch_twins import gpt_step
    return gpt_step(cfg, seed)


def time_steps(fns, repeats):
    """Median seconds per call of each fn, calls interleaved (one of each per repeat) after 2 warmups."""
    for _ in range(2):
        for f in fns:
            f()
    samples = [[] for _ in fns]
    for _ in range(repeats):
        for i, f in enumerate(fns):
            t0 = time.perf_counter()
            f()
            samples[i].append(time.perf_counter() - t0)
    return [statistics.median(s) for s in samples]


def run(args=None):
    """Print the table. `args`: tglm bench's namespace (.quick, .repeats) or a bool `quick`."""
    quick = bool(getattr(args, "quick", args))
    repeats = getattr(args, "repeats", None) or (3 if quick else 7)
    names = ["a"] if quick else ["a", "b"]
    print(f"{'config':<44} {'ours ms':>9} {'tok/s':>8} {'torch ms':>9} {'tok/s':>8} {'ratio':>6}")
    for name in names:
        cfg = CONFIGS[name]
        if quick:                                            # a CI smoke run: same shapes, smaller batch
            cfg = dict(cfg, batch=4)
        ours, ref = _ours(cfg), _torch(cfg)
        fns = [ours] if ref is None else [ours, ref]
        times = time_steps(fns, repeats)
        tokens = cfg["batch"] * cfg["block_size"]
        label = (f"({name}) L{cfg['n_layer']} H{cfg['n_head']} C{cfg['n_embd']} T{cfg['block_size']} "
                 f"B{cfg['batch']}")
        row = f"{label:<44} {times[0] * 1e3:9.1f} {tokens / times[0]:8.0f}"
        if ref is None:
            row += f" {'-':>9} {'-':>8} {'-':>6}   (torch not installed; reference here ~{cfg['torch_ref_ms']} ms)"
        else:
            row += f" {times[1] * 1e3:9.1f} {tokens / times[1]:8.0f} {times[0] / times[1]:6.2f}"
        print(row)
        sys.stdout.flush()
    import importlib.util
    if os.environ.get("OMP_WAIT_POLICY", "").upper() == "PASSIVE" and importlib.util.find_spec("torch"):
        print("note: OMP_WAIT_POLICY=PASSIVE (tinygrad_lm's default) also slows PyTorch's OpenMP pool in this "
              "process,\n      so the ratio flatters us; the fair comparison: OMP_WAIT_POLICY=ACTIVE tglm bench --only gpt")


def profile(n_steps=5, top=25):
    """cProfile n_steps training steps of config (a); print the functions with the most total time."""
    import cProfile
    import pstats
    step = _ours(CONFIGS["a"])
    step()
    step()
    pr = cProfile.Profile()
    t0 = time.perf_counter()
    pr.enable()
    for _ in range(n_steps):
        step()
    pr.disable()
    print(f"{n_steps} steps of (a) in {time.perf_counter() - t0:.2f}s under cProfile")
    pstats.Stats(pr).sort_stats("tottime").print_stats(top)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tinygrad_lm.benchmarks.gpt", description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--repeats", type=int, default=None)
    ap.add_argument("--profile", action="store_true", help="cProfile 5 steps of config (a) instead")
    args = ap.parse_args(argv)
    if args.profile:
        profile()
    else:
        run(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
