"""Benchmark section `gpt2`: GPT-2 124M (random weights of the real shape) on this CPU.

    tglm bench --only gpt2            (or --quick for fewer tokens)

Prints
- generation tokens/s, greedy, batch 1, after a 16-token prompt: with the KV cache (each new token
  attends to cached keys/values: O(T) work) and without (the whole window is recomputed: O(T^2)).
  Reference point: picoGPT (plain NumPy, no autograd) reaches ~72 tokens/s with a cache and ~20
  without on a laptop.
- one fine-tuning step (forward + backward + AdamW, batch 4, context 64) in ms.
Numbers move with machine load (read the ratio); tokens per CPU-second (process time, all threads)
is what an idle machine would give at one thread. Tests never time anything.
Does not handle: real GPT-2 weights (speed does not depend on the values), batch > 1 generation.
"""
import time

import numpy as np


def _generation_rate(model, n_new, use_cache):
    from ..decoding import stream
    prompt = np.arange(16, dtype=np.int64) + 100
    t0, c0 = time.perf_counter(), time.process_time()
    n = sum(1 for _ in stream(model, prompt, n_new, temperature=0.0, use_cache=use_cache))
    return n / (time.perf_counter() - t0), n / (time.process_time() - c0)


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
    n_new = 16 if args.quick else 64
    _generation_rate(model, 4, True)            # warm up (JIT, caches)
    cached, cached_cpu = _generation_rate(model, n_new, True)
    uncached, uncached_cpu = _generation_rate(model, n_new // 4, False)
    print(f"{'generation (batch 1, greedy)':<34}{'tokens/s':>10}{'tokens/CPU-s':>14}")
    print(f"{'  with KV cache, ' + str(n_new) + ' tokens':<34}{cached:>10.1f}{cached_cpu:>14.1f}")
    print(f"{'  without cache, ' + str(n_new // 4) + ' tokens':<34}{uncached:>10.1f}{uncached_cpu:>14.1f}")
    print(f"  KV cache speedup: {cached / uncached:.1f}x   (picoGPT, NumPy: ~72 with cache, ~20 without)")
    model.train()
    opt = model.configure_optimizers(0.0, 1e-5)
    ms = _step_ms(model, opt, 4, 64, 2 if args.quick else min(args.repeats, 5))
    print(f"fine-tuning step (B=4, T=64, fwd+bwd+AdamW): {ms:,.0f} ms  ({4 * 64 / ms * 1000:,.0f} tokens/s)")
