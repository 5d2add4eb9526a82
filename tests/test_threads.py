"""_threads.py: the thread-pool settings take effect whether NumPy or tinygrad_lm is imported first.

Each case runs in a fresh subprocess (the settings are per process, read once by each library).
No timing asserts: we check the value OpenBLAS itself reports (`openblas_thread_timeout()`), and
what `_threads.status()` says. benchmarks/import_order.py measures the speed.
"""
import json
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PROBE = ("import json, tinygrad_lm._threads as t; "
         "print(json.dumps({'status': t.status(), 'timeout': t.openblas_thread_timeout(), "
         "'explain': t.explain()}))")


def _run(code, **env_changes):
    env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_THREAD_TIMEOUT", "OMP_WAIT_POLICY")}
    env.update(env_changes)
    env["PYTHONPATH"] = ROOT + os.pathsep + env.get("PYTHONPATH", "")
    p = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("first", ["import numpy", "import tinygrad_lm"])
def test_openblas_timeout_in_effect_either_order(first):
    out = _run(f"{first}; import numpy as np; import tinygrad_lm; np.ones((64, 64)) @ np.ones((64, 64)); " + PROBE)
    if out["timeout"] is None:
        pytest.skip("NumPy's BLAS is not an OpenBLAS with openblas_thread_timeout (" + str(out["explain"]) + ")")
    assert out["timeout"] == 4, f"OpenBLAS still uses timeout {out['timeout']} after `{first}` first: {out['explain']}"
    assert out["status"]["OPENBLAS_THREAD_TIMEOUT"] == ["4", True], out
    assert out["status"]["OMP_WAIT_POLICY"] == ["PASSIVE", True], out


def test_user_setting_wins_with_numpy_first():
    out = _run("import numpy; import tinygrad_lm; " + PROBE, OPENBLAS_THREAD_TIMEOUT="10", OMP_WAIT_POLICY="ACTIVE")
    if out["timeout"] is None:
        pytest.skip("no OpenBLAS with openblas_thread_timeout")
    assert out["timeout"] == 10
    assert out["status"]["OMP_WAIT_POLICY"][0] == "ACTIVE"


def test_numpy_alone_untouched():
    """Without tinygrad_lm, OpenBLAS keeps its default (0 = compiled-in): our fix is what changes it."""
    code = ("import numpy, ctypes, sys; sys.path.insert(0, %r); "
            "import importlib.util as u; s = u.spec_from_file_location('th', %r); m = u.module_from_spec(s); "
            "import json; lib = None\n"
            "exec(open(%r).read().split('\\napply()')[0], m.__dict__)\n"
            "print(json.dumps({'timeout': m.openblas_thread_timeout()}))"
            % (ROOT, os.path.join(ROOT, "tinygrad_lm", "_threads.py"), os.path.join(ROOT, "tinygrad_lm", "_threads.py")))
    out = _run(code)
    if out["timeout"] is None:
        pytest.skip("no OpenBLAS with openblas_thread_timeout")
    assert out["timeout"] == 0
