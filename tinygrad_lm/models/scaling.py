"""GPT-3 on paper: model sizes, parameter counts, training FLOPs, memory and time (week 5).

Presets for the eight GPT-3 models of Brown et al. 2020, Table 2.1 (n_ctx 2048) and the four GPT-2 models
(Radford et al. 2019, n_ctx 1024); all use vocab 50257 and d_ff = 4 d_model. `scale_report(...)` turns a
preset name, a preset or a GPTConfig into the numbers a planner needs, with the formula beside each:

    parameters, exact (our GPT, models/gpt.py; the LM head shares wte):
        N = (V + n_ctx) d  +  L (12 d^2 + 13 d)  +  2 d
            embeddings       per layer: c_attn 3d^2+3d, attn c_proj d^2+d, c_fc 4d^2+4d,
                             mlp c_proj 4d^2+d, ln_1 and ln_2 2d each;  final ln_f 2d
    parameters, approximate:   N ~ 12 L d^2 + (V + n_ctx) d
    training FLOPs per token:  6 N            (GPT-3 Table D.1: 2 forward + 4 backward per parameter)
                               6 N + 12 L n_ctx d   (adds attention scores q k^T and weights @ v: 4 L n_ctx d
                               forward, x3 with the backward; PaLM App. B / Chinchilla App. F. Kaplan et al.
                               2020 eq. 2.2 count 2 L n_ctx d forward. Table D.1 leaves attention out.)
    training compute:          C = 6 N D for D tokens;  1 PF-day = 1e15 FLOP/s x 86400 s = 8.64e19 FLOPs
    Chinchilla-optimal tokens: D ~ 20 N       (Hoffmann et al. 2022, Table 3: 175B -> 3.7T tokens)
    memory (float32, Adam):    weights 4N + gradients 4N + Adam m and v 8N bytes = 16 N bytes
    activations (Korthikanti et al. 2022, 16-bit activations, 1-byte dropout masks, no parallelism):
                               per layer s b h (34 + 5 a s / h) bytes; x L layers
                               s = n_ctx, b = micro-batch (sequences), h = d_model, a = heads
                               + 4 s b V bytes of float32 logits kept for the cross-entropy backward
    with full activation checkpointing: only each layer's input is kept, 2 s b h bytes x L, plus one
                               layer's full activations while it is recomputed in the backward, + logits.
                               Our float32 framework without dropout stores about 2x the 16-bit numbers.
    time on this machine:      seconds = C / (measured GFLOP/s x 1e9)   (measure_gflops() times a matmul)

The printed tables have two misprints (checked in tests/test_scaling.py):
  * GPT-3 13B: d_model is printed 5140, but 40 heads x d_head 128 = 5120, and only 5120 gives Table D.1's
    12,850M parameters (5120 -> 12,851M; 5140 -> 12,950M, 0.8% too many). The preset uses 5120.
  * GPT-3 XL: n_heads is printed 24, but 24 x d_head 128 = 3072 != d_model 2048 (and 2048 / 24 is not an
    integer). d_model 2048 gives the printed 1.3B (Table D.1: 1,320M), so d_model is right; the preset uses
    16 heads of 128 (d_head as printed; the layout GPT-Neo 1.3B and Pythia-1.4B use). Heads do not change
    the parameter count or the FLOPs.
Table 2.1's "n_params" are rounded names (Medium prints 350M, the exact count is 355.6M); Table D.1's
"Params (M)" are the precise numbers and agree with the exact count to 0.4%.

Handles: presets, any GPTConfig, exact and approximate counts, FLOPs, PF-days, memory, Chinchilla tokens,
time at a measured speed.
Does not handle: mixed-precision master weights, ZeRO / tensor / pipeline parallel memory, GPT-3's
alternating locally banded sparse attention (counted as dense: same parameters, FLOPs an upper bound),
the optimizer's own FLOPs, the causal mask halving the attention FLOPs.
"""
from dataclasses import dataclass, field
import re
import time

import numpy as np

from .gpt import GPTConfig

PF_DAY = 1e15 * 86400                 # FLOPs in one petaflop/s-day
CHINCHILLA_TOKENS_PER_PARAM = 20      # Hoffmann et al. 2022 Table 3 (~20 tokens per parameter)


@dataclass(frozen=True)
class ModelPreset:
    """One row of a paper's model table; `.config()` builds the GPTConfig."""
    name: str                       # our key, e.g. "gpt3-175b"
    paper_name: str                 # as the paper names it, e.g. "GPT-3 175B"
    n_params_printed: float         # the size as printed in the paper's table (Table 2.1 / GPT-2 release)
    n_layer: int
    d_model: int
    n_head: int
    d_head: int
    n_ctx: int
    vocab_size: int = 50257
    batch_tokens: float = None      # batch size in tokens, as printed (GPT-3: 0.5M ... 3.2M)
    learning_rate: float = None
    train_tokens: float = None      # tokens the paper trained on (GPT-3: 300B for every size)
    n_params_table_d1: float = None  # GPT-3 Table D.1 "Params (M)" x 1e6, the precise count
    train_flops_table_d1: float = None  # GPT-3 Table D.1 "Total train compute (flops)"
    note: str = ""

    @property
    def d_ff(self) -> int:
        return 4 * self.d_model

    def config(self) -> GPTConfig:
        return GPTConfig(vocab_size=self.vocab_size, block_size=self.n_ctx, n_layer=self.n_layer,
                         n_head=self.n_head, n_embd=self.d_model)


def _gpt3(name, paper, printed, L, d, H, Dh, batch, lr, d1_m, d1_flops, note=""):
    return ModelPreset(name, paper, printed, L, d, H, Dh, 2048, 50257, batch, lr, 300e9, d1_m * 1e6, d1_flops, note)


def _gpt2(name, paper, printed, L, d, H, paper_printed):
    return ModelPreset(name, paper, printed, L, d, H, d // H, 1024, 50257, 512 * 1024, None, None,
                       note=f"GPT-2 paper Table 2 printed {paper_printed}; the released model has {printed / 1e6:.0f}M "
                            "(batch 512 sequences; learning rate tuned per model, not published)")


# name, paper name, printed size, n_layer, d_model, n_head, d_head, batch (tokens), lr, Table D.1 params (M), flops
PRESETS = {p.name: p for p in [
    _gpt3("gpt3-small", "GPT-3 Small", 125e6, 12, 768, 12, 64, 0.5e6, 6.0e-4, 125, 2.25e20),
    _gpt3("gpt3-medium", "GPT-3 Medium", 350e6, 24, 1024, 16, 64, 0.5e6, 3.0e-4, 356, 6.41e20),
    _gpt3("gpt3-large", "GPT-3 Large", 760e6, 24, 1536, 16, 96, 0.5e6, 2.5e-4, 760, 1.37e21),
    _gpt3("gpt3-xl", "GPT-3 XL", 1.3e9, 24, 2048, 16, 128, 1e6, 2.0e-4, 1320, 2.38e21,
          "Table 2.1 prints n_heads 24, but 24 x 128 != 2048; 16 heads of d_head 128 used"),
    _gpt3("gpt3-2.7b", "GPT-3 2.7B", 2.7e9, 32, 2560, 32, 80, 1e6, 1.6e-4, 2650, 4.77e21),
    _gpt3("gpt3-6.7b", "GPT-3 6.7B", 6.7e9, 32, 4096, 32, 128, 2e6, 1.2e-4, 6660, 1.20e22),
    _gpt3("gpt3-13b", "GPT-3 13B", 13.0e9, 40, 5120, 40, 128, 2e6, 1.0e-4, 12850, 2.31e22,
          "Table 2.1 prints d_model 5140; 40 x 128 = 5120 and only 5120 gives Table D.1's 12,850M"),
    _gpt3("gpt3-175b", "GPT-3 175B", 175.0e9, 96, 12288, 96, 128, 3.2e6, 0.6e-4, 174600, 3.14e23),
    _gpt2("gpt2", "GPT-2 (small)", 124e6, 12, 768, 12, "117M"),
    _gpt2("gpt2-medium", "GPT-2 Medium", 355e6, 24, 1024, 16, "345M"),
    _gpt2("gpt2-large", "GPT-2 Large", 774e6, 36, 1280, 20, "762M"),
    _gpt2("gpt2-xl", "GPT-2 XL", 1558e6, 48, 1600, 25, "1542M"),
]}
GPT3_NAMES = [n for n in PRESETS if n.startswith("gpt3")]
GPT2_NAMES = [n for n in PRESETS if n.startswith("gpt2")]


def _norm(name: str) -> str:
    return re.sub(r"[\s_\-]", "", name.lower())


_ALIASES = {_norm(k): k for k in PRESETS}
_ALIASES.update({_norm(a): k for a, k in [
    ("gpt3-125m", "gpt3-small"), ("gpt3-350m", "gpt3-medium"), ("gpt3-760m", "gpt3-large"),
    ("gpt3-1.3b", "gpt3-xl"), ("gpt2-small", "gpt2"), ("gpt2-124m", "gpt2"), ("gpt2-355m", "gpt2-medium"),
    ("gpt2-774m", "gpt2-large"), ("gpt2-1558m", "gpt2-xl"), ("gpt2-1.5b", "gpt2-xl")]})


def get_preset(name: str) -> ModelPreset:
    """A preset by name; case, spaces, '-' and '_' are ignored ("GPT-3 175B" == "gpt3-175b")."""
    key = _ALIASES.get(_norm(name))
    if key is None:
        raise ValueError(f"unknown model size {name!r}; known: {', '.join(PRESETS)} "
                         "(or pass a GPTConfig / ModelPreset)")
    return PRESETS[key]


def count_parameters(n_layer: int, d_model: int, vocab_size: int, n_ctx: int, bias: bool = True) -> int:
    """Exact parameter count of our GPT (tied LM head), as GPT(config).num_parameters(non_embedding=False)."""
    L, d = int(n_layer), int(d_model)
    embeddings = (int(vocab_size) + int(n_ctx)) * d                 # wte (V, d) + wpe (n_ctx, d)
    matrices = 3 * d * d + d * d + d * 4 * d + 4 * d * d             # c_attn, attn.c_proj, c_fc, mlp.c_proj
    if bias:
        per_layer = matrices + (3 * d + d + 4 * d + d) + 2 * (2 * d)  # + biases + ln_1, ln_2 (gain, bias)
        return embeddings + L * per_layer + 2 * d                    # + ln_f (gain, bias)
    return embeddings + L * (matrices + 2 * d) + d                   # LayerNorm gains only


def approx_parameters(n_layer: int, d_model: int, vocab_size: int, n_ctx: int) -> int:
    """N ~ 12 L d^2 + (V + n_ctx) d: drops biases and LayerNorms (under 0.1% for GPT-3 sizes)."""
    return 12 * n_layer * d_model ** 2 + (vocab_size + n_ctx) * d_model


def measure_gflops(n: int = 512, repeats: int = 3) -> float:
    """This machine's float32 matmul speed in GFLOP/s (best of `repeats` n x n x n products, 2 n^3 FLOPs)."""
    rng = np.random.default_rng(0)
    a = rng.standard_normal((n, n), dtype=np.float32)
    b = rng.standard_normal((n, n), dtype=np.float32)
    a @ b                                                            # warm up BLAS threads
    best = float("inf")
    for _ in range(repeats):
        t = time.perf_counter()
        a @ b
        best = min(best, time.perf_counter() - t)
    return 2 * n ** 3 / best / 1e9


def _human_seconds(s: float) -> str:
    for unit, size in (("years", 365.25 * 86400), ("days", 86400), ("hours", 3600), ("minutes", 60)):
        if s >= size:
            return f"{s / size:,.1f} {unit}"
    return f"{s:.1f} seconds"


def _gb(x: float) -> str:
    return f"{x / 2 ** 30:,.2f} GiB"


@dataclass
class ScaleReport:
    """Everything scale_report computes; str(report) or report.text() prints it."""
    name: str
    n_layer: int
    d_model: int
    n_head: int
    n_ctx: int
    vocab_size: int
    params_exact: int
    params_approx: int
    params_non_embedding: int          # exact minus (V + n_ctx) d
    params_printed: float              # None for a plain GPTConfig
    flops_per_token: float             # 6 N
    flops_per_token_attention: float   # 6 N + 12 L n_ctx d
    tokens: float
    tokens_source: str                 # "given", "paper" or "Chinchilla (20 N)"
    train_flops: float                 # 6 N D
    train_flops_attention: float       # (6 N + 12 L n_ctx d) D
    pf_days: float                     # train_flops / 8.64e19
    chinchilla_tokens: float           # 20 N
    micro_batch: int                   # sequences per step for the activation estimate
    bytes_weights: float               # 4 N (float32)
    bytes_grads: float                 # 4 N
    bytes_adam: float                  # 8 N (m and v)
    bytes_activations: float           # L s b h (34 + 5 a s / h) + 4 s b V
    bytes_activations_checkpointed: float  # 2 s b h L + s b h (34 + 5 a s / h) + 4 s b V
    gflops: float = None               # measured GFLOP/s of this machine, if given
    seconds: float = None              # train_flops / (gflops 1e9)
    notes: list = field(default_factory=list)

    def text(self) -> str:
        r = self
        lines = [f"{r.name}: n_layer {r.n_layer}, d_model {r.d_model}, n_head {r.n_head}, n_ctx {r.n_ctx}, "
                 f"vocab {r.vocab_size}, d_ff {4 * r.d_model}",
                 f"  parameters (exact)            {r.params_exact:>22,}",
                 f"  parameters (12 L d^2 + (V + n_ctx) d) {r.params_approx:>14,}"
                 f"   ({100 * (r.params_approx / r.params_exact - 1):+.3f}%)",
                 f"  non-embedding parameters      {r.params_non_embedding:>22,}"]
        if r.params_printed:
            lines.append(f"  printed in the paper          {r.params_printed:>22,.0f}"
                         f"   (exact is {100 * (r.params_exact / r.params_printed - 1):+.2f}%)")
        lines += [f"  training FLOPs per token      6N = {r.flops_per_token:.3e};  with attention "
                  f"6N + 12 L n_ctx d = {r.flops_per_token_attention:.3e}",
                  f"  tokens D ({r.tokens_source}) {r.tokens:.3e};  Chinchilla-optimal 20 N = {r.chinchilla_tokens:.3e}",
                  f"  training compute 6 N D        {r.train_flops:.3e} FLOPs = {r.pf_days:,.1f} PF-days"
                  f"  (with attention {r.train_flops_attention:.3e})",
                  f"  memory, float32 + Adam: weights {_gb(r.bytes_weights)}, gradients {_gb(r.bytes_grads)}, "
                  f"Adam m+v {_gb(r.bytes_adam)} = {_gb(r.bytes_weights + r.bytes_grads + r.bytes_adam)}",
                  f"  activations, micro-batch {r.micro_batch} x {r.n_ctx} (Korthikanti et al., 16-bit): "
                  f"{_gb(r.bytes_activations)}; with checkpointing {_gb(r.bytes_activations_checkpointed)}"]
        if r.seconds is not None:
            lines.append(f"  time at {r.gflops:,.1f} GFLOP/s: {_human_seconds(r.seconds)}")
        lines += [f"  note: {n}" for n in r.notes]
        return "\n".join(lines)

    __str__ = text


def _as_preset(name_or_config):
    if isinstance(name_or_config, ModelPreset):
        return name_or_config
    if isinstance(name_or_config, str):
        return get_preset(name_or_config)
    if isinstance(name_or_config, GPTConfig):
        c = name_or_config
        return ModelPreset("GPTConfig", "GPTConfig", None, c.n_layer, c.n_embd, c.n_head, c.n_embd // c.n_head,
                           c.block_size, c.vocab_size)
    raise TypeError(f"scale_report needs a preset name (e.g. 'gpt3-175b'), a ModelPreset or a GPTConfig, "
                    f"got {type(name_or_config).__name__}")


def scale_report(name_or_config, tokens: float = None, gflops: float = None, micro_batch: int = 1) -> ScaleReport:
    """Parameters, FLOPs, compute, memory and time of one model size.

    tokens: training tokens D; default the paper's (GPT-3: 300B), else the Chinchilla-optimal 20 N.
    gflops: this machine's measured speed (e.g. measure_gflops()); gives the training time.
    micro_batch: sequences of n_ctx tokens held in memory at once (activation estimate only).
    """
    p = _as_preset(name_or_config)
    bias = name_or_config.bias if isinstance(name_or_config, GPTConfig) else True
    L, d, a, s, V, b = p.n_layer, p.d_model, p.n_head, p.n_ctx, p.vocab_size, int(micro_batch)
    if b < 1:
        raise ValueError(f"micro_batch must be a positive number of sequences, got {micro_batch}")
    N = count_parameters(L, d, V, s, bias=bias)
    if tokens is not None and not tokens > 0:
        raise ValueError(f"tokens must be a positive token count, got {tokens}")
    if gflops is not None and not gflops > 0:
        raise ValueError(f"gflops must be a positive measured speed in GFLOP/s, got {gflops}")
    chinchilla = CHINCHILLA_TOKENS_PER_PARAM * N
    if tokens is not None:
        D, source = float(tokens), "given"
    elif p.train_tokens:
        D, source = float(p.train_tokens), "paper"
    else:
        D, source = float(chinchilla), "Chinchilla (20 N)"
    per_token, per_token_attn = 6.0 * N, 6.0 * N + 12.0 * L * s * d
    per_layer_act = s * b * d * (34 + 5 * a * s / d)                 # bytes, Korthikanti et al. 2022 (16-bit)
    logits = 4.0 * s * b * V                                          # float32 (b, s, V) logits
    notes = [p.note] if p.note else []
    return ScaleReport(
        name=p.paper_name, n_layer=L, d_model=d, n_head=a, n_ctx=s, vocab_size=V,
        params_exact=N, params_approx=approx_parameters(L, d, V, s), params_non_embedding=N - (V + s) * d,
        params_printed=p.n_params_printed, flops_per_token=per_token, flops_per_token_attention=per_token_attn,
        tokens=D, tokens_source=source, train_flops=per_token * D, train_flops_attention=per_token_attn * D,
        pf_days=per_token * D / PF_DAY, chinchilla_tokens=float(chinchilla), micro_batch=b,
        bytes_weights=4.0 * N, bytes_grads=4.0 * N, bytes_adam=8.0 * N,
        bytes_activations=L * per_layer_act + logits,
        bytes_activations_checkpointed=2.0 * s * b * d * L + per_layer_act + logits,
        gflops=gflops, seconds=None if gflops is None else per_token * D / (gflops * 1e9), notes=notes)


def scale_table(names=None, gflops: float = None) -> str:
    """One line per preset: printed vs exact parameters, 6ND compute in PF-days, Chinchilla tokens."""
    names = names or list(PRESETS)
    rows = [f"{'model':<14}{'printed':>10}{'exact':>16}{'diff':>8}{'PF-days':>10}{'20N tokens':>12}"
            + ("  time here" if gflops else "")]
    for n in names:
        r = scale_report(n, gflops=gflops)
        rows.append(f"{r.name:<14}{r.params_printed / 1e6:>9,.0f}M{r.params_exact:>16,}"
                    f"{100 * (r.params_exact / r.params_printed - 1):>+7.2f}%{r.pf_days:>10.4g}"
                    f"{r.chinchilla_tokens:>12.2e}" + (f"  {_human_seconds(r.seconds)}" if gflops else ""))
    return "\n".join(rows)


if __name__ == "__main__":
    speed = measure_gflops()
    print(scale_table(gflops=speed))
    print()
    print(scale_report("gpt3-175b", gflops=speed))
