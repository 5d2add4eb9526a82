"""Complete language models built from tinygrad_lm.nn: GPT (decoder) and, later, a masked-LM encoder."""
from .gpt import GPT, GPTConfig, KVCache

__all__ = ["GPT", "GPTConfig", "KVCache"]
