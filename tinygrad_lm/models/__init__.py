"""Complete language models built from tinygrad_lm.nn: GPT (decoder) and a masked-LM encoder (BERT-style)."""
from .gpt import GPT, GPTConfig, KVCache
from .mlm import MaskedLM, mask_tokens

__all__ = ["GPT", "GPTConfig", "KVCache", "MaskedLM", "mask_tokens"]
