"""GPTConfig: the numbers that define a GPT-2-shaped model (models/gpt.py builds it).

Legend: V vocab_size, T block_size (context), L n_layer, H n_head, C n_embd (D = C / H per head).
Kept apart from the model so that code which only reads or writes configs (the Hugging Face
mapping in gpt2_hf.py, the scale calculator) need not import the model.
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

    def __post_init__(self):
        if self.n_embd % self.n_head:
            raise ValueError(f"n_embd ({self.n_embd}) must be divisible by n_head ({self.n_head})")
        for name in ("vocab_size", "block_size", "n_layer", "n_head", "n_embd"):
            if int(getattr(self, name)) <= 0:
                raise ValueError(f"GPTConfig.{name} must be positive, got {getattr(self, name)}")
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError(f"GPTConfig.dropout must be in [0, 1), got {self.dropout}")

    def to_dict(self):
        return asdict(self)
