# Generated from solutions/week7/lora.py by `tglm course build`: fill in the parts that raise NotImplementedError.
# Your edits are safe: the build refuses to overwrite this file unless --force; the reference is solutions/week7/lora.py.
"""Week 7: LoRA, a low-rank update beside a frozen Linear (Hu et al. 2021, "LoRA: Low-Rank Adaptation").

Fine-tuning changes a weight W (O, C) by some dW. LoRA bets that dW has low rank and trains it as a
product of two thin matrices, leaving W frozen:

    y = x @ W^T + b + (x @ A^T @ B^T) * scaling          A (r, C), B (O, r), scaling = alpha / r
    trainable: r (C + O) numbers instead of O C          (r = 8, C = O = 256: 4,096 vs 65,536)

Initialisation (loralib, Microsoft's reference code):
    A ~ U(-1/sqrt(C), 1/sqrt(C))   kaiming_uniform_(A, a=sqrt(5)): bound = sqrt(6 / ((1 + a^2) C)) = 1/sqrt(C)
    B = 0                          so B @ A = 0: the wrapped model starts EXACTLY equal to the base,
                                   and B's gradient (dy^T x A^T) is non-zero from the first step.
scaling = alpha / r keeps the update's size roughly independent of r, so a learning rate tuned for
one rank still works for another.

After training, merge: W' = W + (B @ A) * scaling. The layer is then a plain Linear again (no extra
cost at inference); unmerge subtracts the same matrix (float32 rounding: W comes back to ~1 ulp).

Legend: N rows (any leading dims), C in_features, O out_features, r rank.
Library version (dropout on the LoRA path, apply_lora by name pattern, saving only A and B, loading,
a float64 gradcheck): tinygrad_lm/nn/lora.py. Not here: dropout, bias training, rsLoRA, DoRA.
"""
import math

import numpy as np

from tinygrad_lm import functional as F
from tinygrad_lm import nn
from tinygrad_lm.random import rng
from tinygrad_lm.tensor import no_grad


class LoRALinear(nn.Module):
    """Wraps an nn.Linear `base` (sharing its weight and bias Parameters) and adds lora_A, lora_B."""

    def __init__(self, base, r: int = 8, alpha: float = 16):
        super().__init__()
        if not isinstance(base, nn.Linear):
            raise TypeError(f"LoRALinear wraps an nn.Linear, got {type(base).__name__}")
        if not isinstance(r, int) or r <= 0:
            raise ValueError(f"LoRALinear: rank r must be a positive int, got {r!r}")
        self.in_features, self.out_features = base.in_features, base.out_features
        self.weight = base.weight                                    # (O, C), the same Parameter
        if base.bias is not None:
            self.bias = base.bias                                    # (O,)
        else:
            self.register_parameter("bias", None)
        self.r, self.alpha, self.scaling = r, float(alpha), float(alpha) / r
        dt = base.weight.dtype
        self.lora_A = nn.Parameter(np.empty((r, self.in_features), dtype=dt), dtype=dt)    # (r, C)
        self.lora_B = nn.Parameter(np.empty((self.out_features, r), dtype=dt), dtype=dt)   # (O, r)
        self.merged = False
        self.reset_lora_parameters()

    def reset_lora_parameters(self):
        """Task 7.3: initialise A ~ U(-1/sqrt(C), 1/sqrt(C)) and B = 0, in place.

        TODO: write into self.lora_A.data (r, C) uniform values from the library's random generator
        (`rng()`, seeded by tinygrad_lm.manual_seed) with bound 1/sqrt(C), C = self.in_features, and
        set self.lora_B.data (O, r) to zeros.

        APPROACH: stuck? `tglm hint 7.3` shows the approach one step at a time.

        HINT: B = 0 (not A = 0) is what makes the wrapped model start equal to the base AND still learn:
        with A = 0, B's gradient dy^T (x A^T) is zero too, and nothing ever moves.
        """
        raise NotImplementedError("Week 7, task 7.3: initialise A ~ U(-1/sqrt(C), 1/sqrt(C)) and B = 0, in place.")

    def forward(self, x):
        """Task 7.3: y = x @ W^T + b + (x @ A^T @ B^T) * scaling, or the plain Linear once merged.

        TODO: x (..., C) Tensor -> (..., O) Tensor, differentiable in x, W, b, A and B. Use
        F.linear(x, weight, bias) (= x @ weight^T + bias). If self.merged is True, W already holds
        the update: return only the plain Linear's output.

        APPROACH: stuck? `tglm hint 7.3` shows the approach one step at a time.

        EXAMPLE: with B = 0 (fresh), forward equals the base Linear's output exactly.

        HINT: scaling is alpha / r, not r / alpha; x @ A^T @ B^T costs N r (C + O), never form B @ A here.
        """
        raise NotImplementedError("Week 7, task 7.3: y = x @ W^T + b + (x @ A^T @ B^T) * scaling, or the plain Linear once merged.")

    def merge(self):
        """Task 7.4: fold the update into W: W += (B @ A) * scaling; then forward is the plain Linear.

        TODO: if not already merged: add (lora_B.data @ lora_A.data) * scaling to self.weight.data
        in place (under no_grad()), set self.merged = True. Merging twice must not add it twice.
        Return self.

        EXAMPLE: for any x, the output after merge() equals the output before it (to ~1e-6).
        """
        raise NotImplementedError("Week 7, task 7.4: fold the update into W: W += (B @ A) * scaling; then forward is the plain Linear.")

    def unmerge(self):
        """Task 7.4: undo merge(): W -= (B @ A) * scaling if merged; set merged = False; return self.

        HINT: unmerging a layer that is not merged must change nothing.
        """
        raise NotImplementedError("Week 7, task 7.4: undo merge(): W -= (B @ A) * scaling if merged; set merged = False; return self.")
