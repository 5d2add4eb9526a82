"""The autograd Tensor: a NumPy array plus the record of how it was made.

Scope: the Tensor class, how an op records itself in the graph (`Tensor._make`), reverse-mode
`backward()` by an iterative topological sort (graphs 10,000+ ops deep are fine: no recursion),
gradient accumulation into leaves exactly like PyTorch, `no_grad()`, `detach()`. Like PyTorch,
backward() frees the graph it walks (pass retain_graph=True to walk it again), and every gradient
an op returns is checked against its input's shape AND dtype (a float64 leak is an error).
The ops themselves (+, @, exp, softmax, cross_entropy, ...) live in `tinygrad_lm/ops/` and are
attached to Tensor as methods there; each op writes its forward and its backward side by side.

Omissions: no in-place ops on tensors that need grad, no higher-order gradients, no devices,
non-leaf tensors do not keep `.grad` (as in PyTorch without `retain_grad()`).

dtype rule: floating data becomes float32 unless a dtype is given explicitly (gradcheck uses
float64); integer data stays int64 and bool stays bool. Only floating tensors can require grad.
"""
import functools

import numpy as np

_grad_enabled = True


def is_grad_enabled() -> bool:
    return _grad_enabled


class no_grad:
    """Context manager / decorator that stops graph recording (inference, optimizer steps)."""

    def __enter__(self):
        global _grad_enabled
        self._prev, _grad_enabled = _grad_enabled, False

    def __exit__(self, *exc):
        global _grad_enabled
        _grad_enabled = self._prev
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with no_grad():
                return fn(*args, **kwargs)
        return wrapper


def _to_array(data, dtype):
    if isinstance(data, Tensor):
        data = data.data
    if dtype is not None:
        return np.asarray(data, dtype=dtype)
    arr = np.asarray(data)
    if arr.dtype.kind == "f" and arr.dtype != np.float32:
        arr = arr.astype(np.float32)          # float64 only when asked for explicitly
    elif arr.dtype.kind in "iu" and arr.dtype != np.int64:
        arr = arr.astype(np.int64)
    elif arr.dtype.kind not in "fiub":
        raise TypeError(f"Tensor data must be numeric or bool, got dtype {arr.dtype}")
    return arr


def _graph_freed(grad):
    raise RuntimeError("trying to backward through the graph a second time: its saved arrays were freed "
                       "by the first backward(). Use backward(retain_graph=True) the first time, or "
                       "detach() values carried over between steps (e.g. an RNN's hidden state).")


class Tensor:
    """An n-dimensional array that records the ops applied to it, for `backward()`."""

    __slots__ = ("data", "grad", "requires_grad", "_parents", "_backward", "_op", "__weakref__")
    __array_priority__ = 1000  # so `np.float32(2) * tensor` calls Tensor.__rmul__

    def __init__(self, data, requires_grad: bool = False, dtype=None):
        self.data = _to_array(data, dtype)
        if requires_grad and self.data.dtype.kind != "f":
            raise TypeError(f"only floating-point tensors can require grad, got dtype {self.data.dtype}")
        self.grad = None
        self.requires_grad = bool(requires_grad)
        self._parents = ()
        self._backward = None
        self._op = ""

    # ---- graph construction: every op ends with Tensor._make -------------------------------
    @staticmethod
    def _make(data, parents, backward, op: str = "") -> "Tensor":
        """Wrap `data` (the op's forward result) as a Tensor that remembers how it was made.

        parents:  tuple of input Tensors.
        backward: function(grad_out) -> tuple of gradients, one per parent, each with that
                  parent's shape and dtype (or None where a parent needs no gradient).
        backward must NOT modify grad_out in place: the same array may also be another op's
        gradient (x + y hands one array to both parents) or an array an op keeps for a second
        backward(retain_graph=True).
        The graph is only recorded when grad mode is on and some parent requires grad.
        """
        out = Tensor.__new__(Tensor)
        out.data = data
        out.grad = None
        out._op = op
        if _grad_enabled:
            for p in parents:                     # a plain loop: cheaper than any(genexpr)
                if p.requires_grad:
                    out.requires_grad = True
                    out._parents = parents
                    out._backward = backward
                    return out
        out.requires_grad = False
        out._parents = ()
        out._backward = None
        return out

    # ---- reverse mode ----------------------------------------------------------------------
    def backward(self, grad=None, retain_graph: bool = False) -> None:
        """Accumulate d(self)/d(leaf) * grad into `.grad` of every leaf that requires grad.

        grad defaults to 1 for a scalar (one-element) tensor. Gradients ADD UP over backward()
        calls, as in PyTorch; call `zero_grad()` (or set `.grad = None`) in between.
        Like PyTorch, the graph is freed as it is walked (each op's saved arrays are released, so
        a training loop never holds two steps' activations); pass retain_graph=True to walk it
        again. Backward through a freed graph raises a clear RuntimeError.
        """
        if not self.requires_grad:
            raise RuntimeError("backward() called on a tensor that does not require grad "
                               "(no input had requires_grad=True, or it was made under no_grad())")
        if grad is None:
            if self.data.size != 1:
                raise RuntimeError(f"backward() without a gradient needs a one-element tensor, "
                                   f"got shape {self.shape}; pass grad= of that shape")
            grad = np.ones_like(self.data)
        else:
            grad = np.asarray(grad.data if isinstance(grad, Tensor) else grad, dtype=self.data.dtype)
            if grad.shape != self.data.shape:
                raise ValueError(f"backward(grad): grad shape {grad.shape} != tensor shape {self.shape}")

        # Topological order by an explicit stack (no recursion, so deep graphs are fine).
        order, visited, stack = [], set(), [(self, False)]
        while stack:
            node, parents_done = stack.pop()
            if parents_done:
                order.append(node)
                continue
            if id(node) in visited:
                continue
            visited.add(id(node))
            stack.append((node, True))
            for p in node._parents:
                if p.requires_grad and id(p) not in visited:
                    stack.append((p, False))

        # grads: node id -> gradient so far. Arrays that ops return may be shared (x + y hands the
        # same array to both inputs), so they are never modified; a sum the engine made itself is
        # private ("owned"), so further contributions are added into it in place and a leaf may
        # keep it as its .grad without a copy.
        grads, owned = {id(self): grad}, set()
        for node in reversed(order):              # outputs before inputs
            key = id(node)
            g = grads.pop(key, None)
            if g is None:
                continue
            if node._backward is None:            # a leaf: accumulate into .grad
                if g.shape != node.data.shape:
                    raise RuntimeError(f"internal error: gradient shape {g.shape} for a leaf of shape {node.shape}")
                if node.grad is None:
                    node.grad = g if key in owned else np.array(g, dtype=node.data.dtype, copy=True)
                else:
                    node.grad += g
                owned.discard(key)
                continue
            owned.discard(key)
            parents, pgrads = node._parents, node._backward(g)
            if not retain_graph:                  # free the saved arrays, like PyTorch
                node._parents, node._backward = (), _graph_freed
            for p, pg in zip(parents, pgrads):
                if pg is None or not p.requires_grad:
                    continue
                if pg.shape != p.data.shape or pg.dtype != p.data.dtype:
                    raise RuntimeError(f"internal error: op '{node._op}' returned a gradient of shape "
                                       f"{pg.shape} dtype {pg.dtype} for an input of shape {p.shape} "
                                       f"dtype {p.dtype}")
                pkey = id(p)
                if pkey not in grads:
                    grads[pkey] = pg
                elif pkey in owned:
                    grads[pkey] += pg             # our own sum: add in place
                else:
                    grads[pkey] = grads[pkey] + pg
                    owned.add(pkey)

    # ---- small conveniences ------------------------------------------------------------------
    @property
    def shape(self):
        return self.data.shape

    @property
    def dtype(self):
        return self.data.dtype

    @property
    def ndim(self):
        return self.data.ndim

    @property
    def size(self):
        return self.data.size

    @property
    def is_leaf(self):
        return self._backward is None

    def __len__(self):
        return len(self.data)

    def numpy(self) -> np.ndarray:
        return self.data

    def item(self):
        return self.data.item()

    def detach(self) -> "Tensor":
        """The same data, cut from the graph (shares memory, like PyTorch)."""
        return Tensor(self.data, dtype=self.data.dtype)

    def requires_grad_(self, flag: bool = True) -> "Tensor":
        if flag and self.data.dtype.kind != "f":
            raise TypeError(f"only floating-point tensors can require grad, got dtype {self.data.dtype}")
        self.requires_grad = bool(flag)
        return self

    def zero_grad(self) -> None:
        self.grad = None

    def __repr__(self):
        body = np.array2string(self.data, precision=4, threshold=20, edgeitems=3, separator=", ")
        extra = ", requires_grad=True" if self.requires_grad else ""
        return f"Tensor({body}, dtype={self.data.dtype}{extra})"

    def __hash__(self):
        return id(self)


# Fresh arrays for every op are only cheap if freed memory stays in the process (kernels/_alloc.py).
from .kernels import _alloc  # noqa: E402
_alloc.tune()
# The ops (+, @, sum, softmax, ...) attach themselves to Tensor when tinygrad_lm/ops is imported;
# the package's __init__.py does that, so `from tinygrad_lm.tensor import Tensor` (which runs the
# package __init__ first) always gets a complete Tensor, and tensor.py never imports ops (no cycle).
