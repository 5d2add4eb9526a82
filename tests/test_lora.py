"""Fine-tuning strategies (nn/finetuning.py), LoRA (nn/lora.py) and Houlsby adapters (nn/adapter.py).

  * name patterns; freeze / unfreeze / trainable_parameters / count_trainable; per-layer lr groups;
  * float64 gradchecks of LoRALinear (with and without dropout) and AdaptedLinear, every input;
  * merge / unmerge: merged outputs equal unmerged ones to float32 precision, W comes back;
  * a LoRA-wrapped GPT starts with identical logits, and one AdamW step changes only lora_A / lora_B;
  * lora_state_dict round trip through a safetensors file; refused loads; adapters on GPT.
"""
import numpy as np
import pytest

import tinygrad_lm as tg
from tinygrad_lm import nn
from tinygrad_lm.checkpoints.safetensors import load_file, save_file
from tinygrad_lm.gradcheck import gradcheck
from tinygrad_lm.models.config import GPTConfig
from tinygrad_lm.models.gpt import GPT, KVCache
from tinygrad_lm.nn.finetuning import name_matches
from tinygrad_lm.optim import AdamW

CFG = GPTConfig(vocab_size=50, block_size=16, n_layer=3, n_head=2, n_embd=16)


def tiny_gpt(seed=0):
    tg.manual_seed(seed)
    return GPT(CFG)


def batch(seed=1, B=2, T=8):
    rng = np.random.default_rng(seed)
    return rng.integers(0, CFG.vocab_size, (B, T)), rng.integers(0, CFG.vocab_size, (B, T))


def snapshot(model):
    return {k: v.copy() for k, v in model.state_dict().items()}


# ---- patterns, freezing, counting -----------------------------------------------------------------
@pytest.mark.parametrize("pattern, hit", [("h.0", True), ("attn", True), ("attn.c_attn", True),
                                          ("transformer.h.*.attn", True), ("*.weight", True), ("weight", True),
                                          ("h.1", False), ("ln", False), ("c_att", False), ("c_attn.weight.x", False)])
def test_name_patterns(pattern, hit):
    assert name_matches("transformer.h.0.attn.c_attn.weight", pattern) is hit, pattern


def test_freeze_unfreeze_and_count():
    m = tiny_gpt()
    total = sum(p.size for p in m.parameters())
    assert nn.count_trainable(m) == (total, total, 100.0)
    nn.freeze(m)
    assert nn.count_trainable(m).trainable == 0
    with pytest.raises(ValueError, match="every parameter .* is frozen"):
        nn.trainable_parameters(m)
    n = nn.unfreeze(m, ["h.2", "ln_f"])
    assert n == 12 + 2, n                                       # a block: 2 LN x 2 + 4 Linear x 2 tensors
    names = [k for k, p in m.named_parameters() if p.requires_grad]
    assert all(k.startswith(("transformer.h.2.", "transformer.ln_f.")) for k in names), names
    count = nn.count_trainable(m)
    assert count.trainable == sum(p.size for p in nn.trainable_parameters(m))
    assert abs(count.percent - 100 * count.trainable / total) < 1e-9
    with pytest.raises(ValueError, match=r"\['h\.9'\] match no parameter"):
        nn.freeze(m, ["h.0", "h.9"])
    # frozen weights: no gradient, and an optimizer over the trainable ones updates only those
    opt = AdamW(nn.trainable_parameters(m), lr=1e-2)
    before = snapshot(m)
    x, y = batch()
    _, loss = m(x, y)
    loss.backward()
    assert all((p.grad is None) != p.requires_grad for p in m.parameters()), "frozen params must get no grad"
    opt.step()
    changed = {k for k, v in m.state_dict().items() if not np.array_equal(v, before[k])}
    assert changed == set(names), f"changed {sorted(changed - set(names))} that were frozen"


def test_layerwise_lr_groups():
    m = tiny_gpt()
    nn.freeze(m, "wpe")
    groups = nn.layerwise_lr_groups(m, lr=1.0, decay=0.5, weight_decay=0.1)
    ids = [id(p) for g in groups for p in g["params"]]
    assert sorted(ids) == sorted(id(p) for p in nn.trainable_parameters(m)), "each trainable param exactly once"
    lr_of = {id(p): (g["lr"], g["weight_decay"]) for g in groups for p in g["params"]}
    named = dict(m.named_parameters())
    expect = {"transformer.wte.weight": (0.125, 0.1), "transformer.h.0.attn.c_attn.weight": (0.25, 0.1),
              "transformer.h.1.mlp.c_fc.bias": (0.5, 0.0), "transformer.h.2.ln_1.weight": (1.0, 0.0),
              "transformer.h.2.mlp.c_proj.weight": (1.0, 0.1), "transformer.ln_f.weight": (1.0, 0.0)}
    for name, want in expect.items():
        assert lr_of[id(named[name])] == want, f"{name}: (lr, wd) {lr_of[id(named[name])]}, expected {want}"
    assert id(named["transformer.wpe.weight"]) not in lr_of, "frozen wpe must not be in any group"
    AdamW(groups, lr=1.0)                                       # the optimizer accepts the groups
    with pytest.raises(ValueError, match="blocks="):
        nn.layerwise_lr_groups(m, 1.0, blocks="encoder.layer")


# ---- gradchecks ------------------------------------------------------------------------------------------
def _rand(seed, *shape):
    return np.random.default_rng(seed).standard_normal(shape)


@pytest.mark.parametrize("dropout", [0.0, 0.3])
def test_lora_linear_gradcheck(dropout):
    lora = nn.LoRALinear(nn.Linear(5, 4).double(), r=3, alpha=6, dropout=dropout)
    assert lora.scaling == 2.0

    def f(x, w, b, a, bb):
        tg.manual_seed(0)                                       # the same dropout mask every call
        return nn.functional_call(lora, {"weight": w, "bias": b, "lora_A": a, "lora_B": bb}, x)
    assert gradcheck(f, _rand(0, 2, 3, 5), _rand(1, 4, 5), _rand(2, 4), _rand(3, 3, 5), _rand(4, 4, 3))


def test_adapted_linear_gradcheck():
    layer = nn.AdaptedLinear(nn.Linear(6, 5).double(), bottleneck=3, init_std=0.5)
    names = ["weight", "bias", "adapter.down.weight", "adapter.down.bias", "adapter.up.weight", "adapter.up.bias"]
    shapes = [(5, 6), (5,), (3, 5), (3,), (5, 3), (5,)]

    def f(x, *params):
        return nn.functional_call(layer, dict(zip(names, params)), x)
    assert gradcheck(f, _rand(0, 2, 3, 6), *[_rand(i + 1, *s) for i, s in enumerate(shapes)])


# ---- LoRA behaviour --------------------------------------------------------------------------------------
def test_lora_init_and_merge_unmerge():
    tg.manual_seed(0)
    base = nn.Linear(32, 24)
    w0 = base.weight.data.copy()
    lora = nn.LoRALinear(base, r=4, alpha=8, dropout=0.5)
    assert lora.weight is base.weight and lora.bias is base.bias, "W and b must be shared, not copied"
    assert np.all(lora.lora_B.data == 0) and np.abs(lora.lora_A.data).max() <= 1 / np.sqrt(32)
    assert np.abs(lora.lora_A.data).max() > 0.8 / np.sqrt(32), "A ~ U(-1/sqrt(C), 1/sqrt(C)) (kaiming a=sqrt(5))"
    lora.lora_B.data[...] = np.random.default_rng(0).standard_normal((24, 4)).astype(np.float32)
    lora.eval()                                                 # no dropout: compare outputs
    x = np.random.default_rng(1).standard_normal((3, 5, 32)).astype(np.float32)
    y_unmerged = lora(x).data
    assert nn.merge_lora(lora) == 1 and lora.merged and nn.merge_lora(lora) == 0
    y_merged = lora(x).data
    err = np.abs(y_merged - y_unmerged).max()
    assert err <= 1e-5 * np.abs(y_unmerged).max(), f"merged != unmerged: max diff {err:.3g}"
    np.testing.assert_allclose(lora.weight.data - w0, lora.delta_weight(), atol=1e-6)
    assert nn.unmerge_lora(lora) == 1 and not lora.merged
    assert np.abs(lora.weight.data - w0).max() < 1e-6, "unmerge must restore W (to float32 rounding)"
    np.testing.assert_allclose(lora(x).data, y_unmerged, rtol=1e-6, atol=1e-6)


def test_lora_gpt_starts_identical_and_trains_only_lora():
    m = tiny_gpt()
    x, y = batch()
    logits0, _ = m(x)
    before = snapshot(m)
    n = nn.apply_lora(m, r=4, alpha=8)
    assert n == 2 * CFG.n_layer
    assert isinstance(m.transformer.h[1].attn.c_attn, nn.LoRALinear)
    assert [type(b).__name__ for b in m.transformer.h] == ["Block"] * 3
    assert set(before) < set(m.state_dict()), "base parameter names must not change"
    logits1, _ = m(x)
    np.testing.assert_array_equal(logits1.data, logits0.data, "B = 0: the wrapped GPT must start identical")
    lora_names = {k for k, p in m.named_parameters() if p.requires_grad}
    assert lora_names and all(k.endswith(("lora_A", "lora_B")) for k in lora_names), lora_names
    count = nn.count_trainable(m)
    assert count.trainable == 3 * (4 * 16 + 48 * 4 + 4 * 16 + 16 * 4) and count.percent < 10
    groups = m.configure_optimizers(weight_decay=0.1).param_groups     # weight_decay_groups skips frozen
    assert {id(p) for g in groups for p in g["params"]} == {id(p) for p in nn.trainable_parameters(m)}
    opt = AdamW(nn.trainable_parameters(m), lr=1e-2)
    before = snapshot(m)
    _, loss = m(x, y)
    loss.backward()
    got_grad = {k for k, p in m.named_parameters() if p.grad is not None}
    assert got_grad == lora_names, f"gradients on {sorted(got_grad ^ lora_names)}"
    opt.step()
    changed = {k for k, v in m.state_dict().items() if not np.array_equal(v, before[k])}
    assert changed == lora_names, f"updated: {sorted(changed ^ lora_names)}"
    # the KV-cached path sees the LoRA layers too
    m.eval()
    full, _ = m(x[:1])
    cache = KVCache(CFG.n_layer)
    step = [m(x[:1, t:t + 1], kv_cache=cache)[0].data for t in range(x.shape[1])]
    np.testing.assert_allclose(np.concatenate(step, axis=1), full.data, atol=1e-5)


def test_lora_state_dict_round_trip(tmp_path):
    m = tiny_gpt()
    nn.apply_lora(m, patterns=("attn.c_attn", "mlp.c_fc"), r=2, alpha=4)
    for k, p in m.named_parameters():                            # pretend it was trained
        if p.requires_grad:
            p.data[...] = np.random.default_rng(len(k)).standard_normal(p.shape).astype(np.float32)
    sd = nn.lora_state_dict(m)
    assert len(sd) == 2 * 2 * CFG.n_layer and all(k.endswith(("lora_A", "lora_B")) for k in sd)
    save_file(sd, tmp_path / "lora.safetensors")
    x, _ = batch()
    want = m(x)[0].data
    fresh = tiny_gpt()                                           # the same base weights
    nn.apply_lora(fresh, patterns=("attn.c_attn", "mlp.c_fc"), r=2, alpha=4)
    assert not np.allclose(fresh(x)[0].data, want)
    nn.load_lora_state_dict(fresh, load_file(tmp_path / "lora.safetensors"))
    np.testing.assert_array_equal(fresh(x)[0].data, want, "reloaded LoRA weights give other logits")
    assert set(nn.lora_state_dict(m, bias="lora_only")) - set(sd) == {
        f"transformer.h.{i}.{n}.bias" for i in range(3) for n in ("attn.c_attn", "mlp.c_fc")}
    # refusals: missing weights, a different rank, a merged model
    with pytest.raises(ValueError, match="missing LoRA weights"):
        nn.load_lora_state_dict(fresh, {k: v for k, v in sd.items() if "h.0." not in k})
    other = tiny_gpt()
    nn.apply_lora(other, patterns=("attn.c_attn", "mlp.c_fc"), r=3, alpha=4)
    with pytest.raises(ValueError, match="different rank"):
        nn.load_lora_state_dict(other, sd)
    nn.merge_lora(fresh)
    np.testing.assert_allclose(fresh(x)[0].data, want, atol=1e-5)
    with pytest.raises(RuntimeError, match="unmerge_lora"):
        nn.load_lora_state_dict(fresh, sd)


def test_lora_errors_and_bias_modes():
    m = tiny_gpt()
    with pytest.raises(ValueError, match=r"\['attn.qkv'\] select no plain nn.Linear.*named like"):
        nn.apply_lora(m, patterns=("attn.qkv",))
    with pytest.raises(ValueError, match="rank r must be a positive int"):
        nn.apply_lora(m, r=0)
    nn.apply_lora(m, patterns="c_fc", bias="lora_only")
    trainable = {k for k, p in m.named_parameters() if p.requires_grad}
    assert {k for k in trainable if k.endswith("bias")} == {f"transformer.h.{i}.mlp.c_fc.bias" for i in range(3)}
    with pytest.raises(ValueError, match="already wrapped"):
        nn.apply_lora(m, patterns="c_fc")
    with pytest.raises(ValueError, match="no LoRA layers"):
        nn.lora_state_dict(tiny_gpt())


# ---- adapters --------------------------------------------------------------------------------------------
def test_adapters_on_gpt():
    m = tiny_gpt()
    x, y = batch()
    logits0 = m(x)[0].data
    base_names = set(m.state_dict())
    tg.manual_seed(5)
    assert nn.apply_adapters(m, bottleneck=4) == 2 * CFG.n_layer
    assert base_names < set(m.state_dict())
    assert "transformer.h.0.mlp.c_proj.adapter.down.weight" in m.state_dict()
    diff = np.abs(m(x)[0].data - logits0).max()
    assert 0 < diff < 0.05, f"near-identity init: logits should move a little, moved {diff:.3g}"
    trainable = {k for k, p in m.named_parameters() if p.requires_grad}
    assert all(".adapter." in k or ".ln_" in k for k in trainable) and any(".ln_f." in k for k in trainable)
    sd = nn.adapter_state_dict(m)
    assert set(sd) == trainable, sorted(set(sd) ^ trainable)
    opt = AdamW(nn.trainable_parameters(m), lr=1e-2)
    before = snapshot(m)
    _, loss = m(x, y)
    loss.backward()
    opt.step()
    changed = {k for k, v in m.state_dict().items() if not np.array_equal(v, before[k])}
    assert changed <= trainable and any(".adapter.up." in k for k in changed), sorted(changed - trainable)
    exact = tiny_gpt()
    nn.apply_adapters(exact, bottleneck=4, init_std=0.0)
    np.testing.assert_array_equal(exact(x)[0].data, logits0, "init_std=0 adapters must be the identity")


def test_decoder_refuses_unmerged_lora_and_adapters_but_takes_merged_lora():
    import numpy as np
    from tinygrad_lm import nn
    from tinygrad_lm.generation import Decoder
    from tinygrad_lm.models import GPT, GPTConfig
    cfg = GPTConfig(vocab_size=20, block_size=8, n_layer=1, n_head=2, n_embd=8)
    m = GPT(cfg)
    nn.apply_lora(m, r=2)
    for name, p in m.named_parameters():
        if "lora_B" in name:
            p.data[:] = 0.1                                   # a LoRA path that changes the output
    with pytest.raises(ValueError, match="merge_lora"):
        Decoder(m)
    nn.merge_lora(m)
    ids = [1, 2, 3]
    np.testing.assert_allclose(Decoder(m).forward(ids), m(np.array([ids]))[0].data[0, -1], atol=1e-5)
    m2 = GPT(cfg)
    nn.apply_adapters(m2, bottleneck=2)
    with pytest.raises(ValueError, match="adapter"):
        Decoder(m2)
