"""Activation functions as modules, so they can sit in a Sequential: ReLU, GELU, Tanh, Sigmoid, Softmax.

Each forwards to tinygrad_lm.functional, where the op's forward and backward live.
GELU is GPT-2's tanh approximation: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))).
Does not handle: in-place variants, LeakyReLU/ELU/SiLU (compose them from ops if needed).
"""
from .. import functional as F
from .module import Module


class ReLU(Module):
    def forward(self, x):
        return F.relu(x)


class GELU(Module):
    def __init__(self, approximate: str = "tanh"):
        super().__init__()
        if approximate != "tanh":
            raise NotImplementedError("only GELU(approximate='tanh') (GPT-2's GELU) is implemented")
        self.approximate = approximate

    def forward(self, x):
        return F.gelu(x, approximate=self.approximate)

    def extra_repr(self):
        return f"approximate={self.approximate!r}"


class Tanh(Module):
    def forward(self, x):
        return F.tanh(x)


class Sigmoid(Module):
    def forward(self, x):
        return F.sigmoid(x)


class Softmax(Module):
    def __init__(self, dim: int = -1):
        super().__init__()
        self.dim = dim

    def forward(self, x):
        return F.softmax(x, axis=self.dim)

    def extra_repr(self):
        return f"dim={self.dim}"
