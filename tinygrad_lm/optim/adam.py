"""Adam and AdamW: per-parameter step sizes from running moments of the gradient.

    m = beta1 * m + (1 - beta1) * g                      first moment (mean of g)
    v = beta2 * v + (1 - beta2) * g * g                  second moment (mean of g^2)
    m_hat = m / (1 - beta1**t),  v_hat = v / (1 - beta2**t)   bias correction (m, v start at 0)
    p -= lr * m_hat / (sqrt(v_hat) + eps)

Weight decay is where the two differ:
    Adam:   g = grad + weight_decay * p   before the moments (L2 penalty; decay gets rescaled by v)
    AdamW:  p *= 1 - lr * weight_decay    before the update, "decoupled" (Loshchilov & Hutter 2019)
The arithmetic follows torch.optim.Adam/AdamW (single-tensor path) operation for operation, so
results agree with PyTorch to float32 rounding.

Does not handle: amsgrad, maximize, capturable/fused variants.
"""
import math

import numpy as np

from .optimizer import Optimizer


class Adam(Optimizer):
    _decoupled = False
    _state_spec = {"step": "count", "exp_avg": "array", "exp_avg_sq": "nonneg_array"}

    def _check_hyperparameters(self, group: dict) -> None:
        super()._check_hyperparameters(group)
        betas = group.get("betas")
        if not (isinstance(betas, (list, tuple)) and len(betas) == 2
                and all(isinstance(b, (int, float)) and not isinstance(b, bool) and 0.0 <= b < 1.0 for b in betas)):
            raise ValueError(f"betas must be two numbers in [0, 1), got {betas!r}")
        group["betas"] = tuple(float(b) for b in betas)     # JSON gives a list

    def __init__(self, params, lr: float = 1e-3, betas=(0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0):
        if lr < 0 or eps < 0 or weight_decay < 0:
            raise ValueError(f"{type(self).__name__}: lr, eps, weight_decay must be >= 0")
        if not (0.0 <= betas[0] < 1.0 and 0.0 <= betas[1] < 1.0):
            raise ValueError(f"{type(self).__name__}: betas must be in [0, 1), got {betas}")
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay))

    def _update(self, p, grad, group, state):
        lr, eps, wd = float(group["lr"]), float(group["eps"]), float(group["weight_decay"])
        beta1, beta2 = (float(b) for b in group["betas"])
        if not state:
            state["step"] = 0
            state["exp_avg"] = np.zeros_like(p.data)        # m
            state["exp_avg_sq"] = np.zeros_like(p.data)     # v
        state["step"] += 1
        t, m, v = state["step"], state["exp_avg"], state["exp_avg_sq"]

        if wd and self._decoupled:
            p.data *= 1.0 - lr * wd                        # AdamW: shrink the weights directly
        elif wd:
            grad = grad + wd * p.data                      # Adam: L2 penalty in the gradient

        # The same arithmetic as the formulas above, written with out= into one scratch array so a
        # step allocates nothing (fresh big arrays are slow; this halves the step time at 10M params).
        tmp = self._scratch(p.data)
        np.subtract(grad, m, out=tmp)
        tmp *= 1.0 - beta1
        m += tmp                                           # m = beta1*m + (1-beta1)*g  (torch: lerp)
        np.multiply(grad, grad, out=tmp)
        tmp *= 1.0 - beta2
        v *= beta2
        v += tmp                                           # v = beta2*v + (1-beta2)*g*g
        step_size = lr / (1.0 - beta1 ** t)                # lr / bias correction of m
        np.sqrt(v, out=tmp)
        tmp /= math.sqrt(1.0 - beta2 ** t)
        tmp += eps                                         # sqrt(v_hat) + eps
        np.divide(m, tmp, out=tmp)
        tmp *= step_size
        p.data -= tmp

    def _scratch(self, like: np.ndarray) -> np.ndarray:
        """A reusable work array with like's shape and dtype (grown on demand, never saved)."""
        buf = self.__dict__.get("_buf")
        if buf is None or buf.dtype != like.dtype or buf.size < like.size:
            buf = self._buf = np.empty(like.size, dtype=like.dtype)
        return buf[:like.size].reshape(like.shape)


class AdamW(Adam):
    """Adam with decoupled weight decay; PyTorch's default weight_decay for AdamW is 0.01."""
    _decoupled = True

    def __init__(self, params, lr: float = 1e-3, betas=(0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.01):
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay)
