# Generated from solutions/week7/freezing.py by `tglm course build`: fill in the parts that raise NotImplementedError.
# Your edits are safe: the build refuses to overwrite this file unless --force; the reference is solutions/week7/freezing.py.
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

    APPROACH: stuck? `tglm hint 7.1` shows the approach one step at a time.

    EXAMPLE: selects("transformer.h.5.attn.c_attn.weight", "h.5") -> True
             selects("transformer.h.15.attn.c_attn.weight", "h.5") -> False
             selects("transformer.ln_f.weight", "ln") -> False

    HINT: `pattern in name` is the typical mistake: "h.1" is a substring of "h.10", "ln" of "ln_f".
    """
    raise NotImplementedError("Week 7, task 7.1: does `pattern` select the parameter called `name`?")


def freeze_all_but(model, patterns) -> int:
    """Task 7.2: train only the parameters selected by one of `patterns`; freeze every other one.

    TODO: for every (name, p) in model.named_parameters(): p.requires_grad = True if any pattern
    selects name (use selects), else False, and then also p.grad = None (a frozen tensor keeps no
    stale gradient). Return the number of parameter TENSORS left trainable. Raise ValueError if
    that number is 0 (a typo in a pattern would otherwise freeze everything silently).

    APPROACH: stuck? `tglm hint 7.2` shows the approach one step at a time.

    EXAMPLE: freeze_all_but(clf, ["h.5", "ln_f", "score"]) -> 16 for a 6-block GPT classifier
             (12 tensors of block 5, ln_f's 2, the head's 2).
    """
    raise NotImplementedError("Week 7, task 7.2: train only the parameters selected by one of `patterns`; freeze every other one.")


def count_trainable(model):
    """Task 7.2: (trainable scalars, total scalars, trainable percent) of a model.

    TODO: sum p.size over model.parameters() (each tensor once), and over those with
    p.requires_grad; percent = 100 * trainable / total (a float in [0, 100]).

    EXAMPLE: a Linear(4, 3) whose bias is frozen -> (12, 15, 80.0)

    HINT: count scalars (p.size), not tensors; the percent is out of 100, not a fraction.
    """
    raise NotImplementedError("Week 7, task 7.2: (trainable scalars, total scalars, trainable percent) of a model.")
