"""Tests for tinygrad_lm.nn: Module bookkeeping, state dicts, modes, dtype conversion, containers,
init, and every layer's values plus a float64 gradcheck (incl. leading dims)."""
import copy
import math

import numpy as np
import pytest

import tinygrad_lm
from tinygrad_lm import Tensor, nn
from tinygrad_lm.gradcheck import gradcheck
from tinygrad_lm.nn import functional_call


class Block(nn.Module):
    def __init__(self, C=8):
        super().__init__()
        self.ln = nn.LayerNorm(C)
        self.fc = nn.Linear(C, C)
        self.drop = nn.Dropout(0.5)

    def forward(self, x):
        return x + self.drop(self.fc(self.ln(x)).relu())


class TinyLM(nn.Module):
    def __init__(self, V=10, C=8, L=2):
        super().__init__()
        self.wte = nn.Embedding(V, C)
        self.h = nn.ModuleList([Block(C) for _ in range(L)])
        self.head = nn.Linear(C, V, bias=False)
        self.head.weight = self.wte.weight                  # weight tying
        self.register_buffer("mask", np.tril(np.ones((4, 4), np.float32)))
        self.register_buffer("cache", np.zeros(3, np.float32), persistent=False)

    def forward(self, ids):
        x = self.wte(ids)                                    # (B, T, C)
        for block in self.h:
            x = block(x)
        return self.head(x)                                  # (B, T, V)


# ---- registration and traversal ----------------------------------------------------------------
def test_named_parameters_dotted_and_deduplicated():
    m = TinyLM()
    names = [n for n, _ in m.named_parameters()]
    assert names == ["wte.weight", "h.0.ln.weight", "h.0.ln.bias", "h.0.fc.weight", "h.0.fc.bias",
                     "h.1.ln.weight", "h.1.ln.bias", "h.1.fc.weight", "h.1.fc.bias"]
    assert all(isinstance(p, nn.Parameter) and p.requires_grad and p.dtype == np.float32 for p in m.parameters())
    assert m.num_parameters() == 10 * 8 + 2 * (8 + 8 + 64 + 8)
    assert [n for n, _ in m.named_children()] == ["wte", "h", "head"]
    assert len(list(m.modules())) == 1 + 1 + 1 + 2 * 4 + 1
    assert [n for n, _ in m.named_buffers()] == ["mask", "cache"]


def test_assignment_rules():
    m = nn.Linear(3, 4)
    with pytest.raises(TypeError, match="nn.Parameter"):
        m.weight = Tensor(np.zeros((4, 3), np.float32))
    m.weight = nn.Parameter(np.zeros((4, 3), np.float32))   # replacing a Parameter is fine
    assert m.weight.data.sum() == 0

    class ListOfLayers(nn.Module):
        def __init__(self):
            super().__init__()
            self.layers = [nn.Linear(2, 2), nn.Linear(2, 2)]
    with pytest.raises(TypeError, match="ModuleList"):
        ListOfLayers()

    class DictOfLayers(nn.Module):
        def __init__(self):
            super().__init__()
            self.layers = {"a": nn.Linear(2, 2)}
    with pytest.raises(TypeError, match="ModuleDict"):
        DictOfLayers()

    class TensorNotParameter(nn.Module):
        def __init__(self):
            super().__init__()
            self.w = Tensor(np.ones(2, np.float32), requires_grad=True)
    with pytest.warns(UserWarning, match="not an nn.Parameter"):
        TensorNotParameter()

    class NoSuper(nn.Module):
        def __init__(self):
            self.fc = nn.Linear(2, 2)
    with pytest.raises(AttributeError, match=r"super\(\).__init__\(\)"):
        NoSuper()

    class Plain(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(2, 2)
            self.hidden = 7                                  # plain attributes still work
    p = Plain()
    assert p.hidden == 7 and [n for n, _ in p.named_parameters()] == ["fc.weight", "fc.bias"]
    del p.fc
    assert list(p.parameters()) == []
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        p.nope


def test_parameter_dtypes():
    assert nn.Parameter(np.ones(3)).dtype == np.float32         # float64 data -> float32
    assert nn.Parameter(np.ones(3), dtype=np.float64).dtype == np.float64
    with pytest.raises(TypeError, match="floating"):
        nn.Parameter(np.arange(3))
    assert "Parameter containing" in repr(nn.Parameter(np.ones(2)))


def test_repr():
    r = repr(TinyLM())
    assert "(wte): Embedding(10, 8)" in r
    assert "(0): Block(" in r and "(fc): Linear(in_features=8, out_features=8, bias=True)" in r
    assert "(head): Linear(in_features=8, out_features=10, bias=False)" in r
    assert "(drop): Dropout(p=0.5)" in r


# ---- state dicts -----------------------------------------------------------------------------------
def test_state_dict_roundtrip_and_tied_weights():
    tinygrad_lm.manual_seed(0)
    a = TinyLM()
    sd = a.state_dict()
    assert "head.weight" in sd and "wte.weight" in sd and "mask" in sd and "cache" not in sd
    assert sd["wte.weight"] is a.wte.weight.data, "state_dict shares the weights (like PyTorch)"
    tinygrad_lm.manual_seed(1)
    b = TinyLM()
    assert not np.array_equal(b.wte.weight.data, a.wte.weight.data)
    b.load_state_dict(copy.deepcopy(sd))
    for (n1, p1), (n2, p2) in zip(a.named_parameters(), b.named_parameters()):
        np.testing.assert_array_equal(p1.data, p2.data, err_msg=n1)
    assert b.head.weight is b.wte.weight, "tying survives loading"
    ids = np.array([[1, 2, 3]])
    a.eval(), b.eval()
    np.testing.assert_array_equal(a(ids).data, b(ids).data)


def test_load_state_dict_reports_all_problems():
    m = TinyLM()
    sd = dict(m.state_dict())
    del sd["h.1.fc.bias"]
    sd["h.2.fc.bias"] = np.zeros(8, np.float32)
    sd["wte.weight"] = np.zeros((11, 8), np.float32)
    with pytest.raises(nn.LoadStateDictError) as info:
        m.load_state_dict(sd)
    msg = str(info.value)
    assert "missing keys" in msg and "'h.1.fc.bias'" in msg
    assert "unexpected keys" in msg and "'h.2.fc.bias'" in msg
    assert "wte.weight: checkpoint has shape (11, 8), model has (10, 8)" in msg
    del sd["wte.weight"]
    res = m.load_state_dict(sd, strict=False)
    assert set(res.missing_keys) == {"h.1.fc.bias", "wte.weight"}   # head.weight (tied) still given
    assert res.unexpected_keys == ["h.2.fc.bias"]
    sd = dict(m.state_dict())
    sd["h.0.fc.weight"] = np.zeros((8, 9), np.float32)
    with pytest.raises(nn.LoadStateDictError, match="size mismatch"):
        m.load_state_dict(sd, strict=False)                  # shapes are checked even when not strict


def test_load_state_dict_casts_and_accepts_tensors():
    m = nn.Linear(2, 3)
    m.load_state_dict({"weight": Tensor(np.ones((3, 2))), "bias": np.arange(3, dtype=np.float64)})
    assert m.weight.dtype == np.float32 and m.bias.dtype == np.float32
    np.testing.assert_array_equal(m.bias.data, [0, 1, 2])


# ---- modes, grads, dtype ---------------------------------------------------------------------------
def test_train_eval_and_dropout():
    m = TinyLM()
    assert m.training and all(x.training for x in m.modules())
    assert m.eval() is m and not any(x.training for x in m.modules())
    x = Tensor(np.ones((4, 100), np.float32))
    d = nn.Dropout(0.5)
    d.eval()
    assert d(x) is x
    d.train()
    tinygrad_lm.manual_seed(0)
    y1 = d(x).data
    tinygrad_lm.manual_seed(0)
    y2 = d(x).data
    np.testing.assert_array_equal(y1, y2)
    assert set(np.unique(y1)) <= {0.0, 2.0} and 0.35 < (y1 == 0).mean() < 0.65
    with pytest.raises(ValueError):
        nn.Dropout(1.5)


def test_zero_grad_and_backward_reaches_every_parameter():
    m = TinyLM()
    m(np.array([[1, 2, 3, 4]])).sum().backward()
    named = dict(m.named_parameters())
    for n, p in named.items():
        assert p.grad is not None and p.grad.shape == p.shape and p.grad.dtype == np.float32, n
    m.zero_grad(set_to_none=False)
    assert all(not p.grad.any() for p in m.parameters())
    m.zero_grad()
    assert all(p.grad is None for p in m.parameters())


def test_to_float64_and_back():
    m = TinyLM().to(np.float64)
    assert all(p.dtype == np.float64 for p in m.parameters())
    assert m.mask.dtype == np.float64
    assert m.head.weight is m.wte.weight
    y = m(np.array([[1, 2]]))
    assert y.dtype == np.float64
    m.float()
    assert all(p.dtype == np.float32 for p in m.parameters())
    with pytest.raises(TypeError):
        m.to(np.int64)


def test_apply_for_init():
    m = TinyLM()

    def init_weights(mod):
        if isinstance(mod, nn.Linear):
            nn.init.zeros_(mod.weight)
    m.apply(init_weights)
    assert not m.h[0].fc.weight.data.any() and not m.wte.weight.data.any()   # tied head zeroed too


# ---- containers ------------------------------------------------------------------------------------
def test_sequential_and_lists():
    tinygrad_lm.manual_seed(0)
    seq = nn.Sequential(nn.Linear(3, 5), nn.GELU(), nn.Linear(5, 2), nn.Tanh())
    x = Tensor(np.random.default_rng(0).standard_normal((4, 3)).astype(np.float32))
    y = seq(x)
    w1, b1, w2, b2 = (p.data for p in seq.parameters())
    h = x.data @ w1.T + b1
    h = 0.5 * h * (1 + np.tanh(math.sqrt(2 / math.pi) * (h + 0.044715 * h ** 3)))
    np.testing.assert_allclose(y.data, np.tanh(h @ w2.T + b2), rtol=1e-5, atol=1e-6)
    assert [n for n, _ in seq.named_parameters()] == ["0.weight", "0.bias", "2.weight", "2.bias"]
    assert len(seq) == 4 and isinstance(seq[1], nn.GELU) and len(seq[:2]) == 2
    named = nn.Sequential({"fc": nn.Linear(2, 2), "act": nn.Sigmoid()})
    assert [n for n, _ in named.named_parameters()] == ["fc.weight", "fc.bias"]

    ml = nn.ModuleList([nn.Linear(2, 2)])
    ml.append(nn.Linear(2, 3))
    ml.insert(0, nn.ReLU())
    assert [type(m).__name__ for m in ml] == ["ReLU", "Linear", "Linear"]
    assert [n for n, _ in ml.named_parameters()][-1] == "2.bias"
    with pytest.raises(TypeError):
        ml.append(3)

    md = nn.ModuleDict({"enc": nn.Linear(2, 2)})
    md["dec"] = nn.Linear(2, 1)
    assert "dec" in md and len(md) == 2 and list(md) == ["enc", "dec"]
    assert [n for n, _ in md.named_parameters()] == ["enc.weight", "enc.bias", "dec.weight", "dec.bias"]


# ---- layers: values --------------------------------------------------------------------------------
def test_linear_values_init_and_errors():
    tinygrad_lm.manual_seed(0)
    lin = nn.Linear(100, 50)
    bound = 1 / math.sqrt(100)
    assert lin.weight.shape == (50, 100) and lin.bias.shape == (50,)
    assert np.abs(lin.weight.data).max() <= bound and np.abs(lin.weight.data).max() > 0.9 * bound
    assert abs(lin.weight.data.std() - bound / math.sqrt(3)) < 0.05 * bound    # U(-b, b)
    x = np.random.default_rng(1).standard_normal((2, 3, 100)).astype(np.float32)
    y = lin(Tensor(x))
    assert y.shape == (2, 3, 50) and y.dtype == np.float32
    np.testing.assert_allclose(y.data, x @ lin.weight.data.T + lin.bias.data, rtol=1e-5, atol=1e-5)
    with pytest.raises(ValueError, match=r"last dim must be 100, got input shape \(2, 7\)"):
        lin(Tensor(np.zeros((2, 7), np.float32)))
    with pytest.raises(TypeError, match="input must be floating point, got dtype int64.*nn.Embedding"):
        lin(Tensor(np.zeros((2, 100), np.int64)))
    with pytest.raises(TypeError, match="sizes must be integers"):
        nn.Linear(4.5, 3)
    with pytest.raises(TypeError, match="sizes must be integers"):
        nn.Embedding(10, 2.0)
    assert nn.Linear(3, 2, bias=False).bias is None
    tinygrad_lm.manual_seed(5)
    a = nn.Linear(4, 4).weight.data.copy()
    tinygrad_lm.manual_seed(5)
    np.testing.assert_array_equal(a, nn.Linear(4, 4).weight.data)


def test_embedding_and_layernorm_values():
    emb = nn.Embedding(5, 3)
    ids = np.array([[0, 4], [4, 1]])
    np.testing.assert_array_equal(emb(ids).data, emb.weight.data[ids])
    with pytest.raises(TypeError, match="ids must be an integer"):
        emb(np.array([1.0, 2.0]))
    with pytest.raises(IndexError, match=r"ids must be in \[0, 5\)"):
        emb(np.array([5]))
    ln = nn.LayerNorm(6)
    x = np.random.default_rng(0).standard_normal((2, 3, 6)).astype(np.float32) * 3 + 1
    ln.weight.data[:] = np.arange(6)
    ln.bias.data[:] = 0.5
    ref = (x - x.mean(-1, keepdims=True)) / np.sqrt(x.var(-1, keepdims=True) + 1e-5) * np.arange(6) + 0.5
    np.testing.assert_allclose(ln(Tensor(x)).data, ref, rtol=1e-4, atol=1e-5)
    with pytest.raises(ValueError, match="last dim must be 6"):
        ln(Tensor(np.zeros((2, 5), np.float32)))
    assert [n for n, _ in nn.LayerNorm(4, bias=False).named_parameters()] == ["weight"]


def test_init_helpers():
    tinygrad_lm.manual_seed(0)
    w = nn.Parameter(np.empty((256, 512), np.float32))
    nn.init.xavier_uniform_(w)
    assert w.dtype == np.float32 and abs(w.data.std() - math.sqrt(2 / (256 + 512))) < 2e-3
    nn.init.kaiming_normal_(w, nonlinearity="relu")
    assert abs(w.data.std() - math.sqrt(2 / 512)) < 2e-3
    nn.init.normal_(w, mean=1.0, std=0.02)
    assert abs(w.data.mean() - 1.0) < 1e-3 and abs(w.data.std() - 0.02) < 1e-3
    nn.init.trunc_normal_(w, std=1.0, a=-0.5, b=0.5)
    assert np.abs(w.data).max() <= 0.5
    nn.init.ones_(w)
    assert (w.data == 1).all()
    assert nn.init.calculate_gain("tanh") == pytest.approx(5 / 3)
    with pytest.raises(ValueError, match=">= 2 dims"):
        nn.init.xavier_uniform_(nn.Parameter(np.zeros(3)))


# ---- layers: float64 gradchecks (incl. leading dims / broadcasting) ------------------------------
def _check_module(module, x, extra_inputs=()):
    """gradcheck d(module(x))/d(x) and /d(every parameter), in float64."""
    module.to(np.float64)
    names = [n for n, _ in module.named_parameters()]
    params = [p.data for _, p in module.named_parameters()]

    def fn(x, *ps):
        return functional_call(module, dict(zip(names, ps)), x)
    return gradcheck(fn, x, *params)


@pytest.mark.parametrize("shape", [(4, 3), (2, 3, 3), (3,)])
def test_gradcheck_linear(shape):
    x = np.random.default_rng(0).standard_normal(shape)
    assert _check_module(nn.Linear(3, 2), x)
    assert _check_module(nn.Linear(3, 2, bias=False), x)


@pytest.mark.parametrize("shape", [(4, 5), (2, 3, 5)])
def test_gradcheck_layernorm(shape):
    ln = nn.LayerNorm(5)
    rng = np.random.default_rng(1)
    ln.weight.data[:] = rng.standard_normal(5)
    ln.bias.data[:] = rng.standard_normal(5)
    assert _check_module(ln, rng.standard_normal(shape))


def test_gradcheck_embedding():
    emb = nn.Embedding(6, 4).to(np.float64)
    ids = np.array([[0, 5, 5], [2, 0, 1]])                  # repeated ids: gradients add up

    def fn(w):
        return functional_call(emb, {"weight": w}, ids)
    assert gradcheck(fn, emb.weight.data)


@pytest.mark.parametrize("act", [nn.ReLU, nn.GELU, nn.Tanh, nn.Sigmoid, nn.Softmax, nn.Identity])
def test_gradcheck_activations(act):
    x = np.random.default_rng(2).standard_normal((2, 3, 4)) + 0.05   # keep off ReLU's kink
    assert gradcheck(lambda t: act()(t), x)


def test_gradcheck_dropout_and_sequential():
    seq = nn.Sequential(nn.Linear(4, 6), nn.GELU(), nn.Dropout(0.3), nn.LayerNorm(6), nn.Linear(6, 2))
    x = np.random.default_rng(3).standard_normal((2, 3, 4))
    seq.to(np.float64)
    names = [n for n, _ in seq.named_parameters()]

    def fn(x, *ps):
        tinygrad_lm.manual_seed(7)                            # the same dropout mask every call
        return functional_call(seq, dict(zip(names, ps)), x)
    assert gradcheck(fn, x, *[p.data for p in seq.parameters()])


def test_functional_call_restores_parameters():
    lin = nn.Linear(2, 2)
    w = lin.weight
    out = functional_call(lin, {"weight": Tensor(np.zeros((2, 2), np.float32))}, Tensor(np.ones((1, 2), np.float32)))
    np.testing.assert_array_equal(out.data, lin.bias.data[None])
    assert lin.weight is w
    with pytest.raises(KeyError, match="no parameter"):
        functional_call(lin, {"wieght": w}, Tensor(np.ones((1, 2), np.float32)))


def test_bad_inputs_name_the_problem():
    with pytest.raises(TypeError, match=r"Tensor or NumPy array of shape \(\.\.\., 4\), got list"):
        nn.Linear(4, 3)([[1.0, 2.0, 3.0, 4.0]])
    for bad in (0, -3):
        with pytest.raises(ValueError, match="LayerNorm needs a positive integer size"):
            nn.LayerNorm(bad)
    with pytest.raises(TypeError, match="load_state_dict wants a dict"):
        nn.Linear(4, 3).load_state_dict([np.zeros((3, 4), np.float32)])
