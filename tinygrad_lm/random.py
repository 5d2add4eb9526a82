"""One seeded random generator for the whole library (weights init, dropout, data batches).

`manual_seed(n)` resets it, like `torch.manual_seed`. Everything random in tinygrad_lm draws from
`rng()`, so one seed makes a whole training run reproducible.
"""
import numpy as np

_generator = np.random.default_rng(0)


def manual_seed(seed: int) -> np.random.Generator:
    """Reset the library's random generator to `seed` and return it."""
    global _generator
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool):
        raise TypeError(f"manual_seed expects an int, got {type(seed).__name__}")
    _generator = np.random.default_rng(int(seed))
    return _generator


def rng() -> np.random.Generator:
    """The library's current random generator."""
    return _generator
