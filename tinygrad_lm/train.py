"""`tglm train <model>`: one entry point for every trainable model of the course.

    tglm train char-lstm | char-rnn ...   week 3 (train_charlm.py)
    tglm train gpt ...                    week 4 (train_gpt.py)
"""
import importlib
import sys

MODELS = {
    "char-lstm": ("tinygrad_lm.train_charlm:main_train", "character-level LSTM (week 3)"),
    "char-rnn": ("tinygrad_lm.train_charlm:main_train", "character-level vanilla RNN (week 3)"),
    "gpt": ("tinygrad_lm.train_gpt:main", "GPT language model on a text file (week 4)"),
    "mlm": ("tinygrad_lm.train_mlm:main", "masked language model, BERT-style encoder (week 4)"),
}


def main(argv) -> int:
    if not argv or argv[0] in ("-h", "--help") or argv[0] not in MODELS:
        print("usage: tglm train <model> [options]   (tglm train <model> --help)\n\nmodels:")
        for name, (_, help_) in MODELS.items():
            print(f"  {name:<10} {help_}")
        return 0 if not argv or argv[0] in ("-h", "--help") else 2
    module, func = MODELS[argv[0]][0].split(":")
    f = getattr(importlib.import_module(module), func)
    # train_charlm's entry takes the model name too; the others take only their options
    return f(argv) if module.endswith("train_charlm") else f(argv[1:])
