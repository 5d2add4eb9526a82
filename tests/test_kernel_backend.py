"""One backend switch for every kernel (kernels/_jit.py): under use("numpy") no Numba kernel runs.

For each layer (LSTM, RNN, GELU, attention, embedding, layer norm, softmax, cross-entropy, matmul,
linear, sparse products, gemv), forward AND backward:
  1. run it with the numba backend: the reference, with shapes big enough that each dispatch really
     takes its kernel (checked by counting kernel calls, when the JIT is on);
  2. switch to use("numpy"), replace EVERY Numba kernel of tinygrad_lm (the list that the shared
     jit/pjit decorators keep) by a function that raises, and run it again;
  3. the outputs and gradients must equal the reference (to float32 rounding), with no kernel called.
Also: TGLM_KERNELS=numpy in the environment selects the twins for a whole process (nn.LSTM included),
and every kernel module declares its kernels with the shared decorators.
"""
import importlib
import os
import subprocess
import sys
import types

import numpy as np
import pytest

import tinygrad_lm as tg
import tinygrad_lm.functional as F
from tinygrad_lm import nn
from tinygrad_lm.kernels import _jit
from tinygrad_lm.kernels import api as kernels
from tinygrad_lm.ops.attention import scaled_dot_product_attention, self_attention_qkv
from tinygrad_lm.ops.sparse import CSRMatrix, sparse_matmul

KERNEL_MODULES = ("matmul", "gemv", "softmax", "cross_entropy", "layer_norm", "gelu", "embedding", "step_matmul",
                  "column_sum",
                  "sparse", "attention", "lstm", "rnn", "_jit")


def _rand(seed, *shape, scale=1.0):
    return (np.random.default_rng(seed).standard_normal(shape) * scale).astype(np.float32)


def _grads(out, inputs, seed=99):
    """Backward of out with a random upstream gradient; -> [out, grad of each input]."""
    out.backward(_rand(seed, *out.shape))
    return [out.data] + [t.grad for t in inputs]


# ---- the layers: each returns a list of arrays (outputs, then gradients) ----------------------------
def run_lstm():
    tg.manual_seed(0)
    m = nn.LSTM(5, 16, num_layers=2)
    x = tg.Tensor(_rand(1, 6, 8, 5), requires_grad=True)             # (T, B, I): B=8 -> 2 row chunks
    y, (h, c) = m(x)
    ((y * tg.Tensor(_rand(2, *y.shape))).sum() + h.sum() + c.sum()).backward()
    return [y.data, h.data, c.data, x.grad] + [p.grad for p in m.parameters()]


def run_rnn(nonlinearity):
    tg.manual_seed(0)
    m = nn.RNN(5, 16, nonlinearity=nonlinearity, bias=False)
    x = tg.Tensor(_rand(3, 6, 8, 5), requires_grad=True)
    y, h = m(x)
    ((y * tg.Tensor(_rand(4, *y.shape))).sum() + h.sum()).backward()
    return [y.data, h.data, x.grad] + [p.grad for p in m.parameters()]


def run_gelu():
    x = tg.Tensor(_rand(5, 8, 1024, scale=3.0), requires_grad=True)  # >= kernels.gelu.SMALL elements
    return _grads(F.gelu(x), [x])


def run_attention_qkv():
    qkv = tg.Tensor(_rand(6, 2, 16, 3 * 32), requires_grad=True)     # B=2, T=16, H=4, D=8
    return _grads(self_attention_qkv(qkv, 4, causal=True), [qkv])


def run_attention_unfused():
    q, k, v = (tg.Tensor(_rand(s, 2, 4, 16, 8), requires_grad=True) for s in (7, 8, 9))
    return _grads(scaled_dot_product_attention(q, k, v, causal=True), [q, k, v])


def run_embedding():
    w = tg.Tensor(_rand(10, 100, 32), requires_grad=True)
    ids = np.random.default_rng(11).integers(0, 100, (4, 64))        # repeated ids: the scatter-add
    return _grads(F.embedding(ids, w), [w])


def run_layer_norm():
    x, w, b = (tg.Tensor(_rand(s, *shape), requires_grad=True) for s, shape in ((12, (64, 48)), (13, (48,)), (14, (48,))))
    return _grads(F.layer_norm(x, None, w, b), [x, w, b])


def run_softmax():
    x = tg.Tensor(_rand(15, 32, 50, scale=3.0), requires_grad=True)
    out = _grads(F.softmax(x), [x])
    x.grad = None
    return out + _grads(F.log_softmax(x), [x], seed=98)


def run_cross_entropy():
    x = tg.Tensor(_rand(16, 64, 50, scale=3.0), requires_grad=True)
    t = np.random.default_rng(17).integers(0, 50, 64)
    t[::7] = -100                                                     # some ignored rows
    loss = F.cross_entropy(x, t)
    loss.backward()
    return [loss.data, x.grad]


def run_matmul():
    a = tg.Tensor(_rand(18, 2, 64, 128), requires_grad=True)         # 2*128*128*96 flops: the kernel
    b = tg.Tensor(_rand(19, 128, 96), requires_grad=True)
    return _grads(a @ b, [a, b])


def run_linear():
    x = tg.Tensor(_rand(20, 128, 128), requires_grad=True)
    w = tg.Tensor(_rand(21, 96, 128), requires_grad=True)
    bias = tg.Tensor(_rand(22, 96), requires_grad=True)
    return _grads(F.linear(x, w, bias), [x, w, bias])


def run_sparse():
    A = _rand(23, 40, 30)
    A[np.random.default_rng(24).random(A.shape) > 0.2] = 0
    W = tg.Tensor(_rand(25, 30, 3), requires_grad=True)
    return _grads(sparse_matmul(CSRMatrix.from_dense(A), W), [W])


def run_gemv():
    W = _rand(26, 300, 64)
    x = _rand(27, 2, 64)
    big = _rand(28, 1 << 17).astype(np.float16)                      # >= PARALLEL_MIN_ELEMENTS
    return [kernels.gemv(W, x), kernels.gemv(W.astype(np.float16), x), kernels.float16_to_float32(big)]


LAYERS = {"lstm": run_lstm, "rnn_tanh": lambda: run_rnn("tanh"), "rnn_relu": lambda: run_rnn("relu"),
          "gelu": run_gelu, "attention_qkv": run_attention_qkv, "attention": run_attention_unfused,
          "embedding": run_embedding, "layer_norm": run_layer_norm, "softmax": run_softmax,
          "cross_entropy": run_cross_entropy, "matmul": run_matmul, "linear": run_linear,
          "sparse": run_sparse, "gemv": run_gemv}
# Layers whose kernels run under NUMBA_DISABLE_JIT=1 too (the others fall back to twins there).
RUN_AS_PYTHON = {"softmax", "cross_entropy", "layer_norm", "matmul", "linear", "gemv", "attention"}


# ---- replacing every kernel ------------------------------------------------------------------------------
def _all_kernels():
    for name in KERNEL_MODULES:
        importlib.import_module(f"tinygrad_lm.kernels.{name}")
    return sorted(set(_jit.KERNELS))


def _replace_kernels(mp, make):
    """mp.setattr every registered kernel to make(qualified name, original)."""
    for mod_name, fn_name in _all_kernels():
        mod = sys.modules[mod_name]
        mp.setattr(mod, fn_name, make(f"{mod_name}.{fn_name}", getattr(mod, fn_name)))


@pytest.fixture
def numba_backend():
    old = kernels.use("numba")
    yield
    kernels.use(old)


@pytest.mark.parametrize("layer", list(LAYERS))
def test_numpy_backend_calls_no_kernel_and_matches(layer, numba_backend, monkeypatch):
    fn = LAYERS[layer]
    ref = fn()                                      # numba backend; compiles what it needs
    calls = []
    with monkeypatch.context() as mp:               # the same again, counting kernel calls
        def counting(name, orig):
            def wrapper(*args, **kwargs):
                calls.append(name)
                return orig(*args, **kwargs)
            return wrapper
        _replace_kernels(mp, counting)
        again = fn()
    if not _jit.JIT_DISABLED or layer in RUN_AS_PYTHON:
        assert calls, f"{layer}: the numba backend ran no kernel, so this test would prove nothing"
    for k, (a, b) in enumerate(zip(again, ref)):
        np.testing.assert_array_equal(a, b, err_msg=f"{layer}: output {k} changed between two numba runs")

    with monkeypatch.context() as mp:
        def raising(name, orig):
            def wrapper(*args, **kwargs):
                raise AssertionError(f"kernel {name} was called under use('numpy')")
            return wrapper
        _replace_kernels(mp, raising)
        kernels.use("numpy")
        got = fn()
        kernels.use("numba")
    assert len(got) == len(ref)
    for k, (g, r) in enumerate(zip(got, ref)):
        assert g.dtype == r.dtype, f"{layer}: output {k} dtype {g.dtype} under numpy, {r.dtype} under numba"
        np.testing.assert_allclose(g, r, rtol=2e-4, atol=2e-5,
                                   err_msg=f"{layer}: output {k}: NumPy twins differ from the Numba kernels")


def test_registry_holds_every_kernel():
    """Every Numba function in kernels/ is declared with _jit.jit / pjit (one set of options)."""
    if _jit.JIT_DISABLED:
        pytest.skip("no Numba dispatchers under NUMBA_DISABLE_JIT=1")
    from numba.core.registry import CPUDispatcher
    registered = set(_all_kernels())
    for name in KERNEL_MODULES:
        mod = sys.modules[f"tinygrad_lm.kernels.{name}"]
        for attr, obj in vars(mod).items():
            if isinstance(obj, CPUDispatcher) and obj.py_func.__module__ == mod.__name__:
                assert (mod.__name__, attr) in registered, (
                    f"{mod.__name__}.{attr} is a Numba function not declared with kernels._jit.jit/pjit")
                assert obj.targetoptions.get("error_model") == "numpy", f"{mod.__name__}.{attr}: options"


def test_use_switches_and_validates(numba_backend):
    assert kernels.use("numpy") == "numba" and kernels.backend() == "numpy" and kernels.use_numpy()
    x = _rand(30, 3, 7)
    np.testing.assert_array_equal(kernels.softmax(x), kernels.softmax_numpy(x))
    assert not kernels.use_kernel(x)
    assert kernels.use("numba") == "numpy" and kernels.use_kernel(x) and not kernels.use_kernel(x.astype(np.float64))
    assert kernels.use_kernel(x, needs_jit=True) == (not _jit.JIT_DISABLED)
    with pytest.raises(ValueError, match="'numba' or 'numpy'"):
        kernels.use("torch")


def test_submodules_stay_modules():
    import tinygrad_lm.kernels.softmax as m
    assert isinstance(m, types.ModuleType) and m.softmax is kernels.softmax


def test_env_selects_twins_for_the_whole_process():
    """TGLM_KERNELS=numpy: nn.LSTM's forward runs lstm_forward_numpy (it once checked only NUMBA_DISABLE_JIT)."""
    code = ("import numpy as np, tinygrad_lm as tg\n"
            "from tinygrad_lm import kernels, nn\n"
            "from tinygrad_lm.kernels import lstm\n"
            "n = []\n"
            "twin = lstm.lstm_forward_numpy\n"
            "lstm.lstm_forward_numpy = lambda *a: n.append(1) or twin(*a)\n"
            "nn.LSTM(3, 4)(np.zeros((5, 2, 3), np.float32))\n"
            "print(kernels.backend(), len(n))\n")
    env = dict(os.environ, TGLM_KERNELS="numpy")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.stdout.split() == ["numpy", "1"], out.stdout + out.stderr[-2000:]
