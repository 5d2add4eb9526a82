# Generated from solutions/week2/train_loop.py by `tglm course build`: fill in the parts that raise NotImplementedError.
# Your edits are safe: the build refuses to overwrite this file unless --force; the reference is solutions/week2/train_loop.py.
"""Week 2, part 3: the training loop, written once and reused for every classifier this week.

Scope: shuffled mini-batches of indices, one training epoch (train mode: dropout on), evaluation
(eval mode: dropout off, no graph recorded), AdamW, early stopping on the validation loss with the
best weights restored at the end, and a tqdm bar with per-epoch validation metrics.
Does not: schedule the learning rate, clip gradients, checkpoint to disk (sentiment.py does that),
or train on several processes.

The model is any tinygrad_lm.nn.Module mapping a batch of inputs to logits (B, V); the inputs X
can be anything that `X[idx]` slices by an index array: a dense float32 array (B, C), a padded
int64 array of token ids (B, T), or a tinygrad_lm.ops.sparse.CSRMatrix of TF-IDF features.

Shapes: N examples, B batch size, V number of classes.
"""
import copy
import sys

import numpy as np

import tinygrad_lm.functional as F
from tinygrad_lm import Tensor, no_grad
from tinygrad_lm import metrics
from tinygrad_lm.optim import AdamW


def iterate_minibatches(n, batch_size, shuffle=True, rng=None):
    """Task 2.11: yield int64 index arrays that split range(n) into mini-batches.

    TODO: yield arrays idx of at most `batch_size` indices each, such that one pass over the
    generator visits every index in range(n) exactly once. With shuffle=True the order is a random
    permutation drawn from `rng` (a numpy Generator; default np.random.default_rng(0)), so two
    passes with the same rng give two DIFFERENT orders; with shuffle=False the order is 0..n-1.
    The last batch may be smaller (n=10, batch_size=4 -> sizes 4, 4, 2).

    APPROACH: stuck? `tglm hint 2.11` shows the approach one step at a time.

    HINT: shuffling every epoch matters: with a fixed order the model sees the same batches in the
    same sequence, and the last batches of an epoch always pull the weights the same way.
    """
    raise NotImplementedError("Week 2, task 2.11: yield int64 index arrays that split range(n) into mini-batches.")


@no_grad()
def predict_logits(model, X, batch_size=1024):
    """Logits (N, V) for all of X, in eval mode and without recording a graph (given)."""
    was_training = model.training
    model.eval()
    n = X.shape[0] if hasattr(X, "shape") else len(X)
    out = [model(X[idx]).data for idx in iterate_minibatches(n, batch_size, shuffle=False)]
    model.train(was_training)
    return np.concatenate(out, axis=0)


def evaluate(model, X, y, batch_size=1024):
    """(mean cross-entropy loss, accuracy, macro-F1, predictions) of the model on X, y (given)."""
    logits = predict_logits(model, X, batch_size)                              # (N, V)
    loss = float(F.cross_entropy(Tensor(logits), Tensor(y)).item())
    pred = logits.argmax(axis=1)
    n_classes = logits.shape[1]
    return loss, metrics.accuracy(y, pred), metrics.f1_score(y, pred, "macro", n_classes), pred


def train_classifier(model, X_train, y_train, X_val, y_val, epochs=10, batch_size=64, lr=1e-3,
                     weight_decay=0.01, patience=2, seed=0, progress=True):
    """Task 2.12: train `model` with AdamW on mini-batches; early-stop on the validation loss.

    TODO: return a history dict with
        "train_loss": the loss of every training step (list of floats),
        "val_loss", "val_acc", "val_f1": one value per finished epoch (use `evaluate`),
        "best_epoch": the index (0-based) of the epoch with the lowest validation loss,
    and leave the model holding the weights of that best epoch, in eval mode.

    APPROACH: stuck? `tglm hint 2.12` shows the approach one step at a time.

    HINT: model.state_dict() returns the live weight arrays, not a copy: without deepcopy your
    "best" weights keep changing as training continues. Use `Tensor(y_train[idx])` for targets.
    When progress=True, wrap the batches in tqdm (file=sys.stdout) and print a line per epoch.
    """
    raise NotImplementedError("Week 2, task 2.12: train `model` with AdamW on mini-batches; early-stop on the validation loss.")
