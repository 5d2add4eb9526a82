"""BPE benchmark section: training time, encode/decode throughput, tokens per character.

    python -m tinygrad_lm.benchmarks.bpe [--quick]     (or `tglm bench --only bpe` once registered)

Measures on tiny shakespeare (1.1 MB, data/tiny_shakespeare/input.txt):
- training: count chunks once + incremental merges with a lazy heap, to vocab 4096 (1024 if quick);
- GPT-2 encoding MB/s with a cold chunk cache (a fresh tokenizer cache per run) and a warm one;
- decode MB/s;
- vocab size vs tokens per character (train on the first 90%, measure on the last 10%), plus GPT-2.
Anchors from the issue (other machines): HF tokenizers trains vocab 4096 in 0.37 s; tiktoken
encodes 14.8 MB/s, HF tokenizers 2.0 MB/s. No timing asserts anywhere.
"""
import argparse
import statistics
import time
from pathlib import Path

from ..tokenizers import ByteLevelBPE, load_gpt2
from ..tokenizers.bpe_train import count_chunks, train_merges

DATA = Path(__file__).resolve().parents[2] / "data" / "tiny_shakespeare" / "input.txt"


def _median_time(fn, repeats):
    """Median wall-clock seconds; also remembers the median CPU seconds of this process in
    _median_time.cpu (on a shared, loaded machine CPU time is the steadier number)."""
    wall, cpu = [], []
    for _ in range(repeats):
        w0, c0 = time.perf_counter(), time.process_time()
        fn()
        cpu.append(time.process_time() - c0)
        wall.append(time.perf_counter() - w0)
    _median_time.cpu = statistics.median(cpu)
    return statistics.median(wall)


def run(args=None):
    """Print the BPE tables. `args` is tglm bench's namespace (uses .quick, .repeats) or a bool `quick`."""
    quick = bool(getattr(args, "quick", args))
    repeats = getattr(args, "repeats", None) or (1 if quick else 3)
    text = DATA.read_text(encoding="utf-8")
    nbytes = len(text.encode("utf-8"))
    vocab = 1024 if quick else 4096

    t_count = _median_time(lambda: count_chunks(text), repeats)
    c_count = _median_time.cpu
    chunks = count_chunks(text)
    t_merge = _median_time(lambda: train_merges(chunks, vocab - 256), repeats)
    c_merge = _median_time.cpu
    print(f"train   vocab {vocab} on tiny shakespeare ({nbytes / 1e6:.2f} MB, {len(chunks)} distinct chunks):")
    print(f"        count chunks {t_count:.2f} s + merges {t_merge:.2f} s = {t_count + t_merge:.2f} s wall, "
          f"{c_count + c_merge:.2f} s CPU   (goal <= 3 s; HF tokenizers 0.37 s)")

    gpt2 = load_gpt2()
    gpt2.encode("warm up")                      # load the Numba kernel outside the timings

    def cold():
        gpt2._cache = {}
        return gpt2.encode(text)
    t_cold = _median_time(cold, repeats)
    c_cold = _median_time.cpu
    ids = gpt2.encode(text)
    t_warm = _median_time(lambda: gpt2.encode(text), repeats)
    c_warm = _median_time.cpu
    t_dec = _median_time(lambda: gpt2.decode(ids), repeats)
    mb = nbytes / 1e6
    print(f"encode  GPT-2 vocab, {len(ids)} tokens (MB/s, wall / CPU):")
    print(f"        cold cache {mb / t_cold:.1f} / {mb / c_cold:.1f}, warm cache {mb / t_warm:.1f} / {mb / c_warm:.1f}"
          f"   (goal >= 3; tiktoken 14.8, HF 2.0)")
    print(f"decode  {mb / t_dec:.1f} MB/s wall")
    if quick:
        return
    split = int(0.9 * len(text))
    train_text, val = text[:split], text[split:]
    train_chunks = count_chunks(train_text)
    print(f"\ntokens per character on the last 10% (train on the first 90%; {len(val)} chars):")
    print(f"  {'vocab':>6}  {'merges':>6}  {'tokens':>7}  {'tok/char':>8}  {'chars/tok':>9}  {'train s':>7}")
    for v in (256, 512, 1024, 4096, 8192):
        t0 = time.perf_counter()
        tok = ByteLevelBPE(train_merges(train_chunks, v - 256))
        dt = time.perf_counter() - t0
        n = len(tok.encode(val))
        print(f"  {v:>6}  {len(tok.merges):>6}  {n:>7}  {n / len(val):>8.3f}  {len(val) / n:>9.2f}  {dt:>7.2f}")
    n = len(gpt2.encode(val))
    print(f"  {'gpt2':>6}  {len(gpt2.merges):>6}  {n:>7}  {n / len(val):>8.3f}  {len(val) / n:>9.2f}  {'-':>7}")


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python -m tinygrad_lm.benchmarks.bpe", description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--repeats", type=int, default=None)
    run(ap.parse_args(argv))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
