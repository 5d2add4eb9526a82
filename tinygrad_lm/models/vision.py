"""Image encoders for the week 7 multi-modal models: a small CNN and a ViT (patch embeddings + our
transformer blocks). Both map images (B, 3, H, W) float32 to one feature vector each (B, D).

SmallCNN (the one trained and shipped: fastest on a CPU for 32x32 images):
    [Conv2d 3x3 pad 1 -> ReLU -> MaxPool 2] x 3, channels w, 2w, 2w     (B, 3, 32, 32) -> (B, 2w, 4, 4)
    flatten -> Linear(2w * 16, D)                                        (B, 2w*16) -> (B, D)
  Flattening (not global pooling) keeps WHERE things are, which the captions' relations need.
PatchEmbedding (ViT, Dosovitskiy et al. 2021): cut the image into P x P patches, flatten each
(3*P*P values) and project it linearly to C; the same as Conv2d(3, C, kernel_size=P, stride=P):
    (B, 3, H, W) -> (B, C, H/P, W/P) -> (B, L, C),  L = (H/P) * (W/P) patches
ViT: [CLS] + patches, + learned position embeddings -> n_layer pre-LN Blocks (models/gpt.py, causal=False)
    -> LayerNorm -> the [CLS] vector -> Linear(C, D).
Legend: B batch, H, W image size, P patch size, L patches, C channels, D output features.
Does not handle: batch norm, residual CNNs, other image sizes than multiples of 8 (CNN) or of P (ViT).
"""
import numpy as np

from .. import nn
from ..ops.join import cat
from ..tensor import Tensor
from .config import GPTConfig
from .gpt import Block


class SmallCNN(nn.Module):
    def __init__(self, out_dim: int = 128, width: int = 32, image_size: int = 32, in_channels: int = 3):
        super().__init__()
        if image_size % 8:
            raise ValueError(f"SmallCNN: image_size must be a multiple of 8 (three 2x2 poolings), got {image_size}")
        w = int(width)
        self.image_size, self.in_channels = image_size, in_channels
        self.conv1 = nn.Conv2d(in_channels, w, 3, padding=1)
        self.conv2 = nn.Conv2d(w, 2 * w, 3, padding=1)
        self.conv3 = nn.Conv2d(2 * w, 2 * w, 3, padding=1)
        self.pool = nn.MaxPool2d(2)
        self.fc = nn.Linear(2 * w * (image_size // 8) ** 2, out_dim)

    def features(self, x) -> Tensor:
        """The feature map before the last linear layer, flattened: (B, 2w * (H/8) * (W/8))."""
        x = _check_images(x, self.in_channels, self.image_size, "SmallCNN")
        x = self.pool(self.conv1(x).relu())                  # (B, w, 16, 16)
        x = self.pool(self.conv2(x).relu())                  # (B, 2w, 8, 8)
        x = self.pool(self.conv3(x).relu())                  # (B, 2w, 4, 4)
        return x.reshape(x.shape[0], -1)                     # (B, 2w*16)

    def forward(self, x) -> Tensor:
        return self.fc(self.features(x))                     # (B, D)


class PatchEmbedding(nn.Module):
    """(B, 3, H, W) -> (B, L, C): non-overlapping P x P patches, each projected linearly (a strided conv)."""

    def __init__(self, patch_size: int, n_embd: int, in_channels: int = 3):
        super().__init__()
        self.patch_size = int(patch_size)
        self.proj = nn.Conv2d(in_channels, n_embd, self.patch_size, stride=self.patch_size)

    def forward(self, x) -> Tensor:
        B, _, H, W = x.shape
        P = self.patch_size
        if H % P or W % P:
            raise ValueError(f"PatchEmbedding: image {H}x{W} is not a multiple of the patch size {P}")
        y = self.proj(x)                                     # (B, C, H/P, W/P)
        C = y.shape[1]
        return y.reshape(B, C, -1).transpose(1, 2)           # (B, L, C)


class ViT(nn.Module):
    def __init__(self, out_dim: int = 128, image_size: int = 32, patch_size: int = 4, n_layer: int = 2,
                 n_head: int = 4, n_embd: int = 64, in_channels: int = 3):
        super().__init__()
        self.image_size, self.in_channels = image_size, in_channels
        L = (image_size // patch_size) ** 2
        cfg = GPTConfig(vocab_size=1, block_size=L + 1, n_layer=n_layer, n_head=n_head, n_embd=n_embd)
        self.patch = PatchEmbedding(patch_size, n_embd, in_channels)
        self.cls = nn.Parameter(np.random.normal(0, 0.02, (1, 1, n_embd)).astype(np.float32))
        self.pos = nn.Parameter(np.random.normal(0, 0.02, (1, L + 1, n_embd)).astype(np.float32))
        self.blocks = nn.ModuleList([Block(cfg, causal=False) for _ in range(n_layer)])
        self.ln = nn.LayerNorm(n_embd)
        self.head = nn.Linear(n_embd, out_dim)

    def forward(self, x) -> Tensor:
        x = _check_images(x, self.in_channels, self.image_size, "ViT")
        p = self.patch(x)                                    # (B, L, C)
        B, _, C = p.shape
        cls = self.cls * np.ones((B, 1, 1), np.float32)      # (B, 1, C)
        h = cat([cls, p], axis=1) + self.pos                 # (B, L + 1, C)
        for block in self.blocks:
            h = block(h)                                     # (B, L + 1, C)
        return self.head(self.ln(h)[:, 0])                   # (B, D) from [CLS]


def _check_images(x, channels: int, size: int, name: str) -> Tensor:
    shape = tuple(x.shape)
    if len(shape) != 4 or shape[1] != channels or shape[2] != size or shape[3] != size:
        raise ValueError(f"{name}: images must be (B, {channels}, {size}, {size}) float32, got shape {shape} "
                         f"(channels-last (B, H, W, C)? transpose with .transpose(0, 3, 1, 2))")
    return x if isinstance(x, Tensor) else Tensor(np.asarray(x, np.float32))
