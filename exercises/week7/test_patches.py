"""Week 7 autograder: the ViT patch embedding (7.11) equals a convolution with kernel = stride = P
(tinygrad_lm/ops/conv.py conv2d, PyTorch-equal)."""
import numpy as np
import pytest

from tinygrad_lm.course import assert_close, load
from tinygrad_lm.ops.conv import conv2d as library_conv2d

mod = load("week7.patches")


@pytest.mark.task("7.11", points=2, title="patchify: images to flattened patches")
def test_patchify():
    x = np.arange(16.0).reshape(1, 1, 4, 4)
    got = np.asarray(mod.patchify(x, 2))
    assert_close(got.shape, (1, 4, 4), name="patchify(4x4 image, P=2).shape", hint="(B, L, C*P*P)")
    if np.allclose(got[0, 0], [0, 1, 2, 3]):
        pytest.fail("patch 0 came out as [0, 1, 2, 3]: a plain reshape mixes rows of different patches; "
                    "reshape to (B, C, H/P, P, W/P, P) and transpose to (B, H/P, W/P, C, P, P) first")
    assert_close(got[0], [[0, 1, 4, 5], [2, 3, 6, 7], [8, 9, 12, 13], [10, 11, 14, 15]], name="patches of arange(16)")
    rng = np.random.default_rng(0)
    for B, Cin, H, W, P, C in ((2, 3, 8, 8, 4, 5), (1, 3, 32, 32, 4, 8), (3, 2, 6, 9, 3, 4)):
        x, Wt, b = rng.normal(size=(B, Cin, H, W)), rng.normal(size=(C, Cin, P, P)), rng.normal(size=C)
        got = np.asarray(mod.patchify(x, P)) @ Wt.reshape(C, -1).T + b            # (B, L, C)
        want = library_conv2d(x, Wt, b, stride=P).data.reshape(B, C, -1).transpose(0, 2, 1)
        assert_close(got, want, atol=1e-10, name=f"patchify(x {x.shape}, P={P}) @ W^T vs Conv2d(kernel=stride={P})",
                     hint="inside a patch: channel, then row, then column (the order of W.reshape(C, -1))")
    with pytest.raises(ValueError):
        mod.patchify(np.zeros((1, 3, 6, 6)), 4)
