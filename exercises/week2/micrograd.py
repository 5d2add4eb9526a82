# Generated from solutions/week2/micrograd.py by `tglm course build`: fill in the parts that raise NotImplementedError.
# Your edits are safe: the build refuses to overwrite this file unless --force; the reference is solutions/week2/micrograd.py.
"""Week 2, part 2: a scalar autograd engine in ~100 lines (after Karpathy's micrograd).

`Value` wraps one Python float. Every operation returns a new Value that remembers its inputs
(`_prev`) and a closure `_backward` that pushes the output's gradient into the inputs' `.grad`
(the chain rule for that one op). `backward()` sorts the graph topologically and runs the closures
from the output back to the leaves. tinygrad_lm.Tensor (tinygrad_lm/tensor.py) does exactly this,
but for whole arrays, so each op is one NumPy call instead of millions of Python calls.

Scope: +, -, *, /, ** (constant exponent), exp, log, tanh, relu, backward().
Does not: vectorize, support a Value exponent, or free the graph after backward.

Gradients ACCUMULATE (`+=`): a Value used twice (b = a + a, or a*a) receives a contribution from
each use. This is the multivariate chain rule, and the most common autograd bug when forgotten.
"""
import math


class Value:
    """One scalar in a computation graph, with its gradient."""

    def __init__(self, data, _prev=(), _op=""):
        self.data = float(data)
        self.grad = 0.0
        self._backward = lambda: None      # leaves have nothing to push further back
        self._prev = tuple(_prev)
        self._op = _op

    def __repr__(self):
        return f"Value(data={self.data:.6g}, grad={self.grad:.6g})"

    # ---- binary ops ------------------------------------------------------------------------
    def __add__(self, other):
        """Task 2.8: addition of two Values (or a Value and a number), with its backward closure.

        TODO: return out = Value(self.data + other.data, (self, other), "+") and give it a
        `_backward` closure that adds out.grad into self.grad and other.grad.

        APPROACH: stuck? `tglm hint 2.8` shows the approach one step at a time.

        EXAMPLE: a = Value(2); b = a + 3; b.grad = 1; b._backward()  ->  a.grad == 1.

        HINT: use `+=`, never `=`: in a + a the same Value is both inputs and must get 2 * out.grad.
        """
        raise NotImplementedError("Week 2, task 2.8: addition of two Values (or a Value and a number), with its backward closure.")

    def __mul__(self, other):
        """Task 2.8: multiplication, with its backward closure.

        TODO: like __add__, with d(a * b)/da = b and d(a * b)/db = a.
        EXAMPLE: a, b = Value(2), Value(-3); c = a * b; c.grad = 1; c._backward() -> a.grad -3, b.grad 2.
        """
        raise NotImplementedError("Week 2, task 2.8: multiplication, with its backward closure.")

    def __pow__(self, k):
        """Task 2.8: power with a constant exponent k (int or float), with its backward closure.

        TODO: out = self.data ** k; d(a^k)/da = k * a^(k-1).
        EXAMPLE: a = Value(3); b = a ** 2; b.grad = 1; b._backward() -> a.grad == 6.
        """
        raise NotImplementedError("Week 2, task 2.8: power with a constant exponent k (int or float), with its backward closure.")

    # Everything else is built from the three ops above (so it needs no backward of its own).
    def __neg__(self):
        return self * -1

    def __sub__(self, other):
        return self + (-other)

    def __truediv__(self, other):
        return self * (other ** -1 if isinstance(other, Value) else 1.0 / other)

    def __radd__(self, other):          # 3 + a
        return self + other

    def __rsub__(self, other):          # 3 - a
        return (-self) + other

    def __rmul__(self, other):          # 3 * a
        return self * other

    def __rtruediv__(self, other):      # 3 / a
        return Value(other) * self ** -1

    # ---- unary ops ---------------------------------------------------------------------------
    def exp(self):
        """Task 2.9: e^x with its backward closure: d e^x / dx = e^x (reuse the output).

        EXAMPLE: Value(0).exp() has data 1.0; after backward with out.grad = 1, x.grad == 1.
        """
        raise NotImplementedError("Week 2, task 2.9: e^x with its backward closure: d e^x / dx = e^x (reuse the output).")

    def tanh(self):
        """Task 2.9: tanh with its backward closure: d tanh(x)/dx = 1 - tanh(x)^2.

        HINT: math.tanh is stable for large |x|; the formula (e^2x - 1)/(e^2x + 1) overflows.
        """
        raise NotImplementedError("Week 2, task 2.9: tanh with its backward closure: d tanh(x)/dx = 1 - tanh(x)^2.")

    def relu(self):
        """Task 2.9: ReLU with its backward closure: gradient 1 where x > 0, else 0.

        EXAMPLE: Value(-2).relu().data == 0.0 and passes no gradient back.
        """
        raise NotImplementedError("Week 2, task 2.9: ReLU with its backward closure: gradient 1 where x > 0, else 0.")

    def log(self):
        """Natural log (given, for the cross-entropy demo): d log x / dx = 1 / x."""
        out = Value(math.log(self.data), (self,), "log")

        def _backward():
            self.grad += out.grad / self.data
        out._backward = _backward
        return out

    # ---- reverse mode ------------------------------------------------------------------------
    def topological_order(self):
        """Task 2.10: every Value that `self` depends on (and self), each ONCE, inputs before outputs.

        TODO: return a list `order` in which every node appears after all of its `_prev` inputs.

        APPROACH: stuck? `tglm hint 2.10` shows the approach one step at a time.

        EXAMPLE: for c = a * b; d = c + a: a valid order is [a, b, c, d] (a appears once).
        """
        raise NotImplementedError("Week 2, task 2.10: every Value that `self` depends on (and self), each ONCE, inputs before outputs.")

    def backward(self):
        """Task 2.10: fill .grad of every node in the graph with d self / d node.

        TODO: set the grad of every intermediate node (one with inputs) to 0, set self.grad = 1
        (dself/dself), then call `_backward()` of every node in REVERSE topological order, so that
        a node's gradient is complete (all its uses have added into it) before it is pushed back.

        HINT: reset only intermediate nodes, never the leaves (nodes without `_prev`): like PyTorch,
        calling backward twice ADDS the leaves' gradients up; zeroing them is the optimizer's job.
        """
        raise NotImplementedError("Week 2, task 2.10: fill .grad of every node in the graph with d self / d node.")


def mlp_neuron_demo():
    """A 2-input tanh neuron, the classic example: returns (out, [x1, x2, w1, w2, b]) after backward."""
    x1, x2, w1, w2, b = Value(2.0), Value(0.0), Value(-3.0), Value(1.0), Value(6.8813735870195432)
    out = (x1 * w1 + x2 * w2 + b).tanh()
    out.backward()
    return out, [x1, x2, w1, w2, b]
