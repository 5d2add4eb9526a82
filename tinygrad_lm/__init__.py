"""tinygrad_lm: a from-scratch NumPy + Numba framework for learning how language models work.

Importing the package first sets two thread-pool variables (see `_threads.py`) so that NumPy's
OpenBLAS pool and Numba's pool do not spin against each other on a small CPU, in either import
order (if NumPy came first, OpenBLAS's pool is restarted through its C API); `tglm info` reports it.
"""
from . import _threads  # noqa: F401  (first: cheaper before numpy is imported, works after too)

from .random import manual_seed
from .tensor import Tensor, no_grad, is_grad_enabled
from . import ops  # noqa: F401,E402  (importing the ops attaches +, @, sum, ... to Tensor)
# (no package-level `tensor()` factory: it would shadow the tinygrad_lm.tensor module; use Tensor(...))
from .ops.creation import (zeros, ones, empty, full, zeros_like, ones_like, full_like,  # noqa: F401
                           randn, rand, randint, arange, eye)
from .ops import cat, stack, where  # noqa: F401
from .gradcheck import gradcheck  # noqa: F401

__version__ = "0.1.0"
__all__ = ["Tensor", "no_grad", "is_grad_enabled", "manual_seed", "gradcheck", "__version__",
           "zeros", "ones", "empty", "full", "zeros_like", "ones_like", "full_like",
           "randn", "rand", "randint", "arange", "eye", "cat", "stack", "where"]

