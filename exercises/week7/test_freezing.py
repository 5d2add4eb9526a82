"""Week 7 autograder: choosing what trains (tasks 7.1, 7.2), compared with tinygrad_lm/nn/finetuning.py."""
import numpy as np
import pytest

import tinygrad_lm as tg
from tinygrad_lm import nn
from tinygrad_lm.course import assert_close, assert_equal, load
from tinygrad_lm.models.config import GPTConfig
from tinygrad_lm.models.gpt import GPT

mod = load("week7.freezing")

CFG = GPTConfig(vocab_size=30, block_size=8, n_layer=12, n_head=2, n_embd=8)   # 12 blocks: h.1 vs h.10, h.11


def gpt():
    tg.manual_seed(0)
    return GPT(CFG)


@pytest.mark.task("7.1", points=2, title="selects: pick parameters by a dotted name pattern")
def test_selects():
    name = "transformer.h.5.attn.c_attn.weight"
    for pattern in ("h.5", "attn", "attn.c_attn", "transformer", "weight", "h.5.attn.c_attn.weight", name):
        assert mod.selects(name, pattern) is True, f"selects({name!r}, {pattern!r}) must be True"
    if mod.selects("transformer.h.15.attn.c_attn.weight", "h.5") or mod.selects("transformer.h.50.ln_1.bias", "h.5"):
        pytest.fail("selects('transformer.h.15....', 'h.5') is True: compare whole dot-separated parts, not "
                    "substrings ('h.5' is a substring of 'h.15' and 'h.50')")
    if mod.selects("transformer.ln_f.weight", "ln"):
        pytest.fail("selects('transformer.ln_f.weight', 'ln') is True: 'ln' is not a part of the name ('ln_f' is)")
    if mod.selects("transformer.h.5.attn.c_attn.weight", "h.attn"):
        pytest.fail("selects(..., 'h.attn') is True: the pattern's parts must be CONTIGUOUS in the name")
    for name, pattern in [("transformer.h.1.mlp.c_fc.bias", "h.10"), ("score.weight", "score.weight.x"),
                          ("transformer.wte.weight", "wpe"), ("transformer.h.0.attn.c_proj.weight", "proj")]:
        assert mod.selects(name, pattern) is False, f"selects({name!r}, {pattern!r}) must be False"
    names = [n for n, _ in gpt().named_parameters()]
    for pattern in ("h.1", "h.10", "attn.c_proj", "ln_f", "bias", "h.11.mlp"):
        got = [n for n in names if mod.selects(n, pattern)]
        want = [n for n in names if nn.finetuning.name_matches(n, pattern)]
        assert_equal(got, want, name=f"the parameters selected by {pattern!r}")


@pytest.mark.task("7.2", points=2, title="freeze_all_but and count_trainable")
def test_freeze_and_count():
    m = nn.Linear(4, 3)
    m.bias.requires_grad = False
    got = mod.count_trainable(m)
    if tuple(got)[:2] == (1, 2):
        pytest.fail("count_trainable(Linear(4, 3) with a frozen bias) counted tensors (1 of 2); count scalars "
                    "(p.size): 12 of 15")
    if np.isclose(tuple(got)[2], 0.8):
        pytest.fail("count_trainable returned the percent as a fraction (0.8); multiply by 100")
    assert_close(tuple(got), (12, 15, 80.0), name="count_trainable(Linear(4, 3) with a frozen bias)")

    model = gpt()
    model.transformer.h[0].ln_1.weight.requires_grad = False             # frozen earlier: must come back
    n = mod.freeze_all_but(model, ["h.1", "ln_f"])
    trainable = [name for name, p in model.named_parameters() if p.requires_grad]
    want = [name for name, _ in model.named_parameters() if name.startswith(("transformer.h.1.", "transformer.ln_f."))]
    if any(".h.10." in t or ".h.11." in t for t in trainable):
        pytest.fail("freeze_all_but(['h.1', ...]) left blocks 10 and 11 trainable: use selects (whole parts), "
                    "not a substring test")
    assert_equal(trainable, want, name="the trainable parameters after freeze_all_but(['h.1', 'ln_f'])")
    assert n == len(want), f"freeze_all_but must return the number of trainable TENSORS ({len(want)}), got {n}"
    t, total, pct = mod.count_trainable(model)
    ref = nn.count_trainable(model)
    assert_close((t, total, pct), tuple(ref), name="count_trainable(a GPT with blocks 0, 2-11 frozen)",
                 hint="total counts every parameter once (the tied LM head is the token embedding)")

    model = gpt()
    for p in model.parameters():                                        # stale gradients must not survive
        p.grad = np.ones_like(p.data)
    mod.freeze_all_but(model, ["h.0"])
    h0 = model.transformer.h[0].attn.c_attn.weight
    if h0.requires_grad is False:
        pytest.fail("freeze_all_but(['h.0']) froze h.0 too: selected parameters get requires_grad = True")
    stale = [name for name, p in model.named_parameters() if not p.requires_grad and p.grad is not None]
    if stale:
        pytest.fail(f"freeze_all_but left .grad on frozen parameters ({stale[0]}, ...): set p.grad = None when "
                    "freezing, or an optimizer step could still apply an old gradient")
    mod.freeze_all_but(model, ["h.3"])                                   # a second call undoes the first
    assert not h0.requires_grad, "a second freeze_all_but(['h.3']) must freeze h.0 again (set the flag both ways)"
    with pytest.raises(ValueError):
        mod.freeze_all_but(model, ["h.99"])                              # selects nothing: refuse
