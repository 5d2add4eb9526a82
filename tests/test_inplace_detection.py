"""Editing a tensor's data between the forward pass and backward() raises instead of giving silently
wrong gradients (tensor.py: version counter for `.data` assignments, checksums of leaf inputs)."""
import numpy as np
import pytest

import tinygrad_lm.functional as F
from tinygrad_lm import Tensor, nn, optim
from tinygrad_lm.gradcheck import gradcheck


def _w(shape=(3, 4)):
    return nn.Parameter(np.random.default_rng(0).standard_normal(shape).astype(np.float32))


@pytest.mark.parametrize("edit", [lambda a: a.__setitem__((0, 0), 5.0),          # raw element write
                                  lambda a: np.copyto(a, 0.0),                     # raw bulk write
                                  lambda a: np.multiply(a, 2, out=a)])
def test_raw_writes_to_a_weight_are_detected(edit):
    w, x = _w(), Tensor(np.ones((2, 4), np.float32))
    loss = (x @ w.T).sum()
    edit(w.data)
    with pytest.raises(RuntimeError, match=r"op 'matmul'|op 'transpose'|modified in place") as info:
        loss.backward()
    msg = str(info.value)
    assert "(3, 4)" in msg and "float32" in msg and "checksum changed" in msg, msg


def test_assigning_data_bumps_the_version():
    w = _w()
    assert w._version == 0
    loss = (w * w).sum()
    w.data -= 0.1                                  # what optimizers do: assigns the result back
    assert w._version == 1
    with pytest.raises(RuntimeError, match=r"op 'mul'.*\(3, 4\).*assigned 1 time"):
        loss.backward()


def test_optimizer_step_before_backward_is_caught():
    model = nn.Linear(4, 2)
    opt = optim.SGD(model.parameters(), lr=0.1)
    x = Tensor(np.ones((5, 4), np.float32))
    model(x).sum().backward()                      # grads exist from an earlier step
    loss = model(x).sum()
    opt.step()                                     # wrong order: step before this loss's backward
    with pytest.raises(RuntimeError, match="modified in place after the forward pass"):
        loss.backward()


def test_inputs_and_intermediates():
    w, x = _w(), Tensor(np.ones((2, 4), np.float32))   # x: a leaf that does not require grad
    loss = (x @ w.T).sum()
    x.data[1] = 3.0                                  # dW = dout.T @ x would use the new x
    with pytest.raises(RuntimeError, match=r"\(2, 4\).*a leaf;"):
        loss.backward()
    h = (w * 2).tanh()
    loss = (h * h).sum()
    h.data = h.data * 0                              # an intermediate's data replaced
    with pytest.raises(RuntimeError, match="the output of op 'tanh'"):
        loss.backward()


def test_ordinary_training_is_unaffected():
    model = nn.Sequential(nn.Linear(4, 8), nn.GELU(), nn.Linear(8, 3))
    opt = optim.AdamW(model.parameters(), lr=1e-2)
    x, y = Tensor(np.random.default_rng(1).standard_normal((16, 4)).astype(np.float32)), np.arange(16) % 3
    _ = model(x)                                     # a forward that is never backpropagated ...
    nn.init.normal_(model[0].weight)                 # ... then a raw write: fine, that graph is dead
    for _ in range(3):                               # accumulate over two losses, then step
        opt.zero_grad()
        F.cross_entropy(model(x), y).backward()
        F.cross_entropy(model(x * 2), y).backward()
        opt.step()
    loss = F.cross_entropy(model(x), y)
    loss.backward(retain_graph=True)
    loss.backward()                                  # a second walk of an unchanged graph
    assert gradcheck(lambda a, b: (a @ b).tanh().sum(), np.ones((2, 3)) * 0.3, np.ones((3, 2)) * 0.2)
