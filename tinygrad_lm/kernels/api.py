"""Every kernel dispatch function (and its NumPy twin) in one flat namespace: the kernel contract.

Use: `from tinygrad_lm.kernels import api as kernels` then `kernels.matmul(a, b)`. The functions
live in the submodules named on the right; this file only gathers them (see kernels/__init__.py
for why the package itself does not).

The contract that Tensor ops rely on (do not change it):

    matmul(a, b, bias=None)            (..., M, K) @ (..., K, N) -> (..., M, N), batch dims broadcast
                                       (+ bias (N,) fused into the kernel: a Linear layer)
    column_sum(x)                      x (N, C) -> x.sum(axis=0) (C,), on all threads
    softmax(x), log_softmax(x)         over the last axis
    cross_entropy(logits, targets, ignore_index=-100, need_grad=True)
        logits (N, V) float, targets (N,) int -> (loss, dlogits)
        loss = mean over non-ignored rows of -log softmax(logits)[n, targets[n]] (0.0 if all ignored)
        dlogits = d loss / d logits, shape (N, V), or None when need_grad is False
    layer_norm_forward(x, weight, bias, eps) x (..., C) -> (y (..., C), mean (...), rstd (...))
    layer_norm_backward(dy, x, weight, mean, rstd) -> (dx, dweight (C,), dbias (C,))
    gemv(W, x, scale=None)             x (R, C) float32 @ W^T, W (O, C) float32 or float16 -> (R, O)
                                       (one-token decoding; float16 is storage only, math is float32);
                                       W int8 with per-row scale (O,): x @ (scale[:, None] * W)^T
    quantize_int8(W) / dequantize_int8 W (O, C) -> (int8 (O, C), scale (O,)) symmetric per row, and back
    float16_to_float32(a)              a float16 array -> the same values as float32 (fast astype)
    gelu_forward(x), gelu_backward(x, g)            GPT-2's tanh GELU and g * its derivative
    scatter_add_rows(dweight, ids, rows)            dweight[ids[n]] += rows[n], in place
    csr_matmul(indptr, indices, data, W)            CSR X (N, V) @ W (V, K) -> (N, K)
    csr_t_matmul(indptr, indices, data, G, n_cols)  X^T @ G (N, K) -> (n_cols, K)
    attention_qkv_forward(qkv, H, causal, window)   qkv (B, T, 3C) -> y (B, T, C), p (B, H, T, T)
    attention_qkv_backward(dy, qkv, p, H, causal, window)  -> dqkv (B, T, 3C); window None = dense
    lstm_forward(xproj, w_hh, h0, c0) -> hs, cs (T+1, B, H), gates (T, B, 4H);  lstm_backward(...)
    rnn_forward(xproj, w_hh, h0, relu) -> hs (T+1, B, H);                          rnn_backward(...)

Dispatch rules (the same in every submodule):
  * every input float32 and backend "numba" -> the Numba kernel; any other dtype (float64 in
    gradcheck, mixed dtypes) -> the NumPy twin that sits next to each kernel, so float64
    gradchecks test the same math; `_jit.use_kernel` is the one place that decides;
  * `use("numpy")` (or TGLM_KERNELS=numpy before import) -> the twins for everything;
  * tiny matmuls (< matmul.SMALL_MATMUL_FLOPS) and skinny ones (<= matmul.SKINNY_ROWS rows) go to
    numpy / gemv; GELU on fewer than gelu.SMALL elements runs its twin;
  * small inputs run the kernels on the calling thread only (see _jit.threads_for): waking the
    thread pool costs more than the work.
Inputs are validated before any kernel call, with errors that name shapes and dtypes (Numba's own
errors are unreadable). Non-contiguous inputs are copied only where a kernel needs it; size-0
dims return empty/zero results without calling a kernel.
"""
from ._jit import backend, use, use_kernel, use_numpy
from .attention import (attention_qkv_backward, attention_qkv_backward_numpy,
                        attention_qkv_forward, attention_qkv_forward_numpy, check_window)
from .column_sum import column_sum, column_sum_numpy
from .cross_entropy import cross_entropy, cross_entropy_numpy
from .embedding import scatter_add_rows, scatter_add_rows_numpy
from .gelu import gelu_backward, gelu_backward_numpy, gelu_forward, gelu_numpy
from .gemv import dequantize_int8, float16_to_float32, gemv, gemv_int8_numpy, gemv_numpy, quantize_int8
from .layer_norm import (layer_norm_backward, layer_norm_backward_numpy,
                         layer_norm_forward, layer_norm_forward_numpy)
from .lstm import lstm_backward, lstm_backward_numpy, lstm_forward, lstm_forward_numpy
from .matmul import matmul, matmul_numpy
from .rnn import rnn_backward, rnn_backward_numpy, rnn_forward, rnn_forward_numpy
from .softmax import log_softmax, log_softmax_numpy, softmax, softmax_numpy
from .sparse import csr_matmul, csr_matmul_numpy, csr_t_matmul, csr_t_matmul_numpy

__all__ = ["backend", "use", "use_kernel", "use_numpy", "attention_qkv_backward",
           "attention_qkv_backward_numpy", "attention_qkv_forward", "attention_qkv_forward_numpy", "check_window",
           "column_sum", "column_sum_numpy",
           "cross_entropy", "cross_entropy_numpy", "scatter_add_rows", "scatter_add_rows_numpy",
           "gelu_backward", "gelu_backward_numpy", "gelu_forward", "gelu_numpy",
           "float16_to_float32", "gemv", "gemv_numpy", "quantize_int8", "dequantize_int8",
           "gemv_int8_numpy", "layer_norm_backward",
           "layer_norm_backward_numpy", "layer_norm_forward", "layer_norm_forward_numpy",
           "lstm_backward", "lstm_backward_numpy", "lstm_forward", "lstm_forward_numpy", "matmul",
           "matmul_numpy", "rnn_backward", "rnn_backward_numpy", "rnn_forward",
           "rnn_forward_numpy", "log_softmax", "log_softmax_numpy", "softmax", "softmax_numpy",
           "csr_matmul", "csr_matmul_numpy", "csr_t_matmul", "csr_t_matmul_numpy"]
