"""Learning-rate schedules: plain functions lr(step), and scheduler objects that drive an optimizer.

The schedule of GPT-style training is linear warmup then cosine decay to a floor:

    lr
    max |      ____
        |    /      `-.
        |   /          `.
        |  /             `-._______  min_lr
        +--|---------------|---------> step
         warmup_steps   total_steps

Functions take the step index (0-based: the step about to be taken) and return a learning rate.
Scheduler objects follow PyTorch: construct after the optimizer (it sets the lr for step 0), call
`optimizer.step()` then `scheduler.step()` once per training step. They scale each param group's
`initial_lr`, so groups with different learning rates keep their ratio.

Does not handle: epoch-based schedulers, ReduceLROnPlateau, chaining.
"""
import math


def cosine_warmup_lr(step: int, max_lr: float, warmup_steps: int, total_steps: int,
                     min_lr: float = 0.0, progress: float = None) -> float:
    """Linear warmup to max_lr over warmup_steps steps, then cosine decay to min_lr at total_steps,
    then constant min_lr. The one schedule every trainer of this library uses.

        warmup:  lr = max_lr * (step + 1) / (warmup_steps + 1)                  (nanoGPT's formula)
        decay:   lr = min_lr + (max_lr - min_lr) * (1 + cos(pi * p)) / 2,  p = (step - warmup) / (total - warmup)

    progress: for a run with a wall-clock budget, pass p in [0, 1] directly (how far the run is,
    by time or steps, whichever is further) and it replaces the step-based p after the warmup.
    EXAMPLE: max_lr=1e-3, warmup_steps=9, total_steps=109: step 0 -> 1e-4, step 8 -> 9e-4,
    step 9 -> 1e-3, step 59 -> (1e-3 + min_lr) / 2, step >= 109 -> min_lr.
    """
    if warmup_steps < 0 or total_steps < warmup_steps:
        raise ValueError(f"need 0 <= warmup_steps <= total_steps, got {warmup_steps}, {total_steps}")
    if step < warmup_steps:
        return max_lr * (step + 1) / (warmup_steps + 1)
    if progress is None:
        if step >= total_steps:
            return min_lr
        progress = (step - warmup_steps) / max(1, total_steps - warmup_steps)     # 0 -> 1
    progress = min(1.0, max(0.0, progress))
    return min_lr + 0.5 * (max_lr - min_lr) * (1.0 + math.cos(math.pi * progress))


def linear_warmup_lr(step: int, max_lr: float, warmup_steps: int) -> float:
    """Linear warmup to max_lr, then constant."""
    return max_lr * min(1.0, (step + 1) / warmup_steps) if warmup_steps > 0 else max_lr


class LRScheduler:
    """Sets every group's lr to initial_lr * factor(step) for step = 0, 1, 2, ...

    factor: function step -> multiplier (like torch.optim.lr_scheduler.LambdaLR's lr_lambda).
    """

    def __init__(self, optimizer, factor=None):
        self.optimizer = optimizer
        if factor is not None:
            self.factor = factor
        for group in optimizer.param_groups:
            group.setdefault("initial_lr", group["lr"])
        self.base_lrs = [g["initial_lr"] for g in optimizer.param_groups]
        self.last_step = 0
        self._apply()

    def factor(self, step: int) -> float:
        return 1.0

    def _apply(self):
        f = float(self.factor(self.last_step))
        for group, base in zip(self.optimizer.param_groups, self.base_lrs):
            group["lr"] = base * f
        self._last_lr = [g["lr"] for g in self.optimizer.param_groups]

    def step(self) -> None:
        """Advance to the next training step (call after optimizer.step())."""
        self.last_step += 1
        self._apply()

    def get_last_lr(self) -> list:
        return list(self._last_lr)

    def state_dict(self) -> dict:
        return {"last_step": self.last_step, "base_lrs": list(self.base_lrs)}

    def load_state_dict(self, state: dict) -> None:
        """Restore last_step and base_lrs (validated first: an int step >= 0, one finite lr >= 0 per group)."""
        if not isinstance(state, dict):
            raise ValueError(f"scheduler state must be a dict, got {type(state).__name__}")
        step, lrs = state.get("last_step"), state.get("base_lrs")
        if isinstance(step, bool) or not isinstance(step, int) or step < 0:
            raise ValueError(f"scheduler state: last_step must be an integer >= 0, got {step!r}")
        if not (isinstance(lrs, list) and len(lrs) == len(self.optimizer.param_groups) and all(
                isinstance(b, (int, float)) and not isinstance(b, bool) and math.isfinite(b) and b >= 0 for b in lrs)):
            raise ValueError(f"scheduler state: base_lrs must be {len(self.optimizer.param_groups)} finite "
                             f"learning rates >= 0 (one per param group), got {lrs!r}")
        self.last_step = step
        self.base_lrs = [float(b) for b in lrs]
        self._apply()


LambdaLR = LRScheduler


class CosineWarmupLR(LRScheduler):
    """Linear warmup then cosine decay to min_lr_ratio * initial_lr (see cosine_warmup_lr)."""

    def __init__(self, optimizer, warmup_steps: int, total_steps: int, min_lr_ratio: float = 0.1):
        self.warmup_steps, self.total_steps, self.min_lr_ratio = warmup_steps, total_steps, min_lr_ratio
        cosine_warmup_lr(0, 1.0, warmup_steps, total_steps)         # validates the arguments
        super().__init__(optimizer)

    def factor(self, step: int) -> float:
        return cosine_warmup_lr(step, 1.0, self.warmup_steps, self.total_steps, self.min_lr_ratio)


class StepLR(LRScheduler):
    """Multiply the lr by gamma every step_size steps."""

    def __init__(self, optimizer, step_size: int, gamma: float = 0.1):
        self.step_size, self.gamma = step_size, gamma
        super().__init__(optimizer)

    def factor(self, step: int) -> float:
        return self.gamma ** (step // self.step_size)
