"""The ICT dense-retrieval experiment's pieces (solutions/week8/retrieval_dense_ict.py) on a tiny random GPT."""
import numpy as np

from solutions.week8.retrieval_dense_ict import encode, ict_loss, pooled, sentences
from tinygrad_lm.models import GPT, GPTConfig
from tinygrad_lm.random import manual_seed


class _Chars:
    """The one tokenizer method the script uses: characters -> ids."""
    alphabet = "abcdefghijklmnopqrstuvwxyz .?\n"

    def encode_ordinary(self, text):
        return [self.alphabet.index(ch) for ch in text]


def _tiny():
    manual_seed(0)
    tok = _Chars()
    model = GPT(GPTConfig(block_size=64, vocab_size=len(_Chars.alphabet), n_layer=1, n_head=2, n_embd=16, dropout=0.0))
    return model, tok


def test_sentences_split_and_skip_short_pieces():
    assert sentences("One two three four. Five six.\nseven eight nine ten eleven") == \
        ["One two three four.", "seven eight nine ten eleven"]


def test_pooled_vectors_are_unit_and_ignore_padding():
    model, tok = _tiny()
    model.eval()
    short, _ = encode(tok, ["abc ab"], 6)
    ids, mask = encode(tok, ["abc ab", "abc ab"], 12)           # the same text, padded to 12
    ids[1, 6:] = 5                                              # other ids in the padding: masked out
    v = pooled(model, ids, mask).numpy()
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-4)
    assert np.allclose(v[0], v[1], atol=1e-5)
    assert np.allclose(v[0], pooled(model, short, np.ones_like(short, dtype=np.float32)).numpy()[0], atol=1e-5)


def test_ict_loss_is_chance_for_equal_vectors_and_trains():
    model, tok = _tiny()
    model.train()
    same = ict_loss(model, tok, ["aaaa"] * 4, ["aaaa"] * 4, tq=8, tp=8)
    assert np.isclose(same.item(), np.log(4), atol=1e-4)      # all logits equal: log B
    qs, ps = ["the cat sat.", "a dog ran.", "big red sun", "cold blue sea"], ["cat sat", "dog ran", "red sun", "blue sea"]
    opt = model.configure_optimizers(0.0, 1e-2)
    first = ict_loss(model, tok, qs, ps, tq=16, tp=16)
    first_value = first.item()
    for _ in range(30):
        loss = ict_loss(model, tok, qs, ps, tq=16, tp=16)
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert loss.item() < 0.5 * first_value


def test_bad_options_exit_2(capsys):
    import pytest
    from solutions.week8.retrieval_dense_ict import main
    for argv in (["--batch-size", "1"], ["--minutes", "0"]):
        with pytest.raises(SystemExit) as e:
            main(argv)
        assert e.value.code == 2 and "--batch-size must be >= 2" in capsys.readouterr().err
