"""Parameter and Module: the bookkeeping that turns a Python class into a trainable model.

A Module registers what you assign to it:
    self.fc = nn.Linear(3, 4)            -> a child module, named "fc"
    self.w = nn.Parameter(np.zeros(4))   -> a parameter, named "w"
    self.register_buffer("mask", m)      -> state that is saved but not trained (e.g. a causal mask)
so `model.parameters()` finds every weight, `named_parameters()` gives dotted names like PyTorch
("h.0.attn.c_attn.weight"), and `state_dict()` / `load_state_dict()` save and restore them.
Lists of layers go in an `nn.ModuleList` (a plain list of modules raises: it would be invisible to
parameters(), the classic silent bug).

Also here: train()/eval() (the .training flag that Dropout reads), zero_grad(), .to(dtype)
(float64 for gradchecks), apply(fn) (recursive init), num_parameters(), a PyTorch-style __repr__,
and `functional_call` (run a module with some parameters replaced, for gradcheck).
Does not handle: hooks, devices, parametrizations, state_dict prefixes hooks / versioning.
"""
import warnings
from collections import OrderedDict, namedtuple
from contextlib import contextmanager

import numpy as np

from ..tensor import Tensor, no_grad


class Parameter(Tensor):
    """A Tensor that is a model weight: requires_grad=True, and Modules register it on assignment.

    Floating data becomes float32 unless dtype is given. Shares memory with a float32 input array.
    """
    __slots__ = ()

    def __init__(self, data, requires_grad: bool = True, dtype=None):
        if isinstance(data, Tensor):
            data = data.data
        arr = np.asarray(data)
        if dtype is None and arr.dtype.kind != "f":
            raise TypeError(f"Parameter needs floating-point data, got dtype {arr.dtype}; "
                            f"pass dtype=np.float32 to convert")
        super().__init__(arr, requires_grad=requires_grad, dtype=dtype)

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()


class LoadStateDictError(RuntimeError):
    """load_state_dict found missing / unexpected / wrongly shaped entries."""


IncompatibleKeys = namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])


class Module:
    """Base class of every layer and model. Subclasses call super().__init__() and define forward()."""

    def __init__(self):
        d = self.__dict__
        d["_parameters"] = OrderedDict()     # name -> Parameter or None
        d["_buffers"] = OrderedDict()        # name -> Tensor / ndarray or None
        d["_non_persistent"] = set()         # buffer names left out of state_dict
        d["_modules"] = OrderedDict()        # name -> Module or None
        d["training"] = True

    # ---- registration by attribute assignment ---------------------------------------------------
    def __setattr__(self, name, value):
        if "_parameters" not in self.__dict__:
            raise AttributeError(f"cannot assign {name!r} before Module.__init__() was called: "
                                 f"add super().__init__() at the top of {type(self).__name__}.__init__")
        params, buffers, modules = self._parameters, self._buffers, self._modules
        if isinstance(value, Parameter):
            self._forget(name)
            params[name] = value
        elif isinstance(value, Module):
            self._forget(name)
            modules[name] = value
        elif name in params:
            if value is not None:
                raise TypeError(f"cannot assign {type(value).__name__} to parameter {name!r} of "
                                f"{type(self).__name__}: wrap it as nn.Parameter(...) (or assign None)")
            params[name] = None
        elif name in modules:
            if value is not None:
                raise TypeError(f"cannot assign {type(value).__name__} to submodule {name!r} "
                                "(expected a Module or None)")
            modules[name] = None
        elif name in buffers:
            buffers[name] = value
        else:
            if isinstance(value, (list, tuple)) and any(isinstance(v, (Module, Parameter)) for v in value):
                raise TypeError(f"{type(self).__name__}.{name}: a plain {type(value).__name__} of modules/parameters "
                                f"would not be registered (parameters() would miss them); use nn.ModuleList([...])")
            if isinstance(value, dict) and any(isinstance(v, (Module, Parameter)) for v in value.values()):
                raise TypeError(f"{type(self).__name__}.{name}: a plain dict of modules/parameters would not be "
                                f"registered (parameters() would miss them); use nn.ModuleDict({{...}})")
            if isinstance(value, Tensor) and value.requires_grad and value.is_leaf:
                warnings.warn(f"{type(self).__name__}.{name} is a Tensor with requires_grad=True but not an "
                              f"nn.Parameter, so parameters() and the optimizer will not see it; "
                              f"wrap it: self.{name} = nn.Parameter(...)", stacklevel=2)
            object.__setattr__(self, name, value)

    def _forget(self, name):
        """Remove `name` from wherever it was registered before (it is about to be re-registered)."""
        if name in ("_parameters", "_buffers", "_modules", "_non_persistent", "training"):
            raise KeyError(f"{name!r} is reserved by Module")
        for store in (self._parameters, self._buffers, self._modules):
            store.pop(name, None)
        self._non_persistent.discard(name)
        self.__dict__.pop(name, None)

    def __getattr__(self, name):          # only called when normal lookup fails
        d = self.__dict__
        for store in ("_parameters", "_buffers", "_modules"):
            if store in d and name in d[store]:
                return d[store][name]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def __delattr__(self, name):
        for store in (self._parameters, self._buffers, self._modules):
            if name in store:
                del store[name]
                self._non_persistent.discard(name)
                return
        object.__delattr__(self, name)

    def register_buffer(self, name: str, value, persistent: bool = True) -> None:
        """Keep `value` (Tensor or array, no grad) with the module: moved by .to(), saved by state_dict
        unless persistent=False."""
        if "." in name or not name:
            raise KeyError(f"buffer name must be non-empty and contain no '.', got {name!r}")
        self._forget(name)
        self._buffers[name] = value
        if persistent:
            self._non_persistent.discard(name)
        else:
            self._non_persistent.add(name)

    def register_parameter(self, name: str, param) -> None:
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"register_parameter({name!r}): expected a Parameter or None, got {type(param).__name__}")
        self._forget(name)
        self._parameters[name] = param

    def add_module(self, name: str, module) -> None:
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"add_module({name!r}): expected a Module, got {type(module).__name__}")
        self._forget(name)
        self._modules[name] = module

    # ---- traversal ---------------------------------------------------------------------------------
    def named_modules(self, prefix: str = "", _seen=None):
        """Yield (dotted name, module) for self and every descendant, each module once."""
        seen = set() if _seen is None else _seen
        if id(self) in seen:
            return
        seen.add(id(self))
        yield prefix, self
        for name, child in self._modules.items():
            if child is not None:
                yield from child.named_modules(f"{prefix}.{name}" if prefix else name, seen)

    def modules(self):
        return (m for _, m in self.named_modules())

    def named_children(self):
        return ((n, m) for n, m in self._modules.items() if m is not None)

    def children(self):
        return (m for _, m in self.named_children())

    def _named_members(self, store: str, recurse: bool, remove_duplicate: bool):
        seen = set()
        mods = self.named_modules() if recurse else [("", self)]
        for prefix, mod in mods:
            for name, v in getattr(mod, store).items():
                if v is None or (remove_duplicate and id(v) in seen):
                    continue
                seen.add(id(v))
                yield (f"{prefix}.{name}" if prefix else name), v

    def named_parameters(self, recurse: bool = True, remove_duplicate: bool = True):
        """Yield (dotted name, Parameter). A tied weight is reported once, under its first name."""
        return self._named_members("_parameters", recurse, remove_duplicate)

    def parameters(self, recurse: bool = True):
        return (p for _, p in self.named_parameters(recurse))

    def named_buffers(self, recurse: bool = True):
        return self._named_members("_buffers", recurse, True)

    def buffers(self, recurse: bool = True):
        return (b for _, b in self.named_buffers(recurse))

    def num_parameters(self, *, trainable_only: bool = False) -> int:
        """Number of scalar weights (tied weights counted once)."""
        return sum(p.size for p in self.parameters() if p.requires_grad or not trainable_only)

    def apply(self, fn):
        """Call fn(module) on every descendant and then self (as PyTorch): `model.apply(init_weights)`."""
        for child in self.children():
            child.apply(fn)
        fn(self)
        return self

    # ---- modes, grads, dtype ------------------------------------------------------------------------
    def train(self, mode: bool = True):
        for m in self.modules():
            m.__dict__["training"] = bool(mode)
        return self

    def eval(self):
        return self.train(False)

    def requires_grad_(self, flag: bool = True):
        """Freeze (False) or unfreeze every parameter, e.g. to train only a new head."""
        for p in self.parameters():
            p.requires_grad = bool(flag)
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        for p in self.parameters():
            if set_to_none:
                p.grad = None
            elif p.grad is not None:
                p.grad.fill(0)

    def to(self, dtype):
        """Convert every parameter and floating buffer to `dtype` in place (grads are dropped)."""
        dtype = np.dtype(dtype)
        if dtype.kind != "f":
            raise TypeError(f"Module.to: expected a floating dtype, got {dtype}")
        for m in self.modules():
            for p in m._parameters.values():
                if p is not None and p.data.dtype != dtype:
                    p.data = p.data.astype(dtype)
                    p.grad = None
            for name, b in m._buffers.items():
                arr = b.data if isinstance(b, Tensor) else b
                if isinstance(arr, np.ndarray) and arr.dtype.kind == "f" and arr.dtype != dtype:
                    m._buffers[name] = (Tensor(arr.astype(dtype), dtype=dtype) if isinstance(b, Tensor)
                                        else arr.astype(dtype))
        return self

    def float(self):
        return self.to(np.float32)

    def double(self):
        return self.to(np.float64)

    # ---- saving and restoring ---------------------------------------------------------------------
    def state_dict(self) -> "OrderedDict[str, np.ndarray]":
        """{dotted name: array} of every parameter and persistent buffer (tied weights under every
        name, as PyTorch). The arrays ARE the weights (no copy): snapshot with copy.deepcopy()."""
        out = OrderedDict()
        for prefix, mod in self.named_modules():
            pre = prefix + "." if prefix else ""
            for name, p in mod._parameters.items():
                if p is not None:
                    out[pre + name] = p.data
            for name, b in mod._buffers.items():
                if b is not None and name not in mod._non_persistent:
                    out[pre + name] = b.data if isinstance(b, Tensor) else np.asarray(b)
        return out

    def _state_targets(self):
        """name -> (module, store name, key) for every entry state_dict() would produce."""
        targets = {}
        for prefix, mod in self.named_modules():
            pre = prefix + "." if prefix else ""
            for name, p in mod._parameters.items():
                if p is not None:
                    targets[pre + name] = (mod, "_parameters", name)
            for name, b in mod._buffers.items():
                if b is not None and name not in mod._non_persistent:
                    targets[pre + name] = (mod, "_buffers", name)
        return targets

    def load_state_dict(self, state_dict, strict: bool = True) -> IncompatibleKeys:
        """Copy arrays from `state_dict` into this module's parameters and buffers.

        strict=True: the keys must match exactly. Shapes must always match. All problems are
        reported together. Values may be arrays or Tensors; they are cast to the weight's dtype.
        """
        if not hasattr(state_dict, "items"):
            raise TypeError(f"load_state_dict wants a dict name -> array (e.g. from state_dict() or "
                            f"safetensors.load_file), got {type(state_dict).__name__}")
        targets = self._state_targets()
        given = {k: (v.data if isinstance(v, Tensor) else np.asarray(v)) for k, v in state_dict.items()}
        missing = [k for k in targets if k not in given]
        unexpected = [k for k in given if k not in targets]
        mismatched = []
        for k, (mod, store, name) in targets.items():
            if k in given:
                cur = getattr(mod, store)[name]
                cur_shape = cur.data.shape if isinstance(cur, Tensor) else np.shape(cur)
                if given[k].shape != cur_shape:
                    mismatched.append(f"{k}: checkpoint has shape {given[k].shape}, model has {cur_shape}")
        if mismatched or (strict and (missing or unexpected)):
            lines = [f"Error(s) in loading state_dict for {type(self).__name__}:"]
            if missing and strict:
                lines.append(f"  missing keys (in the model, not in the state_dict): {missing}")
            if unexpected and strict:
                lines.append(f"  unexpected keys (in the state_dict, not in the model): {unexpected}")
            lines += [f"  size mismatch for {m}" for m in mismatched]
            if strict and (missing or unexpected):
                lines.append("  hint: a different model config? (or pass strict=False to load the overlap)")
            raise LoadStateDictError("\n".join(lines))
        with no_grad():
            for k, (mod, store, name) in targets.items():
                if k not in given:
                    continue
                cur = getattr(mod, store)[name]
                arr = cur.data if isinstance(cur, Tensor) else cur
                if isinstance(arr, np.ndarray) and arr.flags.writeable:
                    np.copyto(arr, given[k], casting="same_kind")
                elif isinstance(cur, Tensor):
                    cur.data = np.array(given[k], dtype=cur.data.dtype)
                else:
                    getattr(mod, store)[name] = np.array(given[k], dtype=np.asarray(cur).dtype)
        return IncompatibleKeys(missing, unexpected)

    # ---- calling and printing -------------------------------------------------------------------------
    def forward(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} must define forward()")

    def __call__(self, *args, **kwargs):
        return self.forward(*args, **kwargs)

    def extra_repr(self) -> str:
        """One line of settings shown by repr, e.g. 'in_features=3, out_features=4, bias=True'."""
        return ""

    def __repr__(self):
        children = [(n, m) for n, m in self._modules.items() if m is not None]
        extra = self.extra_repr()
        if not children:
            return f"{type(self).__name__}({extra})"
        lines = [f"{type(self).__name__}(" + (extra if extra else "")]
        for name, child in children:
            body = repr(child).replace("\n", "\n  ")
            lines.append(f"  ({name}): {body}")
        return "\n".join(lines) + "\n)"

    def __dir__(self):
        return list(super().__dir__()) + list(self._parameters) + list(self._buffers) + list(self._modules)


@contextmanager
def _swapped(module: Module, tensors: dict):
    targets = module._state_targets()
    params = {n: (m, s, k) for n, (m, s, k) in targets.items()}
    for prefix, mod in module.named_modules():           # non-persistent buffers too
        for k in mod._buffers:
            params.setdefault((prefix + "." if prefix else "") + k, (mod, "_buffers", k))
    unknown = [n for n in tensors if n not in params]
    if unknown:
        raise KeyError(f"functional_call: {type(module).__name__} has no parameter/buffer {unknown}")
    saved = []
    try:
        for n, t in tensors.items():
            mod, store, key = params[n]
            saved.append((mod, store, key, getattr(mod, store)[key]))
            getattr(mod, store)[key] = t
        yield
    finally:
        for mod, store, key, old in reversed(saved):
            getattr(mod, store)[key] = old


def functional_call(module: Module, tensors: dict, *args, **kwargs):
    """module(*args, **kwargs) with the named parameters/buffers temporarily replaced by `tensors`
    (any Tensors, e.g. gradcheck's float64 copies), like torch.func.functional_call.

    EXAMPLE: gradcheck(lambda x, w: functional_call(lin, {"weight": w}, x), x, lin.weight)
    """
    with _swapped(module, tensors):
        return module(*args, **kwargs)
