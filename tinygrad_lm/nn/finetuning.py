"""Fine-tuning strategies: freeze parameters by name, count what trains, per-layer learning rates.

    nn.freeze(model)                              # everything
    nn.unfreeze(model, ["h.3", "ln_f"])           # ... then train the top block and the final norm
    opt = AdamW(nn.trainable_parameters(model), lr=1e-4)
    print(nn.count_trainable(model))              # TrainableCount(trainable=..., total=..., percent=...)
    opt = AdamW(nn.layerwise_lr_groups(model, lr=1e-4, decay=0.8, weight_decay=0.1))

Name patterns (also used by nn.apply_lora / nn.apply_adapters to pick layers): a pattern selects
a parameter (or module) when the pattern matches its dotted name or one of the name's module
prefixes, as a whole name or as a trailing run of dot-separated parts, with fnmatch globs (`*`
also crosses dots). For "transformer.h.0.attn.c_attn.weight" these all match: "h.0", "attn",
"attn.c_attn", "transformer.h.*.attn", "*.weight", "weight"; "ln" does not match "ln_1" (write
"ln_*"). A pattern that matches nothing raises ValueError (a typo would silently train everything).

Frozen parameters (requires_grad=False) get no gradient; the optimizers refuse them, so build an
optimizer from `trainable_parameters(model)` (or `optim.weight_decay_groups(model, wd)` /
`layerwise_lr_groups`, which skip them).

Discriminative learning rates (ULMFiT, Howard & Ruder 2018; "layer-wise lr decay" in ELECTRA/BEiT):
the top of the network gets lr, each block below gets `decay` times the one above:
    lr(depth) = lr * decay ** depth,  depth 0 = top block and everything above it (ln_f, a new head),
    depth L-1-i = block i of L,  depth L = the embeddings (wte, wpe).
GPT ties the LM head to wte, so the head shares the embeddings' (smallest) learning rate.
Does not handle: gradual unfreezing schedules (call unfreeze between epochs), per-parameter lrs
other than these groups.
"""
import re
from collections import namedtuple
from fnmatch import fnmatchcase

TrainableCount = namedtuple("TrainableCount", ["trainable", "total", "percent"])


def as_patterns(patterns, fn: str) -> tuple:
    """One pattern or a sequence of them -> a tuple of non-empty strings (or a TypeError)."""
    if isinstance(patterns, str):
        patterns = (patterns,)
    patterns = tuple(patterns)
    if not patterns or not all(isinstance(p, str) and p.strip(".") for p in patterns):
        raise TypeError(f"{fn}: patterns must be non-empty strings such as 'h.0' or 'attn.c_attn', "
                        f"got {patterns!r}")
    return patterns


def name_matches(name: str, pattern: str) -> bool:
    """Does `pattern` select `name` (or the module it sits in)? See the module docstring."""
    parts = name.split(".")
    for end in range(len(parts), 0, -1):                 # the name, then its module prefixes
        prefix = ".".join(parts[:end])
        if fnmatchcase(prefix, pattern) or fnmatchcase(prefix, "*." + pattern):
            return True
    return False


def _select(model, patterns, fn):
    """[(name, param)] of model's parameters selected by the patterns (all when patterns is None)."""
    named = list(model.named_parameters())
    if patterns is None:
        return named
    patterns = as_patterns(patterns, fn)
    unused = [p for p in patterns if not any(name_matches(n, p) for n, _ in named)]
    if unused:
        sample = ", ".join(n for n, _ in named[:6])
        raise ValueError(f"{fn}: pattern(s) {unused} match no parameter of {type(model).__name__}; "
                         f"parameter names look like: {sample}, ...")
    return [(n, p) for n, p in named if any(name_matches(n, pat) for pat in patterns)]


def freeze(model, patterns=None) -> int:
    """requires_grad=False (and .grad=None) on the parameters the patterns select (all if None).
    Returns how many parameter tensors were selected."""
    chosen = _select(model, patterns, "freeze")
    for _, p in chosen:
        p.requires_grad = False
        p.grad = None
    return len(chosen)


def unfreeze(model, patterns=None) -> int:
    """requires_grad=True on the parameters the patterns select (all if None); returns the count."""
    chosen = _select(model, patterns, "unfreeze")
    for _, p in chosen:
        p.requires_grad = True
    return len(chosen)


def trainable_parameters(model) -> list:
    """The parameters with requires_grad=True (tied weights once): what to give an optimizer."""
    params = [p for p in model.parameters() if p.requires_grad]
    if not params:
        raise ValueError(f"trainable_parameters: every parameter of {type(model).__name__} is frozen; "
                         f"unfreeze some (nn.unfreeze(model, patterns)) or add LoRA / adapters first")
    return params


def count_trainable(model) -> TrainableCount:
    """(trainable scalars, total scalars, trainable percent), tied weights counted once."""
    total = trainable = 0
    for p in model.parameters():
        total += p.size
        trainable += p.size if p.requires_grad else 0
    return TrainableCount(trainable, total, 100.0 * trainable / total if total else 0.0)


def layerwise_lr_groups(model, lr: float, decay: float = 0.8, weight_decay: float = 0.0,
                        blocks: str = "transformer.h", embeddings=("transformer.wte", "transformer.wpe")) -> list:
    """AdamW/SGD param groups with lr * decay**depth (see the module docstring), trainable params only.

    blocks: the ModuleList of blocks (parameters named f"{blocks}.{i}.…"); embeddings: patterns of
    the bottom. Each depth gives up to two groups: matrices with weight_decay, vectors (biases,
    LayerNorm gains) with 0.0, as optim.weight_decay_groups. Returned deepest first (embeddings).
    EXAMPLE (L = 4, decay 0.5): h.3 and ln_f get lr, h.2 lr/2, h.1 lr/4, h.0 lr/8, wte/wpe lr/16.
    """
    if not lr > 0 or not 0 < decay <= 1:
        raise ValueError(f"layerwise_lr_groups: need lr > 0 and 0 < decay <= 1, got lr={lr}, decay={decay}")
    named = [(n, p) for n, p in model.named_parameters() if p.requires_grad]
    block_re = re.compile(re.escape(blocks) + r"\.(\d+)\.")
    index = {n: int(m.group(1)) for n, _ in named if (m := block_re.match(n))}
    if not index:
        raise ValueError(f"layerwise_lr_groups: no trainable parameter is named '{blocks}.<i>.…'; pass "
                         f"blocks= the name of the ModuleList of blocks (names: "
                         f"{', '.join(n for n, _ in named[:4])}, ...)")
    L = max(index.values()) + 1
    bottom = as_patterns(embeddings, "layerwise_lr_groups") if embeddings else ()
    groups = {}                                          # (depth, decays?) -> params
    for n, p in named:
        if n in index:
            depth = L - 1 - index[n]
        elif any(name_matches(n, pat) for pat in bottom):
            depth = L
        else:
            depth = 0                                    # above the blocks: ln_f, heads
        groups.setdefault((depth, p.ndim >= 2), []).append(p)
    return [{"params": ps, "lr": lr * decay ** depth, "lr_scale": decay ** depth,
             "weight_decay": float(weight_decay) if decays else 0.0}
            for (depth, decays), ps in sorted(groups.items(), key=lambda kv: (-kv[0][0], not kv[0][1]))]
