"""Mutation tests of the course autograder: a typical WRONG solution must score 0 on its task.

Each mutant below is one typical learner mistake, written as a text substitution in a copy of the
reference solution module (solutions/weekN/<module>.py). For each mutant this test
  1. copies solutions/weekN/ into a temporary package (a unique name, so nothing is cached between
     mutants), applies the substitution (it must match exactly once: a solution edit that breaks a
     mutant fails loudly here instead of silently testing nothing);
  2. runs ONLY the autograder tests of the mutant's task (exercises/weekN/test_<module>.py, selected
     by their `task` marker) in-process with `--impl=<that package>`;
  3. asserts the task scores 0 points, and that the first line of every failure (the line the
     grading table shows) names the mistake (`says`, case-insensitive).
Tests listed in `keeps` exercise a different, correct function of the same task and may pass.

The table of mistakes with their before/after points is docs/course/mistakes.md; add a row there
when you add a mutant here. Run `python tests/test_mutants.py` for the current points of every
mutant (a table, no assertions), e.g. to fill the "before" column of a new row.

Does not: mutate the stubs, test weeks without mutants, or run in parallel (pytest.main in-process,
one mutant after another, third-party pytest plugins off; about 15 s for 34 mutants of weeks 2-4 (+ ~12 s for week 7's 23) on 2 busy cores
once Numba's cache is warm, plus the compile time of the kernels the tests touch on a cold cache).
"""
import contextlib
import importlib
import io
import os
import re
import shutil
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Mutant:
    id: str                     # short name, also the parametrize id
    task: str                   # the course task that must lose its points, e.g. "2.6"
    module: str                 # file under solutions/, e.g. "week2/backprop.py"
    subs: tuple                 # ((old, new), ...): each old must occur exactly once in the file
    says: str                   # lower-case words the first line of every failure must contain
    what: str                   # the mistake in words (the docs table)
    test_file: str = ""         # default: exercises/weekN/test_<module>.py
    keeps: tuple = field(default=())   # test names of the task that do not run the mutated code

    @property
    def tests(self) -> Path:
        week, name = self.module.split("/")
        return ROOT / "exercises" / week / (self.test_file or f"test_{name}")


def M(task, id, module, subs, says, what, **kw):
    if isinstance(subs[0], str):
        subs = (subs,)
    return Mutant(id=id, task=task, module=module, subs=tuple(tuple(s) for s in subs), says=says.lower(),
                  what=what, **kw)


MUTANTS = [
    # ---- week 2 -------------------------------------------------------------------------------
    M("2.6", "ce-column-index", "week2/backprop.py",
      [("loss = -logp[np.arange(B), y].mean()", "loss = -logp[:, y].mean()"),
       ("dlogits[np.arange(B), y] -= 1", "dlogits[:, y] -= 1")],
      "[:, y]", "cross-entropy indexes logp[:, y] (a (B, B) block) instead of logp[np.arange(B), y]"),
    M("2.6", "ce-no-max", "week2/backprop.py",
      ("z = logits - logits.max(axis=1, keepdims=True)", "z = logits"),
      "max", "softmax without subtracting the row max (overflows for large logits)"),
    M("2.6", "ce-grad-no-mean", "week2/backprop.py",
      ("    dlogits /= B\n", ""),
      "/ b", "gradient of the MEAN loss without the 1/B"),
    M("2.3", "linear-dW-transposed", "week2/backprop.py",
      ("dW = x.T @ dout ", "dW = dout.T @ x "),
      "transpose", "transposed weight gradient dW = dout.T @ x"),
    M("2.8", "value-add-assigns", "week2/micrograd.py",
      [("            self.grad += out.grad\n            other.grad += out.grad",
        "            self.grad = out.grad\n            other.grad = out.grad")],
      "+=", "Value.__add__'s backward assigns (=) instead of accumulating (+=)"),
    M("2.10", "backward-not-reversed", "week2/micrograd.py",
      ("for v in reversed(order):", "for v in order:"),
      "reverse", "backward() runs the closures in topological order, not in reverse",
      keeps=("test_topological_order",)),
    M("2.12", "no-zero-grad", "week2/train_loop.py",
      ("            opt.zero_grad()\n", ""),
      "zero_grad", "training loop without opt.zero_grad(): gradients pile up over steps",
      test_file="test_train_loop.py"),
    M("2.12", "best-state-not-copied", "week2/train_loop.py",
      ("copy.deepcopy(model.state_dict())", "model.state_dict()"),
      "deepcopy", "the best weights are kept as model.state_dict() (live arrays), not a deep copy",
      test_file="test_train_loop.py"),
    M("2.5", "sigmoid-naive", "week2/backprop.py",
      [("    z = np.exp(-np.abs(x))             # in (0, 1]: never overflows\n"
        "    out = np.where(x >= 0, 1 / (1 + z), z / (1 + z))",
        "    out = 1 / (1 + np.exp(-x))")],
      "overflow", "sigmoid as 1 / (1 + exp(-x)): exp overflows for x = -1000",
      keeps=("test_tanh",)),

    # ---- week 3 -------------------------------------------------------------------------------
    M("3.6", "lstm-gate-order-ifog", "week3/lstm_cell.py",
      [("g = a[:, 2 * H:3 * H].tanh()", "g = a[:, 3 * H:4 * H].tanh()"),
       ("o = a[:, 3 * H:4 * H].sigmoid()", "o = a[:, 2 * H:3 * H].sigmoid()")],
      "order", "LSTM gates sliced in the order i, f, o, g (PyTorch's is i, f, g, o)"),
    M("3.4", "bptt-overwrites-weight-grads", "week3/rnn_numpy.py",
      [("dWx += dWx_t", "dWx = dWx_t"), ("dWh += dWh_t", "dWh = dWh_t"), ("db += db_t", "db = db_t")],
      "overwr", "BPTT overwrites dWx, dWh, db at every step instead of adding them up"),
    M("3.5", "bptt-overwrites-weight-grads-in-3.5", "week3/rnn_numpy.py",
      [("dWx += dWx_t", "dWx = dWx_t"), ("dWh += dWh_t", "dWh = dWh_t"), ("db += db_t", "db = db_t")],
      "task 3.4", "(the same 3.4 mistake, seen from 3.5: the explosion experiment runs on your BPTT)",
      keeps=("test_clip_example",)),
    M("3.4", "bptt-no-dprev", "week3/rnn_numpy.py",
      ("= rnn_step_backward(dh[:, t] + dprev, cache[t])", "= rnn_step_backward(dh[:, t], cache[t])"),
      "dprev", "BPTT forgets the gradient from step t+1 (+ dprev)"),
    M("3.2", "step-backward-no-tanh", "week3/rnn_numpy.py",
      ("da = dnext_h * (1.0 - next_h ** 2)", "da = dnext_h"),
      "tanh", "RNN step backward skips tanh's derivative"),
    M("3.5", "clip-each-array", "week3/rnn_numpy.py",
      [("    norm = global_grad_norm(grads)\n    scale = min(1.0, max_norm / (norm + 1e-6))\n"
        "    return [g * scale for g in grads], norm",
        "    norm = global_grad_norm(grads)\n"
        "    return [g * min(1.0, max_norm / (global_grad_norm([g]) + 1e-6)) for g in grads], norm")],
      "each array", "gradient clipping scales every array by its OWN norm instead of the global norm"),
    M("3.8", "tbptt-consecutive-chunks", "week3/tbptt.py",
      [("    lanes = ids[:batch_size * L].reshape(batch_size, L)            # (B, L)\n"
        "    x_all, y_all = lanes[:, :-1], lanes[:, 1:]                     # (B, L-1)\n"
        "    out = []\n"
        "    for start in range(0, L - 1, seq_len):\n"
        "        out.append((x_all[:, start:start + seq_len].copy(), y_all[:, start:start + seq_len].copy()))",
        "    out = []\n"
        "    step = batch_size * seq_len\n"
        "    for s in range(0, len(ids) - step - 1 + 1, step):\n"
        "        out.append((ids[s:s + step].reshape(batch_size, seq_len), "
        "ids[s + 1:s + step + 1].reshape(batch_size, seq_len)))")],
      "lane", "TBPTT batches cut the stream into consecutive (B, T) blocks instead of B lanes"),
    M("3.9", "tbptt-targets-not-transposed", "week3/tbptt.py",
      ("y.T.reshape(-1)", "y.reshape(-1)"),
      "transpose", "tbptt_step transposes x but not the targets y"),
    M("3.9", "tbptt-state-not-detached", "week3/tbptt.py",
      ("return float(loss.item()), detach(state)", "return float(loss.item()), state"),
      "detach", "tbptt_step returns the new state without detaching it"),
    M("3.10", "temperature-on-probs", "week3/sampling.py",
      [("    z = z / temperature\n", ""),
       ("    return e / e.sum()\n", "    p = (e / e.sum()) / temperature\n    return p / p.sum()\n")],
      "temperature", "temperature divides the probabilities (cancels out) instead of the logits"),
    M("3.10", "top-k-off-by-one", "week3/sampling.py",
      ("kth = np.sort(z)[-top_k]", "kth = np.sort(z)[-top_k - 1]"),
      "off-by-one", "top-k threshold np.sort(z)[-k - 1]: keeps k + 1 tokens"),
    M("3.11", "generate-refeeds-everything", "week3/sampling.py",
      [("    out = []\n    for _ in range(n):", "    out = []\n    hist = list(prime_ids)\n    for _ in range(n):"),
       ("        out.append(tok)\n        logits, state = step(np.array([tok], dtype=np.int64), state)",
        "        out.append(tok)\n        hist.append(tok)\n"
        "        logits, state = step(np.array(hist, dtype=np.int64), None)")],
      "one token", "generation feeds the whole text again every step instead of one token with the state"),

    # ---- week 4 -------------------------------------------------------------------------------
    M("4.7", "causal-mask-diagonal", "week4/attention.py",
      ("mask = np.arange(Tk)[None, :] > q_pos", "mask = np.arange(Tk)[None, :] >= q_pos"),
      "diagonal", "the causal mask also hides the diagonal (kpos >= qpos): query 0 sees no key"),
    M("4.7", "attention-scale-by-D", "week4/attention.py",
      ("scores = (q @ np.swapaxes(k, -1, -2)) * D ** -0.5", "scores = (q @ np.swapaxes(k, -1, -2)) / D"),
      "sqrt(d)", "attention scores divided by D instead of sqrt(D)"),
    M("4.7", "causal-mask-no-offset", "week4/attention.py",
      ("q_pos = np.arange(Tk - Tq, Tk)[:, None]", "q_pos = np.arange(Tq)[:, None]"),
      "tk - tq", "the causal mask ignores the offset Tk - Tq (queries are the LAST Tq positions)"),
    M("4.9", "kv-cache-mask-no-offset", "week4/attention.py",
      ("q_pos = np.arange(Tk - Tq, Tk)[:, None]", "q_pos = np.arange(Tq)[:, None]"),
      "tk - tq", "KV-cached attention masks without the offset: new queries cannot see the past"),
    M("4.10", "embed-ignores-start", "week4/transformer.py",
      ("pos = np.arange(start, start + T, dtype=np.int64)", "pos = np.arange(T, dtype=np.int64)"),
      "start..start+t-1", "embed uses positions 0..T-1 whatever `start` is (a KV cache continues at start)",
      test_file="test_transformer.py", keeps=("test_sinusoidal_positions",)),
    M("4.2", "merge-pair-off-by-one", "week4/bpe.py",
      ("if i + 1 < n and ids[i] == a", "if i + 2 < n and ids[i] == a"),
      "off-by-one", "merge_pair misses a pair at the very end (i + 2 < n instead of i + 1 < n)"),
    M("4.3", "bpe-tie-break-max", "week4/bpe.py",
      ("best = min(counts, key=lambda p: (-counts[p], p))", "best = max(counts, key=counts.get)"),
      "tie", "BPE training picks max(counts, key=counts.get): ties go to the first pair seen"),
    M("4.5", "encode-leftmost-pair", "week4/bpe.py",
      ("pair = min(get_pair_counts(ids), key=lambda p: ranks.get(p, float(\"inf\")))",
       "pair = next((p for p in zip(ids, ids[1:]) if p in ranks), (None, None))"),
      "earliest", "encode merges the leftmost mergeable pair instead of the earliest learned merge"),
    M("4.13", "mlm-loss-mean-over-all", "week4/mlm.py",
      ("    return -logp[np.arange(len(keep)), t[keep]].mean()",
       "    return -logp[np.arange(len(keep)), t[keep]].sum() / (B * T)"),
      "picked", "masked-LM loss divides by B*T instead of the number of picked positions"),
    M("4.14", "top-p-includes-itself", "week4/decoding.py",
      ("before = np.cumsum(p[order]) - p[order]", "before = np.cumsum(p[order])"),
      "above", "top-p compares the cumulative mass INCLUDING the token itself (drops one token too many)"),
    M("4.23", "should-stop-off-by-one", "week4/finetune.py",
      ("return len(val_losses) - 1 - best_at >= patience", "return len(val_losses) - 1 - best_at > patience"),
      "off-by-one", "early stopping waits patience + 1 evaluations (> instead of >=)"),
    M("4.24", "finetune-keeps-last-weights", "week4/finetune.py",
      ("    model.load_state_dict(best)\n    return history, best_step", "    return history, best_step"),
      "best weights", "fine-tuning returns the last weights, not the best ones"),

    # ---- week 7 -------------------------------------------------------------------------------
    M("7.1", "selects-substring", "week7/freezing.py",
      ("return any(parts[i:i + k] == want for i in range(len(parts) - k + 1))", "return pattern in name"),
      "substring", "selects() tests `pattern in name`: 'h.1' also picks h.10-h.19, 'ln' picks ln_f"),
    M("7.2", "count-tensors", "week7/freezing.py",
      [("        total += p.size\n", "        total += 1\n"), ("            trainable += p.size\n", "            trainable += 1\n")],
      "counted tensors", "count_trainable counts parameter tensors, not scalars"),
    M("7.2", "percent-as-fraction", "week7/freezing.py",
      ("100.0 * trainable / total", "trainable / total"),
      "fraction", "count_trainable returns the fraction (0.01) where the percent (1.0) is asked"),
    M("7.2", "frozen-keeps-grad", "week7/freezing.py",
      ("        else:\n            p.grad = None\n", ""),
      ".grad on frozen", "freeze_all_but leaves a stale .grad on the parameters it freezes"),
    M("7.3", "lora-kaiming-sqrt6", "week7/lora.py",
      ("bound = 1.0 / math.sqrt(self.in_features)", "bound = math.sqrt(6.0 / self.in_features)"),
      "sqrt(6 / c)", "A ~ U(+-sqrt(6/C)) (the Kaiming bound for ReLU nets) instead of loralib's 1/sqrt(C)"),
    M("7.3", "lora-B-random-A-zero", "week7/lora.py",
      [("self.lora_A.data[...] = rng().uniform(-bound, bound, self.lora_A.shape)",
        "self.lora_B.data[...] = rng().uniform(-bound, bound, self.lora_B.shape)"),
       ("self.lora_B.data[...] = 0.0 ", "self.lora_A.data[...] = 0.0 ")],
      "other way round", "A = 0 and B random (roles swapped: still starts at the base model, not loralib's init)"),
    M("7.3", "lora-no-scaling", "week7/lora.py",
      ("        return y + h * self.scaling\n", "        return y + h\n"),
      "not scaled", "forward adds x A^T B^T without the alpha / r scaling"),
    M("7.4", "merge-no-scaling", "week7/lora.py",
      ("self.weight.data += (self.lora_B.data @ self.lora_A.data) * self.scaling",
       "self.weight.data += self.lora_B.data @ self.lora_A.data"),
      "without the scaling", "merge adds B A to W without the alpha / r scaling"),
    M("7.4", "merge-twice", "week7/lora.py",
      ("if not self.merged:", "if True:"),
      "merging twice", "merge() called twice adds B A twice (no `merged` guard)"),
    M("7.4", "forward-adds-after-merge", "week7/lora.py",
      ("        if self.merged:\n            return y\n", ""),
      "after merge()", "forward still adds the LoRA path after merge(): the update counts twice"),
    M("7.5", "clip-loss-one-direction", "week7/contrastive.py",
      ("return (ce_diag(Z) + ce_diag(Z.T)) / 2", "return ce_diag(Z)"),
      "only the rows", "contrastive loss over the rows only (image -> text), not the mean of both directions"),
    M("7.5", "clip-loss-not-normalised", "week7/contrastive.py",
      [("    I = x / np.linalg.norm(x, axis=1, keepdims=True) ", "    I = x "),
       ("    T = y / np.linalg.norm(y, axis=1, keepdims=True) ", "    T = y ")],
      "normalise", "features not L2-normalised: dot products instead of cosine similarities"),
    M("7.5", "clip-loss-no-clamp", "week7/contrastive.py",
      ("s = min(np.exp(t), 100.0)", "s = np.exp(t)"),
      "clamped at 100", "the logit scale exp(t) is not clamped at 100"),
    M("7.6", "clip-grad-column-transposed", "week7/contrastive.py",
      ("dZ = ((Pr - eye) + (Pc - eye)) / (2 * B)", "dZ = ((Pr - eye) + (Pc - eye).T) / (2 * B)"),
      "transposed", "the column (text -> image) term of dZ transposed"),
    M("7.6", "clip-grad-dt-ignores-clamp", "week7/contrastive.py",
      ("dt = 0.0 if clamped else float((dZ * Z).sum())", "dt = float((dZ * Z).sum())"),
      "clamped at 100", "dL/dt is nonzero although the clamp at 100 is active"),
    M("7.7", "im2col-no-padding", "week7/im2col.py",
      ("    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))\n", "    xp = x\n"),
      "zero-padded", "im2col ignores the padding"),
    M("7.8", "conv-kernel-flipped", "week7/im2col.py",
      ("y = W.reshape(O, -1) @ cols", "y = W[:, :, ::-1, ::-1].reshape(O, -1) @ cols"),
      "flipped the kernel", "conv2d_forward flips the kernel (true convolution, not cross-correlation)"),
    M("7.9", "col2im-assigns", "week7/im2col.py",
      ("+= cols6[:, :, i, j]", "= cols6[:, :, i, j]"),
      "(+=)", "col2im assigns (=) overlapping windows instead of adding (+=)"),
    M("7.10", "conv-db-mean", "week7/im2col.py",
      ("db = dy.sum(axis=(0, 2, 3))", "db = dy.mean(axis=(0, 2, 3))"),
      "mean", "db averaged over batch and positions instead of summed"),
    M("7.11", "patchify-plain-reshape", "week7/patches.py",
      ("    return x6.transpose(0, 2, 4, 1, 3, 5).reshape(B, (H // P) * (W // P), C * P * P)",
       "    return x.reshape(B, (H // P) * (W // P), C * P * P)"),
      "plain reshape", "patchify with a plain reshape: each 'patch' mixes rows of different patches"),
    M("7.12", "prefix-labels-not-shifted", "week7/prefix.py",
      ("labels[:, k:k + T - 1] = ids[:, 1:]", "labels[:, k:k + T] = ids"),
      "next token", "labels not shifted: position k + i is asked to predict token i (its own input)"),
    M("7.13", "recall-ascending", "week7/retrieval.py",
      ("order = np.argsort(-sim, axis=1, kind=\"stable\")[:, :k]", "order = np.argsort(sim, axis=1, kind=\"stable\")[:, :k]"),
      "least similar", "recall@k ranks by ascending similarity (the k worst candidates)"),
    M("7.14", "zero-shot-not-renormalised", "week7/retrieval.py",
      ("    cls = cls / np.linalg.norm(cls, axis=1, keepdims=True)\n", ""),
      "renormalised", "the mean of a class's prompt embeddings is not re-normalised"),
]


# ---- running one task of one implementation in-process ------------------------------------------
class _TaskRun:
    """pytest plugin: keeps only the tests of `task`, records each test's outcome and message."""

    def __init__(self, task):
        self.task, self.results = task, {}

    def pytest_collection_modifyitems(self, session, config, items):
        keep, drop = [], []
        for item in items:
            m = item.get_closest_marker("task")
            (keep if m is not None and m.args and str(m.args[0]) == self.task else drop).append(item)
        items[:] = keep
        config.hook.pytest_deselected(items=drop)

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item, call):
        outcome = yield
        rep = outcome.get_result()
        m = item.get_closest_marker("task")
        rec = self.results.setdefault(item.name, {"points": float(m.kwargs.get("points", 1)), "passed": True,
                                                  "message": ""})
        if rec["passed"] and (rep.failed or rep.skipped):
            rec["passed"] = False
            exc = call.excinfo.value if call.excinfo is not None else None
            rec["message"] = (f"{type(exc).__name__}: {exc}" if exc is not None and not isinstance(exc, AssertionError)
                              else str(exc) if exc is not None else str(rep.longrepr))


def grade_task(impl: str, test_file: Path, task: str) -> dict:
    """{test name: {"points", "passed", "message"}} for the tests of `task` in test_file, graded on impl."""
    from tinygrad_lm.course import set_impl
    run = _TaskRun(task)
    # no third-party plugins, and none of pytest's gc.collect()-calling cleanups (0.7 s per run in a big process)
    args = [str(test_file), f"--impl={impl}", "-qq", "--tb=no", "-p", "no:cacheprovider",
            "-p", "no:unraisableexception", "-p", "no:threadexception", "--no-grade-summary", "-o", "addopts=", f"--rootdir={ROOT}"]
    old = os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD")
    os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    try:
        pytest.main(args, plugins=[run])
    finally:
        set_impl(None)
        if old is None:
            del os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"]
        else:
            os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = old
    return run.results


def score(results: dict) -> tuple:
    """(earned, possible) under the course's proportional rule."""
    if not results:
        return 0.0, 0.0
    possible = max(r["points"] for r in results.values())
    share = possible / len(results)
    return share * sum(r["passed"] for r in results.values()), possible


_FENCED = re.compile(r"(### BEGIN SOLUTION\n.*?### END SOLUTION)", re.S)


def mutate(src: str, m: Mutant) -> str:
    """Apply m.subs inside the learner's fenced blocks only (docstrings often quote the same code)."""
    parts = _FENCED.split(src)                   # odd indices: the fenced blocks
    for old, new in m.subs:
        hits = [i for i in range(1, len(parts), 2) if old in parts[i]]
        n = sum(parts[i].count(old) for i in hits)
        if n != 1:
            raise AssertionError(f"mutant {m.id}: the text to replace occurs {n} times in the fenced code of "
                                 f"solutions/{m.module} (must be exactly once; did the solution change?): {old!r}")
        parts[hits[0]] = parts[hits[0]].replace(old, new)
    return "".join(parts)


def make_mutant_package(m: Mutant, base: Path) -> str:
    """Copy solutions/weekN into base/<pkg>/weekN with the mutation applied; return the package name."""
    pkg = "tglm_mutant_" + m.id.replace("-", "_").replace(".", "_")
    week, name = m.module.split("/")
    dest = base / pkg
    shutil.copytree(ROOT / "solutions" / week, dest / week, ignore=shutil.ignore_patterns("__pycache__"))
    (dest / "__init__.py").write_text("")
    path = dest / week / name
    path.write_text(mutate(path.read_text(encoding="utf-8"), m), encoding="utf-8")
    if str(base) not in sys.path:
        sys.path.insert(0, str(base))
    importlib.invalidate_caches()
    return pkg


def _forget(pkg):
    for name in [n for n in sys.modules if n == pkg or n.startswith(pkg + ".")]:
        del sys.modules[name]


def run_mutant(m: Mutant, base: Path) -> dict:
    pkg = make_mutant_package(m, base)
    try:
        return grade_task(pkg, m.tests, m.task)
    finally:
        _forget(pkg)


# ---- the test --------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def mutant_dir(tmp_path_factory):
    base = tmp_path_factory.mktemp("mutants")
    yield base
    if str(base) in sys.path:
        sys.path.remove(str(base))


@pytest.mark.parametrize("m", MUTANTS, ids=[m.id for m in MUTANTS])
def test_mutant_scores_zero_on_its_task(m, mutant_dir):
    results = run_mutant(m, mutant_dir)
    assert results, f"mutant {m.id}: no test of task {m.task} ran in {m.tests.relative_to(ROOT)}"
    earned_tests = {name for name, r in results.items() if r["passed"]}
    unexpected = sorted(earned_tests - set(m.keeps))
    assert not unexpected, (f"mutant {m.id} ({m.what}) still passes {unexpected} of task {m.task}: "
                            f"{score(results)[0]:.2f} / {score(results)[1]:g} points")
    for name, r in results.items():
        if r["passed"]:
            continue
        first = r["message"].strip().splitlines()[0] if r["message"].strip() else ""
        assert m.says in first.lower(), (f"mutant {m.id} ({m.what}): {name} fails, but its first line does not "
                                         f"name the mistake (expected {m.says!r} in it):\n  {first}")


def test_mutant_table_is_consistent():
    ids = [m.id for m in MUTANTS]
    assert len(ids) == len(set(ids)), "duplicate mutant ids"
    doc = (ROOT / "docs" / "course" / "mistakes.md").read_text(encoding="utf-8")
    missing = [i for i in ids if f"`{i}`" not in doc]
    assert not missing, f"docs/course/mistakes.md has no row for the mutants {missing}"


def main(argv=None):
    """Print every mutant's points and first failure line (no assertions): `python tests/test_mutants.py [ID...]`."""
    import argparse
    ap = argparse.ArgumentParser(description=main.__doc__)
    ap.add_argument("ids", nargs="*", help="mutant ids (default: all)")
    args = ap.parse_args(argv)
    chosen = [m for m in MUTANTS if not args.ids or m.id in args.ids]
    with tempfile.TemporaryDirectory() as tmp:
        for m in chosen:
            try:
                with contextlib.redirect_stdout(io.StringIO()):
                    results = run_mutant(m, Path(tmp))
            except AssertionError as e:
                print(f"{m.task:5s} {m.id:38s} ERROR {e}", flush=True)
                continue
            earned, possible = score(results)
            passed = [n for n, r in results.items() if r["passed"]]
            first = next((r["message"].strip().splitlines()[0] for r in results.values()
                          if not r["passed"] and r["message"].strip()), "")
            print(f"{m.task:5s} {m.id:38s} {earned:5.2f} / {possible:g}  passes={passed}\n      {first}",
                  flush=True)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
