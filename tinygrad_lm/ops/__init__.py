"""All Tensor ops. Importing this package attaches them to `Tensor` as methods and operators.

One concept per file, each op's forward and backward side by side. Op files hold autograd ops only;
the Numba kernels (and their NumPy twins) they call live in tinygrad_lm/kernels/ (via kernels.api):
  arithmetic.py  + - * / neg **, comparisons, where, masked_fill, clamp, astype
  unary.py       exp log sqrt abs tanh sigmoid relu
  gelu.py        GPT-2 GELU (fused kernels: kernels/gelu.py)
  reduce.py      sum mean max min var std (+ argmax/argmin/any/all without grad)
  matmul.py      @ (2-D, batched, broadcast batch dims, 1-D)
  linear.py      x @ W^T + b as one node (Linear layers)
  movement.py    reshape/view transpose/permute .T squeeze unsqueeze flatten expand
  join.py        cat stack split chunk
  indexing.py    x[idx] (basic, integer arrays, bool masks)
  embedding.py   weight[ids] with a fast scatter-add backward (kernels/embedding.py)
  softmax.py     softmax log_softmax cross_entropy (fused, via kernels)
  layer_norm.py  fused layer norm (via kernels)
  attention.py   scaled dot-product attention, fused self-attention from packed qkv
  rnn.py         one LSTM / Elman RNN layer over a whole sequence as one node (nn/rnn.py stacks them)
  sparse.py      CSRMatrix and sparse_matmul (X @ W for a constant sparse X)
  dropout.py     inverted dropout
  creation.py    zeros ones randn arange ... factories
  _common.py     unbroadcast and operand helpers
"""
from . import arithmetic, unary, reduce, matmul, movement, join, indexing  # noqa: F401 (attach methods)
from . import gelu, embedding, softmax, layer_norm, dropout, creation, linear  # noqa: F401
from ._common import unbroadcast  # noqa: F401
from .arithmetic import where  # noqa: F401
from .join import cat, stack  # noqa: F401
