"""solutions/week5/scaling.py: the hand-derived parameter count and the Table 2.1 misprint finder.

(To become exercises/week5 autograder tests; until then they check the reference solution.)
"""
import copy
import sys
from pathlib import Path

from tinygrad_lm.models.scaling import PRESETS, count_parameters as library_count

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))     # the repo root holds solutions/
from solutions.week5 import scaling as sol  # noqa: E402


def test_count_parameters_matches_the_library_and_released_gpt2():
    assert sol.count_parameters(12, 768, 50257, 1024) == 124_439_808, "GPT-2 small as released by OpenAI / HF"
    for p in PRESETS.values():
        got = sol.count_parameters(p.n_layer, p.d_model, p.vocab_size, p.n_ctx)
        want = library_count(p.n_layer, p.d_model, p.vocab_size, p.n_ctx)
        assert got == want, f"{p.name}: {got:,} != {want:,} (difference {got - want:+,}; per layer 12 d^2 + 13 d)"
    for L, d, V, T in [(1, 1, 1, 1), (2, 16, 37, 11), (3, 24, 50, 8)]:
        assert sol.count_parameters(L, d, V, T) == (V + T) * d + L * (12 * d * d + 13 * d) + 2 * d


def test_find_misprints_on_table_2_1():
    found = sol.find_misprints()
    assert [(m.model, m.field, m.printed, m.corrected) for m in found] == [
        ("GPT-3 XL", "n_heads", 24, 16), ("GPT-3 13B", "d_model", 5140, 5120)], found


def test_find_misprints_clean_and_other_fields():
    fixed = copy.deepcopy(sol.TABLE_2_1)
    fixed[3]["n_heads"], fixed[6]["d_model"] = 16, 5120
    assert sol.find_misprints(fixed) == [], "a corrected table has no misprints"
    bad = copy.deepcopy(fixed)
    bad[2]["d_head"] = 100                            # Large: 16 x 100 != 1536, 1536 % 100 != 0, 1536 / 16 = 96
    bad[5]["params_m"] = 7000                         # 6.7B: shape gives 6,658M, 5% off
    assert [(m.model, m.field, m.printed, m.corrected) for m in sol.find_misprints(bad)] == [
        ("GPT-3 Large", "d_head", 100, 96), ("GPT-3 6.7B", "params_m", 7000, 6658)]
