"""Complete models built from tinygrad_lm.nn.

config.py    GPTConfig
gpt.py       GPT (decoder; causal=False gives the encoder), KVCache
mlm.py       MaskedLM (BERT-style encoder with a tied head) and the masking recipe
char_lm.py   CharLM (week 3: Embedding -> LSTM / RNN -> Linear)
gpt2_hf.py   Hugging Face GPT-2 checkpoints <-> our GPT
classifier.py  GPTClassifier (a GPT body + a head on pooled hidden states), pad_batch
pretrained.py  load a model + tokenizer by name (shipped models, local Hugging Face downloads)
span_qa.py   SpanQA (extractive QA: start/end head on the encoder, lexical_features=True), best_span, predict
span_prior.py  LexicalSpanPrior (count-based start/end log odds of DrQA's token features)
"""
from .config import GPTConfig
from .gpt import GPT, KVCache
from .classifier import GPTClassifier
from .mlm import MaskedLM, mask_tokens
from .char_lm import CharLM

__all__ = ["GPT", "GPTClassifier", "GPTConfig", "KVCache", "MaskedLM", "mask_tokens", "CharLM"]
