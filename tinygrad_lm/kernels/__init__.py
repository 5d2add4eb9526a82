"""The performance-critical core: Numba kernels, each next to its plain-NumPy twin.

One concept per submodule. Each holds its Numba kernel(s), the NumPy twin(s) that define the math
in a few lines, and the DISPATCH function(s) that validate the inputs (readable errors naming
shapes and dtypes) and then call the kernel or the twin:
    matmul.py         matmul(a, b, bias=None)            BLIS-style packed matmul
    column_sum.py     column_sum(x)                      x.sum(axis=0) on all threads (bias grads)
    gemv.py           gemv(W, x), float16_to_float32(a)  one-token decoding, float16 weights; quantize_int8 + int8 gemv
    softmax.py        softmax(x), log_softmax(x)
    cross_entropy.py  cross_entropy(logits, targets, ignore_index, need_grad)
    layer_norm.py     layer_norm_forward(...), layer_norm_backward(...)
    gelu.py           gelu_forward(x), gelu_backward(x, g)
    embedding.py      scatter_add_rows(dweight, ids, rows)          (the embedding backward)
    sparse.py         csr_matmul(...), csr_t_matmul(...)            (CSR x dense products)
    attention.py      attention_qkv_forward(...), attention_qkv_backward(...)
    lstm.py, rnn.py   lstm_forward/_backward, rnn_forward/_backward  (whole-sequence recurrences)
    step_matmul.py    pack_weight/step_matmul (the per-step product of a recurrence, weight packed once)
    bpe.py            merge_chunks(...), merge_long(...)            (BPE merges of many chunks / one long chunk)
    _jit.py           THE Numba options (jit/pjit), THE backend switch, thread policy, fast_exp
    _alloc.py         malloc tuning (fresh arrays without page faults)
    api.py            every dispatch function and twin in one flat namespace (the contract)

Naming rule: this package's own namespace holds only its submodules and the backend switch, so
`tinygrad_lm.kernels.softmax` is always the MODULE (`import tinygrad_lm.kernels.softmax as m`
gives the module). Take a dispatch function from its module
(`from tinygrad_lm.kernels.softmax import softmax`) or from the flat namespace
(`from tinygrad_lm.kernels import api as kernels; kernels.softmax(x)`), which is what ops/ does:
op files define functions of the same names (ops/softmax.py's `softmax` is the autograd op).
(This __init__ used to define functions matmul, gemv, softmax, cross_entropy, which replaced the
submodules of the same names as package attributes.)

Backend switch (kernels/_jit.py): `use("numpy")`, or the environment variable TGLM_KERNELS=numpy
before import, runs the NumPy twins for EVERYTHING (every dispatch asks `_jit.use_kernel`), to
compare speed or to rule a kernel out when hunting a bug; `use("numba")` switches back and
`backend()` returns the current choice. NUMBA_DISABLE_JIT=1 runs the kernels as plain Python
(the slow per-element ones fall back to their twins: see `_jit.use_kernel`).
"""
from ._jit import backend, use  # noqa: F401  (the backend switch; no dispatch functions here)

__all__ = ["use", "backend"]
