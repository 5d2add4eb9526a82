"""All Tensor ops. Importing this package attaches them to `Tensor` as methods and operators.

One concept per file, each op's forward and backward side by side:
  arithmetic.py  + - * / neg **, comparisons, where, masked_fill, clamp, astype
  unary.py       exp log sqrt abs tanh sigmoid relu
  gelu.py        GPT-2 GELU (fused Numba forward/backward + NumPy twins)
  reduce.py      sum mean max min var std (+ argmax/argmin/any/all without grad)
  matmul.py      @ (2-D, batched, broadcast batch dims, 1-D)
  linear.py      x @ W^T + b as one node (Linear layers)
  movement.py    reshape/view transpose/permute .T squeeze unsqueeze flatten expand
  join.py        cat stack split chunk
  indexing.py    x[idx] (basic, integer arrays, bool masks)
  embedding.py   weight[ids] with a fast scatter-add backward
  softmax.py     softmax log_softmax cross_entropy (fused, via kernels)
  layer_norm.py  fused layer norm (via kernels)
  dropout.py     inverted dropout
  creation.py    zeros ones randn arange ... factories
  _common.py     unbroadcast and operand helpers
"""
from . import arithmetic, unary, reduce, matmul, movement, join, indexing  # noqa: F401 (attach methods)
from . import gelu, embedding, softmax, layer_norm, dropout, creation, linear  # noqa: F401
from ._common import unbroadcast  # noqa: F401
from .arithmetic import where  # noqa: F401
from .join import cat, stack  # noqa: F401
