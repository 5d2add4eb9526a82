"""tinygrad_lm.optim: optimizers, gradient clipping and learning-rate schedules (PyTorch-like).

    opt = optim.AdamW(model.parameters(), lr=3e-4, weight_decay=0.1)
    sched = optim.CosineWarmupLR(opt, warmup_steps=100, total_steps=2000)
    for step in range(2000):
        loss = model(x, y); opt.zero_grad(); loss.backward()
        norm = optim.clip_grad_norm_(model.parameters(), 1.0)
        opt.step(); sched.step()
"""
from .optimizer import Optimizer, weight_decay_groups
from .sgd import SGD
from .adam import Adam, AdamW
from .clip import clip_grad_norm_, clip_grad_value_
from .lr_scheduler import (LRScheduler, LambdaLR, CosineWarmupLR, StepLR, cosine_warmup_lr,
                           linear_warmup_lr)

__all__ = ["Optimizer", "weight_decay_groups", "SGD", "Adam", "AdamW", "clip_grad_norm_", "clip_grad_value_", "LRScheduler",
           "LambdaLR", "CosineWarmupLR", "StepLR", "cosine_warmup_lr", "linear_warmup_lr"]
