"""Dropout: during training, zero each element with probability p and scale the rest by 1/(1-p).

In eval mode (model.eval()) it returns its input unchanged, which is why you must call
model.eval() before measuring validation loss and model.train() before training again.
The masks come from tinygrad_lm.random.rng(): tinygrad_lm.manual_seed(n) makes them repeatable.
Does not handle: Dropout2d, AlphaDropout.
"""
from .. import functional as F
from .module import Module


class Dropout(Module):
    def __init__(self, p: float = 0.5):
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"Dropout probability must be in [0, 1], got {p}")
        self.p = float(p)

    def forward(self, x):
        return F.dropout(x, self.p, self.training)

    def extra_repr(self):
        return f"p={self.p}"
