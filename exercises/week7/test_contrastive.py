"""Week 7 autograder: CLIP's contrastive loss (7.5) and its gradients (7.6), against the library's
autograd version (tinygrad_lm/models/clip.py clip_loss on float64 Tensors)."""
import math

import numpy as np
import pytest

from tinygrad_lm import functional as F
from tinygrad_lm.course import assert_close, load
from tinygrad_lm.models.clip import clip_loss as library_loss
from tinygrad_lm.tensor import Tensor

mod = load("week7.contrastive")


def _unit(a):
    return a / np.linalg.norm(a, axis=1, keepdims=True)


def _library(I, T, t):
    """Loss and gradients (dI, dT, dt) of unit embeddings I, T by autograd, float64."""
    It, Tt = Tensor(I, requires_grad=True, dtype=np.float64), Tensor(T, requires_grad=True, dtype=np.float64)
    tt = Tensor(np.array(t, np.float64), requires_grad=True, dtype=np.float64)
    loss = library_loss(It, Tt, F.clamp(tt.exp(), max=100.0))
    loss.backward()
    return loss.item(), It.grad, Tt.grad, float(tt.grad)


@pytest.mark.task("7.5", points=2, title="clip_loss: symmetric contrastive loss")
def test_clip_loss():
    eye = np.eye(2)
    got = mod.clip_loss(eye, eye, math.log(10))
    assert_close(got, math.log1p(math.exp(-10)), atol=1e-12, name="clip_loss(I = T = identity, s = 10)")
    rng = np.random.default_rng(0)
    for B, E in ((2, 3), (5, 4), (16, 8)):
        x, y = rng.normal(size=(B, E)), rng.normal(size=(B, E))
        t = math.log(1 / 0.07)
        want = _library(_unit(x), _unit(y), t)[0]
        got = mod.clip_loss(x, y, t)
        I, T = _unit(x), _unit(y)
        Z = np.exp(t) * I @ T.T
        rows = float(np.mean(np.log(np.exp(Z).sum(1)) - np.diag(Z)))
        if np.isclose(got, rows) and not np.isclose(rows, want):
            pytest.fail("clip_loss used only the rows (image -> text); CLIP averages it with the column "
                        "direction (text -> image): cross-entropy of Z.T with the same diagonal targets")
        raw = x @ y.T * np.exp(t)                                      # logits of unnormalised features
        ce = lambda z: float(np.mean(np.log(np.exp(z - z.max(1, keepdims=True)).sum(1)) + z.max(1) - np.diag(z)))
        unnormalised = (ce(raw), (ce(raw) + ce(raw.T)) / 2)            # rows only, or both directions
        if np.isclose(got, unnormalised, rtol=1e-6).any() and not np.isclose(got, want):
            pytest.fail("clip_loss did not normalise the features: CLIP's logits are cosine similarities "
                        "(unit rows) times the scale")
        assert_close(got, want, atol=1e-9, rtol=1e-9, name=f"clip_loss of random (B={B}, E={E}) features")
    x, y = rng.normal(size=(8, 4)), rng.normal(size=(8, 4))
    got = mod.clip_loss(x, y, math.log(500.0))
    want = _library(_unit(x), _unit(y), math.log(500.0))[0]
    if not np.isfinite(got):
        pytest.fail("clip_loss is not finite at s = 100: subtract the row maximum before exp")
    assert_close(got, want, atol=1e-9, rtol=1e-9, name="clip_loss with exp(t) = 500 (the scale is clamped at 100)",
                 hint="s = min(exp(t), 100): CLIP clamps the temperature so the logits stay in [-100, 100]")
    with pytest.raises(ValueError):
        mod.clip_loss(np.ones((3, 4)), np.ones((2, 4)), 0.0)


@pytest.mark.task("7.6", points=2, title="clip_loss_backward: gradients of the contrastive loss")
def test_clip_loss_backward():
    dI, dT, dt = mod.clip_loss_backward(np.ones((1, 3)) / math.sqrt(3), np.ones((1, 3)) / math.sqrt(3), 1.0)
    assert_close(dI, np.zeros((1, 3)), atol=1e-12, name="dI of a batch of one (no negatives: zero)")
    rng = np.random.default_rng(1)
    for B, E, t in ((3, 4, math.log(1 / 0.07)), (6, 5, 0.3), (4, 8, math.log(300.0))):
        I, T = _unit(rng.normal(size=(B, E))), _unit(rng.normal(size=(B, E)))
        _, wI, wT, wt = _library(I, T, t)
        dI, dT, dt = mod.clip_loss_backward(I, T, t)
        if math.exp(t) > 100 and not np.isclose(dt, 0.0, atol=1e-10):
            pytest.fail(f"dt = {float(dt):.4g} although exp(t) = {math.exp(t):.0f} is clamped at 100: the clamp "
                        f"is flat there, so dL/dt = 0 (below the clamp dt = sum(dZ * Z))")
        s = min(math.exp(t), 100)
        Z = s * I @ T.T
        Pr = np.exp(Z - Z.max(1, keepdims=True))
        Pr /= Pr.sum(1, keepdims=True)
        only_rows = s * ((Pr - np.eye(B)) / B) @ T
        if np.allclose(dI, only_rows) and not np.allclose(only_rows, wI):
            pytest.fail("dI holds only the row (image -> text) term; add the column softmax's (P_c - Id) / (2B) "
                        "and halve the row term")
        Pc = np.exp(Z - Z.max(0, keepdims=True))
        Pc /= Pc.sum(0, keepdims=True)
        transposed = s * (((Pr - np.eye(B)) + (Pc - np.eye(B)).T) / (2 * B)) @ T
        if np.allclose(dI, transposed) and not np.allclose(transposed, wI):
            pytest.fail("dI: the column term was transposed; Z[i, j] is the same entry in both losses, so "
                        "dZ = ((P_r - Id) + (P_c - Id)) / (2B) with P_c the softmax down each column")
        assert_close(dI, wI, atol=1e-10, name=f"dI (B={B}, E={E}, exp(t)={math.exp(t):.1f})")
        assert_close(dT, wT, atol=1e-10, name=f"dT (B={B}, E={E}, exp(t)={math.exp(t):.1f})")
        assert_close(dt, wt, atol=1e-10, name=f"dt (B={B}, exp(t)={math.exp(t):.1f})",
                     hint="dt = sum(dZ * Z) below the clamp, 0 when exp(t) > 100")
