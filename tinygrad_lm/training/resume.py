"""--resume: which run a checkpoint belongs to, and which of its settings a resumed run keeps.

Every trainer stores its options in the checkpoint config ("train": vars(args)). A resumed run
continues with THOSE settings, not the command line's defaults, so `--resume last.safetensors`
alone continues the same run exactly (batch size, learning rate, budget...). An option the user
typed again wins when it may change mid-run (a longer --max-iters, a new --lr) and is reported; an
option that fixes the model's shape or the tokenizer must match the checkpoint, else ValueError.

    ckpt = read_resume("runs/gpt/last.safetensors", "gpt")             # ValueError for an LSTM's checkpoint
    notes = restore_settings(args, recorded_settings(ckpt["config"], "gpt"), explicit, FIXED["gpt"], path)

Handles: runs of `tglm train gpt|mlm|char-lstm|char-rnn` and `tglm pretrain`; checkpoints written
before "train" was recorded (their shape is read from the model config). Does not handle: resuming
with a different tokenizer or model shape (start a new run, or fine-tune by loading weights yourself).
"""
import os

from ..checkpoints.checkpoint import read_checkpoint
from ..checkpoints.safetensors import CheckpointError

COMMANDS = {"gpt": "tglm train gpt", "mlm": "tglm train mlm", "char-lstm": "tglm train char-lstm",
            "char-rnn": "tglm train char-rnn", "pretrain": "tglm pretrain"}

# settings that must match the checkpoint: they define the model, its tokenizer and its optimizer state
FIXED = {
    "gpt": ("tokenizer", "vocab_size", "n_layer", "n_head", "n_embd", "block_size", "dropout", "bias",
            "weight_decay"),
    "char": ("hidden", "layers", "emb", "dropout", "weight_decay"),
}
FIXED["mlm"] = FIXED["gpt"]
FIXED["char-lstm"] = FIXED["char-rnn"] = FIXED["char"]
NOT_RESTORED = {"resume", "out", "overwrite", "preset", "cell"}      # about this invocation, not the run


def checkpoint_kind(cfg) -> str:
    """'gpt' | 'mlm' | 'char-lstm' | 'char-rnn' | 'pretrain' from a checkpoint's config, or None."""
    if not isinstance(cfg, dict):
        return None
    if "cell" in cfg:
        return f"char-{cfg['cell']}"
    if cfg.get("kind") == "mlm":
        return "mlm"
    if "pretrain" in cfg:
        return "pretrain"
    if "model" in cfg and "tokenizer" in cfg:
        return "gpt"
    return None


def read_resume(path: str, kind: str) -> dict:
    """read_checkpoint(path), checked to be a checkpoint of a `kind` run (ValueError naming the file)."""
    if not os.path.exists(path):
        raise FileNotFoundError(2, "--resume checkpoint not found (it is <out>/last.safetensors of the run)", path)
    if os.path.isdir(path):
        raise ValueError(f"--resume {path} is a directory; give {os.path.join(path, 'last.safetensors')}")
    try:
        ckpt = read_checkpoint(path, mmap=True)
    except CheckpointError as e:
        raise CheckpointError(f"--resume: {e}") from None
    found = checkpoint_kind(ckpt["config"])
    if found != kind:
        what = f"a checkpoint of `{COMMANDS[found]}`" if found else "not written by a tglm training run"
        hint = f"; resume it with `{COMMANDS[found]} --resume {path}`" if found else ""
        raise ValueError(f"--resume {path}: {what}, not of `{COMMANDS[kind]}`{hint}")
    return ckpt


def recorded_settings(cfg: dict, kind: str) -> dict:
    """The run's options as recorded in its checkpoint config (shape keys from the model config as a fallback)."""
    if kind.startswith("char-"):
        rec = {k: cfg[k] for k in ("hidden", "layers", "emb", "dropout") if k in cfg}
    else:
        model = cfg.get("model", {})
        rec = {k: model[k] for k in ("n_layer", "n_head", "n_embd", "block_size", "dropout", "bias") if k in model}
    rec.update(cfg.get("train") or {})
    return rec


def restore_settings(args, recorded: dict, explicit: set, fixed, path: str = "the checkpoint") -> list:
    """Set every option of `args` the user did not type (dest not in `explicit`) to the recorded value.
    Typed options that differ: allowed (and returned as a note) unless in `fixed` -> ValueError.
    Returns notes (str) for the user: options restored from the run and options changed."""
    conflicts, changed, restored = [], [], []
    for key, old in sorted(recorded.items()):
        if key in NOT_RESTORED or not hasattr(args, key):
            continue
        new = getattr(args, key)
        if key in explicit:
            if new != old:
                (conflicts if key in fixed else changed).append(f"{_flag(key)} {new} (the run had {old})")
        else:
            if new != old:
                restored.append(f"{_flag(key)} {old}")
            setattr(args, key, old)
    if conflicts:
        raise ValueError(f"--resume {path}: {', '.join(conflicts)}: these options fix the model, its tokenizer "
                         f"or its optimizer state; leave them out to continue the run, or start a new run")
    notes = []
    if restored:
        notes.append("the run's own settings restored: " + ", ".join(restored))
    if changed:
        notes.append("changed for the rest of the run: " + ", ".join(changed))
    return notes


def _flag(dest: str) -> str:
    return "--" + dest.replace("_", "-")
