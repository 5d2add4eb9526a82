"""The week 3 / week 4 projects train the LEARNER's model (`--impl`), and match the library path.

solutions/week3/project.py (a char-LSTM / RNN whose recurrence is week3.lstm_cell / week3.rnn_numpy)
and solutions/week4/project.py (a GPT whose blocks are week4.transformer.transformer_block) run here
through `--impl solutions` on a 20k-character head of tiny Shakespeare with tiny models, next to
`tglm train char-lstm|char-rnn|gpt` with the same options and seed: the losses in history.json (and
the final weights) must agree to 1e-4. They are not bit-identical in general because the fused kernels
(nn.LSTM's one-node layer, the fused attention) add float32 terms in another order than the Tensor-op
code; measured differences are ~1e-7. Also: the SVGs (gradient reach, attention maps) are written
and well-formed, `sample` works, `--impl exercises` reaches the stubs, and plot.heatmap checks its input.
"""
import json
import xml.etree.ElementTree as ET

import numba
import numpy as np
import pytest

from tinygrad_lm import plot
from tinygrad_lm.checkpoints.safetensors import load_file
from tinygrad_lm.cli.train import main as tglm_train
from tinygrad_lm.course import proxy

from solutions.week3 import project as week3
from solutions.week4 import project as week4

SVG = "{http://www.w3.org/2000/svg}"
slow = pytest.mark.skipif(numba.config.DISABLE_JIT, reason="training runs: too slow as pure Python (NUMBA_DISABLE_JIT=1)")

CHAR_OPTS = ["--steps", "6", "--time", "0", "--eval-every", "3", "--hidden", "32", "--emb", "16",
             "--batch-size", "4", "--seq-len", "16", "--sample-every", "0"]
GPT_OPTS = ["--preset", "tiny", "--max-iters", "8", "--eval-every", "4", "--eval-iters", "2", "--batch-size", "8",
            "--sample-tokens", "20"]


@pytest.fixture(autouse=True)
def _restore_impl(monkeypatch):
    """pop_impl() sets the implementation for the whole process: put it back after each test."""
    monkeypatch.setattr(proxy, "_impl_override", proxy._impl_override)


@pytest.fixture(scope="module")
def text_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("data") / "shakespeare_head.txt"
    path.write_text(open("data/tiny_shakespeare/input.txt", encoding="utf-8").read()[:20_000], encoding="utf-8")
    return str(path)


def _same_history(own_dir, lib_dir, keys, tol=1e-4):
    own = json.loads((own_dir / "history.json").read_text())
    lib = json.loads((lib_dir / "history.json").read_text())
    assert [h["step"] for h in own] == [h["step"] for h in lib], "the two runs evaluated at different steps"
    for a, b in zip(own, lib):
        for k in keys:
            assert abs(a[k] - b[k]) <= tol, (f"step {a['step']}: {k} of the --impl solutions run is {a[k]:.7f}, the "
                                             f"library path gives {b[k]:.7f} (tolerance {tol})")


def _same_weights(own_ckpt, lib_ckpt, tol=1e-4):
    own, lib = load_file(str(own_ckpt)), load_file(str(lib_ckpt))
    names = [k for k in lib if k.startswith("model.")] or list(lib)
    assert names, "no model tensors in the library checkpoint"
    for k in names:
        diff = float(np.abs(own[k].astype(np.float64) - lib[k]).max())
        assert diff <= tol, f"{k}: weights after training differ by {diff:.2e} from the library path (tolerance {tol})"


def _svg(path):
    text = path.read_text(encoding="utf-8")
    root = ET.fromstring(text)                                  # raises on malformed XML
    assert root.tag == SVG + "svg", f"{path.name}: root element is {root.tag}, not <svg>"
    return root


# ---- week 3 -------------------------------------------------------------------------------------------
@slow
@pytest.mark.parametrize("cell", ["lstm", "rnn"])
def test_week3_project_matches_tglm_train_char(cell, text_file, tmp_path, capsys):
    own, lib = tmp_path / "own", tmp_path / "lib"
    code = week3.main(["train", "--impl", "solutions", "--cell", cell, "--data", text_file, "--out", str(own),
                       "--grad-window", "24", *CHAR_OPTS])
    assert code == 0, f"week 3 project train --cell {cell} exited {code}: {capsys.readouterr().err}"
    assert tglm_train([f"char-{cell}", "--data", text_file, "--out", str(lib), *CHAR_OPTS]) == 0
    _same_history(own, lib, ["batch_loss", "val_loss"])
    _same_weights(own / "last.safetensors", lib / "last.safetensors")
    root = _svg(own / "gradients.svg")
    names = [t.text for t in root.iter(SVG + "title")]
    assert any("trained" in n for n in names) and "LSTM at init" in names and "RNN at init" in names, \
        f"gradients.svg should hold the trained model and both cells at init, has {names}"
    assert "gradient reach" in capsys.readouterr().out


@slow
def test_week3_gradients_vanish_faster_in_the_rnn():
    """At init (same size, seed and text), the RNN's dL/dh_t shrinks much faster with distance than the LSTM's."""
    from tinygrad_lm.random import manual_seed
    proxy.set_impl("solutions")
    x = np.random.default_rng(0).integers(0, 20, size=(4, 40))
    rel = {}
    for cell in ("lstm", "rnn"):
        manual_seed(0)
        norms = week3.gradient_norms(week3.OwnCharLM(20, 16, 32, 1, cell), x, x)     # (1, T)
        assert norms.shape == (1, 40) and np.all(np.isfinite(norms)) and norms[0, -1] > 0
        rel[cell] = norms[0, -31] / norms[0, -1]                                     # 30 steps back
    assert rel["rnn"] < 1e-3 * rel["lstm"], f"30 steps back: RNN {rel['rnn']:.2e} vs LSTM {rel['lstm']:.2e}"


@slow
def test_week3_sample_uses_the_checkpoint(text_file, tmp_path, capsys):
    out = tmp_path / "own"
    assert week3.main(["train", "--data", text_file, "--out", str(out), "--grad-window", "16", *CHAR_OPTS]) == 0
    capsys.readouterr()
    assert week3.main(["sample", "--impl", "solutions", "--checkpoint", str(out / "best.safetensors"),
                       "--prime", "First", "--length", "30"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("First") and len(text.rstrip("\n")) >= 30, f"sample output: {text!r}"
    assert week3.main(["sample", "--checkpoint", str(out / "best.safetensors"), "--prime", "\u00e9"]) == 2


def test_week3_impl_exercises_reaches_the_stubs(text_file, tmp_path, capsys):
    """--impl exercises runs the learner's files: on the generated stubs it stops with the task's message."""
    code = week3.main(["train", "--impl", "exercises", "--data", text_file, "--out", str(tmp_path / "x"), *CHAR_OPTS])
    err = capsys.readouterr().err
    assert code == 2 and "not finished" in err and "task 3." in err.lower(), f"exit {code}, stderr: {err!r}"


# ---- week 4 -------------------------------------------------------------------------------------------
@slow
def test_week4_project_matches_tglm_train_gpt(text_file, tmp_path, capsys):
    own, lib = tmp_path / "own", tmp_path / "lib"
    code = week4.main(["train", "--impl", "solutions", "--data", text_file, "--out", str(own), *GPT_OPTS])
    assert code == 0, f"week 4 project train exited {code}: {capsys.readouterr().err}"
    assert tglm_train(["gpt", "--data", text_file, "--out", str(lib), *GPT_OPTS]) == 0
    _same_history(own, lib, ["batch_loss", "train_loss", "val_loss"])
    _same_weights(own / "last.safetensors", lib / "last.safetensors")
    whole = [json.loads((d / "result.json").read_text())["best_val_loss_whole_split"] for d in (own, lib)]
    assert abs(whole[0] - whole[1]) < 1e-4, f"whole-split val loss {whole[0]} (yours) vs {whole[1]} (library)"

    root = _svg(own / "attention.svg")
    titles = [t.text for t in root.iter(SVG + "text")]
    assert "head 1" in titles and "head 2" in titles, f"attention.svg should have one panel per head: {titles[:8]}"
    model, tok, _ = week4.load_own(str(own / "best.safetensors"))
    w = week4.attention_maps(model, tok.encode("First Citizen"))                   # (H, T, T)
    assert w.shape == (2, 13, 13)
    assert np.allclose(w.sum(-1), 1.0, atol=1e-5), "attention rows must sum to 1"
    assert np.all(w[:, np.triu_indices(13, 1)[0], np.triu_indices(13, 1)[1]] == 0), "causal: no weight on the future"

    capsys.readouterr()
    assert week4.main(["sample", "--checkpoint", str(own / "best.safetensors"), "--prompt", "First",
                       "--max-new-tokens", "15", "--temperature", "0"]) == 0
    assert capsys.readouterr().out.startswith("First")


def test_week4_refuses_dropout_and_reaches_the_stubs(text_file, tmp_path, capsys):
    assert week4.main(["train", "--data", text_file, "--out", str(tmp_path / "d"), *GPT_OPTS, "--dropout", "0.1"]) == 2
    assert "no dropout" in capsys.readouterr().err
    code = week4.main(["train", "--impl", "exercises", "--data", text_file, "--out", str(tmp_path / "x"), *GPT_OPTS])
    err = capsys.readouterr().err
    assert code == 2 and "not finished" in err and "task 4." in err.lower(), f"exit {code}, stderr: {err!r}"


# ---- plot.heatmap -----------------------------------------------------------------------------------------
def test_heatmap_is_well_formed_svg(tmp_path):
    w = np.tril(np.ones((5, 5))) / np.arange(1, 6)[:, None]
    w[4, 0] = np.nan
    svg = plot.heatmap({"head 1": w, "head 2": w.T}, tmp_path / "h.svg", row_labels=list("a<b&c"),
                       col_labels=list("a<b&c"), vmin=0, vmax=1, title="t")
    root = ET.fromstring((tmp_path / "h.svg").read_text(encoding="utf-8"))
    assert svg == (tmp_path / "h.svg").read_text(encoding="utf-8")
    fills = [r.get("fill") for r in root.iter(SVG + "rect")]
    assert plot.HEAT_NAN in fills, "a NaN cell should be drawn grey"
    assert "#08306b" in fills, "a cell at vmax should have the darkest colour"
    texts = [t.text for t in root.iter(SVG + "text")]
    assert "<" in texts and "&" in texts, "labels must be escaped, not dropped"


def test_heatmap_rejects_bad_input():
    with pytest.raises(ValueError, match="same shape"):
        plot.heatmap({"a": np.zeros((2, 2)), "b": np.zeros((3, 2))})
    with pytest.raises(ValueError, match="2-D"):
        plot.heatmap(np.zeros(4))
    with pytest.raises(ValueError, match="row_labels"):
        plot.heatmap(np.zeros((2, 2)), row_labels=["x"])
    with pytest.raises(ValueError, match="vmin"):
        plot.heatmap(np.zeros((2, 2)), vmin=1, vmax=0)
