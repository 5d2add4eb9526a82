# Generated from solutions/week5/scaling.py by `tglm course build`: fill in the parts that raise NotImplementedError.
# Your edits are safe: the build refuses to overwrite this file unless --force; the reference is solutions/week5/scaling.py.
"""Week 5: GPT-3 on paper. Count a GPT's parameters by hand, then use the count to find misprints.

Brown et al. 2020 ("Language Models are Few-Shot Learners") list their eight models in Table 2.1 with
n_params, n_layers, d_model, n_heads and d_head; Appendix D, Table D.1, gives more precise parameter
counts (in millions) for the compute estimate. Every model has n_ctx = 2048, a vocabulary of 50257 BPE
tokens and d_ff = 4 d_model, and, like GPT-2 and our tinygrad_lm GPT, ties the output layer to the token
embedding. So the whole parameter count follows from (n_layer, d_model, vocab, n_ctx), and a printed row
that disagrees with its own count has a misprint.

Legend: L layers, d = d_model, V vocabulary, n_ctx context length, H heads, D = d_head.
Library version (presets, FLOPs, memory, time): tinygrad_lm/models/scaling.py.
Not here: FLOPs and memory (see the library), biases-free variants, untied output layers.
"""
from collections import namedtuple

# Table 2.1 exactly as printed (misprints included), with Table D.1's "Params (M)" beside each row.
# name, n_params (Table 2.1), n_layers, d_model, n_heads, d_head, params in millions (Table D.1)
TABLE_2_1 = [
    dict(name="GPT-3 Small", n_params=125e6, n_layers=12, d_model=768, n_heads=12, d_head=64, params_m=125),
    dict(name="GPT-3 Medium", n_params=350e6, n_layers=24, d_model=1024, n_heads=16, d_head=64, params_m=356),
    dict(name="GPT-3 Large", n_params=760e6, n_layers=24, d_model=1536, n_heads=16, d_head=96, params_m=760),
    dict(name="GPT-3 XL", n_params=1.3e9, n_layers=24, d_model=2048, n_heads=24, d_head=128, params_m=1320),
    dict(name="GPT-3 2.7B", n_params=2.7e9, n_layers=32, d_model=2560, n_heads=32, d_head=80, params_m=2650),
    dict(name="GPT-3 6.7B", n_params=6.7e9, n_layers=32, d_model=4096, n_heads=32, d_head=128, params_m=6660),
    dict(name="GPT-3 13B", n_params=13.0e9, n_layers=40, d_model=5140, n_heads=40, d_head=128, params_m=12850),
    dict(name="GPT-3 175B", n_params=175.0e9, n_layers=96, d_model=12288, n_heads=96, d_head=128, params_m=174600),
]
VOCAB, N_CTX = 50257, 2048

Misprint = namedtuple("Misprint", "model field printed corrected reason")


def count_parameters(n_layer, d_model, vocab, n_ctx):
    """Task 5.1: the exact number of parameters of a GPT-2/GPT-3 style model (tied output layer).

    TODO: return an int: every weight and bias of the model in tinygrad_lm/models/gpt.py, which has
    token embeddings (V, d), position embeddings (n_ctx, d), L blocks, a final LayerNorm, and an output
    layer that reuses the token embedding (no new parameters).

    APPROACH: stuck? `tglm hint 5.1` shows the approach one step at a time.

    EXAMPLE: count_parameters(12, 768, 50257, 1024) == 124_439_808 (GPT-2 small as released).

    HINT: a Linear layer from n_in to n_out has n_in * n_out weights and n_out biases (not n_in). The
    block total is 12 d^2 + 13 d: if you get 12 d^2 + 16 d, you gave each Linear n_in biases.
    """
    raise NotImplementedError("Week 5, task 5.1: the exact number of parameters of a GPT-2/GPT-3 style model (tied output layer).")


def find_misprints(rows=TABLE_2_1, vocab=VOCAB, n_ctx=N_CTX, tolerance=0.01):
    """Task 5.2: find the rows of a model table that contradict themselves, and the likely fix.

    TODO: return a list of Misprint(model, field, printed, corrected, reason), one per wrong field, in table
    order; an empty list when every row is consistent. A row is a dict with name, n_layers, d_model,
    n_heads, d_head and params_m (the precise count in millions, Table D.1).

    APPROACH: stuck? `tglm hint 5.2` shows the approach one step at a time.

    EXAMPLE: on TABLE_2_1 the answer is two Misprints: GPT-3 XL's n_heads (24 -> 16) and GPT-3 13B's
             d_model (5140 -> 5120).

    HINT: compare with params_m (Table D.1), not with n_params: Table 2.1's names are rounded to two
    digits (13.0B), and 5140 is closer to 13.0B than 5120 is, although 5120 matches 12,850M to 0.03%.
    """
    raise NotImplementedError("Week 5, task 5.2: find the rows of a model table that contradict themselves, and the likely fix.")


if __name__ == "__main__":
    for row in TABLE_2_1:
        n = count_parameters(row["n_layers"], row["d_model"], VOCAB, N_CTX)
        print(f"{row['name']:<13} printed {row['params_m']:>8,}M   counted {n / 1e6:>10,.1f}M")
    for m in find_misprints():
        print(f"misprint: {m.model} {m.field} printed {m.printed}, should be {m.corrected}: {m.reason}")
