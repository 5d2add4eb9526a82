"""Week 2 autograder, part 3: mini-batches and the training loop (tasks 2.11-2.12).

The loop is graded on a small synthetic 3-class problem (Gaussian blobs in 2-D) so it runs in
seconds; the same loop then trains the airline-tweet classifier in sentiment.py.

Typical mistakes (docs/course/mistakes.md, mutation-tested by tests/test_mutants.py) fail with a first
line that names them; where a mistake shows in only some inputs, every test of the task runs a shared
screen first, so the mistake costs the whole task.
"""
import numpy as np
import pytest

import tinygrad_lm.functional as F
from tinygrad_lm import Tensor, manual_seed, nn
from tinygrad_lm.course import assert_close, assert_equal, current_impl, load

mod = load("week2.train_loop")


# ---- 2.11 ---------------------------------------------------------------------------------------
@pytest.mark.task("2.11", points=1, title="shuffled mini-batches of indices")
def test_minibatches_cover_everything_once():
    batches = list(mod.iterate_minibatches(10, 4, shuffle=True, rng=np.random.default_rng(0)))
    assert_equal([len(b) for b in batches], [4, 4, 2], name="batch sizes for n=10, batch_size=4")
    allidx = np.concatenate(batches)
    assert_equal(sorted(allidx.tolist()), list(range(10)), name="sorted(all indices of one pass)",
                 hint="every index 0..n-1 exactly once per pass: slice one permutation")
    assert not np.array_equal(allidx, np.arange(10)), "shuffle=True returned the indices in order 0..9"


@pytest.mark.task("2.11", points=1)
def test_minibatches_order_and_reshuffle():
    batches = list(mod.iterate_minibatches(7, 3, shuffle=False))
    assert_equal([b.tolist() for b in batches], [[0, 1, 2], [3, 4, 5], [6]], name="shuffle=False batches")
    rng = np.random.default_rng(1)
    first = np.concatenate(list(mod.iterate_minibatches(50, 8, shuffle=True, rng=rng)))
    second = np.concatenate(list(mod.iterate_minibatches(50, 8, shuffle=True, rng=rng)))
    assert not np.array_equal(first, second), \
        "two passes with the same rng gave the same order: draw a new permutation from rng on every pass"
    again = np.concatenate(list(mod.iterate_minibatches(50, 8, shuffle=True, rng=np.random.default_rng(1))))
    assert_equal(again, first, name="order with a fresh rng of the same seed",
                 hint="use the rng you are given (rng.permutation), not np.random")


# ---- 2.12 ---------------------------------------------------------------------------------------
def blobs(n, seed, noise=0.6):
    rng = np.random.default_rng(seed)
    centers = np.array([[0.0, 2.0], [-2.0, -1.0], [2.0, -1.0]], dtype=np.float32)
    y = rng.integers(0, 3, n).astype(np.int64)
    X = (centers[y] + noise * rng.standard_normal((n, 2))).astype(np.float32)
    return X, y


class Spy(nn.Module):
    """An MLP with dropout that records the training flag and the batch of every call."""

    def __init__(self, C_in=2, H=32, V=3):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(C_in, H), nn.ReLU(), nn.Dropout(0.2), nn.Linear(H, V))
        self.calls = []

    def forward(self, x):
        x = np.asarray(x)
        self.calls.append((self.training, x.shape[0], float(x[0, 0])))
        return self.net(Tensor(x))


def _grad_norm(params):
    return float(np.sqrt(sum(float((p.grad ** 2).sum()) for p in params if p.grad is not None)))


_SCREENED = set()          # implementations whose loop passed the screen (it runs once per session)


def _loop_screen():
    """Run first by every 2.12 test: the typical loop mistakes (docs/course/mistakes.md) fail the WHOLE task.

    1. zero_grad: with lr=0 the weights never move, so after one epoch the parameters' .grad is at most one
       mini-batch gradient (about the full-batch gradient, ratio ~1); without zero_grad it is the sum of all
       19 steps' gradients (ratio ~19).
    2. the best weights: on random labels the val loss stops improving early; the returned model must have
       the best epoch's val loss (a copy of the weights, not the live arrays of state_dict()).
    """
    impl = current_impl()
    if impl in _SCREENED:
        return
    manual_seed(0)
    Xtr, ytr = blobs(600, 1)
    Xva, yva = blobs(200, 2)
    model = Spy()
    mod.train_classifier(model, Xtr, ytr, Xva, yva, epochs=1, batch_size=32, lr=0.0, weight_decay=0.0,
                         patience=2, seed=0, progress=False)
    left = _grad_norm(model.parameters())
    for p in model.parameters():
        p.grad = None
    model.eval()
    F.cross_entropy(model(Xtr), Tensor(ytr)).backward()
    ratio = left / _grad_norm(model.parameters())
    if ratio > 4:
        raise AssertionError(
            f"train_classifier: after 19 steps with lr=0 the parameters' .grad is {ratio:.1f}x the full-batch "
            f"gradient: gradients piled up over the steps; call opt.zero_grad() before loss.backward()\n"
            f"  hint: backward() ADDS into .grad (a parameter used twice needs that), so every step must start "
            f"from zero; one step's gradient is about 1x")
    manual_seed(0)
    rng = np.random.default_rng(3)
    X = rng.standard_normal((200, 2)).astype(np.float32)
    y = rng.integers(0, 3, 200)                                       # random labels: val loss soon stops improving
    model = Spy(H=64)
    hist = mod.train_classifier(model, X[:100], y[:100], X[100:], y[100:], epochs=30, batch_size=16, lr=3e-2,
                                weight_decay=0.0, patience=2, seed=0, progress=False)
    best = float(min(hist["val_loss"]))
    final = float(mod.evaluate(model, X[100:], y[100:])[0])
    if not np.isclose(final, best, atol=1e-5):
        raise AssertionError(
            f"train_classifier returned weights with val loss {final:.5f}, not the best epoch's {best:.5f}: keep "
            f"best_state = copy.deepcopy(model.state_dict()) and load it back at the end\n"
            f"  hint: state_dict() returns the LIVE weight arrays; without deepcopy the 'best' weights keep "
            f"changing as training goes on")
    _SCREENED.add(impl)


def _train(**kw):
    manual_seed(0)
    Xtr, ytr = blobs(600, 1)
    Xva, yva = blobs(200, 2)
    model = Spy()
    args = dict(epochs=6, batch_size=32, lr=1e-2, weight_decay=0.0, patience=2, seed=0, progress=False)
    args.update(kw)
    hist = mod.train_classifier(model, Xtr, ytr, Xva, yva, **args)
    return model, hist, (Xtr, ytr, Xva, yva)


@pytest.mark.task("2.12", points=3, title="training loop: AdamW, eval mode, early stopping")
def test_train_classifier_learns():
    _loop_screen()
    model, hist, (Xtr, ytr, Xva, yva) = _train()
    assert isinstance(hist, dict), f"train_classifier must return a history dict, got {type(hist).__name__}"
    for key in ("train_loss", "val_loss", "val_acc", "val_f1", "best_epoch"):
        assert key in hist, f"history is missing key {key!r} (has {sorted(hist)})"
    n_epochs, n_steps = len(hist["val_loss"]), len(hist["train_loss"])
    assert n_epochs <= 6, f"expected at most 6 val losses (one per epoch, epochs=6), got {n_epochs}"
    assert n_epochs == 6, (f"training stopped after {n_epochs} of 6 epochs: early stopping fired, but with a "
                           f"correct loop the val loss keeps improving within 6 epochs on these easy blobs (val losses "
                           f"{[round(v, 3) for v in hist['val_loss']]}). Usual cause: a missing opt.zero_grad() "
                           f"before loss.backward(), so gradients pile up over steps. Otherwise check that "
                           f"`patience` counts epochs WITHOUT improvement (reset the count when val loss improves)")
    assert n_steps == 6 * 19, (f"expected 6 epochs x ceil(600/32) = 19 steps = 114 train losses, got {n_steps}; "
                               "append one loss per mini-batch step (the last batch may be smaller than 32)")
    assert np.mean(hist["train_loss"][-19:]) < 0.5 * hist["train_loss"][0], \
        f"train loss barely fell: first step {hist['train_loss'][0]:.3f}, last epoch mean " \
        f"{np.mean(hist['train_loss'][-19:]):.3f}. Is opt.step() called after loss.backward(), and " \
        f"opt.zero_grad() before it?"
    assert max(hist["val_acc"]) > 0.9, f"val accuracy only reached {max(hist['val_acc']):.3f} on easy blobs"


@pytest.mark.task("2.12", points=3)
def test_train_eval_modes_and_batches():
    _loop_screen()
    model, hist, (Xtr, *_ ) = _train(epochs=2)
    train_calls = [c for c in model.calls if c[1] <= 32 and c[0]]
    assert len(train_calls) == 2 * 19, (f"expected 38 calls in train mode with batches of <= 32 examples, "
                                        f"got {len(train_calls)}: call model.train() before each epoch's batches")
    assert sum(c[1] for c in train_calls) == 2 * 600, "each epoch must see every training example exactly once"
    eval_calls = [c for c in model.calls if not c[0]]
    assert eval_calls, "the model was never called in eval mode: evaluate() / model.eval() for validation"
    firsts = [c[2] for c in model.calls if c[0]]
    assert firsts[0] != firsts[19], "epoch 2 started with the same example as epoch 1: shuffle every epoch"
    assert not model.training, "return the model in eval mode (model.eval())"


@pytest.mark.task("2.12", points=3)
def test_early_stopping_restores_best():
    _loop_screen()
    manual_seed(0)
    rng = np.random.default_rng(3)
    Xtr = rng.standard_normal((300, 2)).astype(np.float32)
    ytr = rng.integers(0, 3, 300)                                     # random labels: val loss cannot improve long
    Xva = rng.standard_normal((300, 2)).astype(np.float32)
    yva = rng.integers(0, 3, 300)
    model = Spy(H=128)
    hist = mod.train_classifier(model, Xtr, ytr, Xva, yva, epochs=40, batch_size=16, lr=3e-2,
                                weight_decay=0.0, patience=2, seed=0, progress=False)
    n_ep = len(hist["val_loss"])
    assert n_ep < 40, "training ran all 40 epochs on random labels: stop after `patience` epochs without improvement"
    best = int(np.argmin(hist["val_loss"]))
    assert hist["best_epoch"] == best, f"best_epoch is {hist['best_epoch']} but the lowest val loss is at epoch {best}"
    assert n_ep == best + 1 + 2, (f"with patience=2 training should stop 2 epochs after the best epoch "
                                  f"({best}), i.e. after {best + 3} epochs; it ran {n_ep}")
    final = mod.evaluate(model, Xva, yva)[0]
    assert_close(final, hist["val_loss"][best], atol=1e-5, name="val loss of the returned model",
                 hint="restore the best weights at the end: model.load_state_dict(best_state), with "
                      "best_state = copy.deepcopy(model.state_dict()) (state_dict() returns live arrays)")
