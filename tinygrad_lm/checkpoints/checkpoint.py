"""Training checkpoints: everything needed to resume a run, in ONE safetensors file.

    save_checkpoint("ckpt.safetensors", model, optimizer, step=1000, config=cfg, scheduler=sched)
    info = load_checkpoint("ckpt.safetensors", model, optimizer, scheduler)   # info["step"] == 1000

File contents (see tinygrad_lm/checkpoints/safetensors.py for the format):
    tensors   "model.<name>"              every entry of model.state_dict() (a tied weight is stored
                                          once; metadata "aliases" maps its other names to it)
              "optim.<index>.<buffer>"    optimizer state, e.g. optim.3.exp_avg; numbers (Adam's step
                                          count) as 0-d I64 / F64 tensors
    metadata  format = "tinygrad_lm.checkpoint", version = "1", step = "1000",
              config = JSON of `config` (the model/training config dict),
              optimizer = JSON {"type": "AdamW", "param_groups": [...hyperparameters...]},
              scheduler = JSON of scheduler.state_dict(), rng = JSON of the library generator's
              state (so dropout masks and batch sampling continue exactly), plus `extra` str -> str.
Resuming from a checkpoint continues bit-exactly (same weights as a run that never stopped), as
long as the data order is restored too (save your data position in `extra` or derive it from step).

Does not handle: sharded / multi-file checkpoints, keeping the last-k files (name them by step
and delete old ones yourself), async saving.
"""
import json

import numpy as np

from .. import random as _random
from .safetensors import CheckpointError, describe, load_file, load_metadata, save_file
from .shapes import check_config_shapes

FORMAT, VERSION = "tinygrad_lm.checkpoint", "1"          # the file format's name, not a module path: never change it
__all__ = ["save_checkpoint", "load_checkpoint", "read_checkpoint", "check_config_shapes", "CheckpointError"]


def _json_default(x):
    if isinstance(x, np.generic):
        return x.item()
    if isinstance(x, tuple):
        return list(x)
    raise TypeError(f"checkpoint: config/hyperparameter value {x!r} of type {type(x).__name__} "
                    "is not JSON-serializable")


def save_checkpoint(path, model=None, optimizer=None, step: int = 0, config: dict = None, scheduler=None,
                    save_rng: bool = True, extra: dict = None) -> None:
    """Write model weights, optimizer state, step, config, scheduler and RNG state atomically."""
    tensors, meta = {}, {"format": FORMAT, "version": VERSION, "step": str(int(step))}
    if model is not None:
        first_name, aliases = {}, {}
        for name, arr in model.state_dict().items():
            key = "model." + name
            if id(arr) in first_name:               # a tied weight: store the array once
                aliases[key] = first_name[id(arr)]
                continue
            first_name[id(arr)] = key
            tensors[key] = arr
        if aliases:
            meta["aliases"] = json.dumps(aliases)
    if optimizer is not None:
        sd = optimizer.state_dict()
        for idx, buffers in sd["state"].items():
            for key, value in buffers.items():
                if isinstance(value, (bool, np.bool_)):
                    raise TypeError(f"checkpoint: optimizer state {key!r} is a bool; not supported")
                if isinstance(value, (int, np.integer)):
                    value = np.array(value, dtype=np.int64)                 # 0-d I64
                elif isinstance(value, (float, np.floating)):
                    value = np.array(value, dtype=np.float64)               # 0-d F64
                tensors[f"optim.{idx}.{key}"] = value
        meta["optimizer"] = json.dumps({"type": type(optimizer).__name__, "param_groups": sd["param_groups"]},
                                       default=_json_default)
    if config is not None:
        meta["config"] = json.dumps(config, default=_json_default)
    if scheduler is not None:
        meta["scheduler"] = json.dumps(scheduler.state_dict(), default=_json_default)
    if save_rng:
        meta["rng"] = json.dumps(_random.rng().bit_generator.state)
    for k, v in (extra or {}).items():
        if k in meta or not isinstance(v, str):
            raise ValueError(f"checkpoint: extra[{k!r}] must be a str and not a reserved key")
        meta[k] = v
    save_file(tensors, path, metadata=meta)


def read_checkpoint(path, mmap: bool = False) -> dict:
    """Parse a checkpoint without applying it.

    -> {"step": int, "config": dict or None, "model": {name: array}, "optimizer": state_dict or None,
        "optimizer_type": str or None, "scheduler": dict or None, "rng": dict or None, "metadata": dict}

    Before any tensor data is read, the config is compared with the stored model shapes
    (checkpoints/shapes.py: check_config_shapes), so building the model from read_checkpoint(path)
    ["config"] allocates no more than the file holds. Every problem raises CheckpointError.
    """
    meta = load_metadata(path)
    if meta.get("format") != FORMAT:
        raise CheckpointError(f"{path}: not a tinygrad_lm training checkpoint (metadata format="
                              f"{meta.get('format')!r}); for plain weights use safetensors.load_file")
    if meta.get("version") != VERSION:
        raise CheckpointError(f"{path}: checkpoint version {meta.get('version')!r}, this code reads {VERSION!r}")

    def parse(key, kind=None):
        if key not in meta:
            return None
        try:
            value = json.loads(meta[key])
        except (json.JSONDecodeError, RecursionError, ValueError) as e:
            raise CheckpointError(f"{path}: metadata {key!r} is not valid JSON ({str(e)[:200]})") from None
        if kind is not None and not isinstance(value, kind):
            raise CheckpointError(f"{path}: metadata {key!r} must be a JSON {kind.__name__}, "
                                  f"got {type(value).__name__}")
        return value

    aliases = parse("aliases", dict) or {}
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in aliases.items()):
        raise CheckpointError(f"{path}: metadata 'aliases' must map tensor names to tensor names")
    config = parse("config")
    check_config_shapes(config, describe(path), str(path), aliases)     # header only: no data read yet
    tensors = load_file(path, mmap=mmap)
    for alias, target in aliases.items():                        # tied weights were stored once
        if target not in tensors:
            raise CheckpointError(f"{path}: alias {alias!r} points to missing tensor {target!r}")
        tensors[alias] = tensors[target]
    model = {k[len("model."):]: v for k, v in tensors.items() if k.startswith("model.")}
    opt_meta, optimizer = parse("optimizer", dict), None
    if opt_meta is not None:
        if not isinstance(opt_meta.get("param_groups"), list) or not isinstance(opt_meta.get("type"), str):
            raise CheckpointError(f"{path}: metadata 'optimizer' needs 'type' (str) and 'param_groups' (list)")
        state = {}
        for k, v in tensors.items():
            if k.startswith("optim."):
                _, idx, key = (k.split(".", 2) + ["", ""])[:3]
                if not idx.isdigit() or not key:
                    raise CheckpointError(f"{path}: optimizer tensor {k!r} is not named optim.<index>.<buffer>")
                state.setdefault(int(idx), {})[key] = v.item() if v.ndim == 0 else v
        optimizer = {"state": state, "param_groups": opt_meta["param_groups"]}
    try:
        step = int(meta["step"])
    except (KeyError, ValueError):
        raise CheckpointError(f"{path}: metadata 'step' missing or not an int: {meta.get('step')!r}") from None
    return {"step": step, "config": config, "model": model, "optimizer": optimizer,
            "optimizer_type": opt_meta["type"] if opt_meta else None, "scheduler": parse("scheduler"),
            "rng": parse("rng"), "metadata": meta}


def load_checkpoint(path, model=None, optimizer=None, scheduler=None, restore_rng: bool = True,
                    strict: bool = True) -> dict:
    """Load a checkpoint into the given objects (each optional) and return read_checkpoint()'s dict.

    Objects must be built with the same config (read it first with read_checkpoint(path)["config"]
    if you need it to build the model). Mismatches raise CheckpointError naming the file.
    """
    ckpt = read_checkpoint(path)
    try:
        if model is not None:
            model.load_state_dict(ckpt["model"], strict=strict)
        if optimizer is not None:
            if ckpt["optimizer"] is None:
                raise CheckpointError("the checkpoint has no optimizer state")
            if ckpt["optimizer_type"] != type(optimizer).__name__:
                raise CheckpointError(f"the checkpoint's optimizer is {ckpt['optimizer_type']}, "
                                      f"got a {type(optimizer).__name__}")
            optimizer.load_state_dict(ckpt["optimizer"])
        if scheduler is not None:
            if ckpt["scheduler"] is None:
                raise CheckpointError("the checkpoint has no scheduler state")
            scheduler.load_state_dict(ckpt["scheduler"])
    except CheckpointError as e:
        raise CheckpointError(f"{path}: {e}") from None
    except (ValueError, RuntimeError, KeyError, TypeError) as e:
        raise CheckpointError(f"{path}: does not fit the given objects: {e}") from e
    if restore_rng and ckpt["rng"] is not None:
        try:
            _random.rng().bit_generator.state = ckpt["rng"]
        except (ValueError, TypeError, KeyError) as e:
            raise CheckpointError(f"{path}: metadata 'rng' is not a valid generator state ({e})") from None
    return ckpt
