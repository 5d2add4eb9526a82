"""The training loop every `tglm train` model shares: step, schedule, evaluate, save, resume.

    run = Run(out, model, opt, config, title="GPT on input.txt")
    run.resume("runs/gpt/last.safetensors")              # optional: step, best, history, state back
    fit(run, next_loss=..., lr_at=..., progress=..., evaluate=..., eval_every=250, clip=1.0)

One optimisation step (`optimizer_step`): set the learning rate -> zero_grad -> backward -> clip the
global gradient norm -> optimizer step. `fit` repeats it until `progress(step, seconds) >= 1`
(a step budget, a wall-clock budget, or both: progress is whichever is further along) and every
`eval_every` steps, and at the end, calls `evaluate()` -> {"train": loss, "val": loss} and
`Run.save`, which writes into the run directory:
  last.safetensors   model + optimizer + step + config + history + the trainer's own state (the
                     data sampler's RNG, the TBPTT window, ...) for an exact --resume
  best.safetensors   the same, written when the validation loss improved
  history.json       one record per evaluation (step, seconds, lr, train / val / batch loss)
  loss.svg           the curves
  result.json        whatever the trainer reports at the end (`Run.finish`)
Every file is written atomically (a temporary file, then a rename), so a run killed at any moment
leaves the previous version intact. `prepare_out_dir` refuses to start a new run in a directory that
holds files (an earlier run's best checkpoint would be silently replaced) unless the run resumes from
a checkpoint in that directory or the caller says overwrite.
Failures inside the loop: a NaN/inf loss or gradient raises TrainingError naming the step and the
last checkpoint; Ctrl-C raises TrainingInterrupted (a KeyboardInterrupt) saying where the last
checkpoint is and how to continue from it.

The trainers (training/lm.py for GPT and the masked LM, training/char_lm.py for the RNNs,
training/pretrain.py) supply next_loss / evaluate; the LR schedule is optim.cosine_warmup_lr.
Does not handle: gradient accumulation, mixed precision, several processes.
"""
import json
import math
import os
import sys
import tempfile
import time

import numpy as np
from tqdm import tqdm

from ..checkpoints.checkpoint import load_checkpoint, save_checkpoint
from ..optim import clip_grad_norm_
from ..plot import line_chart


def optimizer_step(opt, loss, params, lr: float, clip: float) -> float:
    """lr -> zero_grad -> backward -> clip the global gradient norm to `clip` -> step. Returns the norm.
    A param group with an "lr_scale" (nn.layerwise_lr_groups) gets lr * lr_scale."""
    for g in opt.param_groups:
        g["lr"] = lr * g.get("lr_scale", 1.0)
    opt.zero_grad()
    loss.backward()
    norm = clip_grad_norm_(params, clip)
    opt.step()
    return norm


def train_step(model, opt, x, y, lr: float, clip: float):
    """One step of a language model whose forward is model(x, y) -> (logits, loss); x, y (B, T) int.
    Returns the loss Tensor."""
    _, loss = model(x, y)
    optimizer_step(opt, loss, model.parameters(), lr, clip)
    return loss


class TrainingError(RuntimeError):
    """The run cannot go on (the loss or a gradient became NaN/inf); the message says what to try."""


class TrainingInterrupted(KeyboardInterrupt):
    """Ctrl-C during fit(); str() says where the last checkpoint is and how to resume."""


RUN_FILES = ("last.safetensors", "best.safetensors", "history.json", "loss.svg", "result.json")


def write_text(path, text: str) -> None:
    """Write `text` to `path` atomically (temporary file in the same folder, then os.replace)."""
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def write_json(path, obj) -> None:
    """json.dump to `path` atomically."""
    write_text(path, json.dumps(obj, indent=1))


def prepare_out_dir(out: str, resume: str = None, overwrite: bool = False) -> None:
    """Create `out` for a run, refusing to clobber an earlier one.

    A directory with files in it is accepted only when the run resumes from a checkpoint inside it
    (the same run goes on) or when overwrite is set (then the earlier run's RUN_FILES are deleted,
    nothing else). Also checks that the directory is writable, before any minutes of work."""
    if os.path.exists(out) and not os.path.isdir(out):
        raise ValueError(f"--out {out}: exists and is not a directory")
    existing = sorted(f for f in os.listdir(out) if not f.startswith(".")) if os.path.isdir(out) else []
    same_run = bool(resume) and os.path.isdir(out) and \
        os.path.samefile(os.path.dirname(os.path.abspath(resume)), out)
    if existing and not same_run:
        if not overwrite:
            shown = ", ".join(existing[:3]) + (", ..." if len(existing) > 3 else "")
            raise ValueError(f"--out {out} already holds files ({shown}); continue that run with --resume "
                             f"{os.path.join(out, 'last.safetensors')}, replace it with --overwrite, or choose "
                             f"another --out")
        for name in RUN_FILES:
            if os.path.exists(os.path.join(out, name)):
                os.remove(os.path.join(out, name))
    try:
        os.makedirs(out, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".write-test.", dir=out)
        os.close(fd)
        os.remove(probe)
    except OSError as e:
        raise OSError(e.errno, f"--out {out} is not writable ({e.strerror})") from None


class Run:
    """One training run's directory and bookkeeping (step, best validation loss, history)."""

    def __init__(self, out: str, model, opt, config: dict, title: str = "", save_best_optimizer: bool = True):
        self.out, self.model, self.opt, self.config, self.title = out, model, opt, config, title
        self.save_best_optimizer = save_best_optimizer          # False: best.safetensors holds weights only
        self.step, self.best, self.elapsed0, self.history, self.state = 0, math.inf, 0.0, [], {}
        self.extra_meta = None                                  # losses -> {str: str} for the checkpoint metadata
        self.last_saved = None                                  # (path, step) of the newest checkpoint, for messages
        self.resumed_from = None
        os.makedirs(out, exist_ok=True)

    def path(self, name: str) -> str:
        return os.path.join(self.out, name)

    def resume(self, checkpoint: str) -> None:
        """Restore model, optimizer, step, best loss, seconds trained, history and trainer state."""
        info = load_checkpoint(checkpoint, self.model, self.opt)
        meta = info["metadata"]
        self.step = int(info["step"])
        self.best = float(meta.get("best_val_loss", "inf"))
        self.elapsed0 = float(meta.get("elapsed", 0.0))
        # checkpoints written before the shared loop (2026-12-03) kept "train"/"val" and a top-level data_rng
        self.history = [{(f"{k}_loss" if k in ("train", "val") else k): v for k, v in h.items()}
                        for h in json.loads(meta.get("history", "[]"))]
        self.state = json.loads(meta.get("state", "{}"))
        if "data_rng" in meta and "data_rng" not in self.state:
            self.state["data_rng"] = json.loads(meta["data_rng"])
        self.resumed_from = self.last_saved = (checkpoint, self.step)

    def best_checkpoint(self) -> str:
        """The path of the best checkpoint: out/best.safetensors; for a run resumed into a new directory
        that has not improved yet, the best.safetensors beside the resumed checkpoint; else last."""
        candidates = [self.path("best.safetensors")]
        if self.resumed_from:
            candidates.append(os.path.join(os.path.dirname(self.resumed_from[0]), "best.safetensors"))
        candidates += [self.path("last.safetensors")] + ([self.resumed_from[0]] if self.resumed_from else [])
        return next((p for p in candidates if os.path.exists(p)), candidates[0])

    def where_last(self) -> str:
        """A sentence for messages: where the newest checkpoint is and how to continue from it."""
        if self.last_saved is None:
            return "no checkpoint was written yet (one is written at every evaluation)"
        path, step = self.last_saved
        return f"the last checkpoint is {path} (step {step}); continue with --resume {path}"

    def save(self, losses: dict, elapsed: float, state: dict = None, **record) -> bool:
        """Record one evaluation, write last (+ best if val improved), history.json, loss.svg."""
        improved = losses["val"] < self.best
        self.best = min(self.best, losses["val"])
        self.history.append({"step": self.step, "elapsed": round(elapsed, 1),
                             **{f"{k}_loss": v for k, v in losses.items()}, **record})
        self.state = state or {}
        extra = {"best_val_loss": f"{self.best:.6f}", "val_loss": f"{losses['val']:.6f}",
                 "elapsed": f"{elapsed:.1f}", "history": json.dumps(self.history), "state": json.dumps(self.state)}
        extra.update(self.extra_meta(losses) if self.extra_meta else {})
        save_checkpoint(self.path("last.safetensors"), self.model, self.opt, self.step, self.config, extra=extra)
        self.last_saved = (self.path("last.safetensors"), self.step)
        if improved:
            save_checkpoint(self.path("best.safetensors"), self.model,
                            self.opt if self.save_best_optimizer else None, self.step, self.config, extra=extra)
        write_json(self.path("history.json"), self.history)
        steps = [h["step"] for h in self.history]
        series = {f"{k} loss": (steps, [h[f"{k}_loss"] for h in self.history]) for k in losses}
        write_text(self.path("loss.svg"), line_chart(series, title=self.title, xlabel="step",
                                                     ylabel="loss (nats/token)"))
        return improved

    def finish(self, result: dict) -> None:
        write_json(self.path("result.json"), result)


def fit(run: Run, *, next_loss, lr_at, progress, evaluate, eval_every: int, clip: float, total_steps=None,
        save_state=dict, on_eval=None, unit: str = "tok") -> float:
    """Train until progress(step, seconds) >= 1; returns the total seconds trained (resumed runs included).

    next_loss() -> (loss Tensor, tokens in the batch); lr_at(step, progress) -> learning rate;
    evaluate() -> {"val": float, "train": float (optional)}; save_state() -> JSON-able dict stored in the
    checkpoint for --resume; on_eval(run, write) is called after each evaluation (e.g. to print a sample).
    """
    params = list(run.model.parameters())
    start = time.perf_counter()
    seconds = lambda: run.elapsed0 + time.perf_counter() - start          # noqa: E731
    bar = tqdm(total=total_steps, initial=run.step, unit="step", dynamic_ncols=True, file=sys.stdout, mininterval=1.0)
    tokens, t_mark = 0, time.perf_counter()
    # NumPy's overflow / invalid warnings are off: a non-finite loss stops the run with one clear error instead
    try:
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            while progress(run.step, seconds()) < 1.0:
                lr = lr_at(run.step, progress(run.step, seconds()))
                loss, n_tokens = next_loss()
                _step_or_explain(run, loss, params, lr, clip)
                run.step += 1
                tokens += n_tokens
                bar.update(1)
                if run.step % 10 == 0:
                    now = time.perf_counter()
                    bar.set_postfix(loss=f"{loss.item():.3f}", lr=f"{lr:.1e}",
                                    **{f"{unit}_s": f"{tokens / (now - t_mark):,.0f}"})
                    tokens, t_mark = 0, now
                if run.step % eval_every == 0 or progress(run.step, seconds()) >= 1.0:
                    elapsed = seconds()
                    losses = evaluate()
                    if not all(math.isfinite(v) for v in losses.values()):
                        raise TrainingError(f"step {run.step}: the evaluation loss is {losses}: the model diverged "
                                            f"(try a lower --lr); {run.where_last()}")
                    improved = run.save(losses, elapsed, save_state(), lr=lr, batch_loss=float(loss.item()))
                    train = f"train {losses['train']:.4f} | " if "train" in losses else f"batch {loss.item():.4f} | "
                    bar.write(f"step {run.step:6d} | {elapsed:6.0f}s | lr {lr:.1e} | {train}val {losses['val']:.4f}"
                              f"{'  (best, saved)' if improved else ''}")
                    if on_eval is not None:
                        on_eval(run, bar.write)
    except KeyboardInterrupt:
        raise TrainingInterrupted(f"interrupted at step {run.step}; {run.where_last()}") from None
    finally:
        bar.close()
    return seconds()


def _step_or_explain(run: Run, loss, params, lr: float, clip: float) -> None:
    """optimizer_step, but a NaN/inf loss or gradient stops the run with TrainingError (weights untouched)."""
    value = float(loss.item())
    if not math.isfinite(value):
        raise TrainingError(f"step {run.step + 1}: the training loss is {value}: the model diverged (learning "
                            f"rate too high? try a lower --lr or --clip); {run.where_last()}")
    try:
        norm = optimizer_step(run.opt, loss, params, lr, clip)
    except (RuntimeError, FloatingPointError) as e:            # clip_grad_norm_ on a NaN/inf gradient
        raise TrainingError(f"step {run.step + 1}: {e} {run.where_last()}") from e
    if norm is not None and not math.isfinite(norm):          # a clip that only warned: weights are damaged
        raise TrainingError(f"step {run.step + 1}: the gradient norm is {norm}: the model diverged (try a lower "
                            f"--lr); {run.where_last()}")
