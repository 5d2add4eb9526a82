# Generated from solutions/week7/im2col.py by `tglm course build`: fill in the parts that raise NotImplementedError.
# Your edits are safe: the build refuses to overwrite this file unless --force; the reference is solutions/week7/im2col.py.
"""Week 7: 2-D convolution as one matrix product (im2col), forward and backward, in NumPy.

A convolution slides a (C, KH, KW) filter over the image. im2col copies every receptive field into
one column, so all O filters apply at once as a matrix product:
    cols = im2col(x)                  (B, K, L)      K = C * KH * KW values per field, L = OH * OW fields
    y    = W2 @ cols + b              (B, O, L)  -> (B, O, OH, OW)       W2 = W.reshape(O, K)
    OH   = (H + 2 p - KH) // s + 1    (OW alike); p zero padding, s stride
Row order of a column: channel c, then kernel row i, then kernel column j (row = c*KH*KW + i*KW + j),
which is W.reshape(O, K)'s order and PyTorch's `unfold`. Column order: output row, then output column.
Backward (dy (B, O, OH, OW) -> dy2 (B, O, L)):
    dW = sum_b dy2[b] @ cols[b]^T     (O, K) -> (O, C, KH, KW)
    db = sum of dy over b, OH, OW     (O,)
    dx = col2im(W2^T @ dy2)           col2im ADDS each column back onto the pixels it was copied from
                                      (a pixel in several fields receives several contributions), then
                                      drops the padding.
Legend: B batch, C in channels, O out channels, H, W image, KH, KW kernel, OH, OW output.
Library version (groups, dilation, Numba kernels, torch parity): tinygrad_lm/ops/conv.py, kernels/conv.py.
Not here: dilation, groups, bias-free conv (pass b = zeros).
"""
import numpy as np


def output_size(H, W, KH, KW, stride, padding):
    """(OH, OW) of a convolution; ValueError when the kernel does not fit."""
    OH, OW = (H + 2 * padding - KH) // stride + 1, (W + 2 * padding - KW) // stride + 1
    if OH < 1 or OW < 1:
        raise ValueError(f"kernel {KH}x{KW} does not fit a {H}x{W} image with padding {padding}")
    return OH, OW


def im2col(x, KH, KW, stride=1, padding=0):
    """Task 7.7: im2col: every receptive field of x as one column.

    TODO: x (B, C, H, W). Return cols (B, C*KH*KW, OH*OW): column l = oh*OW + ow holds the window
    whose top-left corner is (oh*stride - padding, ow*stride - padding) in x, zero outside the image;
    row c*KH*KW + i*KW + j holds x[b, c, top + i, left + j].

    APPROACH: stuck? `tglm hint 7.7` shows the approach one step at a time.

    EXAMPLE: x = arange(9).reshape(1, 1, 3, 3), KH = KW = 2, stride 1, no padding: 4 windows;
             the first column is [0, 1, 3, 4], the last [4, 5, 7, 8].

    HINT: loop over the KH*KW kernel offsets, not over the OH*OW positions: 9 slices of the whole
    batch are fast, 1,024 small windows are slow in Python.
    """
    raise NotImplementedError("Week 7, task 7.7: im2col: every receptive field of x as one column.")


def conv2d_forward(x, W, b, stride=1, padding=0):
    """Task 7.8: convolution forward as im2col + one matrix product.

    TODO: x (B, C, H, W), W (O, C, KH, KW), b (O,). Return y (B, O, OH, OW).

    APPROACH: stuck? `tglm hint 7.8` shows the approach one step at a time.

    EXAMPLE: a 1x1 kernel W (O, C, 1, 1) is a per-pixel linear map: y[b, :, h, w] = W[:, :, 0, 0] @
             x[b, :, h, w] + b.

    HINT: this is cross-correlation (what every deep learning library calls convolution): do NOT flip
    the kernel.
    """
    raise NotImplementedError("Week 7, task 7.8: convolution forward as im2col + one matrix product.")


def col2im(cols, x_shape, KH, KW, stride=1, padding=0):
    """Task 7.9: the adjoint of im2col: add every column back onto the pixels it came from.

    TODO: cols (B, C*KH*KW, OH*OW), x_shape = (B, C, H, W). Return dx (B, C, H, W): the sum, over all
    windows containing a pixel, of that window's entry for it (padding positions are dropped).

    APPROACH: stuck? `tglm hint 7.9` shows the approach one step at a time.

    EXAMPLE: x (1, 1, 3, 3), 2x2 kernel, stride 1, cols all ones: the centre pixel lies in all 4
             windows, so dx = [[1, 2, 1], [2, 4, 2], [1, 2, 1]].

    HINT: `=` instead of `+=` keeps only the last window's value for pixels shared by several windows
    (any stride smaller than the kernel): their gradient comes out too small.
    """
    raise NotImplementedError("Week 7, task 7.9: the adjoint of im2col: add every column back onto the pixels it came from.")


def conv2d_backward(x, W, dy, stride=1, padding=0):
    """Task 7.10: gradients of the convolution: (dx, dW, db) from the upstream gradient dy.

    TODO: x (B, C, H, W), W (O, C, KH, KW), dy (B, O, OH, OW) = dL/dy. Return dx (B, C, H, W),
    dW (O, C, KH, KW), db (O,).

    APPROACH: stuck? `tglm hint 7.10` shows the approach one step at a time.

    EXAMPLE: for a 1x1 kernel, dW[o, c] = sum over b, h, w of dy[b, o, h, w] * x[b, c, h, w].

    HINT: dW sums over the batch: every image used the same filters. Forgetting the sum (or taking the
    mean) gives a gradient B times too small / a wrong shape.
    """
    raise NotImplementedError("Week 7, task 7.10: gradients of the convolution: (dx, dW, db) from the upstream gradient dy.")
