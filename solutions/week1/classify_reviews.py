"""Week 1 project: sentiment of movie-review snippets (rt_polarity, Pang & Lee 2005).

    python -m solutions.week1.classify_reviews                 # NB-weighted logistic regression, test split
    python -m solutions.week1.classify_reviews --cv 10         # + 10-fold CV on all 10,662 snippets
    python -m solutions.week1.classify_reviews --model mnb --ngrams 1 --cv 10
    python -m solutions.week1.classify_reviews --model all --cv 10    # the README table

Pipeline: the snippets are already lower-cased and tokenized upstream, so the vectorizer's default
token pattern (words of 2+ characters) is enough; features are binary unigrams + bigrams
(tinygrad_lm.text.CountVectorizer, a sparse CSR matrix); models are tinygrad_lm.classify's
MultinomialNB, LogisticRegression and NBLogisticRegression (the NBSVM idea of Wang & Manning 2012).
Reference numbers on this data (10-fold CV, Wang & Manning 2012, Table 3): MNB unigram 77.9,
MNB bigram 79.0, NBSVM bigram 79.4.
"""
import argparse
import resource
import sys
import time

import numpy as np
from tqdm import tqdm

from tinygrad_lm.classify import LogisticRegression, MultinomialNB, NBLogisticRegression
from tinygrad_lm.datasets import load_rt_polarity
from tinygrad_lm.metrics import (accuracy, classification_report, confusion_matrix, f1_score,
                                 format_confusion_matrix, kfold_indices)
from tinygrad_lm.text import CountVectorizer

MODELS = ("nblr", "mnb", "logreg")


def make_model(name: str, args):
    if name == "mnb":
        return MultinomialNB(alpha=1.0)
    lr_kw = dict(l2=args.l2, lr=args.lr, epochs=args.epochs, batch_size=args.batch_size, seed=args.seed)
    if name == "logreg":
        return LogisticRegression(**lr_kw)
    return NBLogisticRegression(alpha=1.0, beta=args.beta, **lr_kw)


def fit_predict(name, args, train_texts, y_train, test_texts, progress=False):
    """Vectorize (fit on train only), fit the model, predict. Returns (pred, model, vectorizer, X_test)."""
    vec = CountVectorizer(ngram_range=(1, args.ngrams), binary=True)
    X = vec.fit_transform(train_texts)                             # (N, V) sparse
    Xt = vec.transform(test_texts)
    model = make_model(name, args)
    bar = (lambda it: tqdm(it, desc=f"{name} epochs", leave=False)) if progress else None
    if name == "mnb":
        model.fit(X, y_train)
    else:
        model.fit(X, y_train, progress=bar)
    return model.predict(Xt), model, vec, Xt


def feature_scores(name, model) -> np.ndarray:
    """(V,) how strongly each feature pushes toward 'positive' (class 1)."""
    if name == "mnb":
        return model.log_count_ratio(1, 0)
    if name == "logreg":
        return model.coef_[1] - model.coef_[0]
    return model.feature_weights_


def report_test_split(name, args, tr, te):
    t0 = time.perf_counter()
    pred, model, vec, Xt = fit_predict(name, args, tr.texts, tr.y(), te.texts, progress=True)
    y = te.y()
    print(f"\n=== {name}: train {len(tr)} / test {len(te)} snippets, {len(vec.vocabulary_):,} features "
          f"(binary 1..{args.ngrams}-grams), {time.perf_counter() - t0:.1f} s")
    print(f"test accuracy {accuracy(y, pred):.4f}   macro-F1 {f1_score(y, pred, 'macro'):.4f}\n")
    print(format_confusion_matrix(confusion_matrix(y, pred, 2), te.classes))
    print()
    print(classification_report(y, pred, te.classes))
    names = vec.get_feature_names_out()
    s = feature_scores(name, model)
    order = np.argsort(s)
    print("\nmost positive features:", ", ".join(f"{names[j]} ({s[j]:+.2f})" for j in order[::-1][:15]))
    print("most negative features:", ", ".join(f"{names[j]} ({s[j]:+.2f})" for j in order[:15]))
    wrong = np.nonzero(pred != y)[0]
    print(f"\n{len(wrong)} misclassified; the first {min(5, len(wrong))}:")
    for i in wrong[:5]:
        print(f"  [true {te.classes[y[i]]}, predicted {te.classes[pred[i]]}] {te.texts[i]}")


def cross_validate(name, args, texts, y, k):
    folds = kfold_indices(len(y), k, y=y, seed=args.seed)
    t0, accs = time.perf_counter(), []
    for tr_idx, te_idx in tqdm(folds, desc=f"{name} {k}-fold CV"):
        pred, *_ = fit_predict(name, args, [texts[i] for i in tr_idx], y[tr_idx], [texts[i] for i in te_idx])
        accs.append(accuracy(y[te_idx], pred))
    accs = np.array(accs)
    print(f"{name:7s} {k}-fold CV accuracy {accs.mean():.4f} (std {accs.std():.4f}, min {accs.min():.4f}, "
          f"max {accs.max():.4f}), {time.perf_counter() - t0:.1f} s")
    return accs.mean()


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", choices=MODELS + ("all",), default="nblr")
    p.add_argument("--ngrams", type=int, default=2, help="use 1..n-grams (default 2)")
    p.add_argument("--cv", type=int, default=0, help="also run k-fold CV on train+test (e.g. 10)")
    p.add_argument("--no-test", action="store_true", help="skip the fixed-split report")
    p.add_argument("--l2", type=float, default=1e-4)
    p.add_argument("--lr", type=float, default=0.05)
    p.add_argument("--epochs", type=int, default=4)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--beta", type=float, default=0.25, help="NBSVM interpolation (1 = plain weights)")
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    t0 = time.perf_counter()
    tr, te = load_rt_polarity("train"), load_rt_polarity("test")
    models = MODELS if args.model == "all" else (args.model,)
    for name in models:
        if not args.no_test:
            report_test_split(name, args, tr, te)
    if args.cv:
        texts = tr.texts + te.texts
        y = np.concatenate([tr.y(), te.y()])
        print()
        for name in models:
            cross_validate(name, args, texts, y, args.cv)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\ntotal {time.perf_counter() - t0:.1f} s, peak memory {peak_mb:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
