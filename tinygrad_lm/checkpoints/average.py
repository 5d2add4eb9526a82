"""Weight averaging: one checkpoint whose weights are the (weighted) mean of several of the same model.

    average_checkpoints(["run/a.safetensors", "run/b.safetensors"], "run/avg.safetensors")

    theta_avg = sum_i w_i * theta_i / sum_i w_i          (every tensor of model.state_dict(), float32)

Averaging checkpoints of one training trajectory (the last few of a run, or a run and its continuation) is
a cheap ensemble that often generalises a little better than either end point (Polyak averaging; "stochastic
weight averaging", Izmailov et al. 2018; Vaswani et al. 2017 average their last 5-20 checkpoints). It only
makes sense for weights that are close: averaging two independently trained models gives nonsense (their
hidden units are permuted against each other).
The model configs must agree except for dropout (a training setting). The result keeps the FIRST
checkpoint's config (model shape, tokenizer, run settings) with an "averaged_from" record added, and no
optimizer state: it is for evaluation or a fresh --init, not for --resume. A tied weight is averaged and
stored once (the "aliases" of checkpoint.py).
Omissions: no exponential moving average during training, no averaging of optimizer moments, no checks that
the checkpoints come from the same trajectory (that is the caller's responsibility).
"""
import json

import numpy as np

from .checkpoint import FORMAT, read_checkpoint
from .safetensors import CheckpointError, save_file


def average_state_dicts(states, weights=None) -> dict:
    """Weighted mean of state dicts with the same names and shapes. -> {name: float32 array}."""
    states = list(states)
    if len(states) < 1:
        raise ValueError("average_state_dicts: no state dicts given")
    w = np.ones(len(states)) if weights is None else np.asarray(weights, dtype=np.float64)
    if w.shape != (len(states),) or not np.all(np.isfinite(w)) or np.any(w < 0) or w.sum() <= 0:
        raise ValueError(f"average_state_dicts: need {len(states)} finite non-negative weights with a positive "
                         f"sum, got {weights!r}")
    names = sorted(states[0])
    for i, sd in enumerate(states[1:], 1):
        if sorted(sd) != names:
            missing, extra = sorted(set(names) - set(sd)), sorted(set(sd) - set(names))
            raise ValueError(f"average_state_dicts: state dict {i} has other tensors than state dict 0 "
                             f"(missing {missing[:3]}, extra {extra[:3]})")
        for n in names:
            if sd[n].shape != states[0][n].shape:
                raise ValueError(f"average_state_dicts: {n} has shape {sd[n].shape} in state dict {i} "
                                 f"but {states[0][n].shape} in state dict 0")
    w = w / w.sum()
    return {n: sum(wi * s[n].astype(np.float64) for wi, s in zip(w, states)).astype(np.float32) for n in names}


def average_checkpoints(paths, out, weights=None) -> dict:
    """Write the weight average of the checkpoints at paths to out (atomic); -> the averaged state dict
    (a tied weight under its stored name only).
    The checkpoints must have the same model config (shape) and tensors."""
    paths = [str(p) for p in paths]
    if len(paths) < 2:
        raise ValueError(f"average_checkpoints: need at least 2 checkpoints, got {len(paths)}")
    ckpts = [read_checkpoint(p) for p in paths]
    shape = lambda c: {k: v for k, v in ((c["config"] or {}).get("model") or {}).items() if k != "dropout"}  # noqa: E731
    model_cfg = [shape(c) for c in ckpts]                # dropout only acts in training: it may differ
    for p, m in zip(paths[1:], model_cfg[1:]):
        if m != model_cfg[0]:
            raise CheckpointError(f"average_checkpoints: {p} has another model config than {paths[0]} "
                                  f"({m} vs {model_cfg[0]}): only checkpoints of one model can be averaged")
    aliases = json.loads(ckpts[0]["metadata"].get("aliases", "{}"))      # {"model.<tied name>": stored name}
    stored = lambda sd: {n: a for n, a in sd.items() if "model." + n not in aliases}       # noqa: E731
    avg = average_state_dicts([stored(c["model"]) for c in ckpts], weights)
    config = dict(ckpts[0]["config"] or {})
    config["averaged_from"] = {"paths": paths, "weights": None if weights is None else [float(x) for x in weights]}
    meta = {"format": FORMAT, "version": ckpts[0]["metadata"]["version"], "step": str(ckpts[0]["step"]),
            "config": json.dumps(config)}
    if aliases:
        meta["aliases"] = json.dumps(aliases)
    save_file({"model." + n: a for n, a in avg.items()}, out, metadata=meta)
    return avg
