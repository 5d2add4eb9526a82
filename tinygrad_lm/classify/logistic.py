"""Multinomial (softmax) logistic regression with an L2 penalty, trained by the engine.

Model and loss, for a mini-batch of B documents (x: sparse (B, V)):
    logits = x @ W + b                                    (B, K)   sparse_matmul: a Numba CSR kernel
    loss   = mean_i cross_entropy(logits_i, y_i) + 0.5 * l2 * ||W||^2
The gradient comes from autograd (sparse_matmul's backward is X^T @ dlogits, also sparse), the
update from tinygrad_lm.optim (Adam by default; SGD available). The bias is not penalized.
Relation to liblinear / scikit-learn's C: their objective C * sum_i loss_i + 0.5 ||w||^2 has the same
minimizer as ours with l2 = 1 / (C * N).

Handles: any number of classes K >= 2, CSRMatrix or dense input, seeded shuffling, a progress
callback, learning-rate decay (linear to 0 over training, which lets Adam settle at the optimum).
Does not handle: L1 / elastic net, class weights, early stopping, a second-order solver (L-BFGS).

Legend: N documents, B batch, V features, K classes.
"""
import numpy as np

from .. import functional as F
from ..optim import SGD, Adam
from ..ops.sparse import sparse_matmul
from ._inputs import fit_inputs, predict_inputs
from ..tensor import Tensor, no_grad


class LogisticRegression:
    def __init__(self, l2: float = 1e-4, lr: float = 0.02, epochs: int = 8, batch_size: int = 64,
                 optimizer: str = "adam", seed: int = 0):
        if optimizer not in ("adam", "sgd"):
            raise ValueError(f"optimizer must be 'adam' or 'sgd', got {optimizer!r}")
        self.l2, self.lr, self.epochs, self.batch_size = l2, lr, epochs, batch_size
        self.optimizer, self.seed = optimizer, seed
        self.W = self.b = None
        self.losses_ = []                                       # mean training loss per epoch

    def fit(self, X, y, n_classes: int = None, progress=None):
        """Train on X (N, V) and integer labels y (N,). progress(iterable) may wrap the epoch loop."""
        X, y, K = fit_inputs(X, y, n_classes)
        N, V = X.shape
        self.W = Tensor(np.zeros((V, K), dtype=np.float32), requires_grad=True)   # (V, K); zeros: convex problem
        self.b = Tensor(np.zeros(K, dtype=np.float32), requires_grad=True)        # (K,)
        opt = (Adam if self.optimizer == "adam" else SGD)([self.W, self.b], lr=self.lr)
        rng = np.random.default_rng(self.seed)
        steps_per_epoch = (N + self.batch_size - 1) // self.batch_size
        total, step = self.epochs * steps_per_epoch, 0
        epochs = range(self.epochs)
        for _ in (progress(epochs) if progress is not None else epochs):
            order, epoch_loss = rng.permutation(N), 0.0
            for s in range(0, N, self.batch_size):
                idx = order[s:s + self.batch_size]
                xb, yb = X.rows(idx), y[idx]                    # (B, V) sparse, (B,)
                logits = sparse_matmul(xb, self.W) + self.b     # (B, K)
                loss = F.cross_entropy(logits, yb) + (self.W * self.W).sum() * (0.5 * self.l2)
                opt.zero_grad()
                loss.backward()
                for group in opt.param_groups:                  # linear decay to 0
                    group["lr"] = self.lr * (1.0 - step / total)
                opt.step()
                step += 1
                epoch_loss += loss.item() * len(idx)
            self.losses_.append(epoch_loss / N)
        return self

    def decision_function(self, X) -> np.ndarray:
        """(N, K) logits."""
        if self.W is None:
            raise RuntimeError("LogisticRegression: call fit() first")
        with no_grad():
            return predict_inputs(X, self.W.shape[0], "LogisticRegression").matmul(self.W.data) + self.b.data

    def predict_proba(self, X) -> np.ndarray:
        z = self.decision_function(X)
        e = np.exp(z - z.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)

    def predict(self, X) -> np.ndarray:
        return np.argmax(self.decision_function(X), axis=1).astype(np.int64)

    @property
    def coef_(self) -> np.ndarray:
        """(K, V) weights, scikit-learn's layout."""
        return self.W.data.T
