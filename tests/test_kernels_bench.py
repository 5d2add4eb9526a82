"""`tglm bench` runs (smoke test: tiny repeats, no timing asserts — the machine is shared)."""
from tinygrad_lm import benchmarks


def test_bench_kernel_sections_run(capsys):
    assert benchmarks.main(["--quick", "--only", "runtime,layer_norm", "--repeats", "1",
                            "--threads", "1"]) == 0
    out = capsys.readouterr().out
    assert "numpy BLAS" in out and "layer_norm fwd+bwd" in out and "speedup" in out


def test_bench_rejects_unknown_section(capsys):
    assert benchmarks.main(["--only", "nope"]) == 2


def test_bench_versus_without_torch_runs_our_side(capsys, tmp_path):
    """Separate-process mode, tiny shapes: with no usable torch it says so and still times our side."""
    missing = str(tmp_path / "no-such-python")
    assert benchmarks.main(["--quick", "--only", "versus", "--repeats", "1", "--torch-python", missing]) == 0
    out = capsys.readouterr().out
    assert "torch not found" in out
    assert "GPT tiny" in out and "char-LSTM tiny" in out
