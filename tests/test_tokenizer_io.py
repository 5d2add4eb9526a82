"""ByteLevelBPE save/load (versioned text format), corrupt-file errors, and the vocab dump."""
import pytest

from tinygrad_lm.tokenizers import ByteLevelBPE, load_gpt2
from tinygrad_lm.tokenizers.bpe_io import render_token

TEXT = ("First Citizen:\nBefore we proceed any further, hear me speak.\n\nAll:\nSpeak, speak.\n"
        "naïve café 🤗🤗 \x00\x01 tabs\t\there\r\n") * 20


@pytest.fixture
def tok():
    t = ByteLevelBPE.train(TEXT, 350, pattern="cl100k")
    t.register_special_tokens(["<|endoftext|>", "<|we\nird \"one\"|>"])   # ids right after the merges
    return t


def test_save_load_round_trip(tok, tmp_path):
    p = tmp_path / "tok.bpe"
    tok.save(p)
    text = p.read_text(encoding="utf-8")
    assert text.startswith("tinygrad_lm-bpe v1\npattern ")
    assert "byte_ids identity" in text
    back = ByteLevelBPE.load(p)
    assert back.merges == tok.merges and back.special_tokens == tok.special_tokens
    assert back.pattern == tok.pattern and back.vocab == tok.vocab
    assert back.encode(TEXT, allowed_special="all") == tok.encode(TEXT, allowed_special="all")


def test_gpt2_save_load_keeps_byte_order(tmp_path):
    g = load_gpt2()
    p = tmp_path / "gpt2.bpe"
    g.save(p)
    back = ByteLevelBPE.load(p)
    assert back.byte_ids == g.byte_ids
    s = "Hello world, 1234 🤗"
    assert back.encode(s) == g.encode(s) == [15496, 995, 11, 1105, 2682, 12520, 97, 245]


def test_none_pattern_round_trip(tmp_path):
    t = ByteLevelBPE.train("abababab cdcd", 260, pattern=None)
    t.save(tmp_path / "t")
    assert ByteLevelBPE.load(tmp_path / "t").pattern is None


def _corrupt(tok, tmp_path, edit):
    p = tmp_path / "bad.bpe"
    tok.save(p)
    lines = p.read_text(encoding="utf-8").split("\n")
    p.write_text("\n".join(edit(lines)), encoding="utf-8")
    return p


@pytest.mark.parametrize("edit, match", [
    (lambda L: ["hello"] + L[1:], "line 1: expected 'tinygrad_lm-bpe"),
    (lambda L: ["tinygrad_lm-bpe v9"] + L[1:], "unsupported format version"),
    (lambda L: L[:-30], "truncated"),
    (lambda L: L[:-2] + ["12 x", ""], "expected a merge"),
    (lambda L: L + ["1 2"], "unexpected extra line"),
    (lambda L: L[:1] + ["pattern [1"] + L[2:], "pattern is not a JSON"),
    (lambda L: L[:-2] + ["9999 1", ""], "inconsistent tokenizer"),
])
def test_corrupt_files_give_clear_errors(tok, tmp_path, edit, match):
    with pytest.raises(ValueError, match=match):
        ByteLevelBPE.load(_corrupt(tok, tmp_path, edit))


def test_missing_and_binary_files(tmp_path):
    with pytest.raises(FileNotFoundError, match="tokenizer file not found"):
        ByteLevelBPE.load(tmp_path / "nope.bpe")
    (tmp_path / "bin").write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(ValueError, match="not UTF-8"):
        ByteLevelBPE.load(tmp_path / "bin")
    with pytest.raises(FileNotFoundError, match="GPT-2 tokenizer file missing"):
        load_gpt2(tmp_path)


def test_render_token_escapes_control_chars():
    assert render_token(b" the") == " the"
    assert render_token(b"\n\t\r\x00\x7f") == "\\n\\t\\r\\x00\\x7f"
    assert render_token("é🤗".encode()) == "é🤗"
    assert render_token(b"\xc3") == "\\xc3"                    # half a UTF-8 character
    assert render_token("\u200b\u2028\u00a0".encode()) == "\\u200b\\u2028\\xa0"


def test_vocab_dump(tok):
    lines = tok.vocab_lines()
    assert len(lines) == len(tok.vocab) == tok.vocab_size      # training stopped early at 331: no gap
    assert all("\n" not in ln and "\r" not in ln and "\x00" not in ln for ln in lines)
    assert lines[10] == "10\t[\\n]"
    first = tok.merges[0]
    assert lines[256].startswith("256\t[") and f"= [{render_token(bytes([first[0]]))}]" in lines[256]
    assert "331\t[<|endoftext|>]\tspecial" in lines
    assert '332\t[<|we\\nird "one"|>]\tspecial' in lines
    assert tok.vocab_lines(head=3) == lines[:3] and tok.vocab_lines(head=0) == []


def test_to_text_from_text(tok):
    text = tok.to_text()
    back = ByteLevelBPE.from_text(text)
    assert back.merges == tok.merges and back.special_tokens == tok.special_tokens
    with pytest.raises(ValueError, match="<string>: line 1"):
        ByteLevelBPE.from_text("")
