"""Week 7 autograder: im2col convolution (7.7-7.10), against the library's conv2d (tinygrad_lm/ops/conv.py,
whose forward and gradients equal PyTorch's: tests/test_conv.py and its torch fixtures)."""
import numpy as np
import pytest

from tinygrad_lm.course import assert_close, load
from tinygrad_lm.ops.conv import conv2d as library_conv2d
from tinygrad_lm.tensor import Tensor

mod = load("week7.im2col")
CASES = [((2, 3, 7, 6), (4, 3, 3, 3), 1, 1), ((1, 2, 8, 8), (3, 2, 2, 2), 2, 0), ((2, 1, 9, 7), (2, 1, 3, 2), 2, 1),
         ((1, 3, 5, 5), (2, 3, 1, 1), 1, 0)]


def _library(x, W, b, stride, padding, dy=None):
    xt, Wt, bt = (Tensor(a, requires_grad=True, dtype=np.float64) for a in (x, W, b))
    y = library_conv2d(xt, Wt, bt, stride=stride, padding=padding)
    if dy is None:
        return y.data
    (y * Tensor(dy, dtype=np.float64)).sum().backward()
    return xt.grad, Wt.grad, bt.grad


def _data(xs, ws, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=xs), rng.normal(size=ws), rng.normal(size=ws[0])


@pytest.mark.task("7.7", points=2, title="im2col: receptive fields as columns")
def test_im2col():
    x = np.arange(9.0).reshape(1, 1, 3, 3)
    cols = mod.im2col(x, 2, 2)
    assert_close(np.asarray(cols).shape, (1, 4, 4), name="im2col(3x3 image, 2x2 kernel).shape",
                 hint="(B, C*KH*KW, OH*OW): one column per output position")
    assert_close(cols[0][:, 0], [0, 1, 3, 4], name="the first column (top-left window)")
    assert_close(cols[0][:, 3], [4, 5, 7, 8], name="the last column (bottom-right window)",
                 hint="columns are output positions in row-major order; rows are (channel, i, j)")
    for xs, ws, s, p in CASES:
        x, W, b = _data(xs, ws)
        O, C, KH, KW = ws
        try:
            cols = mod.im2col(x, KH, KW, s, p)
        except ValueError as e:
            if p == 0:
                raise
            pytest.fail(f"im2col(x {xs}, kernel {KH}x{KW}, stride {s}, padding {p}) raised ValueError ({e}): was x "
                        f"zero-padded by {p} on each side of H and W before the windows were cut?")
        if p > 0 and np.shape(cols)[-1] == ((xs[2] - KH) // s + 1) * ((xs[3] - KW) // s + 1):
            pytest.fail(f"im2col(x {xs}, kernel {KH}x{KW}, stride {s}, padding {p}) has the column count of an "
                        f"unpadded image: pad x by {p} on each side of H and W first")
        y = W.reshape(O, -1) @ cols + b[:, None]
        want = _library(x, W, b, s, p)
        assert_close(y.reshape(want.shape), want, atol=1e-10,
                     name=f"W2 @ im2col(x) for x {xs}, kernel {KH}x{KW}, stride {s}, padding {p}",
                     hint="row c*KH*KW + i*KW + j must hold x[c, top + i, left + j] (the order of "
                          "W.reshape(O, -1)); zero padding counts as values")


@pytest.mark.task("7.8", points=1, title="conv2d_forward with im2col")
def test_conv2d_forward():
    for xs, ws, s, p in CASES:
        x, W, b = _data(xs, ws, 1)
        got = mod.conv2d_forward(x, W, b, s, p)
        want = _library(x, W, b, s, p)
        flipped = _library(x, W[:, :, ::-1, ::-1].copy(), b, s, p)
        if np.shape(got) == want.shape and np.allclose(got, flipped) and not np.allclose(flipped, want):
            pytest.fail("conv2d_forward flipped the kernel (true convolution); deep learning 'convolution' is "
                        "cross-correlation: use W as it is")
        assert_close(got, want, atol=1e-10, name=f"conv2d_forward x {xs}, W {ws}, stride {s}, padding {p}")


@pytest.mark.task("7.9", points=2, title="col2im: the adjoint of im2col (scatter-add)")
def test_col2im():
    got = mod.col2im(np.ones((1, 4, 4)), (1, 1, 3, 3), 2, 2)
    if np.allclose(got, [[[[1, 1, 1], [1, 1, 1], [1, 1, 1]]]]):
        pytest.fail("col2im assigned (=) instead of adding (+=): the centre pixel is in 4 windows and must get 4")
    assert_close(got, [[[[1, 2, 1], [2, 4, 2], [1, 2, 1]]]], name="col2im(ones) for a 3x3 image, 2x2 kernel")
    rng = np.random.default_rng(2)
    for xs, ws, s, p in CASES:                      # <im2col(x), c> == <x, col2im(c)>: the adjoint identity
        x = rng.normal(size=xs)
        _, _, KH, KW = ws
        c = rng.normal(size=np.asarray(mod.im2col(x, KH, KW, s, p)).shape)
        lhs = float((mod.im2col(x, KH, KW, s, p) * c).sum())
        rhs = float((x * mod.col2im(c, xs, KH, KW, s, p)).sum())
        assert_close(rhs, lhs, atol=1e-9, name=f"<x, col2im(c)> vs <im2col(x), c> for x {xs}, kernel {KH}x{KW}, "
                     f"stride {s}, padding {p}", hint="col2im must add every column entry back to the pixel "
                     "im2col copied it from, and drop the padding")


@pytest.mark.task("7.10", points=2, title="conv2d_backward: dx, dW, db")
def test_conv2d_backward():
    rng = np.random.default_rng(3)
    for xs, ws, s, p in CASES:
        x, W, b = _data(xs, ws, 4)
        y = _library(x, W, b, s, p)
        dy = rng.normal(size=y.shape)
        wx, wW, wb = _library(x, W, b, s, p, dy)
        dx, dW, db = mod.conv2d_backward(x, W, dy, s, p)
        if np.shape(dW) == wW.shape and np.allclose(dW, wW / xs[0]) and xs[0] > 1:
            pytest.fail("dW is the batch MEAN; the loss sums over the batch, so dW = sum over b")
        n_avg = xs[0] * y.shape[2] * y.shape[3]
        if np.shape(db) == wb.shape and np.allclose(db, wb / n_avg) and n_avg > 1:
            pytest.fail("db is the MEAN of dy; the bias is added at every position of every image, so db = dy "
                        "summed over batch and positions")
        assert_close(db, wb, atol=1e-10, name=f"db for x {xs}", hint="db = dy summed over batch and positions")
        assert_close(dW, wW, atol=1e-9, name=f"dW for x {xs}, W {ws}, stride {s}, padding {p}")
        assert_close(dx, wx, atol=1e-9, name=f"dx for x {xs}, W {ws}, stride {s}, padding {p}",
                     hint="dx = col2im(W2^T @ dy2): im2col's adjoint carries the column gradients back")
