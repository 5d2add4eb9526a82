"""Houlsby bottleneck adapters (Houlsby et al. 2019, "Parameter-Efficient Transfer Learning for NLP").

    n = nn.apply_adapters(model, bottleneck=16)      # after each block's attention and MLP; freezes the rest
    opt = AdamW(nn.trainable_parameters(model), lr=1e-3)

Legend: N rows (B*T), C channels (n_embd), m the bottleneck size (m << C).
    Adapter(h) = h + up(f(down(h)))          down: Linear(C, m), f: GELU, up: Linear(m, C)     (N, C)
Initialised near the identity, as the paper: every adapter weight ~ N(0, init_std) truncated at
2 std (init_std = 1e-2), biases 0, so a fresh adapter changes the model's output only slightly
(init_std=0 makes it exactly the identity, but then `down` gets no gradient until `up` moves).

Where: the paper puts an adapter on the output of each sub-layer, after the projection back to C
and before the residual add. In GPT that output is attn.c_proj's and mlp.c_proj's, so apply_adapters
wraps those two Linears (patterns, by default ("attn.c_proj", "mlp.c_proj")) in AdaptedLinear:
    AdaptedLinear(x) = Adapter(x @ W^T + b)    (sub-layer dropout, if any, comes after it)
The wrapper shares W and b (same names in the state dict) and adds "<name>.adapter.down.weight",
...; no change to the Block code is needed. As in the paper, the LayerNorm gains and biases train
too (train_layer_norm=True); every other base weight is frozen.
Adapters cannot be merged into W (f is nonlinear): generation.Decoder, which reads weights
directly, does not see them; use GPT.forward for an adapted model.
Does not handle: Pfeiffer (one adapter per block), parallel adapters, AdapterFusion.
"""
import numpy as np

from .. import functional as F
from . import init
from .linear import Linear
from .lora import replace_modules
from .module import Module
from .normalization import LayerNorm

_ACTIVATIONS = {"gelu": F.gelu, "relu": F.relu, "tanh": F.tanh}


class Adapter(Module):
    """h (..., C) -> h + up(f(down(h))) (..., C)."""

    def __init__(self, features: int, bottleneck: int, nonlinearity: str = "gelu", init_std: float = 1e-2,
                 dtype=np.float32):
        super().__init__()
        if not isinstance(bottleneck, (int, np.integer)) or isinstance(bottleneck, bool) or bottleneck <= 0:
            raise ValueError(f"Adapter: bottleneck must be a positive int, got {bottleneck!r}")
        if nonlinearity not in _ACTIVATIONS:
            raise ValueError(f"Adapter: nonlinearity must be one of {sorted(_ACTIVATIONS)}, got {nonlinearity!r}")
        if not init_std >= 0:
            raise ValueError(f"Adapter: init_std must be >= 0, got {init_std!r}")
        self.nonlinearity, self.init_std = nonlinearity, float(init_std)
        self.down = Linear(features, bottleneck, dtype=dtype)    # (m, C)
        self.up = Linear(bottleneck, features, dtype=dtype)      # (C, m)
        self.reset_parameters()

    def reset_parameters(self):
        s = self.init_std
        for lin in (self.down, self.up):
            if s > 0:
                init.trunc_normal_(lin.weight, 0.0, s, -2 * s, 2 * s)
            else:
                init.zeros_(lin.weight)
            init.zeros_(lin.bias)

    def forward(self, h):
        z = _ACTIVATIONS[self.nonlinearity](self.down(h))       # (..., m)
        return h + self.up(z)                                     # (..., C)

    def extra_repr(self):
        return (f"features={self.down.in_features}, bottleneck={self.down.out_features}, "
                f"nonlinearity={self.nonlinearity}")


class AdaptedLinear(Linear):
    """A Linear followed by an Adapter; shares the wrapped layer's weight and bias."""

    def __init__(self, base: Linear, bottleneck: int, nonlinearity: str = "gelu", init_std: float = 1e-2):
        if type(base) is not Linear:
            raise TypeError(f"AdaptedLinear wraps a plain nn.Linear, got {type(base).__name__}")
        Module.__init__(self)                                    # not Linear.__init__: no new W
        self.in_features, self.out_features = base.in_features, base.out_features
        self.weight = base.weight                                # (O, C): the same Parameter
        if base.bias is not None:
            self.bias = base.bias
        else:
            self.register_parameter("bias", None)
        self.adapter = Adapter(base.out_features, bottleneck, nonlinearity, init_std, dtype=base.weight.dtype)

    def forward(self, x):
        return self.adapter(super().forward(x))                  # (..., O)


def apply_adapters(model, bottleneck: int = 64, patterns=("attn.c_proj", "mlp.c_proj"),
                   nonlinearity: str = "gelu", init_std: float = 1e-2, train_layer_norm: bool = True) -> int:
    """Put an Adapter after every nn.Linear selected by `patterns` (by default each GPT block's
    attention and MLP output projections), freeze everything but the adapters (and the LayerNorms
    if train_layer_norm); returns the number of adapters added."""
    n = replace_modules(model, patterns, lambda lin: AdaptedLinear(lin, bottleneck, nonlinearity, init_std),
                        "apply_adapters")
    for p in model.parameters():
        p.requires_grad = False
        p.grad = None
    for _, m in model.named_modules():
        if isinstance(m, Adapter) or (train_layer_norm and isinstance(m, LayerNorm)):
            for p in m.parameters():
                p.requires_grad = True
    return n


def adapter_state_dict(model, layer_norm: bool = True) -> dict:
    """{name: array copy} of the adapter weights (and the LayerNorms', which train with them)."""
    chosen = {n for n, m in model.named_modules()
              if isinstance(m, Adapter) or (layer_norm and isinstance(m, LayerNorm))}
    if not any(isinstance(m, Adapter) for m in model.modules()):
        raise ValueError(f"adapter_state_dict: {type(model).__name__} has no adapters (call apply_adapters first)")
    return {k: np.array(v, copy=True) for k, v in model.state_dict().items()
            if any(k.startswith(c + ".") for c in chosen)}
