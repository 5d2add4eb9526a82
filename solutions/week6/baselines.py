"""Week 6: how low can BLEU go? Four translation "systems" that know no German, on Multi30k test2016.

Run:  python -m solutions.week6.baselines          (about 2 s; prints the table below)

Before training a translation model, know what a system with no model at all scores. Each number
equals the one sacreBLEU 2.6.0 prints for the same outputs (shared/reference/baselines.md), which is
also the test that our BLEU and chrF are right (tests/test_multi30k_baselines.py).

  system                                                    BLEU    other
  copy the English source as the German "translation"       0.48    chrF2 16.34
  copy the German source for De -> En                       0.48
  translation memory (500 eval sentences)                   4.98    mean sentence BLEU 7.61
  word-by-word Dice lexicon (500 eval sentences)            0.84    7.66 with lowercase=True

What to notice:
- Copying scores 0.48, not 0: names, numbers and punctuation are shared between the languages.
  chrF gives 16.34 because many character n-grams (stems like "Mann"/"man") are shared too.
- The mean of sentence BLEUs (7.61) is not corpus BLEU (4.98): corpus BLEU adds up matches over the
  whole test set before taking the geometric mean; sentence BLEU smooths each short sentence.
- The word-by-word system outputs lowercase words without punctuation: case-sensitive BLEU punishes
  that (0.84); lowercase=True shows the words themselves are often right (7.66).

Split: the 1,000 sentences shuffled with Python's random.Random(0); the first 500 are "training"
data for the memory and the lexicon, the other 500 are scored. Does not handle: any learned model
(that is the rest of the week).
"""
import json
import math
import random
import re
from collections import Counter

import numpy as np

from tinygrad_lm.metrics import corpus_bleu, corpus_chrf, sentence_bleu
from tinygrad_lm.paths import DATA_DIR

DATA = DATA_DIR / "multi30k_test2016" / "test2016.jsonl"


def load_multi30k(path=DATA):
    """The 1,000 test2016 lines as dicts with 'en', 'de', 'fr', 'cs' (one image caption each)."""
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def split_indices(n: int = 1000, seed: int = 0):
    """(train, eval) index lists: a Random(seed) shuffle of range(n), cut in half."""
    idx = list(range(n))
    random.Random(seed).shuffle(idx)
    return idx[:n // 2], idx[n // 2:]


def words(text: str) -> list:
    """Lowercased word tokens: 'Ein Mann, der...' -> ['ein', 'mann', 'der']."""
    return re.findall(r"\w+", text.lower())


# ----------------------------------------------------------------------------- translation memory
def tfidf_matrix(docs, vocab, idf):
    """(D, V) rows tf x idf, L2-normalised (an all-zero row stays zero)."""
    m = np.zeros((len(docs), len(vocab)), dtype=np.float64)           # (D, V)
    for d, doc in enumerate(docs):
        for w, tf in Counter(doc).items():
            if w in vocab:
                m[d, vocab[w]] = tf * idf[vocab[w]]
    norms = np.linalg.norm(m, axis=1, keepdims=True)                     # (D, 1)
    return m / np.where(norms > 0, norms, 1.0)


def translation_memory(train_src, train_tgt, eval_src):
    """For each eval source sentence output the target of the most similar training source.

    Similarity: cosine of tf-idf vectors, idf(w) = ln((N + 1) / (df(w) + 1)) + 1 over the N training
    sources; words never seen in training get idf ln(N + 1) + 1. Ties: the earliest training sentence.
    """
    train_tok = [words(s) for s in train_src]
    eval_tok = [words(s) for s in eval_src]
    df = Counter(w for toks in train_tok for w in set(toks))
    n = len(train_tok)
    # vocabulary: training words, then unseen eval words (their idf uses df = 0 -> ln(N+1) + 1)
    vocab = {w: i for i, w in enumerate(sorted(df) + sorted({w for t in eval_tok for w in t} - set(df)))}
    idf = np.array([math.log((n + 1) / (df.get(w, 0) + 1)) + 1 for w in vocab], dtype=np.float64)   # (V,)
    train_m = tfidf_matrix(train_tok, vocab, idf)                        # (N, V)
    eval_m = tfidf_matrix(eval_tok, vocab, idf)                          # (E, V)
    best = np.argmax(eval_m @ train_m.T, axis=1)                         # (E,) first maximum = earliest
    return [train_tgt[j] for j in best]


# ----------------------------------------------------------------------------- Dice lexicon
def dice_lexicon(train_src, train_tgt):
    """English word -> the German word with the highest Dice coefficient over sentence pairs.

    With each sentence's word SET: c(e), c(g) sentences containing e (g), c(e, g) pairs containing both;
    Dice(e, g) = 2 c(e, g) / (c(e) + c(g)). Ties: the alphabetically first German word.
    """
    c_e, c_g, c_eg = Counter(), Counter(), Counter()
    for src, tgt in zip(train_src, train_tgt):
        es, gs = set(words(src)), set(words(tgt))
        c_e.update(es)
        c_g.update(gs)
        c_eg.update((e, g) for e in es for g in gs)
    lexicon, best = {}, {}
    for e, g in sorted(c_eg):                        # sorted: on equal scores the first g is kept
        score = 2 * c_eg[e, g] / (c_e[e] + c_g[g])
        if score > best.get(e, -1.0):
            best[e], lexicon[e] = score, g
    return lexicon


def word_by_word(lexicon, eval_src):
    """Each lowercased word replaced by its lexicon entry (unknown words copied), joined by spaces."""
    return [" ".join(lexicon.get(w, w) for w in words(s)) for s in eval_src]


# ----------------------------------------------------------------------------- the table
def run_baselines(rows=None) -> dict:
    """{name: score} for every baseline in the docstring's table (scores 0..100, unrounded)."""
    rows = load_multi30k() if rows is None else rows
    en, de = [r["en"] for r in rows], [r["de"] for r in rows]
    train, evl = split_indices(len(rows))
    refs = [de[i] for i in evl]
    out = {
        "copy_en_bleu": corpus_bleu(en, [de]).score,
        "copy_en_chrf2": corpus_chrf(en, [de]).score,
        "copy_de_bleu": corpus_bleu(de, [en]).score,
    }
    tm = translation_memory([en[i] for i in train], [de[i] for i in train], [en[i] for i in evl])
    out["tm_bleu"] = corpus_bleu(tm, [refs]).score
    out["tm_mean_sentence_bleu"] = sum(sentence_bleu(h, [r]).score for h, r in zip(tm, refs)) / len(refs)
    wbw = word_by_word(dice_lexicon([en[i] for i in train], [de[i] for i in train]), [en[i] for i in evl])
    out["dice_bleu"] = corpus_bleu(wbw, [refs]).score
    out["dice_bleu_lowercase"] = corpus_bleu(wbw, [refs], lowercase=True).score
    return out


def main():
    r = run_baselines()
    print(f"signature: {corpus_bleu(['x'], [['x']]).signature}")
    print(f"copy En source (En->De)     BLEU {r['copy_en_bleu']:5.2f}   chrF2 {r['copy_en_chrf2']:.2f}")
    print(f"copy De source (De->En)     BLEU {r['copy_de_bleu']:5.2f}")
    print(f"translation memory          BLEU {r['tm_bleu']:5.2f}   mean sentence BLEU {r['tm_mean_sentence_bleu']:.2f}")
    print(f"word-by-word Dice lexicon   BLEU {r['dice_bleu']:5.2f}   lowercased {r['dice_bleu_lowercase']:.2f}")


if __name__ == "__main__":
    main()
