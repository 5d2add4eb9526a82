"""Conv2d, MaxPool2d and AvgPool2d layers, with PyTorch's argument names and default init.

Legend: B batch, C in_channels, O out_channels, H, W image size, OH, OW output size.
    Conv2d:     x (B, C, H, W) -> y (B, O, OH, OW);  weight (O, C // groups, KH, KW), bias (O,)
    MaxPool2d / AvgPool2d: x (B, C, H, W) -> (B, C, OH, OW); no parameters
    OH = (H + 2*padding - dilation*(KH - 1) - 1) // stride + 1      (OW alike)
Unbatched (C, H, W) inputs work too. The ops (forward and backward) are in ops/conv.py.
Init is PyTorch's default: weight = kaiming_uniform_(a=sqrt(5)) = U(-1/sqrt(fan_in), 1/sqrt(fan_in))
and bias U(-1/sqrt(fan_in), 1/sqrt(fan_in)), fan_in = C // groups * KH * KW.
Does not handle: padding='same' / 'valid', padding_mode other than 'zeros', ceil_mode,
return_indices, divisor_override, Conv1d / Conv3d / ConvTranspose2d.
"""
import math

import numpy as np

from ..ops import conv as _conv
from . import init
from .module import Module, Parameter


class Conv2d(Module):
    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0, dilation=1,
                 groups: int = 1, bias: bool = True, padding_mode: str = "zeros", dtype=np.float32):
        super().__init__()
        name = f"Conv2d({in_channels}, {out_channels})"
        for n, v in (("in_channels", in_channels), ("out_channels", out_channels), ("groups", groups)):
            if not isinstance(v, (int, np.integer)) or isinstance(v, bool) or v <= 0:
                raise ValueError(f"{name}: {n} must be a positive int, got {v!r}")
        if in_channels % groups or out_channels % groups:
            raise ValueError(f"{name}: in_channels and out_channels must be divisible by groups = {groups}")
        if padding_mode != "zeros":
            raise NotImplementedError(f"{name}: only padding_mode='zeros' is implemented, got {padding_mode!r}")
        if isinstance(padding, str):
            raise NotImplementedError(f"{name}: padding={padding!r} strings are not implemented; give an int "
                                      f"or (h, w) (for 'same' with stride 1 and odd k: padding = k // 2)")
        self.in_channels, self.out_channels, self.groups = int(in_channels), int(out_channels), int(groups)
        self.kernel_size = _conv._pair(kernel_size, name, "kernel_size", 1)
        self.stride = _conv._pair(stride, name, "stride", 1)
        self.padding = _conv._pair(padding, name, "padding", 0)
        self.dilation = _conv._pair(dilation, name, "dilation", 1)
        shape = (self.out_channels, self.in_channels // self.groups) + self.kernel_size
        self.weight = Parameter(np.empty(shape, dtype=dtype), dtype=dtype)           # (O, Cg, KH, KW)
        if bias:
            self.bias = Parameter(np.empty(out_channels, dtype=dtype), dtype=dtype)  # (O,)
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))       # U(-1/sqrt(fan_in), 1/sqrt(fan_in))
        if self.bias is not None:
            fan_in, _ = init.fan_in_and_fan_out(self.weight)     # C // groups * KH * KW
            bound = 1.0 / math.sqrt(fan_in)
            init.uniform_(self.bias, -bound, bound)

    def forward(self, x):
        if hasattr(x, "shape") and len(x.shape) in (3, 4) and x.shape[-3] != self.in_channels:
            raise ValueError(f"Conv2d(in_channels={self.in_channels}, ...): input must be (B, "
                             f"{self.in_channels}, H, W), got shape {tuple(x.shape)} (channels-last images? "
                             f"transpose them to (B, C, H, W))")
        return _conv.conv2d(x, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups)

    def extra_repr(self):
        s = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
             f"stride={self.stride}")
        if self.padding != (0, 0):
            s += f", padding={self.padding}"
        if self.dilation != (1, 1):
            s += f", dilation={self.dilation}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        return s + ("" if self.bias is not None else ", bias=False")


class MaxPool2d(Module):
    def __init__(self, kernel_size, stride=None, padding=0, dilation=1, ceil_mode: bool = False):
        super().__init__()
        self.kernel_size, self.stride, self.padding, self.dilation = _conv._pool_args(
            "MaxPool2d", kernel_size, stride, padding, dilation, ceil_mode)
        self.ceil_mode = False

    def forward(self, x):
        return _conv.max_pool2d(x, self.kernel_size, self.stride, self.padding, self.dilation)

    def extra_repr(self):
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}")


class AvgPool2d(Module):
    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
                 count_include_pad: bool = True):
        super().__init__()
        self.kernel_size, self.stride, self.padding, _ = _conv._pool_args(
            "AvgPool2d", kernel_size, stride, padding, 1, ceil_mode)
        self.ceil_mode, self.count_include_pad = False, bool(count_include_pad)

    def forward(self, x):
        return _conv.avg_pool2d(x, self.kernel_size, self.stride, self.padding,
                                count_include_pad=self.count_include_pad)

    def extra_repr(self):
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"count_include_pad={self.count_include_pad}")
