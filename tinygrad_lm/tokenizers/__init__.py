"""Tokenizers: text <-> integer ids.

ByteLevelBPE (bpe.py) trains, encodes and decodes byte-level BPE and loads GPT-2's files
(gpt2.py: load_gpt2). The character tokenizer of the RNN weeks lives in char.py.
"""
from .bpe import ByteLevelBPE
from .gpt2 import load_gpt2
from .patterns import CL100K_PATTERN, GPT2_PATTERN

__all__ = ["ByteLevelBPE", "load_gpt2", "GPT2_PATTERN", "CL100K_PATTERN"]
