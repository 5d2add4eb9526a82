"""Week 7: choose what trains. Select parameters by name, freeze the rest, count what is left.

Fine-tuning a pretrained model rarely updates every weight. A linear probe trains only a new head,
"last block" trains the top transformer block (+ final norm + head), LoRA and adapters train small
added matrices. All of them start the same way: walk model.named_parameters(), decide by NAME
which tensors train, set requires_grad accordingly, and give the optimizer only those.

Names are dotted paths: "transformer.h.5.attn.c_attn.weight" = block 5's attention projection.
A pattern is a dotted run of whole parts ("h.5", "attn.c_attn", "score", "ln_f"); it selects a name
when its parts appear CONTIGUOUSLY among the name's parts:
    "h.5"  selects transformer.h.5.mlp.c_fc.weight    not transformer.h.50.ln_1.bias ("50" != "5")
    "ln_f" selects transformer.ln_f.weight            "ln" selects nothing: there is no part "ln"
Plain substring tests ("h.5" in name) get exactly these wrong.

Counting: trainable % = 100 * (scalars with requires_grad) / (all scalars); a parameter shared by
two modules (a tied embedding) is one tensor and counts once (Module.parameters() yields it once).

Library version (fnmatch globs, errors for patterns that match nothing, per-layer learning rates):
tinygrad_lm/nn/finetuning.py. Not here: globs, layer-wise learning rates.
"""


def selects(name: str, pattern: str) -> bool:
    """Task 7.1: does `pattern` select the parameter called `name`?

    TODO: split both at "." and return True when the pattern's parts occur as a contiguous run of
    the name's parts (whole parts only, anywhere in the name), else False.

    APPROACH: parts = name.split("."), want = pattern.split("."), k = len(want); return
    any(parts[i:i + k] == want for i in range(len(parts) - k + 1)).

    EXAMPLE: selects("transformer.h.5.attn.c_attn.weight", "h.5") -> True
             selects("transformer.h.15.attn.c_attn.weight", "h.5") -> False
             selects("transformer.ln_f.weight", "ln") -> False

    HINT: `pattern in name` is the typical mistake: "h.1" is a substring of "h.10", "ln" of "ln_f".
    """
    ### BEGIN SOLUTION
    parts, want = name.split("."), pattern.split(".")
    k = len(want)
    return any(parts[i:i + k] == want for i in range(len(parts) - k + 1))
    ### END SOLUTION


def freeze_all_but(model, patterns) -> int:
    """Task 7.2: train only the parameters selected by one of `patterns`; freeze every other one.

    TODO: for every (name, p) in model.named_parameters(): p.requires_grad = True if any pattern
    selects name (use selects), else False, and then also p.grad = None (a frozen tensor keeps no
    stale gradient). Return the number of parameter TENSORS left trainable. Raise ValueError if
    that number is 0 (a typo in a pattern would otherwise freeze everything silently).

    APPROACH: loop once, set the flag both ways (a parameter frozen earlier must be unfrozen if
    selected now), count the True ones.

    EXAMPLE: freeze_all_but(clf, ["h.5", "ln_f", "score"]) -> 16 for a 6-block GPT classifier
             (12 tensors of block 5, ln_f's 2, the head's 2).
    """
    ### BEGIN SOLUTION
    n = 0
    for name, p in model.named_parameters():
        p.requires_grad = any(selects(name, pat) for pat in patterns)
        if p.requires_grad:
            n += 1
        else:
            p.grad = None
    if n == 0:
        raise ValueError(f"freeze_all_but: the patterns {list(patterns)} select no parameter: everything "
                         f"would be frozen (check the names with model.named_parameters())")
    return n
    ### END SOLUTION


def count_trainable(model):
    """Task 7.2: (trainable scalars, total scalars, trainable percent) of a model.

    TODO: sum p.size over model.parameters() (each tensor once), and over those with
    p.requires_grad; percent = 100 * trainable / total (a float in [0, 100]).

    EXAMPLE: a Linear(4, 3) whose bias is frozen -> (12, 15, 80.0)

    HINT: count scalars (p.size), not tensors; the percent is out of 100, not a fraction.
    """
    ### BEGIN SOLUTION
    total = trainable = 0
    for p in model.parameters():
        total += p.size
        if p.requires_grad:
            trainable += p.size
    return trainable, total, 100.0 * trainable / total
    ### END SOLUTION
