"""Benchmark section `gpt2`: GPT-2 124M (random weights of the real shape) on this CPU.

    tglm bench --only gpt2            (or --quick for fewer tokens)

Prints
- the memory bandwidth measured in this run and the ceiling it sets: one new token reads every
  weight once, so tokens/s <= bandwidth / bytes of weights (float32 497 MB, float16 248 MB);
- generation tokens/s, greedy, batch 1, after a 16-token prompt (the prompt's time included):
  the model itself with its KV cache (GPT.forward, autograd off), generation.Decoder with float32
  and with float16 weights, and the model without a cache (the whole window recomputed: O(T^2));
  plus each one's steady per-token time after the prompt.
  Reference point: picoGPT (plain NumPy, no autograd) ~72 tokens/s with a cache, ~20 without.
- one fine-tuning step (forward + backward + AdamW, batch 4, context 64) in ms.
Numbers move with machine load (read the ratio); tokens per CPU-second (process time, all threads)
is what an idle machine would give at one thread. Tests never time anything.
Does not handle: real GPT-2 weights (speed does not depend on the values), batch > 1 generation.
"""
import time

import numpy as np


def _generation_rate(model, n_new, use_cache=True):
    """(tokens/s including the prompt, median ms per token after the first) for greedy decoding."""
    from ..generation.decoding import stream
    prompt = np.arange(16, dtype=np.int64) + 100
    stamps = [time.perf_counter()]
    for _ in stream(model, prompt, n_new, temperature=0.0, use_cache=use_cache):
        stamps.append(time.perf_counter())
    return n_new / (stamps[-1] - stamps[0]), 1000.0 * float(np.median(np.diff(stamps)[1:]))


def _bandwidth_gbs():
    """GB/s of summing a 400 MB float32 array (best of 3): what streaming the weights can reach."""
    a = np.ones(100_000_000, dtype=np.float32)
    best = 0.0
    for _ in range(3):
        t0 = time.perf_counter()
        a.sum()
        best = max(best, a.nbytes / (time.perf_counter() - t0) / 1e9)
    return best


def _step_ms(model, opt, B, T, repeats):
    from ..optim import clip_grad_norm_
    rng = np.random.default_rng(0)
    times = []
    for i in range(repeats + 1):
        x = rng.integers(0, model.config.vocab_size, size=(B, T + 1))
        t0 = time.perf_counter()
        _, loss = model(x[:, :-1], x[:, 1:])
        opt.zero_grad()
        loss.backward()
        clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        if i:                                   # the first step pays for allocation and JIT
            times.append(time.perf_counter() - t0)
    return 1000.0 * float(np.median(times))


def run(args) -> None:
    from ..models.gpt import GPT, GPTConfig
    from ..random import manual_seed
    manual_seed(0)
    t0 = time.perf_counter()
    model = GPT(GPTConfig())                    # 12 layers, 12 heads, 768 channels, vocab 50257, 1024 positions
    model.eval()
    print(f"GPT-2 124M: {model.num_parameters(non_embedding=False):,} parameters, built in "
          f"{time.perf_counter() - t0:.1f}s")
    from ..generation.decoder import Decoder
    n_new = 16 if args.quick else 64
    gbs = _bandwidth_gbs()
    t0 = time.perf_counter()
    runs = [("model + KV cache (GPT.forward)", model), ("Decoder, float32 weights", Decoder(model, "float32"))]
    dec16 = Decoder(model, "float16")
    build16 = time.perf_counter() - t0
    runs.append(("Decoder, float16 weights", dec16))
    print(f"memory bandwidth (sum of 400 MB): {gbs:.1f} GB/s -> ceiling {gbs * 1e9 / runs[1][1].nbytes():.0f} "
          f"tokens/s with float32 weights ({runs[1][1].nbytes() / 1e6:.0f} MB/token), "
          f"{gbs * 1e9 / dec16.nbytes():.0f} with float16 ({dec16.nbytes() / 1e6:.0f} MB/token)")
    print(f"{'generation (batch 1, greedy, ' + str(n_new) + ' tokens)':<40}{'tokens/s':>10}{'ms/token':>10}")
    rates = {}
    for name, src in runs:
        _generation_rate(src, 4)                    # warm up (JIT, caches)
        rates[name], ms = _generation_rate(src, n_new)
        print(f"{'  ' + name:<40}{rates[name]:>10.1f}{ms:>10.1f}")
    uncached, ms = _generation_rate(model, n_new // 4, use_cache=False)
    print(f"{'  model without cache, ' + str(n_new // 4) + ' tokens':<40}{uncached:>10.1f}{ms:>10.1f}")
    print(f"  (tokens/s includes the 16-token prompt; ms/token is the median step after it; building the "
          f"float16 Decoder took {build16:.1f} s)")
    print(f"  KV cache speedup: {rates[runs[0][0]] / uncached:.1f}x   (picoGPT, NumPy: ~72 with cache, ~20 without)")
    model.train()
    opt = model.configure_optimizers(0.0, 1e-5)
    ms = _step_ms(model, opt, 4, 64, 2 if args.quick else min(args.repeats, 5))
    print(f"fine-tuning step (B=4, T=64, fwd+bwd+AdamW): {ms:,.0f} ms  ({4 * 64 / ms * 1000:,.0f} tokens/s)")
