"""Optimizer / scheduler state is validated on load: a tampered checkpoint raises a clear error
instead of training into NaN weights (negative second moments, step -5, NaN buffers, bad betas)."""
import numpy as np
import pytest

from tinygrad_lm import nn, optim
from tinygrad_lm.checkpoints.checkpoint import load_checkpoint, save_checkpoint
from tinygrad_lm.checkpoints.safetensors import CheckpointError, load_file, load_metadata, save_file


def _trained(make):
    p = nn.Parameter(np.ones((2, 3), np.float32))
    opt = make([p])
    for k in range(3):
        p.grad = np.full((2, 3), 0.1 * (k + 1), np.float32)
        opt.step()
    return p, opt


def _fresh(make):
    return make([nn.Parameter(np.ones((2, 3), np.float32))])


ADAMW = lambda ps: optim.AdamW(ps, lr=1e-2)                         # noqa: E731
SGDM = lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9)               # noqa: E731


@pytest.mark.parametrize("edit,match", [
    (lambda sd: sd["state"][0].update(exp_avg_sq=-np.ones((2, 3), np.float32)), "exp_avg_sq.*negative"),
    (lambda sd: sd["state"][0].update(step=-5), r"'step'.*integer >= 1"),
    (lambda sd: sd["state"][0].update(step=0), r"'step'.*integer >= 1"),
    (lambda sd: sd["state"][0].update(step=2.5), r"'step'.*integer >= 1"),
    (lambda sd: sd["state"][0]["exp_avg"].__setitem__((0, 0), np.nan), "exp_avg.*NaN"),
    (lambda sd: sd["state"][0].update(exp_avg=np.zeros(5, np.float32)), "shape"),
    (lambda sd: sd["state"][0].update(momentum=np.zeros((2, 3))), "unknown buffer"),
    (lambda sd: sd["state"][0].pop("exp_avg"), "lacks"),
    (lambda sd: sd["param_groups"][0].update(lr=-1.0), "lr=-1.0"),
    (lambda sd: sd["param_groups"][0].update(eps=float("nan")), "eps"),
    (lambda sd: sd["param_groups"][0].update(betas=[0.9, 1.5]), "betas"),
    (lambda sd: sd["param_groups"][0].update(foo=1), "unknown hyperparameter"),
])
def test_tampered_adam_state_is_refused_and_nothing_changes(edit, match):
    _, opt = _trained(ADAMW)
    sd = opt.state_dict()
    edit(sd)
    target = _fresh(ADAMW)
    before = (dict(target.param_groups[0]), dict(target.state))
    with pytest.raises(ValueError, match=match):
        target.load_state_dict(sd)
    assert (dict(target.param_groups[0]), dict(target.state)) == before, "a refused load changed the optimizer"


def test_valid_states_still_load():
    for make in (ADAMW, SGDM, lambda ps: optim.SGD(ps, lr=0.1)):
        p, opt = _trained(make)
        target = _fresh(make)
        target.load_state_dict(opt.state_dict())
        q = target.param_groups[0]["params"][0]
        for k, v in opt.state[p].items():
            np.testing.assert_array_equal(target.state[q][k], v)
    _, opt = _trained(SGDM)
    sd = opt.state_dict()
    sd["param_groups"][0]["nesterov"] = "yes"
    with pytest.raises(ValueError, match="nesterov"):
        _fresh(SGDM).load_state_dict(sd)


def test_tampered_checkpoint_file_gives_checkpoint_error(tmp_path):
    model = nn.Linear(3, 2)
    opt = optim.AdamW(model.parameters(), lr=1e-2)
    x = nn.Parameter(np.ones((4, 3), np.float32))
    for _ in range(2):
        opt.zero_grad()
        model(x).sum().backward()
        opt.step()
    path = tmp_path / "c.safetensors"
    save_checkpoint(path, model, opt, step=2, save_rng=False)
    tensors, meta = load_file(path), load_metadata(path)
    tensors["optim.0.exp_avg_sq"] = -np.abs(tensors["optim.0.exp_avg_sq"]) - 1
    tensors["optim.0.step"] = np.array(-5, dtype=np.int64)
    save_file(tensors, path, metadata=meta)
    fresh = optim.AdamW(nn.Linear(3, 2).parameters(), lr=1e-2)
    with pytest.raises(CheckpointError, match=r"c\.safetensors.*(step|exp_avg_sq)"):
        load_checkpoint(path, None, fresh)


def test_scheduler_state_is_validated():
    _, opt = _trained(ADAMW)
    sched = optim.CosineWarmupLR(opt, warmup_steps=2, total_steps=10)
    for bad, match in (({"last_step": -3, "base_lrs": [0.01]}, "last_step"),
                       ({"last_step": 2, "base_lrs": [float("inf")]}, "base_lrs"),
                       ({"last_step": 2, "base_lrs": [0.1, 0.1]}, "base_lrs"), ([], "dict")):
        with pytest.raises(ValueError, match=match):
            sched.load_state_dict(bad)
    sched.load_state_dict({"last_step": 4, "base_lrs": [0.02]})
    assert sched.last_step == 4


def test_subclass_without_a_spec_gets_generic_checks():
    class Momentum(optim.Optimizer):                 # a learner's own optimizer
        def __init__(self, params, lr=0.1):
            super().__init__(params, dict(lr=lr))

        def _update(self, p, grad, group, state):
            state["t"] = state.get("t", 0) + 1
            state["v"] = state.get("v", np.zeros_like(p.data)) * 0.9 + grad
            p.data -= group["lr"] * state["v"]
    p, opt = _trained(Momentum)
    target = _fresh(Momentum)
    target.load_state_dict(opt.state_dict())
    sd = opt.state_dict()
    sd["state"][0]["v"] = np.full((2, 3), np.inf, np.float32)
    with pytest.raises(ValueError, match="'v'.*NaN or inf"):
        _fresh(Momentum).load_state_dict(sd)
