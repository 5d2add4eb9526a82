"""Tests for tinygrad_lm.optim: updates vs hand-computed steps and vs torch.optim trajectories
(recorded once into tests/fixtures/optim/ by make_fixtures.py; torch is never imported here),
param groups, skipped params, dtypes, state_dict round trips, clipping and LR schedules."""
import json
import math
import os
import warnings

import numpy as np
import pytest

from tinygrad_lm import Tensor, optim
from tinygrad_lm.checkpoints.safetensors import load_file, load_metadata

FIXTURE = os.path.join(os.path.dirname(__file__), "fixtures", "optim", "torch_steps.safetensors")


def param(values, dtype=np.float32):
    return Tensor(np.array(values, dtype=dtype), requires_grad=True, dtype=dtype)


# ---- against torch.optim ---------------------------------------------------------------------
@pytest.mark.parametrize("name", ["sgd", "sgd_momentum_wd", "sgd_nesterov", "adam", "adam_wd", "adamw"])
def test_matches_torch_trajectory(name):
    ref = load_file(FIXTURE)
    cls_name, kw = json.loads(load_metadata(FIXTURE)["configs"])[name]
    w, b = param(ref["w0"]), param(ref["b0"])
    groups = [{"params": [w], "weight_decay": kw.get("weight_decay", 0.0)},
              {"params": [b], "lr": kw["lr"] * 0.5, "weight_decay": 0.0}]
    opt = getattr(optim, cls_name)(groups, **kw)
    for t in range(ref["grad_w"].shape[0]):
        w.grad, b.grad = ref["grad_w"][t].copy(), ref["grad_b"][t].copy()
        opt.step()
        for p, key in ((w, "w"), (b, "b")):
            want = ref[f"{name}.{key}"][t]
            assert p.data.dtype == np.float32
            np.testing.assert_allclose(p.data, want, rtol=2e-6, atol=2e-7,
                                       err_msg=f"{name}: param {key} after step {t + 1} differs from torch.optim")


# ---- hand-computed ---------------------------------------------------------------------------
def test_adamw_hand_computed_two_steps():
    lr, b1, b2, eps, wd = 0.1, 0.9, 0.99, 1e-8, 0.5
    p = param([1.0, -2.0])
    opt = optim.AdamW([p], lr=lr, betas=(b1, b2), eps=eps, weight_decay=wd)
    x = np.array([1.0, -2.0])
    m = v = np.zeros(2)
    for t, g in enumerate([np.array([0.5, -1.0]), np.array([-0.25, 2.0])], start=1):
        p.grad = g.astype(np.float32)
        opt.step()
        x = x * (1 - lr * wd)                    # decoupled decay first
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        x = x - lr * (m / (1 - b1 ** t)) / (np.sqrt(v / (1 - b2 ** t)) + eps)
        np.testing.assert_allclose(p.data, x, rtol=1e-6, err_msg=f"AdamW step {t}")
    # step 1 of Adam(W) moves each weight by ~lr regardless of the gradient's scale
    assert opt.state[p]["step"] == 2


def test_adam_first_step_is_lr_sized():
    p = param([0.0, 0.0, 0.0])
    opt = optim.Adam([p], lr=0.01)
    p.grad = np.array([1e-3, 5.0, -300.0], np.float32)
    opt.step()
    np.testing.assert_allclose(p.data, [-0.01, -0.01, 0.01], rtol=1e-4)


def test_sgd_momentum_hand_computed():
    p = param([1.0])
    opt = optim.SGD([p], lr=0.1, momentum=0.9)
    for _ in range(2):
        p.grad = np.array([1.0], np.float32)
        opt.step()
    # buf1 = 1, x1 = 0.9; buf2 = 0.9 + 1 = 1.9, x2 = 0.9 - 0.19 = 0.71
    np.testing.assert_allclose(p.data, [0.71], rtol=1e-6)


# ---- mechanics -------------------------------------------------------------------------------
@pytest.mark.parametrize("make", [lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9, weight_decay=0.1),
                                  lambda ps: optim.Adam(ps, weight_decay=0.1), lambda ps: optim.AdamW(ps)])
def test_dtype_kept_and_none_grads_skipped(make):
    a, b = param(np.ones((2, 3))), param(np.ones(3))
    opt = make([a, b])
    a.grad = np.full((2, 3), 0.5, np.float32)
    opt.step()
    assert a.data.dtype == np.float32 and not np.all(a.data == 1)
    np.testing.assert_array_equal(b.data, np.ones(3, np.float32)), "a param without grad must not change"
    assert b not in opt.state, "a param without grad must get no state"
    for buf in opt.state[a].values():
        if isinstance(buf, np.ndarray):
            assert buf.dtype == np.float32, f"optimizer state upcast to {buf.dtype}"
    c = param(np.ones(2), dtype=np.float64)          # float64 params (gradchecks) stay float64
    opt64 = make([c])
    c.grad = np.ones(2)
    opt64.step()
    assert c.data.dtype == np.float64


def test_zero_grad():
    p = param([1.0, 2.0])
    opt = optim.SGD([p], lr=0.1)
    p.grad = np.ones(2, np.float32)
    g = p.grad
    opt.zero_grad(set_to_none=False)
    assert p.grad is g and not p.grad.any()
    opt.zero_grad()
    assert p.grad is None


def test_param_group_errors():
    p = param([1.0])
    with pytest.raises(ValueError, match="more than one"):
        optim.SGD([{"params": [p]}, {"params": [p]}], lr=0.1)
    with pytest.raises(ValueError, match="unknown hyperparameter"):
        optim.SGD([{"params": [p], "momentun": 0.9}], lr=0.1)
    with pytest.raises(ValueError, match="empty"):
        optim.Adam([])
    with pytest.raises(ValueError, match="requires_grad=False"):
        optim.Adam([Tensor(np.ones(2, np.float32))])
    with pytest.raises(TypeError, match="Tensors"):
        optim.Adam([np.ones(2)])
    with pytest.raises(ValueError, match="nesterov"):
        optim.SGD([p], lr=0.1, nesterov=True)


@pytest.mark.parametrize("make", [lambda ps: optim.SGD(ps, lr=0.05, momentum=0.9),
                                  lambda ps: optim.AdamW([{"params": ps[:1]}, {"params": ps[1:], "lr": 1e-3}],
                                                         lr=1e-2)])
def test_state_dict_resumes_bit_exactly(make):
    rng = np.random.default_rng(0)
    grads = rng.standard_normal((6, 2, 3)).astype(np.float32)

    def run(ps, opt, steps):
        for g in grads[steps]:
            ps[0].grad, ps[1].grad = g[0].copy(), g[1, :2].copy()
            opt.step()

    full = [param(np.ones(3)), param(np.ones(2))]
    opt = make(full)
    run(full, opt, slice(0, 6))

    first = [param(np.ones(3)), param(np.ones(2))]
    opt1 = make(first)
    run(first, opt1, slice(0, 3))
    sd = opt1.state_dict()
    resumed = [param(first[0].data.copy()), param(first[1].data.copy())]
    opt2 = make(resumed)
    opt2.load_state_dict(sd)
    run(resumed, opt2, slice(3, 6))
    for a, b in zip(full, resumed):
        np.testing.assert_array_equal(a.data, b.data)


def test_load_state_dict_checks_shapes():
    opt = optim.Adam([param(np.ones(3))])
    opt.param_groups[0]["params"][0].grad = np.ones(3, np.float32)
    opt.step()
    sd = opt.state_dict()
    with pytest.raises(ValueError, match="shape"):
        optim.Adam([param(np.ones(4))]).load_state_dict(sd)
    with pytest.raises(ValueError, match="param groups"):
        optim.Adam([{"params": [param(np.ones(3))]}, {"params": [param(np.ones(1))]}]).load_state_dict(sd)


# ---- clipping --------------------------------------------------------------------------------
def test_clip_grad_norm():
    a, b = param(np.zeros(2)), param(np.zeros(1))
    a.grad, b.grad = np.array([3.0, 0.0], np.float32), np.array([4.0], np.float32)
    norm = optim.clip_grad_norm_([a, b], max_norm=1.0)
    assert norm == pytest.approx(5.0)
    np.testing.assert_allclose(np.concatenate([a.grad, b.grad]), [0.6, 0.0, 0.8], rtol=1e-5)
    assert a.grad.dtype == np.float32
    # below the threshold: untouched; inf-norm
    assert optim.clip_grad_norm_([a, b], max_norm=10.0) == pytest.approx(1.0, rel=1e-5)
    np.testing.assert_allclose(b.grad, [0.8], rtol=1e-5)
    assert optim.clip_grad_norm_([a, b], 0.4, norm_type=math.inf) == pytest.approx(0.8, rel=1e-6)
    np.testing.assert_allclose(b.grad, [0.4], rtol=1e-5)
    c = param([0.0])       # no grad: ignored
    assert optim.clip_grad_norm_([c], 1.0) == 0.0


def test_clip_grad_norm_nonfinite():
    a, b = param(np.zeros(2)), param(np.zeros(2))
    a.grad, b.grad = np.ones(2, np.float32), np.array([1.0, np.nan], np.float32)
    with pytest.raises(RuntimeError, match=r"gradient #1 \(shape \(2,\)\) contains NaN"):
        optim.clip_grad_norm_([a, b], 1.0)
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        norm = optim.clip_grad_norm_([a, b], 1.0, error_if_nonfinite=False)
    assert math.isnan(norm) and w and "NaN" in str(w[0].message)
    np.testing.assert_array_equal(a.grad, [1.0, 1.0])   # left unscaled


def test_clip_grad_value():
    a = param(np.zeros(3))
    a.grad = np.array([-5.0, 0.5, 2.0], np.float32)
    optim.clip_grad_value_([a], 1.0)
    np.testing.assert_array_equal(a.grad, [-1.0, 0.5, 1.0])


# ---- schedules -------------------------------------------------------------------------------
def test_cosine_warmup_function():
    f = lambda s: optim.cosine_warmup_lr(s, 1e-3, warmup_steps=9, total_steps=109, min_lr=1e-4)  # noqa: E731
    assert f(0) == pytest.approx(1e-4)
    assert f(4) == pytest.approx(5e-4)
    assert f(8) == pytest.approx(9e-4)
    assert f(9) == pytest.approx(1e-3)
    assert f(59) == pytest.approx(5.5e-4)
    assert f(109) == f(500) == pytest.approx(1e-4)
    g = lambda s, p: optim.cosine_warmup_lr(s, 1e-3, 9, 109, 1e-4, progress=p)  # noqa: E731
    assert g(3, 0.9) == f(3), "warmup is by steps even with a progress"
    assert g(50, 0.5) == pytest.approx(5.5e-4) and g(50, 1.7) == pytest.approx(1e-4)
    lrs = [f(s) for s in range(9, 110)]
    assert all(x >= y for x, y in zip(lrs, lrs[1:])), "decay must be monotone"
    assert optim.linear_warmup_lr(0, 1.0, 4) == 0.25 and optim.linear_warmup_lr(100, 1.0, 4) == 1.0
    with pytest.raises(ValueError):
        optim.cosine_warmup_lr(0, 1.0, 10, 5)


def test_cosine_scheduler_drives_groups():
    a, b = param([0.0]), param([0.0])
    opt = optim.AdamW([{"params": [a]}, {"params": [b], "lr": 0.5}], lr=1.0)
    sched = optim.CosineWarmupLR(opt, warmup_steps=4, total_steps=20, min_lr_ratio=0.1)
    seen = []
    for step in range(25):
        seen.append(sched.get_last_lr())
        for p in (a, b):
            p.grad = np.ones(1, np.float32)
        opt.step()
        sched.step()
    for step, (la, lb) in enumerate(seen):
        assert la == pytest.approx(optim.cosine_warmup_lr(step, 1.0, 4, 20, 0.1))
        assert lb == pytest.approx(0.5 * la), "groups keep their lr ratio"
    sd = sched.state_dict()
    opt2 = optim.AdamW([{"params": [param([0.0])]}, {"params": [param([0.0])], "lr": 0.5}], lr=1.0)
    sched2 = optim.CosineWarmupLR(opt2, warmup_steps=4, total_steps=20, min_lr_ratio=0.1)
    sched2.load_state_dict(sd)
    assert sched2.get_last_lr() == sched.get_last_lr()


def test_step_and_lambda_schedulers():
    p = param([0.0])
    opt = optim.SGD([p], lr=1.0)
    sched = optim.StepLR(opt, step_size=2, gamma=0.5)
    lrs = []
    for _ in range(5):
        lrs.append(opt.param_groups[0]["lr"])
        sched.step()
    assert lrs == [1.0, 1.0, 0.5, 0.5, 0.25]
    opt = optim.SGD([param([0.0])], lr=2.0)
    sched = optim.LambdaLR(opt, lambda s: 1.0 / (s + 1))
    sched.step()
    assert opt.param_groups[0]["lr"] == 1.0


def test_weight_decay_groups_and_frozen_params():
    from tinygrad_lm import nn
    model = nn.Sequential(nn.Embedding(5, 4), nn.LayerNorm(4), nn.Linear(4, 3))
    model[0].requires_grad_(False)                          # frozen: left out of the groups
    groups = optim.weight_decay_groups(model, 0.1)
    assert [len(g["params"]) for g in groups] == [1, 3]      # Linear.weight | LN weight+bias, Linear.bias
    assert [g["weight_decay"] for g in groups] == [0.1, 0.0]
    opt = optim.AdamW(groups, lr=1e-3)
    assert opt.param_groups[1]["weight_decay"] == 0.0 and opt.param_groups[0]["lr"] == 1e-3


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_step_with_nonfinite_gradient_raises_before_any_update(bad):
    a, b = param(np.ones(2)), param(np.ones(3))
    opt = optim.AdamW([a, b], lr=0.1)
    a.grad, b.grad = np.ones(2, np.float32), np.array([1.0, bad, 1.0], np.float32)
    with pytest.raises(FloatingPointError, match=r"parameter #1 \(shape \(3,\)\) contains NaN or inf; no parameter"):
        opt.step()
    np.testing.assert_array_equal(a.data, [1.0, 1.0])           # a comes first and was NOT updated
    assert not opt.state                                        # no moments were created either
    b.grad = np.zeros(3, np.float32)
    opt.step()                                                  # after fixing the gradient, stepping works
    assert np.all(a.data < 1.0)
    b.grad = np.zeros(2, np.float32)
    with pytest.raises(ValueError, match=r"gradient of parameter #1 has shape \(2,\)"):
        optim.SGD([a, b], lr=0.1).step()


def test_optimizer_given_the_model_says_parameters():
    from tinygrad_lm import nn
    with pytest.raises(TypeError, match=r"got the model itself; pass model.parameters\(\)"):
        optim.AdamW(nn.Linear(2, 2), lr=1e-3)
    with pytest.raises(ValueError, match="empty parameter list"):
        optim.SGD([], lr=0.1)
