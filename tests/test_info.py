"""`tglm info` runs and reports what it promises (no timing asserts: the machine is shared)."""
from tinygrad_lm.cli import info


def test_collect_has_the_promised_fields():
    d = info.collect(probe=False)
    for key in ("python", "numpy", "numba", "llvmlite", "tinygrad_lm", "numba_threads",
                "threading_layer", "jit_disabled", "cache_dir", "thread_env", "kernels_backend"):
        assert key in d, f"tglm info lost the field {key!r}"
    assert set(d["thread_env"]) == {"OPENBLAS_THREAD_TIMEOUT", "OMP_WAIT_POLICY"}


def test_main_prints_text(capsys):
    assert info.main(["--no-probe"]) == 0
    out = capsys.readouterr().out
    assert "numba" in out and "kernel cache" in out and "BLAS" in out


def test_warm_start_probe_reports_every_kernel():
    w = info.warm_start_timing()
    assert {"matmul", "softmax", "cross_entropy", "layer_norm_backward"} <= set(w["calls"])
    assert w["total"] > 0
