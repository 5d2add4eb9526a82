"""Stochastic gradient descent with optional momentum, Nesterov momentum and L2 weight decay.

Same update as torch.optim.SGD (dampening=0):
    g = grad + weight_decay * p                       (L2 penalty folded into the gradient)
    buf = g                 on the first step          (momentum buffer)
    buf = momentum * buf + g  afterwards
    g = g + momentum * buf  if nesterov else buf
    p -= lr * g

Does not handle: dampening, maximize.
"""
from .optimizer import Optimizer


class SGD(Optimizer):
    _state_spec = {"momentum_buffer": "array"}          # absent without momentum

    def _check_hyperparameters(self, group: dict) -> None:
        super()._check_hyperparameters(group)
        if not isinstance(group.get("nesterov"), bool):
            raise ValueError(f"nesterov must be true or false, got {group.get('nesterov')!r}")
        if group["nesterov"] and not group.get("momentum", 0) > 0:
            raise ValueError("nesterov=True needs momentum > 0")
    def __init__(self, params, lr: float = 1e-3, momentum: float = 0.0, weight_decay: float = 0.0,
                 nesterov: bool = False):
        if lr < 0 or momentum < 0 or weight_decay < 0:
            raise ValueError(f"SGD: lr, momentum and weight_decay must be >= 0, got {lr}, {momentum}, {weight_decay}")
        if nesterov and momentum <= 0:
            raise ValueError("SGD: nesterov=True needs momentum > 0")
        super().__init__(params, dict(lr=lr, momentum=momentum, weight_decay=weight_decay, nesterov=nesterov))

    def _update(self, p, grad, group, state):
        lr, mu, wd = float(group["lr"]), float(group["momentum"]), float(group["weight_decay"])
        g = grad
        if wd:
            g = g + wd * p.data
        if mu:
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = state["momentum_buffer"] = g.copy()
            else:
                buf *= mu
                buf += g
            g = g + mu * buf if group["nesterov"] else buf
        p.data -= lr * g
