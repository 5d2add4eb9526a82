"""conv2d, max_pool2d, avg_pool2d (ops/conv.py, kernels/conv.py) and nn.Conv2d / MaxPool2d / AvgPool2d.

  * parity with torch.nn.functional (outputs AND gradients for a random upstream gradient), read
    from tests/fixtures/conv/conv.json (recorded once by record_conv.py; torch is not imported
    here), to 1e-5 in float32, with the Numba kernels and with the NumPy twins;
  * float64 gradchecks (central differences, random upstream gradient) incl. groups, dilation,
    stride, padding, bias; count_include_pad both ways;
  * each Numba kernel == its NumPy twin on odd shapes; the kernels' logic again under
    NUMBA_DISABLE_JIT=1, and TGLM_KERNELS=numpy reaching no kernel (subprocesses, small cases);
  * nn modules: PyTorch's init bounds, argument names, shapes; clear errors for bad input.
"""
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import tinygrad_lm.functional as F
from tinygrad_lm import nn
from tinygrad_lm.gradcheck import gradcheck
from tinygrad_lm.kernels import _jit
from tinygrad_lm.kernels import conv as kconv
from tinygrad_lm.tensor import Tensor

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = json.loads((ROOT / "tests/fixtures/conv/conv.json").read_text())


def arr(v):
    return np.asarray(v, dtype=np.float32)


def close(name, got, want, tol=1e-5):
    got, want = np.asarray(got), np.asarray(want)
    assert got.shape == want.shape, f"{name}: shape {got.shape}, expected {want.shape}"
    err = np.abs(got - want)
    if not (err <= tol * (1 + np.abs(want))).all():
        i = np.unravel_index(int(err.argmax()), err.shape)
        raise AssertionError(f"{name}: max abs diff {err.max():.3g} at index {i}; expected {want[i]:.6g}, "
                             f"got {got[i]:.6g}")


@pytest.fixture(params=["numba", "numpy"])
def backend(request):
    old = _jit.use(request.param)
    yield request.param
    _jit.use(old)


@pytest.fixture
def numba_backend():
    """The Numba kernels even when the whole run has TGLM_KERNELS=numpy."""
    old = _jit.use("numba")
    yield
    _jit.use(old)


# ---- parity with torch ------------------------------------------------------------------------------
@pytest.mark.parametrize("case", FIXTURES["conv2d"], ids=lambda c: c["name"])
def test_conv2d_matches_torch(case, backend):
    x = Tensor(arr(case["x"]), requires_grad=True)
    w = Tensor(arr(case["weight"]), requires_grad=True)
    b = Tensor(arr(case["b"]), requires_grad=True) if case["bias"] else None
    y = F.conv2d(x, w, b, **case["kwargs"])
    close(f"conv2d[{case['name']}] output", y.data, arr(case["y"]))
    y.backward(arr(case["dy"]))
    for t, want, what in zip([x, w, b], case["grads"], ["dx", "dweight", "dbias"]):
        close(f"conv2d[{case['name']}] {what}", t.grad, arr(want))


@pytest.mark.parametrize("case", FIXTURES["max_pool2d"], ids=lambda c: c["name"])
def test_max_pool2d_matches_torch(case, backend):
    x = Tensor(arr(case["x"]), requires_grad=True)
    y = F.max_pool2d(x, **case["kwargs"])
    close(f"max_pool2d[{case['name']}] output", y.data, arr(case["y"]))
    y.backward(arr(case["dy"]))
    close(f"max_pool2d[{case['name']}] dx (ties go to the first maximum, as torch)", x.grad, arr(case["grads"][0]))


@pytest.mark.parametrize("case", FIXTURES["avg_pool2d"], ids=lambda c: c["name"])
def test_avg_pool2d_matches_torch(case, backend):
    x = Tensor(arr(case["x"]), requires_grad=True)
    y = F.avg_pool2d(x, **case["kwargs"])
    close(f"avg_pool2d[{case['name']}] output", y.data, arr(case["y"]))
    y.backward(arr(case["dy"]))
    close(f"avg_pool2d[{case['name']}] dx", x.grad, arr(case["grads"][0]))


# ---- float64 gradchecks --------------------------------------------------------------------------------
def _rand(seed, *shape):
    return np.random.default_rng(seed).standard_normal(shape)


@pytest.mark.parametrize("kw", [dict(), dict(stride=2, padding=1), dict(dilation=(2, 1), padding=(2, 1)),
                                dict(groups=2, stride=(1, 2), padding=1, dilation=2)],
                         ids=["plain", "stride_pad", "dilation", "groups_dilation"])
def test_conv2d_gradcheck(kw):
    g = kw.get("groups", 1)
    x, w, b = _rand(0, 2, 4, 7, 6), _rand(1, 6, 4 // g, 3, 2), _rand(2, 6)
    assert gradcheck(lambda x, w, b: F.conv2d(x, w, b, **kw), x, w, b)


def test_conv2d_gradcheck_without_bias_and_unbatched():
    assert gradcheck(lambda x, w: F.conv2d(x, w, None, padding=1, groups=3), _rand(3, 3, 5, 5), _rand(4, 3, 1, 3, 3))


@pytest.mark.parametrize("kw", [dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1),
                                dict(kernel_size=(2, 3), stride=1, padding=(1, 1), dilation=(2, 1))],
                         ids=["k2", "k3_s2_p1", "dilation"])
def test_max_pool2d_gradcheck(kw):
    assert gradcheck(lambda x: F.max_pool2d(x, **kw), _rand(5, 2, 2, 7, 6))


@pytest.mark.parametrize("include", [True, False])
def test_avg_pool2d_gradcheck(include):
    assert gradcheck(lambda x: F.avg_pool2d(x, (3, 2), (2, 1), (1, 1), count_include_pad=include),
                     _rand(6, 2, 2, 7, 6))


# ---- kernels == twins ---------------------------------------------------------------------------------------
GEOMETRIES = [  # (B, C, H, W), kernel, stride, padding, dilation, groups: odd sizes, every feature
    ((2, 6, 11, 13), (3, 2), (2, 3), (1, 2), (2, 1), 3),
    ((1, 3, 5, 7), (5, 5), (1, 1), (2, 2), (1, 1), 1),
    ((3, 4, 9, 8), (1, 1), (3, 2), (0, 0), (1, 1), 4),
]


@pytest.mark.skipif(_jit.JIT_DISABLED, reason="dispatch runs the twins under NUMBA_DISABLE_JIT=1")
@pytest.mark.parametrize("geo", GEOMETRIES)
def test_kernels_equal_twins(geo, numba_backend):
    shape, k, s, p, d, g = geo
    x = _rand(7, *shape).astype(np.float32)
    assert _jit.use_kernel(x, needs_jit=True), "the float32 case must take the Numba kernels"
    cols = kconv.im2col(x, k, s, p, d, g)
    np.testing.assert_array_equal(cols, kconv.im2col_numpy(x, k, s, p, d, g), "im2col kernel != twin")
    close("col2im kernel vs twin", kconv.col2im(cols, shape, k, s, p, d, g),
          kconv.col2im_numpy(cols, shape, k, s, p, d, g), 1e-6)
    pk, ps, pp = k, s, tuple(min(a, b // 2) for a, b in zip(p, k))
    y, am = kconv.max_pool2d_forward(x, pk, ps, pp, d)
    y2, am2 = kconv.max_pool2d_forward_numpy(x, pk, ps, pp, d)
    np.testing.assert_array_equal(y, y2, "max_pool2d kernel != twin")
    np.testing.assert_array_equal(am, am2, "max_pool2d argmax kernel != twin")
    dy = _rand(8, *y.shape).astype(np.float32)
    close("max_pool2d backward kernel vs twin", kconv.max_pool2d_backward(dy, am, shape),
          kconv.max_pool2d_backward_numpy(dy, am, shape), 1e-6)
    for include in (True, False):
        ya = kconv.avg_pool2d_forward(x, pk, ps, pp, include)
        close("avg_pool2d kernel vs twin", ya, kconv.avg_pool2d_forward_numpy(x, pk, ps, pp, include), 1e-6)
        dya = _rand(9, *ya.shape).astype(np.float32)
        close("avg_pool2d backward kernel vs twin", kconv.avg_pool2d_backward(dya, shape, pk, ps, pp, include),
              kconv.avg_pool2d_backward_numpy(dya, shape, pk, ps, pp, include), 1e-6)


def test_max_pool_all_minus_inf_and_nan():
    x = np.full((1, 1, 4, 4), -np.inf, dtype=np.float32)
    x[0, 0, 3, 3] = np.nan
    for impl in (kconv.max_pool2d_forward, kconv.max_pool2d_forward_numpy):
        y, am = impl(x, (2, 2), (2, 2), (1, 1), (1, 1))
        assert am[0, 0, 0, 0] == 0, f"{impl.__name__}: an all -inf window must pick its first in-image element"
        assert np.isnan(y[0, 0, 2, 2]) and am[0, 0, 2, 2] == 15, f"{impl.__name__}: NaN must win its window"


_SUBPROCESS = r"""
import numpy as np
from tinygrad_lm.kernels import conv as kc, _jit
import tinygrad_lm.functional as F
from tinygrad_lm.tensor import Tensor
rng = np.random.default_rng(0)
x = rng.standard_normal((2, 4, 6, 5)).astype(np.float32)
geo = ((3, 2), (2, 1), (1, 1), (1, 2), 2)
if MODE == "nojit":      # the kernels themselves, run as plain Python, against the twins
    assert _jit.JIT_DISABLED
    B, C, H, W = x.shape
    for g2 in (geo, ((2, 3), (1, 2), (1, 1), (2, 1), 1)):      # unit and strided rows
        (KH, KW), s, p, d, G = g2
        OH, OW = kc.output_size(H, W, *g2[:4])
        cols = np.empty((G, C // G * KH * KW, B * OH * OW), np.float32)
        kc.im2col_kernel(x, KH, KW, *s, *p, *d, OH, OW, cols)
        assert (cols == kc.im2col_numpy(x, *g2)).all()
        dx = np.zeros_like(x)
        kc.col2im_kernel(cols, KH, KW, *s, *p, *d, OH, OW, dx)
        assert np.allclose(dx, kc.col2im_numpy(cols, x.shape, *g2), atol=1e-5)
    y = np.empty((8, 3, 3), np.float32); am = np.empty((8, 3, 3), np.int64)
    kc.max_pool2d_forward_kernel(x.reshape(8, 6, 5), 3, 2, 2, 2, 1, 1, 1, 1, y, am)
    y2, am2 = kc.max_pool2d_forward_numpy(x, (3, 2), (2, 2), (1, 1), (1, 1))
    assert (y == y2.reshape(8, 3, 3)).all() and (am == am2.reshape(8, 3, 3)).all()
    ya = np.empty((8, 3, 3), np.float32)
    kc.avg_pool2d_forward_kernel(x.reshape(8, 6, 5), 3, 2, 2, 2, 1, 1, False, ya)
    assert np.allclose(ya, kc.avg_pool2d_forward_numpy(x, (3, 2), (2, 2), (1, 1), False).reshape(8, 3, 3))
else:                    # TGLM_KERNELS=numpy: no conv kernel may run
    assert _jit.backend() == "numpy"
    def boom(*a, **k):
        raise AssertionError("a Numba kernel ran under TGLM_KERNELS=numpy")
    for name in ("im2col_kernel", "col2im_kernel", "max_pool2d_forward_kernel", "max_pool2d_backward_kernel",
                 "avg_pool2d_forward_kernel", "avg_pool2d_backward_kernel"):
        setattr(kc, name, boom)
# the ops end to end, forward and backward (twins under both modes)
xt = Tensor(x, requires_grad=True)
w = Tensor(rng.standard_normal((4, 2, 3, 2)).astype(np.float32), requires_grad=True)
y = F.conv2d(xt, w, None, stride=geo[1], padding=geo[2], dilation=geo[3], groups=2)
(F.max_pool2d(y, 2, 1).sum() + F.avg_pool2d(y, 2, 1, 1).sum()).backward()
assert xt.grad.shape == x.shape and np.isfinite(w.grad).all()
print("OK")
"""


@pytest.mark.parametrize("mode", ["nojit", "numpy"])
def test_numba_disabled_and_numpy_backend_subprocess(mode):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env.update({"NUMBA_DISABLE_JIT": "1"} if mode == "nojit" else {"TGLM_KERNELS": "numpy"})
    r = subprocess.run([sys.executable, "-c", f"MODE = {mode!r}\n" + _SUBPROCESS], env=env, cwd=ROOT,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and "OK" in r.stdout, f"{mode} subprocess failed:\n{r.stderr[-3000:]}"


# ---- modules ------------------------------------------------------------------------------------------------
def test_conv2d_module_init_and_shapes():
    m = nn.Conv2d(6, 8, kernel_size=(3, 2), stride=2, padding=1, dilation=(1, 2), groups=2)
    assert m.weight.shape == (8, 3, 3, 2) and m.bias.shape == (8,)
    assert [n for n, _ in m.named_parameters()] == ["weight", "bias"]
    bound = 1 / np.sqrt(3 * 3 * 2)                                  # fan_in = C // groups * KH * KW
    assert np.abs(m.weight.data).max() <= bound and np.abs(m.weight.data).max() > 0.8 * bound
    assert np.abs(m.bias.data).max() <= bound
    assert m.weight.dtype == np.float32
    y = m(np.zeros((2, 6, 9, 9), dtype=np.float32))
    assert y.shape == (2, 8, 5, 5), y.shape                         # (9 + 2 - d*(k-1) - 1) // 2 + 1 = 5 both ways
    assert "groups=2" in repr(m)
    assert nn.Conv2d(3, 4, 3, bias=False).bias is None
    assert nn.MaxPool2d(2)(np.zeros((1, 2, 5, 5), np.float32)).shape == (1, 2, 2, 2)
    assert nn.AvgPool2d(3, 1, 1)(np.zeros((2, 5, 5), np.float32)).shape == (2, 5, 5)


def test_tiny_cnn_trains():
    from tinygrad_lm.optim import SGD
    rng = np.random.default_rng(0)
    x = rng.standard_normal((8, 1, 8, 8)).astype(np.float32)
    labels = (x[:, 0, :4].sum(axis=(1, 2)) > x[:, 0, 4:].sum(axis=(1, 2))).astype(np.int64)
    conv, head = nn.Conv2d(1, 4, 3, padding=1), nn.Linear(4 * 4 * 4, 2)
    opt = SGD(list(conv.parameters()) + list(head.parameters()), lr=0.1)
    losses = []
    for _ in range(15):
        h = nn.MaxPool2d(2)(conv(x).relu())                            # (8, 4, 4, 4)
        loss = F.cross_entropy(head(h.reshape(8, -1)), labels)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.7 * losses[0], f"a tiny CNN should fit 8 examples: losses {losses[0]:.3f} -> {losses[-1]:.3f}"


@pytest.mark.parametrize("call, err, words", [
    (lambda: F.conv2d(np.zeros((2, 3, 5), np.float32)[None, None], np.zeros((4, 3, 3, 3), np.float32)),
     ValueError, "(B, C, H, W)"),
    (lambda: F.conv2d(np.zeros((1, 4, 5, 5), np.float32), np.zeros((2, 3, 3, 3), np.float32)),
     ValueError, "input channels"),
    (lambda: F.conv2d(np.zeros((1, 3, 5, 5), np.int64), np.zeros((2, 3, 3, 3), np.float32)),
     TypeError, "floating"),
    (lambda: F.conv2d(Tensor(np.zeros((1, 3, 5, 5)), dtype=np.float64), np.zeros((2, 3, 3, 3), np.float32)),
     TypeError, "share a floating dtype"),
    (lambda: F.conv2d(np.zeros((1, 4, 5, 5), np.float32), np.zeros((3, 2, 3, 3), np.float32), groups=2),
     ValueError, "divisible by groups"),
    (lambda: F.conv2d(np.zeros((1, 3, 2, 2), np.float32), np.zeros((2, 3, 3, 3), np.float32)),
     ValueError, "smaller than the dilated kernel"),
    (lambda: F.conv2d(np.zeros((1, 3, 5, 5), np.float32), np.zeros((2, 3, 3, 3), np.float32), stride=0),
     ValueError, "stride must be >= 1"),
    (lambda: F.conv2d(np.zeros((1, 3, 5, 5), np.float32), np.zeros((2, 3, 3, 3), np.float32),
                      np.zeros(3, np.float32)), ValueError, "bias must be (2,)"),
    (lambda: F.max_pool2d(np.zeros((1, 1, 5, 5), np.float32), 2, padding=2), ValueError, "at most half"),
    (lambda: F.max_pool2d(np.zeros((1, 1, 5, 5), np.float32), 2, ceil_mode=True), NotImplementedError, "ceil_mode"),
    (lambda: F.avg_pool2d(np.zeros((1, 1, 5, 5), np.float32), (2, 2, 2)), TypeError, "pair of ints"),
    (lambda: nn.Conv2d(3, 4, 3)(np.zeros((1, 5, 5, 3), np.float32)), ValueError, "channels-last"),
    (lambda: nn.Conv2d(3, 4, 3, padding="same"), NotImplementedError, "padding = k // 2"),
    (lambda: nn.Conv2d(3, 4, 3, groups=2), ValueError, "divisible by groups"),
])
def test_clear_errors(call, err, words):
    with pytest.raises(err) as info:
        call()
    assert words in str(info.value), f"error message should mention {words!r}, got: {info.value}"
