"""`tglm generate`: streams text from a `tglm train gpt` checkpoint; the same text as decoding.generate."""
import numpy as np

from tinygrad_lm.cli import main


def test_generate_streams_the_same_tokens_as_decoding_generate(tmp_path, capsys):
    data = tmp_path / "d.txt"
    data.write_text("ROMEO: But soft, what light through yonder window breaks?\n" * 30, encoding="utf-8")
    out = tmp_path / "run"
    assert main(["train", "gpt", "--preset", "tiny", "--data", str(data), "--out", str(out), "--max-iters", "20",
                 "--eval-every", "20", "--eval-iters", "1", "--sample-tokens", "0", "--block-size", "16"]) == 0
    capsys.readouterr()
    ckpt = str(out / "best.safetensors")
    assert main(["generate", "--checkpoint", ckpt, "--prompt", "ROMEO:", "--max-new-tokens", "40",
                 "--temperature", "0.8", "--top-k", "5", "--seed", "3"]) == 0
    printed = capsys.readouterr().out
    from tinygrad_lm.generation.decoding import generate
    from tinygrad_lm.training.lm import load_gpt
    model, tok, _ = load_gpt(ckpt)
    ids = generate(model, tok.encode("ROMEO:"), 40, temperature=0.8, top_k=5, rng=np.random.default_rng(3))
    assert printed == "ROMEO:" + tok.decode(ids.tolist()) + "\n"
    # longer than block_size: the sliding window keeps going
    assert main(["generate", "--checkpoint", ckpt, "--prompt", "R", "--max-new-tokens", "30", "--temperature", "0"]) == 0
    assert len(capsys.readouterr().out) == 1 + 30 + 1
    # --weights float32: generation.Decoder gives the same greedy text, window sliding included
    assert main(["generate", "--checkpoint", ckpt, "--prompt", "R", "--max-new-tokens", "30", "--temperature", "0",
                 "--weights", "float32"]) == 0
    fast = capsys.readouterr().out
    assert main(["generate", "--checkpoint", ckpt, "--prompt", "R", "--max-new-tokens", "30", "--temperature", "0"]) == 0
    assert fast == capsys.readouterr().out


def test_generate_float16_weights_tell_the_same_story_with_the_shipped_model(capsys):
    args = ["generate", "--model", "tinystories-3m", "--prompt", "Once upon a time", "--max-new-tokens", "25",
            "--temperature", "0"]
    assert main(args) == 0
    slow = capsys.readouterr().out
    assert main(args + ["--weights", "float16"]) == 0       # the shipped weights ARE float16: same greedy story
    assert capsys.readouterr().out == slow


def test_generate_errors_are_clear(tmp_path, capsys):
    assert main(["generate", "--checkpoint", str(tmp_path / "missing.safetensors")]) == 2
    assert "tglm generate" in capsys.readouterr().err


def test_stream_text_holds_back_unfinished_utf8():
    from tinygrad_lm.generation.decoding import stream_text

    class Tok:                                         # ids are bytes; "é" is two of them
        def encode(self, s):
            return list(s.encode("utf-8"))

        def decode(self, ids):
            return bytes(ids).decode("utf-8", errors="replace")

    class FakeModel:
        pass
    import tinygrad_lm.generation.decoding as dec
    orig = dec.stream
    dec.stream = lambda model, ids, n, **kw: iter(list("é!".encode("utf-8")))
    try:
        pieces = list(stream_text(FakeModel(), Tok(), "a", 3))
    finally:
        dec.stream = orig
    assert pieces == ["é", "!"]
