"""Elementwise arithmetic with broadcasting: + - * / neg, ** (scalar exponent or scalar base),
comparisons, where / masked_fill, clamp, and dtype casts.

Each op writes its forward, then its backward right under it. Broadcasting works on both sides
and with Python scalars (r-ops: `2 - x`, `1 / x`); gradients of broadcast inputs are summed back
by `unbroadcast`. Comparisons return bool tensors that never carry gradients.
Does not: Tensor ** Tensor (exponent must be a scalar), in-place ops (`x += y` rebinds x to a new
tensor, as for any immutable Python number), integer division or modulo.
"""
import numpy as np

from ..tensor import Tensor
from ._common import _make, grad_for, as_operand

_F64 = np.dtype(np.float64)


def _fix_dtype(out, a, b):
    # int/bool tensor combined with a Python float: NumPy says float64, we say float32
    if out.dtype == _F64 and a.dtype != _F64 and (not isinstance(b, np.ndarray) or b.dtype != _F64):
        return out.astype(np.float32)
    return out


def _pair(a: Tensor, b: Tensor):
    """The two arrays of a Tensor-Tensor op. A float tensor meeting an int/bool tensor keeps its
    float dtype (NumPy would turn float32 * int64 into float64)."""
    x, y = a.data, b.data
    if x.dtype != y.dtype:
        kx, ky = x.dtype.kind, y.dtype.kind
        if kx == "f" and ky != "f":
            y = y.astype(x.dtype)
        elif ky == "f" and kx != "f":
            x = x.astype(y.dtype)
    return x, y


# ---- + ---------------------------------------------------------------------------------------
def add(a: Tensor, b) -> Tensor:
    if isinstance(b, Tensor):
        x, y = _pair(a, b)
        out = x + y

        def backward(g):
            return (grad_for(g, a) if a.requires_grad else None,
                    grad_for(g, b) if b.requires_grad else None)
        return _make(out, (a, b), backward, "add")
    c = as_operand(b, a)
    out = _fix_dtype(a.data + c, a.data, c)
    return _make(out, (a,), lambda g: (grad_for(g, a),), "add")


# ---- - ---------------------------------------------------------------------------------------
def sub(a: Tensor, b) -> Tensor:
    if isinstance(b, Tensor):
        x, y = _pair(a, b)
        out = x - y

        def backward(g):
            return (grad_for(g, a) if a.requires_grad else None,
                    grad_for(-g, b) if b.requires_grad else None)
        return _make(out, (a, b), backward, "sub")
    c = as_operand(b, a)
    out = _fix_dtype(a.data - c, a.data, c)
    return _make(out, (a,), lambda g: (grad_for(g, a),), "sub")


def rsub(a: Tensor, b) -> Tensor:            # b - a
    c = as_operand(b, a)
    out = _fix_dtype(c - a.data, a.data, c)
    return _make(out, (a,), lambda g: (grad_for(-g, a),), "rsub")


def neg(a: Tensor) -> Tensor:
    return _make(-a.data, (a,), lambda g: (-g,), "neg")


# ---- * ---------------------------------------------------------------------------------------
def mul(a: Tensor, b) -> Tensor:
    if isinstance(b, Tensor):
        x, y = _pair(a, b)
        out = x * y

        def backward(g):                       # d(ab)/da = b, d(ab)/db = a
            return (grad_for(g * y, a) if a.requires_grad else None,
                    grad_for(g * x, b) if b.requires_grad else None)
        return _make(out, (a, b), backward, "mul")
    c = as_operand(b, a)
    out = _fix_dtype(a.data * c, a.data, c)
    return _make(out, (a,), lambda g: (grad_for(g * c, a),), "mul")


# ---- / ---------------------------------------------------------------------------------------
def div(a: Tensor, b) -> Tensor:
    if isinstance(b, Tensor):
        x, y = _pair(a, b)
        out = x / y
        if out.dtype == _F64 and x.dtype != _F64 and y.dtype != _F64:
            out = out.astype(np.float32)                 # int / int: float32, not float64

        def backward(g):                       # d(a/b)/da = 1/b, d(a/b)/db = -a/b^2 = -out/b
            ga = g / y
            return (grad_for(ga, a) if a.requires_grad else None,
                    grad_for(-ga * out, b) if b.requires_grad else None)
        return _make(out, (a, b), backward, "div")
    c = as_operand(b, a)
    out = _fix_dtype(a.data / c, a.data, c)
    return _make(out, (a,), lambda g: (grad_for(g / c, a),), "div")


def rdiv(a: Tensor, b) -> Tensor:            # b / a
    c = as_operand(b, a)
    out = _fix_dtype(c / a.data, a.data, c)
    return _make(out, (a,), lambda g: (grad_for(-g * out / a.data, a),), "rdiv")


# ---- ** ------------------------------------------------------------------------------------
def pow_(a: Tensor, p) -> Tensor:
    """x ** p for a scalar p. d/dx = p * x^(p-1)."""
    if isinstance(p, Tensor):
        if p.data.size != 1 or p.requires_grad:
            raise TypeError("x ** y supports a scalar exponent only (a Python number or a one-element "
                            "tensor without grad); use (y * x.log()).exp() for a tensor exponent")
        p = p.data.item()
    if not isinstance(p, (int, float, np.number)):
        raise TypeError(f"x ** p needs a scalar exponent, got {type(p).__name__}")
    p = p.item() if isinstance(p, np.number) else p
    x = a.data
    if p == 2:
        out = x * x
        return _make(out, (a,), lambda g: (g * (2 * x),), "pow")
    out = _fix_dtype(x ** p, x, p)
    return _make(out, (a,), lambda g: (grad_for(g * (p * x ** (p - 1)), a),), "pow")


def rpow(a: Tensor, base) -> Tensor:
    """base ** x for a scalar base > 0. d/dx = base^x * log(base)."""
    if not isinstance(base, (int, float, np.number)):
        raise TypeError(f"b ** x needs a scalar base, got {type(base).__name__}")
    base = float(base)
    out = _fix_dtype(base ** a.data, a.data, base)
    lb = float(np.log(base))
    return _make(out, (a,), lambda g: (grad_for(g * out * lb, a),), "rpow")


# ---- comparisons: bool tensors, never any gradient ----------------------------------------
def _cmp(ufunc, name):
    def op(a: Tensor, b) -> Tensor:
        other = b.data if isinstance(b, Tensor) else as_operand(b, a)
        return _make(ufunc(a.data, other), (), None, name)
    op.__name__ = name
    return op


lt, le, gt, ge = _cmp(np.less, "lt"), _cmp(np.less_equal, "le"), _cmp(np.greater, "gt"), _cmp(np.greater_equal, "ge")
eq, ne = _cmp(np.equal, "eq"), _cmp(np.not_equal, "ne")


# ---- where / masked_fill ----------------------------------------------------------------------
def where(cond, a, b) -> Tensor:
    """cond ? a : b elementwise, all three broadcast together. cond gets no gradient."""
    c = cond.data if isinstance(cond, Tensor) else np.asarray(cond)
    if c.dtype != np.bool_:
        c = c.astype(np.bool_)
    ref = a if isinstance(a, Tensor) else b if isinstance(b, Tensor) else None
    if ref is None:
        return Tensor(np.where(c, a, b))
    ad = a.data if isinstance(a, Tensor) else as_operand(a, ref)
    bd = b.data if isinstance(b, Tensor) else as_operand(b, ref)
    out = np.where(c, ad, bd)
    if out.dtype == _F64 and getattr(ad, "dtype", None) != _F64 and getattr(bd, "dtype", None) != _F64:
        out = out.astype(np.float32)                     # float32 vs int branch: stay float32
    parents = tuple(t for t in (a, b) if isinstance(t, Tensor))

    def backward(g):
        grads = []
        for t, keep in ((a, True), (b, False)):
            if not isinstance(t, Tensor):
                continue
            if not t.requires_grad:
                grads.append(None)
                continue
            gt_ = np.where(c, g, 0) if keep else np.where(c, 0, g)
            grads.append(grad_for(gt_.astype(g.dtype, copy=False), t))
        return tuple(grads)
    return _make(out, parents, backward, "where")


def masked_fill(a: Tensor, mask, value) -> Tensor:
    """a with `value` where mask is True (mask broadcasts to a's shape, like PyTorch)."""
    m = mask.data if isinstance(mask, Tensor) else np.asarray(mask)
    if m.dtype != np.bool_:
        raise TypeError(f"masked_fill expects a bool mask, got dtype {m.dtype}")
    out = np.where(m, a.data.dtype.type(value), a.data)
    if out.shape != a.data.shape:
        raise ValueError(f"masked_fill: mask of shape {m.shape} does not broadcast to the tensor's shape {a.shape}")
    return _make(out, (a,), lambda g: (np.where(m, g.dtype.type(0), g),), "masked_fill")


# ---- clamp ----------------------------------------------------------------------------------
def clamp(a: Tensor, min=None, max=None) -> Tensor:
    """Clip to [min, max]. The gradient passes where min <= x <= max (inclusive, like PyTorch)."""
    if min is None and max is None:
        raise ValueError("clamp needs at least one of min, max")
    x = a.data
    out = np.clip(x, min, max).astype(x.dtype, copy=False)

    def backward(g):
        keep = np.ones(x.shape, dtype=np.bool_)
        if min is not None:
            keep &= x >= min
        if max is not None:
            keep &= x <= max
        return (g * keep,)
    return _make(out, (a,), backward, "clamp")


# ---- dtype casts ----------------------------------------------------------------------------
def astype(a: Tensor, dtype) -> Tensor:
    """Cast; the gradient is cast back to the input's dtype. Casting to int/bool cuts the graph."""
    dtype = np.dtype(dtype)
    if dtype == a.data.dtype:
        return a
    out = a.data.astype(dtype)
    if dtype.kind != "f":
        return _make(out, (), None, "astype")
    return _make(out, (a,), lambda g: (g.astype(a.data.dtype),), "astype")


def _float(a):
    return astype(a, np.float32)


def _double(a):
    return astype(a, np.float64)


def _long(a):
    return astype(a, np.int64)


def _bool(a):
    if a.data.size != 1:
        raise ValueError(f"the truth value of a tensor with {a.data.size} elements is ambiguous; "
                         f"use .any() / .all() or compare .item()")
    return bool(a.data)


Tensor.__add__ = add
Tensor.__radd__ = add
Tensor.__sub__ = sub
Tensor.__rsub__ = rsub
Tensor.__mul__ = mul
Tensor.__rmul__ = mul
Tensor.__truediv__ = div
Tensor.__rtruediv__ = rdiv
Tensor.__neg__ = neg
Tensor.__pow__ = pow_
Tensor.__rpow__ = rpow
Tensor.__lt__, Tensor.__le__, Tensor.__gt__, Tensor.__ge__ = lt, le, gt, ge
Tensor.__eq__, Tensor.__ne__ = eq, ne
Tensor.__bool__ = _bool
Tensor.add, Tensor.sub, Tensor.mul, Tensor.div, Tensor.neg, Tensor.pow = add, sub, mul, div, neg, pow_
Tensor.lt, Tensor.le, Tensor.gt, Tensor.ge, Tensor.eq, Tensor.ne = lt, le, gt, ge, eq, ne
Tensor.masked_fill = masked_fill
Tensor.clamp = clamp
Tensor.clip = clamp
Tensor.astype = astype
Tensor.float = _float
Tensor.double = _double
Tensor.long = _long
