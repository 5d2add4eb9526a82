"""The performance-critical core: the public kernel API used by Tensor ops.

PLACEHOLDER (to be replaced by the Numba kernels): every function below currently runs its plain
NumPy twin. The contract that Tensor ops rely on, and that must not change:

    matmul(a, b)                       (..., M, K) @ (..., K, N) -> (..., M, N), batch dims broadcast
    softmax(x)                         softmax over the last axis
    log_softmax(x)                     log-softmax over the last axis
    cross_entropy(logits, targets, ignore_index=-100, need_grad=True)
        logits (N, V) float, targets (N,) int64 -> (loss, dlogits)
        loss = mean over non-ignored rows of -log softmax(logits)[n, targets[n]] (0.0 if all ignored)
        dlogits = d loss / d logits, shape (N, V), or None when need_grad is False
    layer_norm_forward(x, weight, bias, eps) x (N, C) -> (y (N, C), mean (N,), rstd (N,))
    layer_norm_backward(dy, x, weight, mean, rstd) -> (dx (N, C), dweight (C,), dbias (C,))

Rules: the Numba kernels are float32-only; any other dtype (float64 in gradcheck) runs the twin.
Inputs are validated here, before any kernel call, with errors that name shapes and dtypes.
"""
import numpy as np


def matmul(a, b):
    return np.matmul(a, b)


def softmax(x):
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def log_softmax(x):
    z = x - x.max(axis=-1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))


def cross_entropy(logits, targets, ignore_index=-100, need_grad=True):
    N, V = logits.shape
    keep = targets != ignore_index
    count = int(keep.sum())
    logp = log_softmax(logits)
    safe_t = np.where(keep, targets, 0)
    picked = logp[np.arange(N), safe_t]
    loss = -(picked * keep).sum() / max(count, 1)
    if not need_grad:
        return logits.dtype.type(loss), None
    d = np.exp(logp)
    d[np.arange(N), safe_t] -= 1
    d *= (keep / max(count, 1)).astype(logits.dtype)[:, None]
    return logits.dtype.type(loss), d


def layer_norm_forward(x, weight, bias, eps=1e-5):
    mean = x.mean(axis=-1)
    var = ((x - mean[:, None]) ** 2).mean(axis=-1)
    rstd = 1.0 / np.sqrt(var + eps)
    xhat = (x - mean[:, None]) * rstd[:, None]
    return xhat * weight + bias, mean, rstd.astype(x.dtype)


def layer_norm_backward(dy, x, weight, mean, rstd):
    xhat = (x - mean[:, None]) * rstd[:, None]
    dweight = (dy * xhat).sum(axis=0)
    dbias = dy.sum(axis=0)
    g = dy * weight
    dx = rstd[:, None] * (g - g.mean(axis=-1, keepdims=True) - xhat * (g * xhat).mean(axis=-1, keepdims=True))
    return dx, dweight, dbias
