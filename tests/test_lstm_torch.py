"""nn.LSTM / nn.RNN loaded with a torch state dict give torch's outputs and gradients.

The fixtures (tests/fixtures/lstm/*.npz) were recorded once with torch 2.13 by
tests/fixtures/lstm/record_torch.py (float64); torch is not imported here.
float64 runs the kernels' NumPy twins, float32 the Numba kernels: both are checked.
"""
import os

import numpy as np
import pytest

import tinygrad_lm as tg
from tinygrad_lm.nn.rnn import LSTM, RNN

FIX = os.path.join(os.path.dirname(__file__), "fixtures", "lstm")
CASES = {
    "lstm_1layer": dict(kind="lstm"),
    "lstm_2layer_batch_first": dict(kind="lstm"),
    "rnn_2layer_tanh": dict(kind="rnn", nonlinearity="tanh"),
    "rnn_1layer_relu_batch_first": dict(kind="rnn", nonlinearity="relu"),
}


def _run(name, dtype):
    f = np.load(os.path.join(FIX, name + ".npz"))
    I, H, L, batch_first, T, B = (int(v) for v in f["config"])
    kind = CASES[name]["kind"]
    if kind == "lstm":
        m = LSTM(I, H, num_layers=L, batch_first=bool(batch_first))
    else:
        m = RNN(I, H, num_layers=L, nonlinearity=CASES[name]["nonlinearity"], batch_first=bool(batch_first))
    state = {k[len("param."):]: f[k] for k in f.files if k.startswith("param.")}
    m.load_state_dict(state)
    m.to(dtype)
    x = tg.Tensor(f["x"], requires_grad=True, dtype=dtype)
    h0 = tg.Tensor(f["h0"], requires_grad=True, dtype=dtype)
    if kind == "lstm":
        c0 = tg.Tensor(f["c0"], requires_grad=True, dtype=dtype)
        out, (hn, cn) = m(x, (h0, c0))
        loss = (out * f["dout"].astype(dtype)).sum() + (hn * f["dh"].astype(dtype)).sum() \
            + (cn * f["dc"].astype(dtype)).sum()
        got = {"out": out, "h_n": hn, "c_n": cn}
    else:
        out, hn = m(x, h0)
        loss = (out * f["dout"].astype(dtype)).sum() + (hn * f["dh"].astype(dtype)).sum()
        got = {"out": out, "h_n": hn}
    loss.backward()
    got = {k: v.data for k, v in got.items()}
    got["grad_x"], got["grad_h0"] = x.grad, h0.grad
    if kind == "lstm":
        got["grad_c0"] = c0.grad
    for pname, p in m.named_parameters():
        got["grad." + pname] = p.grad
    return f, got


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("dtype,tol", [(np.float64, 1e-10), (np.float32, 2e-5)])
def test_matches_torch(name, dtype, tol):
    f, got = _run(name, dtype)
    for key, value in got.items():
        want = f[key]
        assert value is not None, f"{name}: no gradient for {key}"
        assert value.shape == want.shape, f"{name}: {key} shape {value.shape}, torch {want.shape}"
        assert value.dtype == dtype, f"{name}: {key} dtype {value.dtype}, expected {np.dtype(dtype)}"
        err = np.abs(value - want).max()
        assert err <= tol * (1 + np.abs(want).max()), f"{name} ({np.dtype(dtype)}): {key} max abs diff {err:.3g}"
