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

    # What a saved state may hold, per parameter: {buffer name: kind}. Subclasses fill it in.
    #   "count": an int >= 1 (a step counter)    "array": finite, the parameter's shape
    #   "nonneg_array": same, and every value >= 0 (a running mean of squares)
    # Empty (a subclass that does not say): any arrays of the parameter's shape and finite numbers.
    _state_spec: dict = {}

    def _check_hyperparameters(self, group: dict) -> None:
        """Raise ValueError if a param group's hyperparameters are out of range (subclasses add rules)."""
        for k, v in group.items():
            if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, float, np.integer, np.floating)):
                continue                                   # non-numbers (betas, nesterov): subclass rules
            if not np.isfinite(v) or v < 0:
                raise ValueError(f"hyperparameter {k}={v!r} must be a finite number >= 0")

    def _checked_buffer(self, idx: int, key: str, value, p):
        """One saved buffer of parameter idx, validated against _state_spec -> the value to keep."""
        # a subclass without a _state_spec (a learner's own optimizer): arrays and finite numbers
        kind = self._state_spec.get(key) if self._state_spec else ("array" if np.ndim(value) else "number")
        where = f"optimizer state '{key}' of param {idx}"
        if kind is None:
            raise ValueError(f"{where}: unknown buffer for {type(self).__name__} (expected {sorted(self._state_spec)})")
        if kind == "number":
            v = value.item() if isinstance(value, np.ndarray) else value
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not np.isfinite(v):
                raise ValueError(f"{where} must be a finite number, got {v!r}")
            return v
        if kind == "count":
            v = value.item() if isinstance(value, np.ndarray) and value.ndim == 0 else value
            if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, np.integer)) or v < 1:
                raise ValueError(f"{where} must be an integer >= 1 (steps taken), got {v!r}")
            return int(v)
        arr = np.asarray(value)
        if arr.dtype.kind not in "fiu" or arr.size != p.size or (arr.ndim and arr.shape != p.shape):
            raise ValueError(f"{where}: shape {arr.shape} dtype {arr.dtype} != parameter shape {p.shape} (floats)")
        arr = np.array(arr, dtype=p.dtype, copy=True).reshape(p.shape)
        if not np.isfinite(arr).all():
            raise ValueError(f"{where} holds NaN or inf ({int((~np.isfinite(arr)).sum())} values): a corrupt "
                             f"or tampered checkpoint; training from it would turn the weights into NaN")
        if kind == "nonneg_array" and arr.size and arr.min() < 0:
            raise ValueError(f"{where} holds negative values (min {arr.min():.3g}); it is a running mean of "
                             f"squared gradients, so a corrupt or tampered checkpoint; training from it would "
                             f"turn the weights into NaN")
        return arr

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore hyperparameters and buffers saved by state_dict() from an optimizer over the same
        parameters (same groups, same order, same shapes).

        Everything is validated BEFORE anything changes (a corrupt or tampered state would otherwise
        train into NaN weights silently): group count and sizes, hyperparameter ranges, buffer names,
        shapes, finiteness, sign (Adam's second moment >= 0) and step counts (>= 1). ValueError names
        the parameter index and the buffer.
        """
        if not isinstance(state_dict, dict) or not isinstance(state_dict.get("param_groups"), list) \
                or not isinstance(state_dict.get("state"), dict):
            raise ValueError("optimizer state must be a dict with 'state' (dict) and 'param_groups' (list)")
        groups = state_dict["param_groups"]
        if len(groups) != len(self.param_groups):
            raise ValueError(f"optimizer state has {len(groups)} param groups, this optimizer has "
                             f"{len(self.param_groups)}")
        params, new_groups = [], []
        for i, (saved, group) in enumerate(zip(groups, self.param_groups)):
            if not isinstance(saved, dict) or not isinstance(saved.get("params"), list):
                raise ValueError(f"param group {i}: saved group must be a dict with a 'params' list")
            if len(saved["params"]) != len(group["params"]):
                raise ValueError(f"param group {i}: saved state has {len(saved['params'])} params, "
                                 f"this optimizer has {len(group['params'])}")
            # (schedulers add initial_lr to the groups)
            unknown = set(saved) - set(self.defaults) - set(group) - {"params", "initial_lr"}
            if unknown:
                raise ValueError(f"param group {i}: unknown hyperparameter(s) {sorted(unknown)}")
            hyper = {**{k: v for k, v in group.items() if k != "params"},
                     **{k: v for k, v in saved.items() if k != "params"}}
            try:
                self._check_hyperparameters(hyper)
            except (ValueError, TypeError) as e:
                raise ValueError(f"param group {i}: {e}") from None
            new_groups.append(hyper)
            params += list(zip(saved["params"], group["params"]))
        by_index = dict(params)
        state = {}
        for idx, buffers in state_dict["state"].items():
            try:
                idx = int(idx)
            except (TypeError, ValueError):
                raise ValueError(f"optimizer state key {idx!r} is not a parameter index") from None
            if idx not in by_index:
                raise ValueError(f"optimizer state refers to parameter index {idx}, which does not exist")
            if not isinstance(buffers, dict):
                raise ValueError(f"optimizer state of param {idx} must be a dict of buffers")
            p = by_index[idx]
            restored = {k: self._checked_buffer(idx, k, v, p) for k, v in buffers.items()}
            missing = set(self._state_spec) - set(restored) if restored else set()   # {}: no update yet
            if missing:
                raise ValueError(f"optimizer state of param {idx} lacks {sorted(missing)}")
            state[p] = restored
        self.state = state                                  # all checks passed: apply
        for hyper, group in zip(new_groups, self.param_groups):
            group.update(hyper)

    def __repr__(self):
        lines = [f"{type(self).__name__} ("]
        for i, g in enumerate(self.param_groups):
            n = sum(p.size for p in g["params"])
            hyper = ", ".join(f"{k}={v}" for k, v in g.items() if k != "params")
            lines.append(f"  group {i}: {len(g['params'])} tensors, {n:,} values, {hyper}")
        return "\n".join(lines + [")"])
