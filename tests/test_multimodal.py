"""Week 7 models: CLIP's loss (formula, float64 gradcheck, temperature init and clamp), the text encoder,
the ViT patch embedding (= a strided conv), the prefix captioner's input and decoding, export / load, and
a smoke run of `tglm train clip`, `tglm train captioner` and `tglm caption` (a few seconds)."""
import math
import os
from pathlib import Path

import numpy as np
import pytest

from tinygrad_lm import functional as F
from tinygrad_lm.datasets import png, shapes
from tinygrad_lm.gradcheck import gradcheck
from tinygrad_lm.models.captioner import PrefixCaptioner, load_model, prefix_inputs
from tinygrad_lm.models.clip import CLIP, clip_loss, export, l2_normalize, recall_at_k, zero_shot_classify
from tinygrad_lm.models.vision import PatchEmbedding, SmallCNN, ViT
from tinygrad_lm.tensor import Tensor

V, L = len(shapes.VOCAB), shapes.MAX_LEN


def test_clip_loss_formula_and_gradcheck():
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(5, 4)), rng.normal(size=(5, 4))
    I = x / np.linalg.norm(x, axis=1, keepdims=True)
    T = y / np.linalg.norm(y, axis=1, keepdims=True)
    Z = 10.0 * I @ T.T
    lse = lambda a: np.log(np.exp(a).sum(1))                                    # noqa: E731
    want = (np.mean(lse(Z) - np.diag(Z)) + np.mean(lse(Z.T) - np.diag(Z))) / 2
    got = clip_loss(l2_normalize(Tensor(x, dtype=np.float64)), l2_normalize(Tensor(y, dtype=np.float64)), 10.0)
    assert got.item() == pytest.approx(want, rel=1e-7)            # l2_normalize adds eps = 1e-8
    assert gradcheck(lambda a, b, t: clip_loss(l2_normalize(a), l2_normalize(b), F.clamp(t.exp(), max=100.0)),
                     x, y, np.array(1.5))
    with pytest.raises(ValueError, match=r"\(B, E\)"):
        clip_loss(Tensor(np.ones((3, 4))), Tensor(np.ones((2, 4))), 1.0)



def test_clip_loss_equals_torch_fixture():
    """Loss and gradients (image, text, NegCLIP negatives, scale) equal PyTorch's cross-entropy form
    (tests/fixtures/clip/record_clip_loss.py, torch 2.13), in float64."""
    import json
    fx = json.loads((Path(__file__).parent / "fixtures" / "clip" / "clip_loss.json").read_text())
    for case in fx["cases"]:
        img, txt = Tensor(np.array(case["image"]), dtype=np.float64), Tensor(np.array(case["text"]), dtype=np.float64)
        scale = Tensor(np.array(case["scale"]), dtype=np.float64)
        neg = None if case["negatives"] is None else Tensor(np.array(case["negatives"]), dtype=np.float64)
        for t in (img, txt, scale) + ((neg,) if neg is not None else ()):
            t.requires_grad = True
        loss = clip_loss(img, txt, scale, neg)
        loss.backward()
        assert loss.item() == pytest.approx(case["loss"], rel=1e-10), case["name"]
        np.testing.assert_allclose(img.grad, case["grad_image"], rtol=1e-9, atol=1e-12, err_msg=case["name"])
        np.testing.assert_allclose(txt.grad, case["grad_text"], rtol=1e-9, atol=1e-12, err_msg=case["name"])
        assert float(scale.grad) == pytest.approx(case["grad_scale"], rel=1e-9, abs=1e-12), case["name"]
        if neg is not None:
            np.testing.assert_allclose(neg.grad, case["grad_negatives"], rtol=1e-9, atol=1e-12)


def test_temperature_init_and_clamp():
    m = CLIP(V, L, cnn_width=4, n_embd=16, n_layer=1)
    assert m.scale().item() == pytest.approx(1 / 0.07, rel=1e-6)
    m.logit_scale.data[...] = math.log(500.0)
    x, caps, _ = shapes.make_batch("train", 4)
    _, loss = m(x, shapes.encode_batch(caps))
    loss.backward()
    assert m.scale().item() == pytest.approx(100.0) and m.logit_scale.grad == 0


def test_text_encoder_sees_word_order_and_needs_eos():
    m = CLIP(V, L, cnn_width=4, n_embd=16, n_layer=1)
    a = shapes.encode_batch(["a small red circle above a large blue square",
                             "a small blue circle above a large red square"])
    e = m.embed_texts(a)
    assert not np.allclose(e[0], e[1])
    with pytest.raises(ValueError, match="<eos>"):
        m.text(np.ones((1, 5), np.int64))


def test_patch_embedding_is_a_strided_conv_and_vit_runs():
    rng = np.random.default_rng(0)
    pe = PatchEmbedding(4, 8)
    x = rng.normal(size=(2, 3, 8, 8)).astype(np.float32)
    got = pe(Tensor(x)).data                                                   # (B, L, C)
    patches = x.reshape(2, 3, 2, 4, 2, 4).transpose(0, 2, 4, 1, 3, 5).reshape(2, 4, 48)
    want = patches @ pe.proj.weight.data.reshape(8, -1).T + pe.proj.bias.data
    assert got.shape == (2, 4, 8) and np.allclose(got, want, atol=1e-5)
    vit = ViT(out_dim=16, n_layer=1, n_embd=16)
    out = vit(shapes.make_batch("train", 2)[0])
    out.sum().backward()
    assert out.shape == (2, 16) and vit.cls.grad is not None and vit.patch.proj.weight.grad is not None
    with pytest.raises(ValueError, match=r"\(B, 3, 32, 32\)"):
        SmallCNN()(np.zeros((1, 32, 32, 3), np.float32))


def test_prefix_inputs_and_generate():
    ids = np.array([[1, 5, 2, 0]])
    x, labels = prefix_inputs(Tensor(np.zeros((1, 2, 3), np.float32)), Tensor(np.ones((1, 4, 3), np.float32)), ids)
    assert x.shape == (1, 6, 3) and labels.tolist() == [[-100, -100, 5, 2, -100, -100]]
    cap = PrefixCaptioner(V, L, embed_dim=8, prefix_len=2, n_layer=1, n_embd=16, cnn_width=4)
    assert not any(p.requires_grad for p in cap.visual.parameters())
    out = cap.generate(np.zeros((3, 8), np.float32))
    assert out.shape[0] == 3 and (out[:, 0] == shapes.BOS).all() and out.shape[1] <= L
    grid = PrefixCaptioner(V, L, prefix_len=2, n_layer=1, n_embd=16, cnn_width=4, features="grid")
    feats = grid.embed_images(shapes.make_batch("test", 2)[0])
    assert feats.shape == (2, 2 * 4 * 16) and len(grid.caption(shapes.make_batch("test", 2)[0])) == 2


def test_retrieval_helpers():
    sim = np.array([[0.9, 0.1], [0.8, 0.7]])
    assert recall_at_k(sim, np.eye(2, dtype=bool), 1) == 0.5 and recall_at_k(sim, np.eye(2, dtype=bool), 2) == 1.0
    p = np.eye(3)[:, None, :].repeat(2, axis=1)                                # (K=3, P=2, E=3)
    assert zero_shot_classify(np.eye(3)[[2, 0]], p).tolist() == [2, 0]


def test_export_and_load_round_trip(tmp_path):
    m = CLIP(V, L, cnn_width=4, n_embd=16, n_layer=1)
    export(m, "clip", str(tmp_path / "c"))
    back = load_model(str(tmp_path / "c"), "clip")
    x, caps, _ = shapes.make_batch("test", 3)
    assert np.allclose(m.embed_images(x), back.embed_images(x), atol=1e-6)
    with pytest.raises(ValueError, match="not a 'captioner'"):
        load_model(str(tmp_path / "c"), "captioner")


def test_cli_smoke(tmp_path, capsys):
    from tinygrad_lm.cli import caption, train
    clip_dir, cap_dir = str(tmp_path / "clip"), str(tmp_path / "cap")
    small = ["--steps", "2", "--train-size", "64", "--batch-size", "16", "--eval-size", "100", "--eval-every", "2"]
    assert train.main(["clip", "--out", clip_dir, "--width", "4", "--n-embd", "16", "--n-layer", "1", *small]) == 0
    assert os.path.exists(os.path.join(clip_dir, "best.safetensors"))
    assert train.main(["captioner", "--out", cap_dir, "--clip", os.path.join(clip_dir, "best.safetensors"),
                       "--n-embd", "16", "--n-layer", "1", "--export", str(tmp_path / "exp"), *small]) == 0
    img = shapes.make_batch("test", 1)[0][0].transpose(1, 2, 0)
    png.write_png(tmp_path / "one.png", img)
    capsys.readouterr()
    assert caption.main(["--model", str(tmp_path / "exp"), str(tmp_path / "one.png")]) == 0
    assert "one.png: " in capsys.readouterr().out
    png.write_png(tmp_path / "big.png", np.zeros((40, 40, 3), np.uint8))
    assert caption.main(["--model", str(tmp_path / "exp"), str(tmp_path / "big.png")]) == 2
    assert "32x32" in capsys.readouterr().err


def test_swapped_negatives_and_loss_with_negatives():
    rng = np.random.default_rng(0)
    cap = "a small red circle above a large blue square"
    negs = {shapes.swapped(cap, rng) for _ in range(40)}
    assert negs == {"a large blue square above a small red circle", "a small blue circle above a large red square",
                    "a small red square above a large blue circle", "a large red circle above a small blue square"}
    assert shapes.swapped("a small red circle", rng) is None
    assert shapes.swapped("a small red circle left of a small red circle", rng) is None
    r = np.random.default_rng(1)
    I, T, N = (r.normal(size=s) for s in ((4, 3), (4, 3), (2, 3)))
    Z, ZN = 5.0 * I @ T.T, 5.0 * I @ N.T
    full = np.concatenate([Z, ZN], axis=1)
    lse = lambda a: np.log(np.exp(a).sum(1))                                    # noqa: E731
    want = (np.mean(lse(full) - np.diag(Z)) + np.mean(lse(Z.T) - np.diag(Z))) / 2
    got = clip_loss(Tensor(I, dtype=np.float64), Tensor(T, dtype=np.float64), 5.0, Tensor(N, dtype=np.float64))
    assert got.item() == pytest.approx(want, rel=1e-10)


@pytest.mark.parametrize("tune", ["frozen", "lora"])
def test_pretrained_decoder_captioner(tmp_path, tune):
    """ClipCap's own setting: a pretrained GPT (here the shipped tinystories-3m) decodes the prefix, with its
    BPE tokenizer; frozen trains only the mapping, lora adds LoRA on attention; export / load round trip."""
    from tinygrad_lm.nn.lora import lora_layers
    cap = PrefixCaptioner(0, 0, embed_dim=8, prefix_len=2, cnn_width=4, decoder="tinystories-3m", decoder_tune=tune)
    gpt_trainable = sum(p.size for p in cap.gpt.parameters() if p.requires_grad)
    assert (gpt_trainable == 0) == (tune == "frozen") and bool(lora_layers(cap.gpt)) == (tune == "lora")
    assert all(p.requires_grad for p in cap.mapper.parameters())
    caps = ["a small magenta diamond left of a large cyan cross", "a large red circle"]
    ids = cap.encode_captions(caps)                                   # <|endoftext|> caption <|endoftext|> "\n"...
    assert ids.shape == (2, cap.max_len) and (ids[:, 0] == cap.bos_id).all()
    assert [cap.decode_ids(r) for r in ids] == caps
    _, loss = cap(np.zeros((2, 8), np.float32), ids)
    assert np.isfinite(loss.item())
    loss.backward()
    assert all(p.grad is not None for p in cap.parameters() if p.requires_grad)
    assert len(cap.caption(shapes.make_batch("test", 2)[0])) == 2
    export(cap, "captioner", str(tmp_path / "cap"))
    back = load_model(str(tmp_path / "cap"), "captioner")
    assert back.settings["decoder"] == "tinystories-3m" and back.max_len == cap.max_len
    cap.eval()
    np.testing.assert_allclose(back(np.ones((2, 8), np.float32), ids)[1].item(),
                               cap(np.ones((2, 8), np.float32), ids)[1].item(), rtol=1e-5)
    with pytest.raises(ValueError, match="needs a pretrained decoder"):
        PrefixCaptioner(V, L, decoder_tune="lora")
