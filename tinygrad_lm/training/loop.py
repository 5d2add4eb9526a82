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
leaves the previous version intact.

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

from tqdm import tqdm

from ..checkpoints.checkpoint import load_checkpoint, save_checkpoint
from ..optim import clip_grad_norm_
from ..plot import line_chart


def optimizer_step(opt, loss, params, lr: float, clip: float) -> float:
    """lr -> zero_grad -> backward -> clip the global gradient norm to `clip` -> step. Returns the norm."""
    for g in opt.param_groups:
        g["lr"] = lr
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


def write_json(path, obj) -> None:
    """json.dump to `path` atomically (temporary file in the same folder, then os.replace)."""
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(obj, f, indent=1)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


class Run:
    """One training run's directory and bookkeeping (step, best validation loss, history)."""

    def __init__(self, out: str, model, opt, config: dict, title: str = "", save_best_optimizer: bool = True):
        self.out, self.model, self.opt, self.config, self.title = out, model, opt, config, title
        self.save_best_optimizer = save_best_optimizer          # False: best.safetensors holds weights only
        self.step, self.best, self.elapsed0, self.history, self.state = 0, math.inf, 0.0, [], {}
        self.extra_meta = None                                  # losses -> {str: str} for the checkpoint metadata
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
        self.history = json.loads(meta.get("history", "[]"))
        self.state = json.loads(meta.get("state", "{}"))

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
        if improved:
            save_checkpoint(self.path("best.safetensors"), self.model,
                            self.opt if self.save_best_optimizer else None, self.step, self.config, extra=extra)
        write_json(self.path("history.json"), self.history)
        steps = [h["step"] for h in self.history]
        series = {f"{k} loss": (steps, [h[f"{k}_loss"] for h in self.history]) for k in losses}
        line_chart(series, self.path("loss.svg"), title=self.title, xlabel="step", ylabel="loss (nats/token)")
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
    while progress(run.step, seconds()) < 1.0:
        lr = lr_at(run.step, progress(run.step, seconds()))
        loss, n_tokens = next_loss()
        optimizer_step(run.opt, loss, params, lr, clip)
        run.step += 1
        tokens += n_tokens
        bar.update(1)
        if run.step % 10 == 0:
            now = time.perf_counter()
            bar.set_postfix(loss=f"{loss.item():.3f}", lr=f"{lr:.1e}", **{f"{unit}_s": f"{tokens / (now - t_mark):,.0f}"})
            tokens, t_mark = 0, now
        if run.step % eval_every == 0 or progress(run.step, seconds()) >= 1.0:
            elapsed = seconds()
            losses = evaluate()
            improved = run.save(losses, elapsed, save_state(), lr=lr, batch_loss=float(loss.item()))
            train = f"train {losses['train']:.4f} | " if "train" in losses else f"batch {loss.item():.4f} | "
            bar.write(f"step {run.step:6d} | {elapsed:6.0f}s | lr {lr:.1e} | {train}val {losses['val']:.4f}"
                      f"{'  (best, saved)' if improved else ''}")
            if on_eval is not None:
                on_eval(run, bar.write)
    bar.close()
    return seconds()
