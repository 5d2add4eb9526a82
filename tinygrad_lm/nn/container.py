"""Containers: Sequential (a pipeline), ModuleList (a list of layers), ModuleDict (named layers).

A child is registered under its position ("0", "1", ...) or key, so parameter names read like
PyTorch's: "h.0.attn.weight". Use these instead of Python lists/dicts, which Module cannot see.
Does not handle: ParameterList / ParameterDict, deleting from the middle of a Sequential.
"""
from collections import OrderedDict

from .module import Module


class ModuleList(Module):
    """A list of Modules that registers them: `self.h = ModuleList(Block(cfg) for _ in range(L))`."""

    def __init__(self, modules=None):
        super().__init__()
        if modules is not None:
            self.extend(modules)

    def _check(self, m):
        if not isinstance(m, Module):
            raise TypeError(f"{type(self).__name__} holds Modules, got {type(m).__name__}")
        return m

    def append(self, module: Module) -> "ModuleList":
        self._modules[str(len(self._modules))] = self._check(module)
        return self

    def extend(self, modules) -> "ModuleList":
        for m in modules:
            self.append(m)
        return self

    def insert(self, index: int, module: Module) -> None:
        items = list(self._modules.values())
        items.insert(index, self._check(module))
        self._modules.clear()
        self.extend(items)

    def __getitem__(self, idx):
        items = list(self._modules.values())
        if isinstance(idx, slice):
            return type(self)(items[idx])
        return items[idx]

    def __setitem__(self, idx: int, module: Module) -> None:
        key = list(self._modules)[idx]
        self._modules[key] = self._check(module)

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())

    def forward(self, *args, **kwargs):
        raise NotImplementedError("ModuleList has no forward(); iterate over it: `for block in self.h: x = block(x)`")


class Sequential(ModuleList):
    """Calls its modules in order: Sequential(Linear(2, 8), ReLU(), Linear(8, 1))(x).

    Also accepts one OrderedDict name -> module, to choose the names.
    """

    def __init__(self, *modules):
        Module.__init__(self)
        if len(modules) == 1 and isinstance(modules[0], (dict, OrderedDict)):
            for name, m in modules[0].items():
                self._modules[str(name)] = self._check(m)
        else:
            self.extend(modules)

    def __getitem__(self, idx):
        items = list(self._modules.items())
        if isinstance(idx, slice):
            return Sequential(OrderedDict(items[idx]))
        return items[idx][1]

    def forward(self, x):
        for module in self._modules.values():
            x = module(x)
        return x


class ModuleDict(Module):
    """A dict of Modules that registers them under their keys."""

    def __init__(self, modules=None):
        super().__init__()
        for k, m in (dict(modules) if modules is not None else {}).items():
            self[k] = m

    def __setitem__(self, key: str, module: Module) -> None:
        if not isinstance(module, Module):
            raise TypeError(f"ModuleDict holds Modules, got {type(module).__name__} for key {key!r}")
        self.add_module(str(key), module)

    def __getitem__(self, key: str) -> Module:
        return self._modules[key]

    def __delitem__(self, key: str) -> None:
        del self._modules[key]

    def __contains__(self, key) -> bool:
        return key in self._modules

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules)

    def keys(self):
        return self._modules.keys()

    def values(self):
        return self._modules.values()

    def items(self):
        return self._modules.items()

    def forward(self, *args, **kwargs):
        raise NotImplementedError("ModuleDict has no forward(); call its modules by key")
