"""LSTM recurrence over a whole sequence: Numba kernels (forward + BPTT) and their NumPy twins.

Legend: T time steps, B batch, H hidden size, G = 4H gate columns in PyTorch order i, f, g, o.
    a_t = xproj[t] + h_{t-1} @ w_hh.T            (B, 4H) pre-activations; xproj = x @ w_ih.T + b
    i, f, o = sigmoid(a_t[i|f|o]),  g = tanh(a_t[g])
    c_t = f * c_{t-1} + i * g,      h_t = o * tanh(c_t)
Scope: one layer, T steps in one call. The forward keeps hs, cs (T+1, B, H) and the activated
gates (T, B, 4H) for the backward; the backward returns d a_t for every step (the caller turns it
into dW_ih, dW_hh, db, dx with three big matmuls) plus dh0 and dc0.
Dispatch functions: `lstm_forward`, `lstm_backward` (kernels for float32, the twins for float64,
e.g. gradcheck, and under TGLM_KERNELS=numpy / NUMBA_DISABLE_JIT=1). The autograd op is ops/rnn.py.
Omissions: no peepholes, no projections (proj_size), no bidirectional.

Why a sequence kernel: written with Tensor ops, one LSTM step is ~15 graph nodes, so 100 steps
are 1500 nodes and as many NumPy temporaries. Here all of T is one call: the only per-step work
that is not elementwise is the small matmul h (B, H) @ w_hh.T (H, 4H), done by `step_matmul`
(kernels/step_matmul.py: matmul's 8 x 32 micro-kernel on w_hh.T packed ONCE per sequence, h read
in place; 1.5x the 4 x 2 dot products of rnn.matmul_nt_acc used before); the gate math is a few
vectorized passes over the step's (B, 4H) row block that write i, f, g, o, c_t and h_t.
Each thread runs all T steps for its own chunk of batch rows (see kernels/rnn.py for why).
The backward runs the same recurrence in reverse: one fused elementwise pass for the gate
derivatives, then dh_{t-1} = d a_t @ w_hh, again with `step_matmul` (on w_hh packed once).
Measured (char-LSTM step, H512 T100 B32, 1 thread, CPU ms per call): forward 163 -> 77,
backward 157 -> 85 (docs/performance_notes.md).
"""
import numpy as np
from numba import prange

from ._jit import fast_exp, jit, pjit, use_kernel
from .matmul import MR, NR
from .rnn import fast_tanh as _tanh, num_chunks
from .step_matmul import chunk_start, pack_weight, step_matmul


def _sigmoid_numpy(x):
    return 0.5 * (1.0 + np.tanh(0.5 * x))          # = 1 / (1 + exp(-x)), never overflows


# ---- NumPy twins: the definition --------------------------------------------------------------
def lstm_forward_numpy(xproj, w_hh, h0, c0):
    """xproj (T, B, 4H), w_hh (4H, H), h0, c0 (B, H) -> hs, cs (T+1, B, H), gates (T, B, 4H)."""
    T, B, G = xproj.shape
    H = G // 4
    hs = np.empty((T + 1, B, H), dtype=xproj.dtype)
    cs = np.empty((T + 1, B, H), dtype=xproj.dtype)
    gates = np.empty((T, B, G), dtype=xproj.dtype)
    hs[0], cs[0] = h0, c0
    for t in range(T):
        a = xproj[t] + hs[t] @ w_hh.T                                  # (B, 4H)
        i, f, o = (_sigmoid_numpy(a[:, k * H:(k + 1) * H]) for k in (0, 1, 3))
        g = np.tanh(a[:, 2 * H:3 * H])
        cs[t + 1] = f * cs[t] + i * g                                  # (B, H)
        hs[t + 1] = o * np.tanh(cs[t + 1])
        gates[t] = np.concatenate([i, f, g, o], axis=1)
    return hs, cs, gates


def lstm_backward_numpy(dys, dc_n, w_hh, hs, cs, gates):
    """dys (T, B, H) = dL/dh_t from above, dc_n (B, H) = dL/dc_T.
    -> da (T, B, 4H) = dL/d(pre-activations), dh0 (B, H), dc0 (B, H)."""
    T, B, H = dys.shape
    da = np.empty_like(gates)
    dh = np.zeros((B, H), dtype=dys.dtype)
    dc = dc_n.copy()
    for t in range(T - 1, -1, -1):
        i, f, g, o = (gates[t][:, k * H:(k + 1) * H] for k in range(4))
        dh = dh + dys[t]
        tc = np.tanh(cs[t + 1])
        dc = dc + dh * o * (1 - tc * tc)                               # through h_t = o tanh(c_t)
        da[t] = np.concatenate([dc * g * i * (1 - i),                  # d a_i   (sigmoid' = s(1-s))
                                dc * cs[t] * f * (1 - f),              # d a_f
                                dc * i * (1 - g * g),                  # d a_g   (tanh' = 1 - tanh^2)
                                dh * tc * o * (1 - o)], axis=1)        # d a_o
        dc = dc * f                                                    # to c_{t-1}
        dh = da[t] @ w_hh                                              # to h_{t-1}
    return da, dh, dc


# ---- Numba kernels -----------------------------------------------------------------------------
# sigmoid and tanh from `fast_exp` (kernels/_jit.py), a polynomial exp that LLVM vectorizes
# (math.exp / np.tanh stay scalar libm calls: 3 exps + 2 tanh per unit per step dominated the time).
# exp(-x) = inf for x < -88 gives sigmoid = 0 and tanh = -1 exactly, so no branch is needed.
@jit
def _sigmoid(x):
    return np.float32(1.0) / (np.float32(1.0) + fast_exp(-x))


@jit
def _lstm_cell_forward(a, c_prev, c_out, h_out):
    """a (b, 4H) pre-activations -> activated in place; writes c_out, h_out (b, H).
    Simple one-array loops so that LLVM vectorizes each (fast_exp included)."""
    B, G = a.shape
    H = G // 4
    for b in range(B):
        r = a[b]
        cp = c_prev[b]
        co = c_out[b]
        ho = h_out[b]
        for u in range(2 * H):                     # i and f
            r[u] = _sigmoid(r[u])
        for u in range(2 * H, 3 * H):              # g
            r[u] = _tanh(r[u])
        for u in range(3 * H, 4 * H):              # o
            r[u] = _sigmoid(r[u])
        for u in range(H):
            c = r[H + u] * cp[u] + r[u] * r[2 * H + u]      # c = f * c_prev + i * g
            co[u] = c
            ho[u] = r[3 * H + u] * _tanh(c)                  # h = o * tanh(c)


@jit
def _lstm_forward_rows(xproj, wp, hs, cs, gates, b0, b1):
    """All T steps for batch rows b0:b1 (rows never interact, so any split of rows is exact).
    wp: w_hh.T (H, 4H) packed by step_matmul.pack_weight."""
    T, B, G = xproj.shape
    H = G // 4
    hf = hs.reshape(-1)
    gf = gates.reshape(-1)
    apad = np.empty(H * MR, np.float32)                          # scratch for edge tiles
    ct = np.empty(MR * NR, np.float32)
    for t in range(T):
        a = gates[t, b0:b1]
        a[:] = xproj[t, b0:b1]
        step_matmul(hf, (t * B + b0) * H, H, b1 - b0, H, wp, G,   # a += h_{t-1} @ w_hh.T  (b, 4H)
                    gf, (t * B + b0) * G, G, True, apad, ct)
        _lstm_cell_forward(a, cs[t, b0:b1], cs[t + 1, b0:b1], hs[t + 1, b0:b1])


@pjit
def lstm_forward_kernel(xproj, wp, hs, cs, gates, nchunks):
    """hs[0], cs[0] hold h0, c0 on entry; fills hs, cs (T+1, B, H) and gates (T, B, 4H).
    Each thread runs all T steps for its own chunk of batch rows (MR-aligned when possible)."""
    B = xproj.shape[1]
    for ci in prange(nchunks):
        _lstm_forward_rows(xproj, wp, hs, cs, gates, chunk_start(B, ci, nchunks), chunk_start(B, ci + 1, nchunks))


@jit
def _lstm_cell_backward(dh, dy, dc, gates_t, c_prev, c_t, da_t):
    """One step of the gate derivatives; dh (b, H) in, dc (b, H) in and out (-> dc_{t-1})."""
    B, G = gates_t.shape
    H = G // 4
    one = np.float32(1.0)
    for b in range(B):
        gr = gates_t[b]
        dr = da_t[b]
        for u in range(H):
            i = gr[u]
            f = gr[H + u]
            g = gr[2 * H + u]
            o = gr[3 * H + u]
            d_h = dh[b, u] + dy[b, u]
            tc = _tanh(c_t[b, u])
            d_c = dc[b, u] + d_h * o * (one - tc * tc)
            dr[u] = d_c * g * i * (one - i)
            dr[H + u] = d_c * c_prev[b, u] * f * (one - f)
            dr[2 * H + u] = d_c * i * (one - g * g)
            dr[3 * H + u] = d_h * tc * o * (one - o)
            dc[b, u] = d_c * f


@jit
def _lstm_backward_rows(dys, wp, cs, gates, da, dh, dc, b0, b1):
    """wp: w_hh (4H, H) packed by step_matmul.pack_weight."""
    T, B, H = dys.shape
    G = 4 * H
    dhc = dh[b0:b1]
    dhc[:] = 0
    daf = da.reshape(-1)
    dhf = dh.reshape(-1)
    apad = np.empty(G * MR, np.float32)
    ct = np.empty(MR * NR, np.float32)
    for t in range(T - 1, -1, -1):
        _lstm_cell_backward(dhc, dys[t, b0:b1], dc[b0:b1], gates[t, b0:b1], cs[t, b0:b1],
                            cs[t + 1, b0:b1], da[t, b0:b1])
        step_matmul(daf, (t * B + b0) * G, G, b1 - b0, G, wp, H,      # dh_{t-1} = d a_t @ w_hh
                    dhf, b0 * H, H, False, apad, ct)


@pjit
def lstm_backward_kernel(dys, wp, cs, gates, da, dh, dc, nchunks):
    """wp = pack_weight(w_hh). dc holds dc_n on entry; dh, dc end as dh0, dc0."""
    B = dys.shape[1]
    for ci in prange(nchunks):
        _lstm_backward_rows(dys, wp, cs, gates, da, dh, dc, chunk_start(B, ci, nchunks),
                            chunk_start(B, ci + 1, nchunks))


# ---- dispatch: validate, then kernel (float32, backend numba) or twin ---------------------------


def lstm_forward(xproj, w_hh, h0, c0):
    """(hs, cs (T+1, B, H), gates (T, B, 4H)) for pre-activations xproj (T, B, 4H) = x @ w_ih.T + b."""
    if xproj.ndim != 3 or xproj.shape[2] % 4:
        raise ValueError(f"lstm: xproj must be (T, B, 4H), got shape {xproj.shape}")
    T, B, G = xproj.shape
    H = G // 4
    if w_hh.shape != (G, H):
        raise ValueError(f"lstm: w_hh must be (4H, H) = ({G}, {H}), got {w_hh.shape}")
    if h0.shape != (B, H) or c0.shape != (B, H):
        raise ValueError(f"lstm: h0 and c0 must be (B, H) = ({B}, {H}), got {h0.shape} and {c0.shape}")
    if not (xproj.dtype == w_hh.dtype == h0.dtype == c0.dtype):
        raise TypeError(f"lstm: dtypes differ: xproj {xproj.dtype}, w_hh {w_hh.dtype}, "
                        f"h0 {h0.dtype}, c0 {c0.dtype}")
    if not use_kernel(xproj, needs_jit=True):        # dtypes checked equal above
        return lstm_forward_numpy(xproj, w_hh, h0, c0)
    hs = np.empty((T + 1, B, H), dtype=np.float32)
    cs = np.empty((T + 1, B, H), dtype=np.float32)
    gates = np.empty((T, B, G), dtype=np.float32)
    hs[0], cs[0] = h0, c0
    xproj, wp = np.ascontiguousarray(xproj), pack_weight(w_hh.T)   # packed once for all T steps
    n = num_chunks(B)
    if n == 1:            # one chunk: skip the parallel region (waking the pool costs ms on a busy machine)
        _lstm_forward_rows(xproj, wp, hs, cs, gates, 0, B)
    else:
        lstm_forward_kernel(xproj, wp, hs, cs, gates, n)
    return hs, cs, gates


def lstm_backward(dys, dc_n, w_hh, hs, cs, gates):
    """(da (T, B, 4H), dh0 (B, H), dc0 (B, H)) from dys = dL/dh_t (T, B, H) and dc_n = dL/dc_T."""
    T, B, H = dys.shape
    if gates.shape != (T, B, 4 * H) or cs.shape != (T + 1, B, H) or dc_n.shape != (B, H):
        raise ValueError(f"lstm_backward: dys {dys.shape}, dc_n {dc_n.shape}, cs {cs.shape}, gates "
                         f"{gates.shape} must be (T,B,H), (B,H), (T+1,B,H), (T,B,4H)")
    if not use_kernel(dys, gates, needs_jit=True):
        return lstm_backward_numpy(dys, dc_n, w_hh, hs, cs, gates)
    da = np.empty((T, B, 4 * H), dtype=np.float32)
    dh = np.empty((B, H), dtype=np.float32)
    dc = np.array(dc_n, dtype=np.float32, copy=True)
    dys, wp = np.ascontiguousarray(dys), pack_weight(w_hh)
    n = num_chunks(B)
    if n == 1:
        _lstm_backward_rows(dys, wp, cs, gates, da, dh, dc, 0, B)
    else:
        lstm_backward_kernel(dys, wp, cs, gates, da, dh, dc, n)
    return da, dh, dc
