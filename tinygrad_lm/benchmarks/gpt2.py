"""Benchmark section `gpt2`: GPT-2 124M (random weights of the real shape) on this CPU.

    tglm bench --only gpt2            (or --quick for fewer tokens)

Prints
- the memory bandwidth measured in this run and the ceiling it sets: one new token reads every
  weight once, so tokens/s <= bandwidth / bytes of weights (float32 497 MB, float16 248 MB,
  int8 124 MB + 0.2 MB of scales);
- generation tokens/s, greedy, batch 1, after a 16-token prompt (the prompt's time included):
  the model itself with its KV cache (GPT.forward, autograd off), a plain-NumPy GPT-2 with a KV
  cache (benchmarks/numpy_gpt2.py: picoGPT's code plus a cache, the same random weights in GPT-2's
  (C_in, C_out) layout), generation.Decoder with float32, float16 and int8 weights, and the model
  without a cache (the whole window recomputed: O(T^2)); plus each one's steady per-token time after
  the prompt, and CPU ms per token. The contenders run in lockstep, one token each in turn, for
  `--repeats` rounds (at most 5): the table shows medians over rounds and the ratios of medians,
  with the range of the per-round ratios.
- one fine-tuning step (forward + backward + AdamW, batch 4, context 64) in ms.
Numbers move with machine load (read the ratio); CPU ms per token (process time, all threads)
is what an idle machine would give at one thread. Tests never time anything.
Does not handle: real GPT-2 weights (speed does not depend on the values), batch > 1 generation.
"""
import os
import time

import numpy as np


def _generation_rate(model, n_new, use_cache=True):
    """(tokens/s including the prompt, median ms per token after the first, CPU ms per token) for greedy
    decoding. CPU time = process time of all threads, prompt included: what the work costs, which a
    busy machine disturbs less than wall time."""
    from ..generation.decoding import stream
    prompt = np.arange(16, dtype=np.int64) + 100
    cpu, stamps = time.process_time(), [time.perf_counter()]
    for _ in stream(model, prompt, n_new, temperature=0.0, use_cache=use_cache):
        stamps.append(time.perf_counter())
    return (n_new / (stamps[-1] - stamps[0]), 1000.0 * float(np.median(np.diff(stamps)[1:])),
            1000.0 * (time.process_time() - cpu) / n_new)


def _greedy(dec, n_new):
    """Greedy token ids one at a time (a generator) from anything with reset() and forward(ids) -> (V,)
    logits (Decoder, NumpyGPT2): one loop, no sampler, so the Decoder and the NumPy reference pay the
    same overhead. The first next() feeds the 16-token prompt."""
    dec.reset()
    logits = dec.forward(np.arange(16, dtype=np.int64) + 100)
    for i in range(n_new):
        tok = int(np.argmax(logits))
        yield tok
        if i + 1 < n_new:
            logits = dec.forward([tok])


def _lockstep(makers, n_new):
    """Run the token generators side by side, ONE TOKEN EACH in turn (the order rotating every step),
    so that load spikes of a shared machine hit every contender alike.
    -> {key: (wall s per token [n_new], CPU s per token [n_new], token ids)}; token 0 includes the prompt."""
    gens = {k: make(n_new) for k, make in makers.items()}
    out = {k: ([], [], []) for k in gens}
    keys = list(gens)
    for step in range(n_new):
        for k in keys[step % len(keys):] + keys[:step % len(keys)]:
            c0, t0 = time.process_time(), time.perf_counter()
            tok = next(gens[k])
            out[k][0].append(time.perf_counter() - t0)
            out[k][1].append(time.process_time() - c0)
            out[k][2].append(tok)
    return out


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
    from ..generation.decoder import Decoder
    from ..models.gpt import GPT, GPTConfig
    from ..random import manual_seed
    from ..generation.decoding import stream
    from .numpy_gpt2 import NumpyGPT2
    manual_seed(0)
    t0 = time.perf_counter()
    model = GPT(GPTConfig())                    # 12 layers, 12 heads, 768 channels, vocab 50257, 1024 positions
    model.eval()
    print(f"GPT-2 124M: {model.num_parameters(non_embedding=False):,} parameters, built in "
          f"{time.perf_counter() - t0:.1f}s. RANDOM weights of GPT-2's exact shapes (seed 0; no GPT-2 "
          f"checkpoint on this machine): speed does not depend on the values")
    n_new, rounds = (16, 1) if args.quick else (64, max(1, min(args.repeats, 5)))
    gbs = _bandwidth_gbs()
    builds = {}
    decs = {}
    for w in ("float32", "float16", "int8"):
        t0 = time.perf_counter()
        decs[w] = Decoder(model, w)
        builds[w] = time.perf_counter() - t0
    ref = NumpyGPT2.from_model(model)
    print(f"memory bandwidth (sum of 400 MB): {gbs:.1f} GB/s -> ceiling (bandwidth / weight bytes per token): "
          + ", ".join(f"{w} {gbs * 1e9 / d.nbytes():.0f} tokens/s ({d.nbytes() / 1e6:.0f} MB)" for w, d in decs.items()))
    names = {"model": "model + KV cache (GPT.forward)", "numpy": "NumPy GPT-2 + KV cache (picoGPT)",
             "float32": "Decoder, float32 weights", "float16": "Decoder, float16 weights",
             "int8": "Decoder, int8 weights"}
    makers = {"model": lambda n: stream(model, np.arange(16, dtype=np.int64) + 100, n, temperature=0.0),
              "numpy": lambda n: _greedy(ref, n)}
    makers.update({w: (lambda n, d=d: _greedy(d, n)) for w, d in decs.items()})
    tokens = {k: v[2] for k, v in _lockstep(makers, 4).items()}          # warm up (JIT, caches)
    rates, ms, cpu = {k: [] for k in makers}, {k: [] for k in makers}, {k: [] for k in makers}
    load0 = os.getloadavg()[0]
    for _ in range(rounds):
        for key, (wall, proc, _) in _lockstep(makers, n_new).items():
            rates[key].append(n_new / sum(wall))                    # tokens/s, prompt included
            ms[key].append(1000.0 * float(np.median(wall[1:])))    # steady ms per token after the prompt
            cpu[key].append(1000.0 * sum(proc) / n_new)              # CPU ms per token, prompt included
    med = {k: float(np.median(v)) for k, v in rates.items()}
    print(f"(1-minute load average before / after the rounds: {load0:.1f} / {os.getloadavg()[0]:.1f})")
    print(f"{'generation (batch 1, greedy, ' + str(n_new) + ' tokens)':<44}{'tokens/s':>10}{'ms/token':>10}"
          f"{'CPU ms/token':>14}   median of {rounds} round(s)")
    for key in makers:
        print(f"{'  ' + names[key]:<44}{med[key]:>10.1f}{float(np.median(ms[key])):>10.1f}"
              f"{float(np.median(cpu[key])):>14.1f}")
    uncached, m, c = _generation_rate(model, n_new // 4, use_cache=False)
    print(f"{'  model without cache, ' + str(n_new // 4) + ' tokens':<44}{uncached:>10.1f}{m:>10.1f}{c:>14.1f}")
    print(f"  (tokens/s includes the 16-token prompt; ms/token is the median step after it; CPU ms/token is "
          f"process time, all threads, prompt included; building the float16 / int8 Decoders took "
          f"{builds['float16']:.1f} / {builds['int8']:.1f} s)")

    def ratio(a, b):                              # tokens/s ratio of medians, per-round range; then by CPU time
        per_round = [x / y for x, y in zip(rates[a], rates[b])]
        return (f"{med[a] / med[b]:.2f}x (rounds {min(per_round):.2f}-{max(per_round):.2f}; "
                f"by CPU time {np.median(cpu[b]) / np.median(cpu[a]):.2f}x)")
    print(f"  Decoder float32 / NumPy reference: {ratio('float32', 'numpy')}   "
          f"(same greedy tokens: {'yes' if tokens['float32'] == tokens['numpy'] else 'NO'})")
    print(f"  Decoder float16 / float32: {ratio('float16', 'float32')}")
    print(f"  Decoder int8 / float32:    {ratio('int8', 'float32')}")
    print(f"  KV cache speedup: {med['model'] / uncached:.1f}x")
    model.train()
    opt = model.configure_optimizers(0.0, 1e-5)
    ms_step = _step_ms(model, opt, 4, 64, 2 if args.quick else min(args.repeats, 5))
    print(f"fine-tuning step (B=4, T=64, fwd+bwd+AdamW): {ms_step:,.0f} ms  ({4 * 64 / ms_step * 1000:,.0f} tokens/s)")
