"""GPTConfig: the numbers that define a GPT-2-shaped model (models/gpt.py builds it).

Legend: V vocab_size, T block_size (context), L n_layer, H n_head, C n_embd (D = C / H per head).
Kept apart from the model so that code which only reads or writes configs (the Hugging Face
mapping in gpt2_hf.py, the scale calculator) need not import the model.

Local attention (GPT-3's "alternating dense and locally banded sparse" layers, Brown et al. 2020,
section 2.1): attn_window = w makes the layers named by local_layers attend only to the last w
positions (query t sees keys t - w < s <= t); the others stay dense. local_layers: "alternate"
(layers 1, 3, 5, ...: layer 0 is dense; the paper does not say which half is local), "all", or a
list of layer indices. attn_window None (the default) = every layer dense, as GPT-2. Both fields
are saved in checkpoints (to_dict); configs written before they existed load as dense.
"""
from dataclasses import asdict, dataclass


@dataclass
class GPTConfig:
    vocab_size: int = 50257
    block_size: int = 1024
    n_layer: int = 12
    n_head: int = 12
    n_embd: int = 768
    dropout: float = 0.0
    bias: bool = True
    attn_window: int = None            # None: dense; w >= 1: local layers see the last w positions
    local_layers: object = "alternate"  # "alternate" (odd layers), "all", or a list of layer indices

    def __post_init__(self):
        if self.n_embd % self.n_head:
            raise ValueError(f"n_embd ({self.n_embd}) must be divisible by n_head ({self.n_head})")
        for name in ("vocab_size", "block_size", "n_layer", "n_head", "n_embd"):
            if int(getattr(self, name)) <= 0:
                raise ValueError(f"GPTConfig.{name} must be positive, got {getattr(self, name)}")
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError(f"GPTConfig.dropout must be in [0, 1), got {self.dropout}")
        w = self.attn_window
        if w is not None and (isinstance(w, bool) or not isinstance(w, int) or w < 1):
            raise ValueError(f"GPTConfig.attn_window must be None or an int >= 1, got {w!r}")
        ll = self.local_layers
        if isinstance(ll, str):
            if ll not in ("alternate", "all"):
                raise ValueError(f"GPTConfig.local_layers must be 'alternate', 'all' or a list of layer "
                                 f"indices, got {ll!r}")
        else:
            try:
                idx = sorted({int(i) for i in ll})
            except (TypeError, ValueError):
                raise ValueError(f"GPTConfig.local_layers must be 'alternate', 'all' or a list of layer "
                                 f"indices, got {ll!r}") from None
            if idx and not (0 <= idx[0] and idx[-1] < self.n_layer):
                raise ValueError(f"GPTConfig.local_layers {ll!r}: indices must be in [0, {self.n_layer})")
            self.local_layers = idx                       # a sorted list (JSON writes and reads lists)

    def layer_window(self, layer: int):
        """The attention window of layer `layer`: attn_window if it is a local layer, else None."""
        if self.attn_window is None:
            return None
        ll = self.local_layers
        local = ll == "all" or (ll == "alternate" and layer % 2 == 1) or (not isinstance(ll, str) and layer in ll)
        return self.attn_window if local else None

    def to_dict(self):
        return asdict(self)
