"""2-D convolution, max pooling and average pooling as autograd ops (forward and backward side by side).

Legend: B batch, C input channels, O output channels, H, W input size, OH, OW output size,
G groups (Cg = C // G, Og = O // G per group), KH, KW kernel size, L = OH * OW,
K = Cg * KH * KW (one receptive field). Arguments and output sizes follow torch.nn.functional:
    conv2d(x (B, C, H, W), weight (O, Cg, KH, KW), bias (O,) or None, stride, padding, dilation, groups)
    OH = (H + 2*padding - dilation*(KH - 1) - 1) // stride + 1
An unbatched input (C, H, W) gives an unbatched output (O, OH, OW), as in PyTorch.

conv2d is im2col + one matmul per group (kernels/conv.py, kernels.matmul):
    forward   cols = im2col(x)                          (G, K, B*L)   saved for the backward
              y[g] = W[g] @ cols[g]                      (G, Og, B*L) -> (B, O, OH, OW), + b
    backward  dW[g] = dy[g] @ cols[g]^T = (cols[g] @ dy[g]^T)^T     (G, Og, K)
                  (the second form, with the long B*L axis as the inner dim of a row-major cols,
                  measured 4x faster on kernels.matmul: 9 vs 37 ms for (16, 32, 32, 32) -> 64)
              dx = col2im(W[g]^T @ dy[g])               (G, K, B*L) -> (B, C, H, W)
              db = sum of dy over B, OH, OW             (O,)
Pooling (per channel, windows of kernel_size, stride defaults to kernel_size):
    max_pool2d  y = max of the window;  dx[argmax] += dy (ties: the first maximum)
    avg_pool2d  y = mean of the window (padding counts as zeros unless count_include_pad=False);
                dx[every window element] += dy / divisor
The memory price of im2col: cols holds K values per output position (KH*KW times the input for a
stride-1 conv) and lives until the backward.
Does not: ceil_mode, padding='same' / 'valid' strings, padding modes other than zeros, asymmetric
padding, return_indices, divisor_override, conv1d / conv3d / transposed convolutions.
"""
import numpy as np

from ..kernels import api as kernels
from ..kernels import conv as kconv
from ..tensor import Tensor
from ._common import _make


def _pair(v, fn, name, minimum):
    """An int or a pair of ints -> (h, w), each >= minimum; a TypeError / ValueError otherwise."""
    vals = (v, v) if isinstance(v, (int, np.integer)) and not isinstance(v, bool) else v
    if isinstance(vals, str) or not hasattr(vals, "__len__") or len(vals) != 2 or \
            not all(isinstance(a, (int, np.integer)) and not isinstance(a, bool) for a in vals):
        raise TypeError(f"{fn}: {name} must be an int or a pair of ints (h, w), got {v!r}")
    if min(vals) < minimum:
        raise ValueError(f"{fn}: {name} must be >= {minimum}, got {v!r}")
    return int(vals[0]), int(vals[1])


def _as_tensor(x, fn):
    if isinstance(x, Tensor):
        return x
    if not hasattr(x, "shape"):
        raise TypeError(f"{fn}: expected a Tensor or NumPy array (B, C, H, W), got {type(x).__name__}")
    return Tensor(x)


def _image(x, fn):
    """Checks x is (B, C, H, W) or (C, H, W) floating; returns (x as 4-D Tensor, was it unbatched)."""
    x = _as_tensor(x, fn)
    if x.data.dtype.kind != "f":
        raise TypeError(f"{fn}: input must be floating point, got dtype {x.data.dtype} "
                        f"(cast images with .astype(np.float32))")
    if x.ndim == 3:
        return x.reshape((1,) + x.shape), True
    if x.ndim != 4:
        raise ValueError(f"{fn}: input must be (B, C, H, W) or unbatched (C, H, W), got shape {x.shape}")
    return x, False


def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1, groups=1) -> Tensor:
    """x (B, C, H, W), weight (O, C // groups, KH, KW), bias (O,) or None -> (B, O, OH, OW)."""
    fn = "conv2d"
    x, unbatched = _image(x, fn)
    weight = _as_tensor(weight, fn)
    X, Wt = x.data, weight.data
    if Wt.ndim != 4:
        raise ValueError(f"{fn}: weight must be (O, C // groups, KH, KW), got shape {Wt.shape}")
    if not isinstance(groups, (int, np.integer)) or isinstance(groups, bool) or groups < 1:
        raise ValueError(f"{fn}: groups must be a positive int, got {groups!r}")
    stride, padding = _pair(stride, fn, "stride", 1), _pair(padding, fn, "padding", 0)
    dilation = _pair(dilation, fn, "dilation", 1)
    B, C, H, W = X.shape
    O, Cg, KH, KW = Wt.shape
    G = int(groups)
    if C % G or O % G:
        raise ValueError(f"{fn}: in channels C = {C} and out channels O = {O} must both be divisible "
                         f"by groups = {G}")
    if Cg * G != C:
        raise ValueError(f"{fn}: weight (O, C // groups, KH, KW) = {Wt.shape} expects C = {Cg} x groups "
                         f"{G} = {Cg * G} input channels, got input shape {X.shape} with C = {C}")
    if Wt.dtype != X.dtype or Wt.dtype.kind != "f":
        raise TypeError(f"{fn}: input and weight must share a floating dtype, got {X.dtype} and {Wt.dtype}")
    if bias is not None:
        bias = _as_tensor(bias, fn)
        if bias.data.shape != (O,) or bias.data.dtype != X.dtype:
            raise ValueError(f"{fn}: bias must be ({O},) {X.dtype}, got {bias.data.shape} {bias.data.dtype}")
    OH, OW = kconv.output_size(H, W, (KH, KW), stride, padding, dilation)
    Og, K, N = O // G, Cg * KH * KW, B * OH * OW
    geo = ((KH, KW), stride, padding, dilation, G)               # the geometry im2col/col2im share

    cols = kconv.im2col(X, *geo)                                 # (G, K, B*L)
    W3 = Wt.reshape(G, Og, K)                                    # (G, Og, K) a view
    y3 = kernels.matmul(W3, cols)                                # (G, Og, B*L) a fresh array
    y = np.ascontiguousarray(y3.reshape(G, Og, B, OH, OW).transpose(2, 0, 1, 3, 4)).reshape(B, O, OH, OW)
    if bias is not None:
        y += bias.data[:, None, None]                            # (O, 1, 1) over (B, O, OH, OW); y is ours
    parents = (x, weight) if bias is None else (x, weight, bias)

    def backward(g):                                             # g (B, O, OH, OW)
        g3 = np.ascontiguousarray(g.reshape(B, G, Og, OH * OW).transpose(1, 2, 0, 3)).reshape(G, Og, N)
        dW = None
        if weight.requires_grad:                                 # (cols @ g3^T)^T: see the docstring
            dWt = kernels.matmul(cols, g3.transpose(0, 2, 1))    # (G, K, Og)
            dW = np.ascontiguousarray(dWt.transpose(0, 2, 1)).reshape(Wt.shape)   # (O, Cg, KH, KW)
        dx = None
        if x.requires_grad:
            dcols = kernels.matmul(W3.transpose(0, 2, 1), g3)    # (G, K, B*L)
            dx = kconv.col2im(dcols, X.shape, *geo)              # (B, C, H, W)
        if bias is None:
            return dx, dW
        db = g.sum(axis=(0, 2, 3)) if bias.requires_grad else None    # (O,)
        return dx, dW, db

    out = _make(y, parents, backward, "conv2d")
    return out.reshape(out.shape[1:]) if unbatched else out


def _pool_args(fn, kernel_size, stride, padding, dilation, ceil_mode):
    if ceil_mode:
        raise NotImplementedError(f"{fn}: ceil_mode=True is not implemented (floor mode only)")
    k = _pair(kernel_size, fn, "kernel_size", 1)
    s = k if stride is None or (hasattr(stride, "__len__") and len(stride) == 0) else _pair(stride, fn, "stride", 1)
    p = _pair(padding, fn, "padding", 0)
    d = _pair(dilation, fn, "dilation", 1)
    if p[0] > k[0] // 2 or p[1] > k[1] // 2:
        raise ValueError(f"{fn}: padding {padding!r} must be at most half the kernel size {kernel_size!r} "
                         f"(a window would otherwise see only padding)")
    return k, s, p, d


def max_pool2d(x, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False) -> Tensor:
    """x (B, C, H, W) -> (B, C, OH, OW): the max of each window (padding never wins)."""
    x, unbatched = _image(x, "max_pool2d")
    geo = _pool_args("max_pool2d", kernel_size, stride, padding, dilation, ceil_mode)
    X = x.data
    y, argmax = kconv.max_pool2d_forward(X, *geo)                # (B, C, OH, OW) each

    def backward(g):                                             # g (B, C, OH, OW)
        return (kconv.max_pool2d_backward(np.ascontiguousarray(g), argmax, X.shape),)

    out = _make(y, (x,), backward, "max_pool2d")
    return out.reshape(out.shape[1:]) if unbatched else out


def avg_pool2d(x, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True) -> Tensor:
    """x (B, C, H, W) -> (B, C, OH, OW): the mean of each window."""
    x, unbatched = _image(x, "avg_pool2d")
    k, s, p, _ = _pool_args("avg_pool2d", kernel_size, stride, padding, 1, ceil_mode)
    X = x.data
    y = kconv.avg_pool2d_forward(X, k, s, p, count_include_pad)  # (B, C, OH, OW)

    def backward(g):                                             # g (B, C, OH, OW)
        return (kconv.avg_pool2d_backward(np.ascontiguousarray(g), X.shape, k, s, p, count_include_pad),)

    out = _make(y, (x,), backward, "avg_pool2d")
    return out.reshape(out.shape[1:]) if unbatched else out
