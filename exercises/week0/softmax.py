# Generated from solutions/week0/softmax.py by `tglm course build`: fill in the parts that raise NotImplementedError.
# Your edits are safe: the build refuses to overwrite this file unless --force; the reference is solutions/week0/softmax.py.
"""Week 0 warm-up: numerically stable log-sum-exp, softmax and cross-entropy in NumPy.

Shapes: B rows (a batch), V classes (a vocabulary). Reductions run over the LAST axis unless told.
Handles: any number of leading axes; float32 stays float32 (integers become float64).
Does not handle: gradients (week 2 derives them), rows that are entirely -inf, label smoothing,
ignore-index masking (later weeks use tinygrad_lm.functional.cross_entropy).
"""
import numpy as np


def _as_float(x):
    x = np.asarray(x)
    return x if x.dtype.kind == "f" else x.astype(np.float64)


def logsumexp(x, axis=-1):
    """Task 0.2: stable log-sum-exp along one axis.

    TODO: return log(sum(exp(x), axis)) with that axis removed. float32 in, float32 out.

    APPROACH: stuck? `tglm hint 0.2` shows the approach one step at a time.

    EXAMPLE: logsumexp(np.array([1000.0, 1000.0])) -> 1000.6931 (= 1000 + log 2); the naive formula
    gives inf. logsumexp(np.zeros((2, 3)), axis=1) -> [1.0986, 1.0986] (= log 3).

    HINT: take the max with keepdims=True so that x - m broadcasts, then remove the axis from m
    (np.squeeze(m, axis) or m.sum(axis)) before adding it back.
    """
    x = _as_float(x)
    raise NotImplementedError("Week 0, task 0.2: stable log-sum-exp along one axis.")


def softmax(x, axis=-1):
    """Task 0.3: stable softmax along one axis.

    TODO: return exp(x) / sum(exp(x)) along `axis`, same shape and dtype as x.

    APPROACH: stuck? `tglm hint 0.3` shows the approach one step at a time.

    EXAMPLE: softmax(np.array([1000.0, 1001.0])) -> [0.26894142, 0.73105858]; the naive formula
    gives [nan, nan] (inf / inf).

    HINT: keepdims=True on both the max and the sum, so (B, V) - (B, 1) broadcasts.
    """
    x = _as_float(x)
    raise NotImplementedError("Week 0, task 0.3: stable softmax along one axis.")


def cross_entropy(logits, targets):
    """Task 0.4: mean cross-entropy from logits and integer targets.

    TODO: return the float loss = mean over rows b of -log softmax(logits[b])[targets[b]].

    APPROACH: stuck? `tglm hint 0.4` shows the approach one step at a time.

    EXAMPLE: cross_entropy(np.zeros((4, 10)), [1, 2, 3, 4]) -> log(10) = 2.302585 (a uniform guess
    over V classes always costs log V nats — a sanity check for every model in this course).

    HINT: logits[:, targets] is NOT the same thing: it has shape (B, B).
    """
    logits = _as_float(logits)
    targets = np.asarray(targets)
    if logits.ndim != 2 or targets.shape != (logits.shape[0],):
        raise ValueError(f"want logits (B, V) and targets (B,), got {logits.shape} and {targets.shape}")
    if targets.dtype.kind not in "iu":
        raise TypeError(f"targets must be integer class ids, got dtype {targets.dtype}")
    if targets.size and (targets.min() < 0 or targets.max() >= logits.shape[1]):
        raise ValueError(f"targets must lie in [0, V={logits.shape[1]}), got min {targets.min()} max {targets.max()}")
    raise NotImplementedError("Week 0, task 0.4: mean cross-entropy from logits and integer targets.")
