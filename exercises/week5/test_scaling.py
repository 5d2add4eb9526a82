"""Week 5 autograder: GPT-3 on paper (tasks 5.1, 5.2), checked against tinygrad_lm/models/scaling.py."""
import copy

import pytest

from tinygrad_lm.course import assert_equal, load
from tinygrad_lm.models.scaling import PRESETS, count_parameters as library_count

mod = load("week5.scaling")


@pytest.mark.task("5.1", points=2, title="count_parameters: a GPT's exact parameter count")
def test_count_parameters_matches_released_gpt2_and_the_library():
    assert_equal(mod.count_parameters(12, 768, 50257, 1024), 124_439_808, name="GPT-2 small (12, 768, 50257, 1024)",
                 hint="embeddings V d + n_ctx d; per block 12 d^2 + 13 d; final LayerNorm 2 d; the head is tied")
    for L, d, V, T in [(1, 1, 1, 1), (2, 16, 37, 11), (3, 24, 50, 8)]:
        want = (V + T) * d + L * (12 * d * d + 13 * d) + 2 * d
        got = mod.count_parameters(L, d, V, T)
        diff = got - want if isinstance(got, int) else None
        hint = {L * 3 * d: "each Linear has n_out biases, not n_in (12 d^2 + 13 d per block)",
                -2 * d: "the final LayerNorm ln_f has 2 d parameters",
                -T * d: "position embeddings: n_ctx d", V * d: "the output layer is tied to the token embedding: "
                "do not count it twice"}.get(diff, "count each piece: embeddings, L blocks, ln_f")
        assert_equal(got, want, name=f"count_parameters({L}, {d}, {V}, {T})", hint=hint)
    for p in PRESETS.values():
        assert_equal(mod.count_parameters(p.n_layer, p.d_model, p.vocab_size, p.n_ctx),
                     library_count(p.n_layer, p.d_model, p.vocab_size, p.n_ctx), name=p.name)


@pytest.mark.task("5.2", points=2, title="find_misprints: Table 2.1's two misprints")
def test_find_misprints_on_table_2_1():
    found = [(m.model, m.field, m.printed, m.corrected) for m in mod.find_misprints()]
    assert_equal(found, [("GPT-3 XL", "n_heads", 24, 16), ("GPT-3 13B", "d_model", 5140, 5120)],
                 name="find_misprints(TABLE_2_1)",
                 hint="compare each count with params_m (Table D.1), not the rounded n_params")


@pytest.mark.task("5.2", points=2)
def test_find_misprints_clean_and_other_fields():
    fixed = copy.deepcopy(mod.TABLE_2_1)
    fixed[3]["n_heads"], fixed[6]["d_model"] = 16, 5120
    assert_equal(mod.find_misprints(fixed), [], name="a corrected table")
    bad = copy.deepcopy(fixed)
    bad[2]["d_head"] = 100                            # Large: 16 x 100 != 1536, 1536 % 100 != 0, 1536 / 16 = 96
    bad[5]["params_m"] = 7000                         # 6.7B: the shape gives 6,658M, 5% off
    assert_equal([(m.model, m.field, m.printed, m.corrected) for m in mod.find_misprints(bad)],
                 [("GPT-3 Large", "d_head", 100, 96), ("GPT-3 6.7B", "params_m", 7000, 6658)],
                 name="a table with a wrong d_head and a wrong params_m")
