"""Week 2 autograder, part 2: the scalar autograd `Value` (tasks 2.8-2.10).

Typical mistakes (docs/course/mistakes.md, mutation-tested by tests/test_mutants.py) fail with a first
line that names them; where a mistake shows in only some inputs, every test of the task runs a shared
screen first, so the mistake costs the whole task.
"""
import math

import numpy as np
import pytest

from tinygrad_lm.course import assert_close, load

mod = load("week2.micrograd")


def _local(out, *inputs):
    """Run ONE op's backward closure with out.grad = 1 and return the inputs' grads."""
    for v in inputs:
        v.grad = 0.0
    out.grad = 1.0
    out._backward()
    return [v.grad for v in inputs]


def _mistake(first_line, hint):
    """Fail with a first line that names a recognised mistake (the grading table shows only that line)."""
    raise AssertionError(f"{first_line}\n  hint: {hint}")


# ---- 2.8 ----------------------------------------------------------------------------------------
def _accumulation_screen():
    """Run first by every 2.8 test: a Value used twice must receive BOTH contributions (+=, not =)."""
    a = mod.Value(3.0)
    for expr, op, want in ((lambda v: v + v, "a + a", 2.0), (lambda v: v * v, "a * a", 6.0)):
        got = _local(expr(a), a)[0]
        if got != pytest.approx(want):
            _mistake(f"grad of {op} at a = 3 is {got:g}, expected {want:g}: the backward closure assigns the "
                     f"gradient (=) instead of accumulating it (+=)",
                     "self.grad += ...; other.grad += ...: in a + a the same Value is both inputs, and with `=` "
                     "the second assignment overwrites the first")


@pytest.mark.task("2.8", points=2, title="Value: +, *, ** with backward closures")
def test_add_mul_pow_forward_and_local_backward():
    _accumulation_screen()
    a, b = mod.Value(2.0), mod.Value(-3.0)
    c = a + b
    assert_close(c.data, -1.0, name="(2 + -3).data")
    assert_close(_local(c, a, b), [1.0, 1.0], name="grads of a + b", hint="d(a+b)/da = d(a+b)/db = 1")
    c = a * b
    assert_close(c.data, -6.0, name="(2 * -3).data")
    assert_close(_local(c, a, b), [-3.0, 2.0], name="grads of a * b", hint="d(a*b)/da = b, d(a*b)/db = a")
    c = a ** 3
    assert_close(c.data, 8.0, name="(2 ** 3).data")
    assert_close(_local(c, a), [12.0], name="grad of a ** 3", hint="d(a^k)/da = k * a^(k-1)")
    assert set(c._prev) == {a}, "a ** 3 must record a (and only a) in _prev"


@pytest.mark.task("2.8", points=2)
def test_numbers_and_accumulation():
    _accumulation_screen()
    a = mod.Value(4.0)
    assert_close((a + 1).data, 5.0, name="Value(4) + 1", hint="wrap plain numbers in Value(...)")
    assert_close((2 * a).data, 8.0, name="2 * Value(4) (uses __rmul__ -> __mul__)")
    assert_close((a / 2 - 1).data, 1.0, name="Value(4) / 2 - 1")
    b = a + a                                   # the same node is both inputs
    assert_close(_local(b, a), [2.0], name="grad of a + a",
                 hint="use += in _backward: with `=` the second input overwrites the first")
    b = a * a
    assert_close(_local(b, a), [8.0], name="grad of a * a", hint="a*a = a^2: gradient 2a; accumulate with +=")


# ---- 2.9 ----------------------------------------------------------------------------------------
@pytest.mark.task("2.9", points=2, title="Value: exp, tanh, relu")
def test_unary_ops():
    for x in (-1.5, 0.3, 2.0):
        a = mod.Value(x)
        e = a.exp()
        assert_close(e.data, math.exp(x), name=f"Value({x}).exp()")
        assert_close(_local(e, a), [math.exp(x)], name=f"grad of exp at {x}", hint="d e^x/dx = e^x")
        t = a.tanh()
        assert_close(t.data, math.tanh(x), name=f"Value({x}).tanh()")
        assert_close(_local(t, a), [1 - math.tanh(x) ** 2], name=f"grad of tanh at {x}",
                     hint="d tanh/dx = 1 - tanh(x)^2")
        r = a.relu()
        assert_close(r.data, max(x, 0.0), name=f"Value({x}).relu()")
        assert_close(_local(r, a), [1.0 if x > 0 else 0.0], name=f"grad of relu at {x}")
    assert_close(mod.Value(800.0).tanh().data, 1.0, name="Value(800).tanh() (must not overflow)",
                 hint="use math.tanh")


# ---- 2.10 ---------------------------------------------------------------------------------------
def _leaves_and_order(out):
    """The test's own post-order DFS over _prev (independent of your topological_order)."""
    order, seen = [], set()

    def visit(v):
        if id(v) not in seen:
            seen.add(id(v))
            for p in v._prev:
                visit(p)
            order.append(v)
    visit(out)
    return order


def _backward_screen():
    """Run first by every backward() test: your closures, run by your backward(), must give the grads that
    the same closures give when run in REVERSE topological order."""
    a, b = mod.Value(2.0), mod.Value(-3.0)
    d = (a * b + a).tanh() * b
    leaves = [a, b]
    d.backward()
    got = [a.grad, b.grad]
    order = _leaves_and_order(d)

    def run(nodes):
        for v in order:
            v.grad = 0.0
        d.grad = 1.0
        for v in nodes:
            v._backward()
        return [v.grad for v in leaves]
    want, forward = run(list(reversed(order))), run(order)
    if not np.allclose(got, want, atol=1e-9) and np.allclose(got, forward, atol=1e-9):
        _mistake(f"backward() ran the _backward closures in topological order (inputs first), not in reverse: "
                 f"[a.grad, b.grad] = {np.round(got, 4).tolist()} instead of {np.round(want, 4).tolist()}",
                 "for v in reversed(order): v._backward() -- a node pushes its gradient back only once all of "
                 "its users have added theirs into it")
    for v in leaves:
        v.grad = 0.0


@pytest.mark.task("2.10", points=2, title="Value.backward: topological sort, node reuse")
def test_topological_order():
    a, b = mod.Value(2.0), mod.Value(3.0)
    c = a * b
    d = c + a
    order = d.topological_order()
    assert len(order) == 4 and len(set(map(id, order))) == 4, \
        f"topological_order of d = a*b + a must list a, b, c, d once each, got {len(order)} entries: {order}"
    pos = {id(v): i for i, v in enumerate(order)}
    for v in order:
        for p in v._prev:
            assert pos[id(p)] < pos[id(v)], f"{p} (an input of {v}) must come before it in the order"


@pytest.mark.task("2.10", points=2)
def test_backward_neuron():
    _backward_screen()
    out, (x1, x2, w1, w2, b) = mod.mlp_neuron_demo()
    assert_close(out.data, math.sqrt(0.5), atol=1e-6, name="neuron output tanh(x1*w1 + x2*w2 + b)")
    assert_close([x1.grad, w1.grad, x2.grad, w2.grad, b.grad], [-1.5, 1.0, 0.5, 0.0, 0.5], atol=1e-6,
                 name="neuron grads [x1, w1, x2, w2, b]",
                 hint="set the output's grad to 1, then run _backward of every node in REVERSE topological order")


@pytest.mark.task("2.10", points=2)
def test_backward_reuse_and_accumulation():
    _backward_screen()
    a = mod.Value(-4.0)
    b = mod.Value(2.0)
    c = a + b
    d = a * b + b ** 3
    c = c + c + 1
    c = c + 1 + c + (-a)
    d = d + d * 2 + (b + a).relu()
    d = d + 3 * d + (b - a).relu()
    e = c - d
    f = e ** 2
    g = f / 2.0
    g = g + 10.0 / f
    g.backward()
    # reference numbers from PyTorch (micrograd's test_more_ops)
    assert_close(g.data, 24.70408163265306, atol=1e-6, name="g.data")
    assert_close([a.grad, b.grad], [138.83381924198252, 645.5772594752186], atol=1e-6, name="[a.grad, b.grad]",
                 hint="a and b are used many times: each use must ADD its contribution (+=), and a node must "
                      "only run _backward after all its users did (reverse topological order, each node once)")
    g.backward()                                      # a second backward adds up, like PyTorch
    assert_close(a.grad, 2 * 138.83381924198252, atol=1e-5, name="a.grad after calling backward twice",
                 hint="reset intermediate grads to 0 at the start of backward(), but not the leaves' grads")


@pytest.mark.task("2.10", points=2)
def test_backward_matches_numerical():
    _backward_screen()
    rng = np.random.default_rng(0)
    xs = rng.uniform(0.5, 1.5, size=3)

    def f(x0, x1, x2, V=mod.Value):
        a, b, c = V(x0), V(x1), V(x2)
        y = ((a * b).tanh() + (c ** 2).exp() / (a + 2)).relu() * b - c
        return y, (a, b, c)

    y, leaves = f(*xs)
    y.backward()
    h = 1e-6
    for i in range(3):
        xp, xm = xs.copy(), xs.copy()
        xp[i] += h
        xm[i] -= h
        num = (f(*xp)[0].data - f(*xm)[0].data) / (2 * h)
        assert_close(leaves[i].grad, num, atol=1e-5, name=f"d y / d x{i} vs numerical gradient",
                 hint="y uses a and b twice and every op once: check each op's local derivative "
                      "(tanh: 1 - t**2, exp: e, /: via ** -1, relu: out > 0) and that grads accumulate with +=")
