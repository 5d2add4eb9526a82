"""The autograd Tensor: a NumPy array plus the record of how it was made.

Scope: the Tensor class, how an op records itself in the graph (`Tensor._make`), reverse-mode
`backward()` by an iterative topological sort (graphs 10,000+ ops deep are fine: no recursion),
gradient accumulation into leaves exactly like PyTorch, `no_grad()`, `detach()`. Like PyTorch,
backward() frees the graph it walks (pass retain_graph=True to walk it again), and every gradient
an op returns is checked against its input's shape AND dtype (a float64 leak is an error).
The ops themselves (+, @, exp, softmax, cross_entropy, ...) live in `tinygrad_lm/ops/` and are
attached to Tensor as methods there; each op writes its forward and its backward side by side.

In-place changes between forward and backward are detected, as PyTorch's version counter does:
an op's backward reads its inputs' arrays, so editing `x.data` after the forward pass and before
backward() would give silently wrong gradients. Every tensor has a `_version`, bumped whenever
`.data` is assigned (this includes `p.data -= lr * g` and `p.data *= 0.5`, which assign the result
back). Writes that bypass the assignment (`p.data[0] = 1`, `np.copyto(p.data, a)`, `out=p.data`)
cannot be seen that way, so for LEAF inputs (weights, data: what users edit) an op also stores a
cheap checksum of the array (the wrapping sum of its bytes as 64-bit words, ~0.4 ms per 10 MB;
it misses only edits that keep that sum, e.g. swapping two equal-sized words). backward() compares
both before running each op's backward and raises RuntimeError naming the op and the tensor.
Intermediate results are covered by the version counter only.

Omissions: no in-place ops on tensors that need grad, no higher-order gradients, no devices,
non-leaf tensors do not keep `.grad` (as in PyTorch without `retain_grad()`).

dtype rule: floating data becomes float32 unless a dtype is given explicitly (gradcheck uses
float64); integer data stays int64 and bool stays bool. Only floating tensors can require grad.
"""
import functools
import operator

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


def _checksum(a: np.ndarray) -> int:
    """A cheap fingerprint of an array's bytes: their wrapping sum as uint64 words (uint32 / uint8
    words when the size is not a multiple of 8 / 4). One pass at memory speed, no temporaries."""
    if not a.flags.c_contiguous:
        a = np.ascontiguousarray(a)
    b = a.reshape(-1).view(np.uint8)
    n = b.size
    word = np.uint64 if n % 8 == 0 else np.uint32 if n % 4 == 0 else np.uint8
    return int(np.add.reduce(b.view(word), dtype=word)) if n else 0


def _stamp(parents) -> tuple:
    """What backward() re-checks: each input's version, and the checksum of each leaf input."""
    return tuple([(p._version, _checksum(p._data) if p._backward is None else None) for p in parents])


def _check_unchanged(node, stamps, sums: dict) -> None:
    """Raise if an input of `node` was modified in place since the forward pass recorded it."""
    for p, (version, checksum) in zip(node._parents, stamps):
        if p._version != version:
            how = f"its .data was assigned {p._version - version} time(s) (version {version} -> {p._version})"
        elif checksum is not None:
            now = sums.get(id(p))
            if now is None:
                now = sums[id(p)] = _checksum(p._data)
            if now == checksum:
                continue
            how = "its array was written in place (checksum changed)"
        else:
            continue
        kind = "a leaf" + (" that requires grad (a weight?)" if p.requires_grad else "") if p._backward is None \
            else f"the output of op '{p._op}'"
        raise RuntimeError(
            f"backward(): an input of op '{node._op}' was modified in place after the forward pass: a tensor of "
            f"shape {p.shape}, dtype {p.dtype}, {kind}; {how}. Its gradient would be silently wrong. Call "
            f"backward() before changing the data (e.g. optimizer.step() after loss.backward()), or run the "
            f"forward pass again after the change.")


def _graph_freed(grad):
    raise RuntimeError("trying to backward through the graph a second time: its saved arrays were freed "
                       "by the first backward(). Use backward(retain_graph=True) the first time, or "
                       "detach() values carried over between steps (e.g. an RNN's hidden state).")


class Tensor:
    """An n-dimensional array that records the ops applied to it, for `backward()`."""

    __slots__ = ("_data", "_version", "grad", "requires_grad", "_parents", "_backward", "_op", "_stamps",
                 "__weakref__")
    __array_priority__ = 1000  # so `np.float32(2) * tensor` calls Tensor.__rmul__

    def __init__(self, data, requires_grad: bool = False, dtype=None):
        self._data = _to_array(data, dtype)
        self._version = 0
        if requires_grad and self._data.dtype.kind != "f":
            raise TypeError(f"only floating-point tensors can require grad, got dtype {self._data.dtype}")
        self.grad = None
        self.requires_grad = bool(requires_grad)
        self._parents = ()
        self._backward = None
        self._op = ""
        self._stamps = None

    def _set_data(self, value):
        self._data = value
        self._version += 1                # an assignment, e.g. `p.data -= lr * g`: see the module docstring

    # `t.data` reads the array through a C-level getter (operator.attrgetter: no Python frame)
    data = property(operator.attrgetter("_data"), _set_data, doc="The NumPy array (assigning bumps _version).")

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
        out._data = data
        out._version = 0
        out.grad = None
        out._op = op
        if _grad_enabled:
            for p in parents:                     # a plain loop: cheaper than any(genexpr)
                if p.requires_grad:
                    out.requires_grad = True
                    out._parents = parents
                    out._backward = backward
                    out._stamps = _stamp(parents)     # versions + leaf checksums, re-checked by backward()
                    return out
        out.requires_grad = False
        out._parents = ()
        out._backward = None
        out._stamps = None
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
        grads, owned, sums = {id(self): grad}, set(), {}
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
            if node._stamps is not None:          # inputs edited in place since the forward pass?
                _check_unchanged(node, node._stamps, sums)
            parents, pgrads = node._parents, node._backward(g)
            if not retain_graph:                  # free the saved arrays, like PyTorch
                node._parents, node._backward, node._stamps = (), _graph_freed, None
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
