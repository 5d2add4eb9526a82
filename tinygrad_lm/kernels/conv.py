"""2-D convolution by im2col / col2im, and max / average pooling: Numba kernels, NumPy twins, dispatch.

Dispatch functions (validate, then kernel or twin):
    im2col(x, kernel_size, stride, padding, dilation, groups)          -> cols (G, K, B*L)
    col2im(cols, x_shape, kernel_size, stride, padding, dilation, groups) -> dx (B, C, H, W)
    max_pool2d_forward(x, kernel_size, stride, padding, dilation)      -> y, argmax (B, C, OH, OW)
    max_pool2d_backward(dy, argmax, x_shape)                           -> dx (B, C, H, W)
    avg_pool2d_forward(x, kernel_size, stride, padding, count_include_pad)      -> y
    avg_pool2d_backward(dy, x_shape, kernel_size, stride, padding, count_include_pad) -> dx
kernel_size, stride, padding, dilation are (h, w) pairs of ints here (ops/conv.py normalises them).

Legend: B batch, C channels, H, W height and width, G groups, Cg = C // G channels per group,
KH, KW kernel size, OH, OW output size, L = OH * OW, K = Cg * KH * KW (one receptive field).
    OH = (H + 2*ph - dh*(KH - 1) - 1) // sh + 1          (PyTorch's floor formula; OW alike)

im2col copies every receptive field into a column, so a convolution becomes one matmul per group:
    cols[g, (c, kh, kw), (b, oh, ow)] = xpad[b, g*Cg + c, oh*sh + kh*dh, ow*sw + kw*dw]    (G, K, B*L)
    y[g] (Og, B*L) = W[g] (Og, K) @ cols[g] (K, B*L)                     (ops/conv.py, kernels.matmul)
col2im is its transpose: it ADDS every column entry back to the pixel it was copied from (windows
overlap, so a pixel collects several entries): dx = col2im(W^T @ dy).

Pooling, per (b, c) plane; the window at (oh, ow) reads xpad[oh*sh + kh*dh, ow*sw + kw*dw]:
    max  y = max of the window (padding never wins); argmax = ih*W + iw of the winner, saved for
         the backward dx[argmax] += dy. Ties: the first maximum in (kh, kw) order, as PyTorch's CPU
         kernel. NaN: a NaN wins (the first NaN here; PyTorch keeps the last).
    avg  y = window sum / divisor, divisor = KH*KW (count_include_pad) or the number of in-image
         elements; backward: every in-image element of the window gets dy / divisor.
Every window holds at least one in-image element because padding <= kernel_size // 2 (checked in
ops/conv.py, as PyTorch does).

Kernel tricks: im2col runs one prange unit per row of cols (G*K rows, each written contiguously);
for a row, the output columns ow whose input column iw = ow*sw + kw*dw - pw falls inside the image
form one range [lo, hi), computed once, so the inner copy has no bounds test (and with stride 1 it
is a slice copy). The arrays are indexed flat: making a 1-D view per output row cost ~3x (measured);
inner loops use unsigned indices (see U below).
col2im and the pooling backwards run one unit per (b, c) plane: a plane is written by one thread
only, so the scatter-adds need no atomics.
Does not: ceil_mode, asymmetric padding, padding modes other than zeros, 1-D / 3-D convolution.
float32 only in the kernels (float64, e.g. in gradchecks, runs the twins).
"""
import numpy as np
from numpy.lib.stride_tricks import as_strided
from numba import prange

from . import _jit
from ._jit import as_float_array, contiguous, jit, pjit, threads_for, use_kernel


def output_size(H, W, kernel_size, stride, padding, dilation, fn="conv2d"):
    """(OH, OW) by PyTorch's floor formula; a ValueError when the input is smaller than the kernel."""
    out = []
    for n, k, s, p, d, axis in zip((H, W), kernel_size, stride, padding, dilation, ("height", "width")):
        o = (n + 2 * p - d * (k - 1) - 1) // s + 1
        if o <= 0:
            raise ValueError(f"{fn}: input {axis} {n} (+ 2 x padding {p}) is smaller than the dilated "
                             f"kernel {d * (k - 1) + 1}; the output would be empty")
        out.append(o)
    return tuple(out)


def _windows(xp, KH, KW, stride, dilation, OH, OW):
    """A read-only view (..., KH, KW, OH, OW) of the windows of xp (..., Hp, Wp): no copy."""
    (sh, sw), (dh, dw) = stride, dilation
    *lead, sH, sW = xp.strides
    return as_strided(xp, xp.shape[:-2] + (KH, KW, OH, OW),
                      tuple(lead) + (sH * dh, sW * dw, sH * sh, sW * sw), writeable=False)


# ---- NumPy twins ------------------------------------------------------------------------------
def im2col_numpy(x, kernel_size, stride, padding, dilation, groups):
    B, C, H, W = x.shape
    (KH, KW), (ph, pw) = kernel_size, padding
    OH, OW = output_size(H, W, kernel_size, stride, padding, dilation)
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))                   # (B, C, Hp, Wp)
    win = _windows(xp, KH, KW, stride, dilation, OH, OW)                    # (B, C, KH, KW, OH, OW)
    win = win.reshape(B, groups, C // groups, KH, KW, OH, OW)               # split C: still a view
    return win.transpose(1, 2, 3, 4, 0, 5, 6).reshape(groups, -1, B * OH * OW)   # (G, K, B*L) copy


def col2im_numpy(cols, x_shape, kernel_size, stride, padding, dilation, groups):
    B, C, H, W = x_shape
    (KH, KW), (sh, sw), (ph, pw), (dh, dw) = kernel_size, stride, padding, dilation
    OH, OW = output_size(H, W, kernel_size, stride, padding, dilation)
    c7 = cols.reshape(groups, C // groups, KH, KW, B, OH, OW)
    dxp = np.zeros((B, C, H + 2 * ph, W + 2 * pw), dtype=cols.dtype)        # (B, C, Hp, Wp)
    for kh in range(KH):
        for kw in range(KW):                                                # one tap of every window
            tap = c7[:, :, kh, kw].transpose(2, 0, 1, 3, 4).reshape(B, C, OH, OW)
            dxp[:, :, kh * dh:kh * dh + sh * (OH - 1) + 1:sh, kw * dw:kw * dw + sw * (OW - 1) + 1:sw] += tap
    return np.ascontiguousarray(dxp[:, :, ph:ph + H, pw:pw + W])


def max_pool2d_forward_numpy(x, kernel_size, stride, padding, dilation):
    B, C, H, W = x.shape
    (KH, KW), (sh, sw), (ph, pw), (dh, dw) = kernel_size, stride, padding, dilation
    OH, OW = output_size(H, W, kernel_size, stride, padding, dilation, "max_pool2d")
    pad = ((0, 0), (0, 0), (ph, ph), (pw, pw))
    xp = np.pad(x, pad, constant_values=-np.inf)                            # (B, C, Hp, Wp)
    win = _windows(xp, KH, KW, stride, dilation, OH, OW)                    # (B, C, KH, KW, OH, OW)
    win = win.transpose(0, 1, 4, 5, 2, 3).reshape(B, C, OH, OW, KH * KW)    # (B, C, OH, OW, KH*KW)
    tap = win.argmax(axis=-1)                                               # first max, first NaN
    y = np.take_along_axis(win, tap[..., None], axis=-1)[..., 0]            # (B, C, OH, OW)
    # a window whose in-image values are all -inf: the first in-image element (as PyTorch)
    inside = _windows(np.pad(np.ones((H, W), bool), pad[2:]), KH, KW, stride, dilation, OH, OW)
    first = inside.transpose(2, 3, 0, 1).reshape(OH, OW, KH * KW).argmax(axis=-1)   # (OH, OW)
    tap = np.where(y == -np.inf, first, tap)
    kh, kw = tap // KW, tap % KW
    ih = np.arange(OH)[:, None] * sh - ph + kh * dh                         # (B, C, OH, OW)
    iw = np.arange(OW)[None, :] * sw - pw + kw * dw
    return y, (ih * W + iw).astype(np.int64)


def max_pool2d_backward_numpy(dy, argmax, x_shape):
    B, C, H, W = x_shape
    dx = np.zeros((B * C, H * W), dtype=dy.dtype)
    rows = np.arange(B * C)[:, None]                                        # (B*C, 1)
    np.add.at(dx, (rows, argmax.reshape(B * C, -1)), dy.reshape(B * C, -1))  # repeats add up
    return dx.reshape(x_shape)


def _avg_divisor(H, W, kernel_size, stride, padding, count_include_pad, OH, OW, dtype):
    """(OH, OW): KH*KW, or the number of in-image elements of each window."""
    KH, KW = kernel_size
    if count_include_pad:
        return np.full((OH, OW), KH * KW, dtype=dtype)
    ones = np.pad(np.ones((H, W), dtype), [(padding[0],) * 2, (padding[1],) * 2])
    return _windows(ones, KH, KW, stride, (1, 1), OH, OW).sum(axis=(0, 1))


def avg_pool2d_forward_numpy(x, kernel_size, stride, padding, count_include_pad=True):
    B, C, H, W = x.shape
    (KH, KW), (ph, pw) = kernel_size, padding
    OH, OW = output_size(H, W, kernel_size, stride, padding, (1, 1), "avg_pool2d")
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))                    # (B, C, Hp, Wp)
    s = _windows(xp, KH, KW, stride, (1, 1), OH, OW).sum(axis=(2, 3))       # (B, C, OH, OW)
    return s / _avg_divisor(H, W, kernel_size, stride, padding, count_include_pad, OH, OW, x.dtype)


def avg_pool2d_backward_numpy(dy, x_shape, kernel_size, stride, padding, count_include_pad=True):
    B, C, H, W = x_shape
    (KH, KW), (sh, sw), (ph, pw) = kernel_size, stride, padding
    OH, OW = dy.shape[2:]
    g = dy / _avg_divisor(H, W, kernel_size, stride, padding, count_include_pad, OH, OW, dy.dtype)
    dxp = np.zeros((B, C, H + 2 * ph, W + 2 * pw), dtype=dy.dtype)
    for kh in range(KH):
        for kw in range(KW):
            dxp[:, :, kh:kh + sh * (OH - 1) + 1:sh, kw:kw + sw * (OW - 1) + 1:sw] += g
    return np.ascontiguousarray(dxp[:, :, ph:ph + H, pw:pw + W])


# ---- Numba kernels ----------------------------------------------------------------------------
# Inner loops index with unsigned ints (U): with signed ones Numba must allow for negative,
# wrap-around indexing, which blocks vector loads (measured 2x on col2im, as in kernels/matmul.py).
U = np.uint64


@jit(inline="always")
def _inside(off, s, n, n_out):
    """[lo, hi): the outputs o in [0, n_out) whose input index o*s + off lies in [0, n)."""
    lo = 0 if off >= 0 else (-off + s - 1) // s
    lo = min(lo, n_out)
    hi = (n - 1 - off) // s + 1 if n - 1 - off >= 0 else 0
    return lo, max(lo, min(hi, n_out))


@pjit
def im2col_kernel(x, KH, KW, sh, sw, ph, pw, dh, dw, OH, OW, cols):
    """x (B, C, H, W) f32 C-contiguous; cols (G, K, B*OH*OW) output, every element written."""
    B, C, H, W = x.shape
    G, K, N = cols.shape
    Cg = C // G
    xf, cf = x.reshape(-1), cols.reshape(-1)      # flat: index arithmetic, no per-row views
    for r in prange(G * K):                       # one row (g, c, kh, kw) of cols per unit
        g, k = r // K, r % K
        c = g * Cg + k // (KH * KW)
        kh, kw = (k // KW) % KH, k % KW
        off_w = kw * dw - pw                      # iw = ow*sw + off_w
        lo, hi = _inside(off_w, sw, W, OW)
        for b in range(B):
            for oh in range(OH):
                ih = oh * sh - ph + kh * dh
                dst = r * N + (b * OH + oh) * OW
                if ih < 0 or ih >= H:             # the whole output row reads padding
                    cf[dst:dst + OW] = 0.0
                    continue
                src = ((b * C + c) * H + ih) * W + off_w + lo * sw   # x[b, c, ih, iw(lo)]
                cf[dst:dst + lo] = 0.0
                if sw == 1:                       # unit stride: a slice copy (a memcpy)
                    cf[dst + lo:dst + hi] = xf[src:src + hi - lo]
                else:                             # no bounds test in the copy loop either way
                    us, ud = U(src), U(dst + lo)
                    for j in range(U(hi - lo)):
                        cf[ud + j] = xf[us + j * U(sw)]
                cf[dst + hi:dst + OW] = 0.0


@pjit
def col2im_kernel(cols, KH, KW, sh, sw, ph, pw, dh, dw, OH, OW, dx):
    """cols (G, K, B*OH*OW); dx (B, C, H, W) zero-filled: each entry is added to its source pixel."""
    B, C, H, W = dx.shape
    G, K, N = cols.shape
    Cg = C // G
    cf, df = cols.reshape(-1), dx.reshape(-1)
    for u in prange(B * C):                       # one (b, c) plane per unit: no write races
        b, c = u // C, u % C
        g, k0 = c // Cg, (c % Cg) * KH * KW
        for kh in range(KH):
            for kw in range(KW):
                rbase = (g * K + k0 + kh * KW + kw) * N
                off_w = kw * dw - pw
                lo, hi = _inside(off_w, sw, W, OW)
                for oh in range(OH):
                    ih = oh * sh - ph + kh * dh
                    if ih < 0 or ih >= H:
                        continue
                    src = U(rbase + (b * OH + oh) * OW + lo)        # cols[g, k, (b, oh, lo)]
                    dst = U((u * H + ih) * W + off_w + lo * sw)      # dx[b, c, ih, iw(lo)]
                    if sw == 1:                   # explicit loops: `a[i:j] += b[k:l]` makes a temporary
                        for j in range(U(hi - lo)):
                            df[dst + j] += cf[src + j]
                    else:
                        for j in range(U(hi - lo)):
                            df[dst + j * U(sw)] += cf[src + j]


@pjit
def max_pool2d_forward_kernel(x, KH, KW, sh, sw, ph, pw, dh, dw, y, argmax):
    """x (N, H, W) f32; y (N, OH, OW) f32 and argmax (N, OH, OW) int64 (ih*W + iw) outputs."""
    N, H, W = x.shape
    OH, OW = y.shape[1], y.shape[2]
    for n in prange(N):
        xn = x[n]
        for oh in range(OH):
            for ow in range(OW):
                m = np.float32(-np.inf)
                best = -1
                for kh in range(KH):
                    ih = oh * sh - ph + kh * dh
                    if ih < 0 or ih >= H:
                        continue
                    for kw in range(KW):
                        iw = ow * sw - pw + kw * dw
                        if iw < 0 or iw >= W:
                            continue
                        v = xn[ih, iw]
                        # strict >: ties keep the first; the first in-image element starts; NaN wins once
                        if best < 0 or v > m or (v != v and m == m):
                            m = v
                            best = ih * W + iw
                y[n, oh, ow] = m
                argmax[n, oh, ow] = best


@pjit
def max_pool2d_backward_kernel(dy, argmax, dx):
    """dy, argmax (N, OH, OW); dx (N, H*W) zero-filled: dx[n, argmax] += dy."""
    N, OH, OW = dy.shape
    for n in prange(N):
        for oh in range(OH):
            for ow in range(OW):
                dx[n, argmax[n, oh, ow]] += dy[n, oh, ow]


@pjit
def avg_pool2d_forward_kernel(x, KH, KW, sh, sw, ph, pw, count_include_pad, y):
    """x (N, H, W) f32; y (N, OH, OW) output."""
    N, H, W = x.shape
    OH, OW = y.shape[1], y.shape[2]
    for n in prange(N):
        xn = x[n]
        for oh in range(OH):
            for ow in range(OW):
                s = np.float32(0.0)
                cnt = 0
                for kh in range(KH):
                    ih = oh * sh - ph + kh
                    if ih < 0 or ih >= H:
                        continue
                    for kw in range(KW):
                        iw = ow * sw - pw + kw
                        if 0 <= iw < W:
                            s += xn[ih, iw]
                            cnt += 1
                div = KH * KW if count_include_pad else cnt
                y[n, oh, ow] = s / np.float32(div)


@pjit
def avg_pool2d_backward_kernel(dy, KH, KW, sh, sw, ph, pw, count_include_pad, dx):
    """dy (N, OH, OW); dx (N, H, W) zero-filled: each in-image window element += dy / divisor."""
    N, H, W = dx.shape
    OH, OW = dy.shape[1], dy.shape[2]
    for n in prange(N):
        for oh in range(OH):
            h0, h1 = max(0, oh * sh - ph), min(H, oh * sh - ph + KH)
            for ow in range(OW):
                w0, w1 = max(0, ow * sw - pw), min(W, ow * sw - pw + KW)
                div = KH * KW if count_include_pad else (h1 - h0) * (w1 - w0)
                g = dy[n, oh, ow] / np.float32(div)
                for ih in range(h0, h1):
                    for iw in range(w0, w1):
                        dx[n, ih, iw] += g


# ---- dispatch: validate, then the kernels (float32, JIT on) or the twins ------------------------------
def _check_x(x, fn, name="x"):
    x = as_float_array(x, fn, name)
    if x.ndim != 4:
        raise ValueError(f"{fn}: {name} must be (B, C, H, W), got shape {x.shape}")
    return x


def im2col(x, kernel_size, stride, padding, dilation, groups):
    """x (B, C, H, W) -> cols (G, K, B*OH*OW), K = C // G * KH * KW."""
    x = _check_x(x, "im2col")
    B, C, H, W = x.shape
    if C % groups:
        raise ValueError(f"im2col: C = {C} channels do not split into groups = {groups}")
    KH, KW = kernel_size
    OH, OW = output_size(H, W, kernel_size, stride, padding, dilation)
    if not use_kernel(x, needs_jit=True):
        return im2col_numpy(x, kernel_size, stride, padding, dilation, groups)
    cols = np.empty((groups, C // groups * KH * KW, B * OH * OW), dtype=np.float32)
    if cols.size:
        with threads_for(cols.size, _jit.PARALLEL_MIN_ELEMENTS):
            im2col_kernel(contiguous(x), KH, KW, *stride, *padding, *dilation, OH, OW, cols)
    return cols


def col2im(cols, x_shape, kernel_size, stride, padding, dilation, groups):
    """cols (G, K, B*OH*OW) -> dx (B, C, H, W) = x_shape: the adjoint of im2col."""
    cols = as_float_array(cols, "col2im", "cols")
    B, C, H, W = x_shape
    KH, KW = kernel_size
    OH, OW = output_size(H, W, kernel_size, stride, padding, dilation)
    want = (groups, C // groups * KH * KW, B * OH * OW)
    if cols.shape != want:
        raise ValueError(f"col2im: cols must be (G, K, B*OH*OW) = {want} for x {tuple(x_shape)}, "
                         f"got {cols.shape}")
    if not use_kernel(cols, needs_jit=True):
        return col2im_numpy(cols, x_shape, kernel_size, stride, padding, dilation, groups)
    dx = np.zeros((B, C, H, W), dtype=np.float32)
    if dx.size:
        with threads_for(cols.size, _jit.PARALLEL_MIN_ELEMENTS):
            col2im_kernel(contiguous(cols), KH, KW, *stride, *padding, *dilation, OH, OW, dx)
    return dx


def max_pool2d_forward(x, kernel_size, stride, padding, dilation):
    """x (B, C, H, W) -> y (B, C, OH, OW), argmax (B, C, OH, OW) int64 indices into H*W."""
    x = _check_x(x, "max_pool2d")
    B, C, H, W = x.shape
    OH, OW = output_size(H, W, kernel_size, stride, padding, dilation, "max_pool2d")
    if not use_kernel(x, needs_jit=True):
        return max_pool2d_forward_numpy(x, kernel_size, stride, padding, dilation)
    y = np.empty((B * C, OH, OW), dtype=np.float32)
    argmax = np.empty((B * C, OH, OW), dtype=np.int64)
    if y.size:
        with threads_for(x.size, _jit.PARALLEL_MIN_ELEMENTS):
            max_pool2d_forward_kernel(contiguous(x).reshape(B * C, H, W), *kernel_size, *stride,
                                      *padding, *dilation, y, argmax)
    return y.reshape(B, C, OH, OW), argmax.reshape(B, C, OH, OW)


def max_pool2d_backward(dy, argmax, x_shape):
    """dy, argmax (B, C, OH, OW) -> dx (B, C, H, W) = x_shape."""
    dy = _check_x(dy, "max_pool2d_backward", "dy")
    if argmax.shape != dy.shape or argmax.dtype != np.int64:
        raise ValueError(f"max_pool2d_backward: argmax must be int64 of dy's shape {dy.shape}, "
                         f"got {argmax.dtype} {argmax.shape}")
    B, C, H, W = x_shape
    if not use_kernel(dy, needs_jit=True):
        return max_pool2d_backward_numpy(dy, argmax, x_shape)
    dx = np.zeros((B * C, H * W), dtype=np.float32)
    if dy.size:
        with threads_for(dy.size, _jit.PARALLEL_MIN_ELEMENTS):
            max_pool2d_backward_kernel(contiguous(dy).reshape(B * C, *dy.shape[2:]),
                                       contiguous(argmax).reshape(B * C, *dy.shape[2:]), dx)
    return dx.reshape(x_shape)


def avg_pool2d_forward(x, kernel_size, stride, padding, count_include_pad=True):
    """x (B, C, H, W) -> y (B, C, OH, OW)."""
    x = _check_x(x, "avg_pool2d")
    B, C, H, W = x.shape
    OH, OW = output_size(H, W, kernel_size, stride, padding, (1, 1), "avg_pool2d")
    if not use_kernel(x, needs_jit=True):
        return avg_pool2d_forward_numpy(x, kernel_size, stride, padding, count_include_pad)
    y = np.empty((B * C, OH, OW), dtype=np.float32)
    if y.size:
        with threads_for(x.size, _jit.PARALLEL_MIN_ELEMENTS):
            avg_pool2d_forward_kernel(contiguous(x).reshape(B * C, H, W), *kernel_size, *stride,
                                      *padding, bool(count_include_pad), y)
    return y.reshape(B, C, OH, OW)


def avg_pool2d_backward(dy, x_shape, kernel_size, stride, padding, count_include_pad=True):
    """dy (B, C, OH, OW) -> dx (B, C, H, W) = x_shape."""
    dy = _check_x(dy, "avg_pool2d_backward", "dy")
    B, C, H, W = x_shape
    want = (B, C) + output_size(H, W, kernel_size, stride, padding, (1, 1), "avg_pool2d")
    if dy.shape != want:
        raise ValueError(f"avg_pool2d_backward: dy must be {want} for x {tuple(x_shape)}, got {dy.shape}")
    if not use_kernel(dy, needs_jit=True):
        return avg_pool2d_backward_numpy(dy, x_shape, kernel_size, stride, padding, count_include_pad)
    dx = np.zeros((B * C, H, W), dtype=np.float32)
    if dy.size:
        with threads_for(B * C * H * W, _jit.PARALLEL_MIN_ELEMENTS):
            avg_pool2d_backward_kernel(contiguous(dy).reshape(B * C, *want[2:]), *kernel_size, *stride,
                                       *padding, bool(count_include_pad), dx)
    return dx.reshape(x_shape)
