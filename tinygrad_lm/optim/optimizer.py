"""The Optimizer base class: parameter groups, zero_grad, step, state_dict — as in PyTorch.

An optimizer holds `param_groups`, a list of dicts {"params": [Tensor, ...], "lr": ..., ...}: every
group may override the defaults (a common use: weight_decay=0.0 for biases and LayerNorm gains).
`state[p]` holds per-parameter buffers (momentum, Adam moments, step count). Subclasses implement
`_update(p, grad, group, state)`, which changes `p.data` IN PLACE; parameters whose `.grad` is None
are skipped, exactly like PyTorch.

Numbers: updates run in the parameter's own dtype (float32 in training, float64 in gradchecks).
Hyperparameters are Python floats, and NumPy keeps `float32_array * python_float` in float32, so
no float64 temporaries appear.

Does not handle: sparse gradients, closures passed to step(), per-parameter hyperparameters other
than through groups, `maximize`, foreach/fused multi-tensor kernels.
"""
import numpy as np


def _check_param(p):
    from ..tensor import Tensor
    if not isinstance(p, Tensor):
        raise TypeError(f"optimizer params must be Tensors (e.g. model.parameters()), got {type(p).__name__}")
    if p.dtype.kind != "f":
        raise TypeError(f"optimizer params must be floating point, got a tensor of dtype {p.dtype}")
    if not p.requires_grad:
        raise ValueError(f"optimizer got a tensor of shape {p.shape} with requires_grad=False")


def weight_decay_groups(model, weight_decay: float, no_decay=None) -> list:
    """Split model's parameters into two param groups: with weight decay (matrices: Linear and
    Embedding weights) and without (vectors: biases, LayerNorm gains), as GPT-2/nanoGPT do.

    no_decay(name, param) -> bool overrides the rule (default: param.ndim < 2).
    EXAMPLE: AdamW(weight_decay_groups(model, 0.1), lr=3e-4)
    """
    rule = no_decay or (lambda name, p: p.ndim < 2)
    decay, keep = [], []
    for name, p in model.named_parameters():
        if p.requires_grad:
            (keep if rule(name, p) else decay).append(p)
    groups = [{"params": decay, "weight_decay": float(weight_decay)},
              {"params": keep, "weight_decay": 0.0}]
    return [g for g in groups if g["params"]]


class Optimizer:
    def __init__(self, params, defaults: dict):
        self.defaults = dict(defaults)
        self.param_groups = []
        self.state = {}                     # Tensor -> dict of buffers (Tensor hashes by identity)
        if hasattr(params, "parameters") and hasattr(params, "forward"):
            raise TypeError(f"{type(self).__name__} got the model itself; pass model.parameters()")
        params = list(params)
        if not params:
            raise ValueError("optimizer got an empty parameter list")
        groups = params if isinstance(params[0], dict) else [{"params": params}]
        for group in groups:
            self.add_param_group(group)

    def add_param_group(self, group: dict) -> None:
        """Add {"params": [...], <hyperparameter overrides>}; missing hyperparameters use defaults."""
        if not isinstance(group, dict) or "params" not in group:
            raise TypeError("a param group must be a dict with a 'params' key")
        group = dict(group)
        params = group["params"]
        group["params"] = [params] if hasattr(params, "data") and hasattr(params, "grad") else list(params)
        unknown = set(group) - set(self.defaults) - {"params", "lr_scale", "initial_lr"}   # the last two: schedules
        if unknown:
            raise ValueError(f"unknown hyperparameter(s) {sorted(unknown)} for {type(self).__name__}; "
                             f"known: {sorted(self.defaults)}")
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        for p in group["params"]:
            _check_param(p)
            if id(p) in seen:
                raise ValueError(f"a parameter of shape {p.shape} appears in more than one place "
                                 "(tied weights? pass each tensor once, e.g. via model.parameters())")
            seen.add(id(p))
        for k, v in self.defaults.items():
            group.setdefault(k, v)
        self.param_groups.append(group)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear gradients: `.grad = None` (default, like PyTorch) or fill the arrays with 0."""
        for group in self.param_groups:
            for p in group["params"]:
                if set_to_none:
                    p.grad = None
                elif p.grad is not None:
                    p.grad.fill(0)

    def step(self) -> None:
        """One update of every parameter that has a gradient, in place.

        All gradients are checked first (shape, NaN/inf), so a bad gradient raises before ANY
        parameter changes: one NaN step would otherwise silently turn every weight into NaN.
        """
        params = [(p, group) for group in self.param_groups for p in group["params"]]
        for k, (p, _) in enumerate(params):                 # k: the index state_dict() uses
            if p.grad is None:
                continue
            if p.grad.shape != p.data.shape:
                raise ValueError(f"{type(self).__name__}.step: gradient of parameter #{k} has shape "
                                 f"{p.grad.shape} but the parameter has shape {p.data.shape}")
            # g.sum() is a cheap first test (no temporary array); isfinite confirms, as a huge finite sum can overflow
            if not np.isfinite(p.grad.sum()) and not np.isfinite(p.grad).all():
                raise FloatingPointError(
                    f"{type(self).__name__}.step: the gradient of parameter #{k} (shape {p.shape}) contains NaN or "
                    f"inf; no parameter was updated. The loss probably diverged (learning rate too high?) or the "
                    f"forward produced NaN/inf (log of 0, exp overflow, NaN in the input): check the loss before "
                    f"backward(), and consider optim.clip_grad_norm_.")
        for p, group in params:
            if p.grad is None:
                continue
            state = self.state.get(p)
            if state is None:
                state = self.state[p] = {}
            self._update(p, p.grad, group, state)

    def _update(self, p, grad, group, state):  # pragma: no cover - abstract
        raise NotImplementedError

    # ---- saving and restoring (PyTorch's layout: params are referred to by position) ----------
    def state_dict(self) -> dict:
        """{"state": {index: {name: array or number}}, "param_groups": [{hyper..., "params": [index...]}]}.

        Indices count parameters across groups in order. Arrays are copies.
        """
        index, groups = {}, []
        for group in self.param_groups:
            ids = []
            for p in group["params"]:
                index[id(p)] = len(index)
                ids.append(index[id(p)])
            groups.append({**{k: v for k, v in group.items() if k != "params"}, "params": ids})
        state = {index[id(p)]: {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in s.items()}
                 for p, s in self.state.items() if id(p) in index}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore hyperparameters and buffers saved by state_dict() from an optimizer over the same
        parameters (same groups, same order, same shapes)."""
        groups = state_dict["param_groups"]
        if len(groups) != len(self.param_groups):
            raise ValueError(f"optimizer state has {len(groups)} param groups, this optimizer has "
                             f"{len(self.param_groups)}")
        params = []
        for i, (saved, group) in enumerate(zip(groups, self.param_groups)):
            if len(saved["params"]) != len(group["params"]):
                raise ValueError(f"param group {i}: saved state has {len(saved['params'])} params, "
                                 f"this optimizer has {len(group['params'])}")
            params += list(zip(saved["params"], group["params"]))
        by_index = dict(params)
        self.state = {}
        for idx, buffers in state_dict["state"].items():
            idx = int(idx)
            if idx not in by_index:
                raise ValueError(f"optimizer state refers to parameter index {idx}, which does not exist")
            p = by_index[idx]
            restored = {}
            for k, v in buffers.items():
                if isinstance(v, np.ndarray) and v.ndim > 0:
                    if v.shape != p.shape:
                        raise ValueError(f"optimizer state '{k}' of param {idx}: shape {v.shape} != "
                                         f"parameter shape {p.shape}")
                    v = np.array(v, dtype=p.dtype, copy=True)
                elif isinstance(v, np.ndarray):
                    v = v.item()
                restored[k] = v
            self.state[p] = restored
        for saved, group in zip(groups, self.param_groups):
            for k, v in saved.items():
                if k != "params":
                    group[k] = v

    def __repr__(self):
        lines = [f"{type(self).__name__} ("]
        for i, g in enumerate(self.param_groups):
            n = sum(p.size for p in g["params"])
            hyper = ", ".join(f"{k}={v}" for k, v in g.items() if k != "params")
            lines.append(f"  group {i}: {len(g['params'])} tensors, {n:,} values, {hyper}")
        return "\n".join(lines + [")"])
