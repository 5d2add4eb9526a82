"""Why `import tinygrad_lm` defaults OMP_WAIT_POLICY=PASSIVE: the same workloads under each setting.

    python -m tinygrad_lm.benchmarks.wait_policy          # ~2 minutes, one subprocess per setting

The policy must be in the environment before the OpenMP runtime starts, so each setting runs in a
fresh subprocess. Workloads (our code only): a GPT training step of configs (a) and (b) of
benchmarks/gpt.py, and 20 pairs of a 2-thread numpy matmul followed by a Numba kernel (the pattern
that made both thread pools spin against each other). Prints median ms per workload.
Does not handle: PyTorch (its OpenMP pool is what PASSIVE slows; see `tglm bench --only gpt`).
"""
import json
import os
import subprocess
import sys

SETTINGS = {
    "OMP_WAIT_POLICY=PASSIVE (default)": {"OMP_WAIT_POLICY": "PASSIVE"},
    "OMP_WAIT_POLICY=ACTIVE": {"OMP_WAIT_POLICY": "ACTIVE"},
    # "" (not unset: `import tinygrad_lm` would fill in PASSIVE); libgomp warns and uses its default
    "libgomp default (spin 300000, then sleep)": {"OMP_WAIT_POLICY": "", "GOMP_SPINCOUNT": "300000"},
}


def measure() -> dict:
    """Median ms of each workload in this process (its policy is whatever the environment says)."""
    import numpy as np
    from ..kernels import api as kernels
    from .gpt import CONFIGS, _ours, time_steps
    out = {"gpt (a)": 1000 * time_steps([_ours(CONFIGS["a"])], 6)[0],
           "gpt (b)": 1000 * time_steps([_ours(CONFIGS["b"])], 3)[0]}
    a = np.random.default_rng(0).standard_normal((512, 512)).astype(np.float32)       # numpy BLAS
    x = np.random.default_rng(1).standard_normal((4096, 256)).astype(np.float32)      # a Numba kernel
    w, b = np.ones(256, np.float32), np.zeros(256, np.float32)

    def mixed():
        for _ in range(20):
            a @ a
            kernels.layer_norm_forward(x, w, b, 1e-5)
    out["numpy matmul + Numba kernel x20"] = 1000 * time_steps([mixed], 5)[0]
    return out


def main() -> int:
    if "--child" in sys.argv:
        print(json.dumps(measure()))
        return 0
    rows = []
    for label, env_change in SETTINGS.items():
        env = dict(os.environ)
        env.update(env_change)
        res = subprocess.run([sys.executable, "-m", "tinygrad_lm.benchmarks.wait_policy", "--child"], env=env,
                             capture_output=True, text=True, check=True)
        rows.append((label, json.loads(res.stdout.strip().splitlines()[-1])))
    names = list(rows[0][1])
    print(f"{'setting':<50}" + "".join(f"{n:>34}" for n in names))
    for label, r in rows:
        print(f"{label:<50}" + "".join(f"{r[n]:>31.1f} ms" for n in names))
    return 0


if __name__ == "__main__":
    sys.exit(main())
