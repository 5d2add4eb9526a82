"""Week 6: three ways to report a different BLEU for the same outputs (Post 2018, "A Call for Clarity").

Run:  python -m solutions.week6.pitfalls          (10-20 s on the busy course machine; prints the README's numbers)

Systems: the translation memory and the word-by-word Dice lexicon of baselines.py on the 500 Multi30k
test2016 evaluation sentences (English -> German), one reference each. Every number is our library's
(equal to sacreBLEU's for the same options); only the options change.

1. Averaging sentence BLEU is not corpus BLEU. Corpus BLEU sums n-gram counts over all sentences and
   takes one geometric mean. A sentence BLEU is mostly zero without smoothing (one 4-gram match is rare
   in a short sentence), so toolkits smooth each sentence, and the average then depends on the
   smoothing: NLTK's SmoothingFunction().method1 gives a zero count 0.1 matches ("floor" here, with no
   effective order, as NLTK), method2 adds 1 to the counts of orders n > 1 ("add-k"), sacreBLEU's
   sentence_bleu uses "exp" with effective order. NLTK also leaves tokenization to the user, who often
   splits on whitespace only; we keep the 13a tokenizer for all rows so only the averaging changes.
2. Case. German capitalises every noun ("Ein Mann fährt Fahrrad"); lowercase=True forgives case errors.
   A system that outputs lowercase text scores near zero cased and far higher lowercased.
3. Tokenization: tokenize="none" splits on spaces only, so "Fahrrad." is not "Fahrrad".
4. Metrics disagree: chrF2 (character n-grams) ranks the two systems the other way round.
A paper that says "BLEU" without the signature (nrefs, case, tok, smooth, version) may be reporting any
of these. What to report instead: corpus BLEU with its signature, and whether a difference is luck:
the last lines run the paired bootstrap (Koehn 2004; 1000 resamples, seed 0) of the memory against
the lexicon.
Does not handle: NLTK's exact code (its tokenization and short-sentence handling differ; nothing here
imports NLTK).
"""
from tinygrad_lm.metrics import corpus_bleu, corpus_chrf, paired_bootstrap, sentence_bleu

from .baselines import dice_lexicon, load_multi30k, split_indices, translation_memory, word_by_word

SENTENCE_STYLES = {   # name: sentence_bleu options
    "no smoothing": dict(smooth_method="none", use_effective_order=False),
    "NLTK method1 style (floor 0.1)": dict(smooth_method="floor", smooth_value=0.1, use_effective_order=False),
    "NLTK method2 style (add-1, n > 1)": dict(smooth_method="add-k", smooth_value=1, use_effective_order=False),
    "sacreBLEU sentence_bleu (exp, eff. order)": dict(),
}


def systems():
    """{name: outputs} and the references of the 500 evaluation sentences."""
    rows = load_multi30k()
    en, de = [r["en"] for r in rows], [r["de"] for r in rows]
    train, evl = split_indices(len(rows))
    src, tgt = [en[i] for i in train], [de[i] for i in train]
    outs = {"translation memory": translation_memory(src, tgt, [en[i] for i in evl]),
            "word-by-word Dice": word_by_word(dice_lexicon(src, tgt), [en[i] for i in evl])}
    return outs, [de[i] for i in evl]


def mean_sentence_bleu(hyps, refs, **options) -> float:
    return sum(sentence_bleu(h, [r], **options).score for h, r in zip(hyps, refs)) / len(refs)


def run() -> dict:
    """{(system, what): BLEU} for every number printed by main()."""
    outs, refs = systems()
    res = {}
    for name, hyps in outs.items():
        res[name, "corpus BLEU"] = corpus_bleu(hyps, [refs]).score
        for style, opts in SENTENCE_STYLES.items():
            res[name, f"mean sentence BLEU, {style}"] = mean_sentence_bleu(hyps, refs, **opts)
        res[name, "corpus BLEU, lowercase=True"] = corpus_bleu(hyps, [refs], lowercase=True).score
        res[name, "corpus BLEU, tokenize='none'"] = corpus_bleu(hyps, [refs], tokenize="none").score
        res[name, "corpus chrF2"] = corpus_chrf(hyps, [refs]).score
        res[name, "corpus chrF2, lowercase=True"] = corpus_chrf(hyps, [refs], lowercase=True).score
    return res


def main():
    res = run()
    names = sorted({k[0] for k in res}, key=lambda s: s != "translation memory")
    whats = list(dict.fromkeys(k[1] for k in res))
    print(f"{'':<62}" + "".join(f"{n:>22}" for n in names))
    for w in whats:
        print(f"{w:<62}" + "".join(f"{res[n, w]:>22.2f}" for n in names))
    outs, refs = systems()
    print(f"signature of the first row: {corpus_bleu(['x'], [['x']]).signature}")
    for metric in (corpus_bleu, corpus_chrf):
        r = paired_bootstrap(metric, outs["word-by-word Dice"], outs["translation memory"], [refs],
                             n_samples=1000, seed=0)
        name = "BLEU" if metric is corpus_bleu else "chrF2"
        print(f"paired bootstrap {name}: memory - lexicon = {r.diff:+.2f}, 95% interval [{r.diff_interval[0]:+.2f}, "
              f"{r.diff_interval[1]:+.2f}], p = {r.p_value:.4f}")


if __name__ == "__main__":
    main()
