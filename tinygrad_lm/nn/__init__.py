"""tinygrad_lm.nn: layers and the Module machinery, shaped like torch.nn.

    from tinygrad_lm import nn
    class MLP(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1, self.fc2 = nn.Linear(784, 128), nn.Linear(128, 10)
        def forward(self, x):                                  # x (B, 784)
            return self.fc2(self.fc1(x).relu())                # (B, 10)

Files: module.py (Parameter, Module, functional_call), container.py (Sequential, ModuleList,
ModuleDict), init.py (nn.init), linear.py, embedding.py, normalization.py, dropout.py,
activation.py, conv.py (Conv2d, pooling), finetuning.py (freezing, trainable counts, per-layer learning
rates), lora.py (LoRA), adapter.py (Houlsby adapters). Recurrent layers live in rnn.py.
"""
from . import init
from .module import Parameter, Module, LoadStateDictError, functional_call
from .container import Sequential, ModuleList, ModuleDict
from .linear import Linear, Identity
from .embedding import Embedding
from .normalization import LayerNorm
from .dropout import Dropout
from .activation import ReLU, GELU, Tanh, Sigmoid, Softmax
from .conv import Conv2d, MaxPool2d, AvgPool2d
from .finetuning import freeze, unfreeze, trainable_parameters, count_trainable, layerwise_lr_groups
from .lora import (LoRALinear, apply_lora, merge_lora, unmerge_lora, lora_state_dict, load_lora_state_dict,
                   mark_only_lora_as_trainable)
from .adapter import Adapter, AdaptedLinear, apply_adapters, adapter_state_dict

__all__ = ["init", "Parameter", "Module", "LoadStateDictError", "functional_call", "Sequential", "ModuleList",
           "ModuleDict", "Linear", "Identity", "Embedding", "LayerNorm", "Dropout", "ReLU", "GELU", "Tanh",
           "Sigmoid", "Softmax"]
__all__ += ["Conv2d", "MaxPool2d", "AvgPool2d", "freeze", "unfreeze", "trainable_parameters", "count_trainable",
            "layerwise_lr_groups", "LoRALinear", "apply_lora", "merge_lora", "unmerge_lora", "lora_state_dict",
            "load_lora_state_dict", "mark_only_lora_as_trainable", "Adapter", "AdaptedLinear", "apply_adapters",
            "adapter_state_dict"]


def __getattr__(name):
    # Recurrent layers (rnn.py, owned by the RNN week) are looked up lazily, so a half-written
    # rnn.py never breaks `from tinygrad_lm import nn`.
    if not name.startswith("_"):
        import importlib
        rnn = importlib.import_module(".rnn", __name__)     # not `from . import rnn`: that re-enters __getattr__
        if hasattr(rnn, name):
            return getattr(rnn, name)
    raise AttributeError(f"module 'tinygrad_lm.nn' has no attribute {name!r}")
