"""LoRA: low-rank adapters on chosen Linear layers (Hu et al. 2021), with loralib's semantics.

    n = nn.apply_lora(model, patterns=("attn.c_attn", "attn.c_proj"), r=8, alpha=16)  # freezes the rest
    opt = AdamW(nn.trainable_parameters(model), lr=1e-3)
    ...train...
    save_file(nn.lora_state_dict(model), "lora.safetensors")   # only lora_A / lora_B: small
    nn.merge_lora(model)                                       # W += B @ A * alpha / r: plain Linears again

Legend: N rows (B*T), C in_features, O out_features, r the rank.
A LoRALinear keeps the wrapped layer's weight W (O, C) and bias b (the same Parameter objects, so
their names do not change: "h.0.attn.c_attn.weight") and adds
    lora_A (r, C) ~ kaiming_uniform_(a=sqrt(5)) = U(-1/sqrt(C), 1/sqrt(C))   (loralib's reset_parameters)
    lora_B (O, r) = 0                      so the wrapped model starts out exactly equal to the base
    y = x @ W^T + b + (dropout(x) @ A^T @ B^T) * scaling,   scaling = alpha / r            (N, O)
Only A and B train (W is frozen by apply_lora); the LoRA path costs 2 N r (C + O) flops, not N C O.
merge():   W += (B @ A) * scaling, after which forward is the plain Linear (for inference, or the
           fast Decoder, which reads weights directly); unmerge() subtracts it again (float32 rounding
           means W comes back to within ~1 ulp per merge/unmerge cycle, as in loralib).
Differences from loralib: no automatic merge on model.eval() (our Module.train() sets a flag and
calls no per-module hook): call merge_lora / unmerge_lora explicitly. Dropout applies to the LoRA
path's input only, as in loralib. Loading a LoRA state dict into a merged model is refused.
Does not handle: LoRA on Embedding / attention-fused conv layers, rank-stabilised scaling
(rsLoRA), DoRA, several adapters per layer, quantised base weights (QLoRA).
"""
import math

import numpy as np

from .. import functional as F
from ..tensor import no_grad
from . import init
from .dropout import Dropout
from .finetuning import as_patterns, name_matches
from .linear import Linear
from .module import Module, Parameter


class LoRALinear(Linear):
    """A Linear whose output gets a trainable low-rank update; shares the wrapped layer's W and b."""

    def __init__(self, base: Linear, r: int = 8, alpha: float = 16, dropout: float = 0.0):
        if not isinstance(base, Linear) or isinstance(base, LoRALinear):
            raise TypeError(f"LoRALinear wraps an nn.Linear (not yet wrapped), got {type(base).__name__}")
        if not isinstance(r, (int, np.integer)) or isinstance(r, bool) or r <= 0:
            raise ValueError(f"LoRALinear: rank r must be a positive int, got {r!r}")
        if not alpha > 0:
            raise ValueError(f"LoRALinear: alpha must be > 0, got {alpha!r}")
        Module.__init__(self)                                  # not Linear.__init__: no new W
        self.in_features, self.out_features = base.in_features, base.out_features
        self.weight = base.weight                              # (O, C): the same Parameter
        if base.bias is not None:
            self.bias = base.bias                              # (O,)
        else:
            self.register_parameter("bias", None)
        dt = base.weight.dtype
        self.r, self.alpha, self.scaling = int(r), float(alpha), float(alpha) / int(r)
        self.lora_A = Parameter(np.empty((r, self.in_features), dtype=dt), dtype=dt)    # (r, C)
        self.lora_B = Parameter(np.zeros((self.out_features, r), dtype=dt), dtype=dt)   # (O, r)
        self.lora_dropout = Dropout(dropout)
        self.merged = False
        self.reset_lora_parameters()

    def reset_lora_parameters(self):
        """A ~ U(-1/sqrt(C), 1/sqrt(C)) and B = 0, as loralib (the update B @ A starts at zero)."""
        if self.merged:
            raise RuntimeError("LoRALinear.reset_lora_parameters: unmerge() first")
        init.kaiming_uniform_(self.lora_A, a=math.sqrt(5))
        init.zeros_(self.lora_B)

    def delta_weight(self) -> np.ndarray:
        """(B @ A) * scaling, (O, C): what merge() adds to W."""
        return (self.lora_B.data @ self.lora_A.data) * self.scaling

    def merge(self):
        if not self.merged:
            with no_grad():
                self.weight.data += self.delta_weight()
            self.merged = True
        return self

    def unmerge(self):
        if self.merged:
            with no_grad():
                self.weight.data -= self.delta_weight()
            self.merged = False
        return self

    def forward(self, x):
        y = super().forward(x)                                 # x @ W^T + b; checks x      (..., O)
        if self.merged:                                        # W already holds B @ A * scaling
            return y
        h = F.linear(F.linear(self.lora_dropout(x), self.lora_A), self.lora_B)   # (..., r) -> (..., O)
        return y + h * self.scaling

    def extra_repr(self):
        return super().extra_repr() + f", r={self.r}, alpha={self.alpha:g}" + (", merged" if self.merged else "")


# ---- model surgery ------------------------------------------------------------------------------
def replace_modules(model: Module, patterns, make, fn: str) -> int:
    """Replace every nn.Linear selected by `patterns` with make(linear); returns how many.
    The replacement takes the same place in its parent (ModuleList order and names are kept)."""
    patterns = as_patterns(patterns, fn)
    found = [(n, m) for n, m in model.named_modules() if n and any(name_matches(n, p) for p in patterns)]
    linears = [(n, m) for n, m in found if type(m) is Linear]
    unused = [p for p in patterns if not any(name_matches(n, p) for n, _ in linears)]
    if unused:
        names = [n for n, m in model.named_modules() if isinstance(m, Linear)]
        already = [n for n, m in found if isinstance(m, Linear) and type(m) is not Linear]
        hint = f" (already wrapped: {already[:4]})" if already else ""
        raise ValueError(f"{fn}: pattern(s) {unused} select no plain nn.Linear{hint}; Linear layers are "
                         f"named like: {', '.join(names[:6])}{', ...' if len(names) > 6 else ''}")
    for name, lin in linears:
        parent_name, _, key = name.rpartition(".")
        parent = _submodule(model, parent_name)
        parent._modules[key] = make(lin)                       # in place: keeps the order of children
    return len(linears)


def _submodule(model, name):
    """The module at dotted `name` ("" is the model itself)."""
    mod = model
    for part in name.split(".") if name else ():
        mod = mod._modules[part]
    return mod


def lora_layers(model) -> list:
    """[(name, LoRALinear)] of the model."""
    return [(n, m) for n, m in model.named_modules() if isinstance(m, LoRALinear)]


def mark_only_lora_as_trainable(model, bias: str = "none") -> None:
    """Freeze everything but lora_A / lora_B; bias 'none' (default), 'all' (every bias trains too)
    or 'lora_only' (the biases of the LoRA-wrapped layers), as loralib."""
    if bias not in ("none", "all", "lora_only"):
        raise ValueError(f"mark_only_lora_as_trainable: bias must be 'none', 'all' or 'lora_only', got {bias!r}")
    for name, p in model.named_parameters():
        p.requires_grad = name.rpartition(".")[2] in ("lora_A", "lora_B") or \
            (bias == "all" and name.endswith("bias"))
        if not p.requires_grad:
            p.grad = None
    if bias == "lora_only":
        for _, m in lora_layers(model):
            if m.bias is not None:
                m.bias.requires_grad = True


def apply_lora(model, patterns=("attn.c_attn", "attn.c_proj"), r: int = 8, alpha: float = 16,
               dropout: float = 0.0, bias: str = "none") -> int:
    """Wrap the nn.Linear layers selected by `patterns` in LoRALinear, freeze everything else
    (mark_only_lora_as_trainable); returns the number of wrapped layers."""
    n = replace_modules(model, patterns, lambda lin: LoRALinear(lin, r=r, alpha=alpha, dropout=dropout),
                        "apply_lora")
    mark_only_lora_as_trainable(model, bias)
    return n


def merge_lora(model) -> int:
    """Merge every LoRALinear (W += B @ A * scaling); returns how many were merged now."""
    todo = [m for _, m in lora_layers(model) if not m.merged]
    for m in todo:
        m.merge()
    return len(todo)


def unmerge_lora(model) -> int:
    todo = [m for _, m in lora_layers(model) if m.merged]
    for m in todo:
        m.unmerge()
    return len(todo)


# ---- saving only the LoRA weights ---------------------------------------------------------------------
def lora_state_dict(model, bias: str = "none") -> dict:
    """{name: array copy} of every lora_A / lora_B (plus biases: 'all' or 'lora_only', as loralib)."""
    if bias not in ("none", "all", "lora_only"):
        raise ValueError(f"lora_state_dict: bias must be 'none', 'all' or 'lora_only', got {bias!r}")
    layers = lora_layers(model)
    if not layers:
        raise ValueError(f"lora_state_dict: {type(model).__name__} has no LoRA layers (call apply_lora first)")
    owners = {f"{n}.bias" for n, _ in layers}
    out = {}
    for name, arr in model.state_dict().items():
        last = name.rpartition(".")[2]
        if last in ("lora_A", "lora_B") or (last == "bias" and (bias == "all" or (bias == "lora_only"
                                                                                  and name in owners))):
            out[name] = np.array(arr, copy=True)
    return out


def load_lora_state_dict(model, state: dict) -> None:
    """Load weights saved by lora_state_dict into a model with the same LoRA layers (unmerged).
    Every lora_A / lora_B of the model must be given; other given keys must exist in the model."""
    layers = lora_layers(model)
    if not layers:
        raise ValueError(f"load_lora_state_dict: {type(model).__name__} has no LoRA layers; call apply_lora "
                         f"with the patterns and rank used in training first")
    if any(m.merged for _, m in layers):
        raise RuntimeError("load_lora_state_dict: the model's LoRA layers are merged (W holds the old "
                           "B @ A); call unmerge_lora(model) first")
    own = model.state_dict()
    need = {f"{n}.{k}" for n, _ in layers for k in ("lora_A", "lora_B")}
    missing, unknown = sorted(need - set(state)), sorted(set(state) - set(own))
    if missing or unknown:
        raise ValueError(f"load_lora_state_dict: missing LoRA weights {missing[:4]}, unknown keys {unknown[:4]} "
                         f"(different patterns or a different model?)")
    bad = [f"{k}: {np.shape(v)} vs {own[k].shape}" for k, v in state.items() if np.shape(v) != own[k].shape]
    if bad:
        raise ValueError(f"load_lora_state_dict: shape mismatch (a different rank r?): {bad[:4]}")
    model.load_state_dict(state, strict=False)
