"""`tglm tokenizer train|encode|decode|vocab` end to end on a small file."""
from tinygrad_lm.tokenizers import ByteLevelBPE
from tinygrad_lm.cli.tokenizer import main


def test_cli_round_trip(tmp_path, capsys):
    src = tmp_path / "in.txt"
    src.write_text("the cat sat on the mat, the hat\n" * 50, encoding="utf-8")
    out = tmp_path / "t.bpe"
    assert main(["train", "--input", str(src), "--vocab-size", "270", "--out", str(out),
                 "--vocab-out", str(tmp_path / "v.txt")]) == 0
    tok = ByteLevelBPE.load(out)
    assert len(tok.merges) == 14 and tok.special_tokens == {"<|endoftext|>": 270}
    capsys.readouterr()
    assert main(["encode", "--tokenizer", str(out), "--text", "the cat<|endoftext|>", "--allow-special"]) == 0
    ids = capsys.readouterr().out.split()
    assert ids[-1] == "270"
    assert main(["decode", "--tokenizer", str(out)] + ids) == 0
    assert capsys.readouterr().out == "the cat<|endoftext|>\n"
    assert main(["vocab", "--tokenizer", str(out), "--head", "3"]) == 0
    assert capsys.readouterr().out == "0\t[\\x00]\n1\t[\\x01]\n2\t[\\x02]\n"
    assert main(["encode", "--tokenizer", str(out), "--text", "<|endoftext|>"]) == 2       # guarded: one line, exit 2
    assert "not allowed" in capsys.readouterr().err
    assert main(["vocab", "--tokenizer", str(tmp_path / "missing.bpe")]) == 2


def test_cli_gpt2_decode(capsys):
    assert main(["decode", "--tokenizer", "gpt2", "2514", "307", "11", "393", "407", "284", "307"]) == 0
    assert capsys.readouterr().out == "To be, or not to be\n"
