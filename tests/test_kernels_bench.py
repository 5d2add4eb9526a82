"""`tglm bench` runs (smoke test: tiny repeats, no timing asserts — the machine is shared)."""
from tinygrad_lm import benchmarks


def test_bench_kernel_sections_run(capsys):
    assert benchmarks.main(["--quick", "--only", "runtime,layer_norm", "--repeats", "1",
                            "--threads", "1"]) == 0
    out = capsys.readouterr().out
    assert "numpy BLAS" in out and "layer_norm fwd+bwd" in out and "speedup" in out


def test_bench_rejects_unknown_section(capsys):
    assert benchmarks.main(["--only", "nope"]) == 2
