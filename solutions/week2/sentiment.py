"""Week 2 project: 3-class airline-tweet sentiment (negative / neutral / positive) with an MLP.

    python -m solutions.week2.sentiment train --features tfidf      # TF-IDF (1-2 grams) -> MLP
    python -m solutions.week2.sentiment train --features embed      # mean of learned word embeddings -> MLP
    python -m solutions.week2.sentiment predict "@united thanks, great crew!"
    python -m solutions.week2.sentiment predict --ckpt runs/week2/sentiment-embed.safetensors < tweets.txt
    python -m solutions.week2.sentiment baseline                    # week 1's logistic regression

Two ways to turn a tweet into a vector, one network on top (Linear -> ReLU -> Dropout -> Linear):
  (a) tfidf: week 1's TfidfVectorizer (word 1-2 grams, sublinear tf, l2 rows) gives a sparse
      (N, V) CSR matrix; the first layer is `sparse_matmul(X, W1)`, which only touches the ~30
      non-zero rows of W1 per tweet.
  (b) embed: tweet tokens -> ids -> nn.Embedding (V, C) -> mean over the real (non-pad) tokens.
      The embedding table is learned from scratch by backprop, like any weight matrix.
Training uses the loop of train_loop.py (your task 2.12 in the exercises): AdamW, dropout,
early stopping on a validation split carved from the training set (stratified, 10%).
The checkpoint (safetensors) holds the weights AND the featurizer (vocabulary, idf), so `predict`
needs nothing else. Data: data/twitter_airline_sentiment (CC BY-NC-SA 4.0, see SOURCE.md there).

Does not: tune hyperparameters automatically, use pretrained embeddings, or handle other languages.
Shapes: N examples, B batch, T tokens (padded), V vocabulary / features, C embedding size, H hidden.
"""
import argparse
import json
import os
import sys
import time

import numpy as np

from tinygrad_lm import Tensor, manual_seed, metrics, nn, plot
from tinygrad_lm.random import rng
from tinygrad_lm.datasets import load_twitter_airline_sentiment
from tinygrad_lm.checkpoints.safetensors import load_file, load_metadata, save_file
from tinygrad_lm.ops.sparse import CSRMatrix, sparse_matmul
from tinygrad_lm.text.tokenize import tweet_tokenize
from tinygrad_lm.text.vectorize import TfidfVectorizer

from tinygrad_lm.course import load, pop_impl

train_loop = load("week2.train_loop")     # the reference (solutions/) or yours (exercises/): --impl

PAD, UNK = 0, 1

# Defaults per pipeline (chosen on the validation split; measured numbers are in the week README).
CONFIGS = {
    "tfidf": dict(hidden=128, dropout=0.5, epochs=8, batch_size=64, lr=1e-3, weight_decay=0.01, patience=2,
                  min_df=2, ngram_max=2),
    "embed": dict(hidden=128, dropout=0.3, epochs=12, batch_size=64, lr=3e-3, weight_decay=0.01, patience=2,
                  min_df=2, emb_dim=64, max_len=64),
}


# ---- data --------------------------------------------------------------------------------------
def stratified_split(y, frac, seed):
    """Indices (keep, held_out): `frac` of every class held out, chosen with a seeded permutation."""
    rng = np.random.default_rng(seed)
    held = []
    for c in np.unique(y):
        idx = rng.permutation(np.flatnonzero(y == c))
        held.append(idx[:int(round(frac * len(idx)))])
    held = np.sort(np.concatenate(held))
    keep = np.setdiff1d(np.arange(len(y)), held)
    return keep, held


def tweet_tokens(text):
    """'@united LOVED it!!! :)' -> ['@united', 'loved', 'it', '!', '!', '!', ':)'] (lower-cased)."""
    return tweet_tokenize(text, preserve_case=False, reduce_len=True)


# ---- featurizers: fit on training texts, save into / load from the checkpoint ------------------
class TfidfFeatures:
    """Tweets -> (N, V) CSR TF-IDF rows with the week-1 vectorizer (sklearn's formulas).

    Tokens come from the tweet tokenizer (lower-cased), not sklearn's default pattern \\b\\w\\w+\\b:
    it keeps "?", "!", ":)" and #hashtags, which carry sentiment (a "?" often marks a neutral
    question). Measured with logistic regression: 82.7% -> 83.3% test accuracy.
    """

    def __init__(self, min_df=2, ngram_max=2, vocabulary=None, idf=None):
        self.vec = TfidfVectorizer(ngram_range=(1, ngram_max), sublinear_tf=True, min_df=min_df,
                                   tokenizer=tweet_tokens, lowercase=False, vocabulary=vocabulary)
        self.min_df, self.ngram_max = min_df, ngram_max
        if idf is not None:
            self.vec.tfidf.idf_ = np.asarray(idf, dtype=np.float32)

    def fit(self, texts):
        self.vec.fit(texts)
        return self

    def transform(self, texts) -> CSRMatrix:
        return self.vec.transform(texts)

    @property
    def size(self):
        return len(self.vec.vocabulary_)

    def state(self):
        vocab = sorted(self.vec.vocabulary_, key=self.vec.vocabulary_.get)       # column order
        return ({"features.idf": self.vec.idf_},
                {"vocabulary": json.dumps(vocab, ensure_ascii=False),
                 "features": json.dumps({"min_df": self.min_df, "ngram_max": self.ngram_max})})

    @classmethod
    def from_state(cls, tensors, meta):
        cfg = json.loads(meta["features"])
        vocab = {w: i for i, w in enumerate(json.loads(meta["vocabulary"]))}
        return cls(cfg["min_df"], cfg["ngram_max"], vocabulary=vocab, idf=tensors["features.idf"])


class TokenIdFeatures:
    """Tweets -> (N, T) int64 token ids, padded with PAD=0; unseen tokens become UNK=1."""

    def __init__(self, min_df=2, max_len=64, vocab=None):
        self.min_df, self.max_len = min_df, max_len
        self.itos = list(vocab) if vocab is not None else None
        self.stoi = {w: i for i, w in enumerate(self.itos)} if vocab is not None else None

    tokens = staticmethod(tweet_tokens)

    def fit(self, texts):
        df = {}
        for t in texts:
            for w in set(self.tokens(t)):
                df[w] = df.get(w, 0) + 1
        words = sorted(w for w, c in df.items() if c >= self.min_df)
        self.itos = ["<pad>", "<unk>"] + words
        self.stoi = {w: i for i, w in enumerate(self.itos)}
        return self

    def transform(self, texts) -> np.ndarray:
        ids = np.zeros((len(texts), self.max_len), dtype=np.int64)                 # (N, T), PAD = 0
        for n, t in enumerate(texts):
            row = [self.stoi.get(w, UNK) for w in self.tokens(t)][:self.max_len]
            ids[n, :len(row)] = row
        return ids

    @property
    def size(self):
        return len(self.itos)

    def state(self):
        return {}, {"vocabulary": json.dumps(self.itos, ensure_ascii=False),
                    "features": json.dumps({"min_df": self.min_df, "max_len": self.max_len})}

    @classmethod
    def from_state(cls, tensors, meta):
        cfg = json.loads(meta["features"])
        return cls(cfg["min_df"], cfg["max_len"], vocab=json.loads(meta["vocabulary"]))


# ---- models ------------------------------------------------------------------------------------
class TfidfMLP(nn.Module):
    """(B, V) sparse TF-IDF -> Linear(V, H) via sparse_matmul -> ReLU -> Dropout -> Linear(H, 3)."""

    def __init__(self, V, H, n_classes=3, dropout=0.5):
        super().__init__()
        bound = 1.0 / np.sqrt(V)               # PyTorch's default Linear init, U(-1/sqrt(fan_in), ...)
        # W1 is stored (V, H) (not (H, V) like nn.Linear) so that row j is feature j's vector.
        self.W1 = nn.Parameter(rng().uniform(-bound, bound, (V, H)).astype(np.float32))
        self.b1 = nn.Parameter(np.zeros(H, dtype=np.float32))
        self.drop = nn.Dropout(dropout)
        self.out = nn.Linear(H, n_classes)

    def forward(self, X: CSRMatrix):
        h = (sparse_matmul(X, self.W1) + self.b1).relu()                    # (B, H)
        return self.out(self.drop(h))                                       # (B, 3)


class EmbedMLP(nn.Module):
    """(B, T) token ids -> Embedding (B, T, C) -> masked mean (B, C) -> Linear -> ReLU -> Dropout -> Linear."""

    def __init__(self, V, C, H, n_classes=3, dropout=0.3):
        super().__init__()
        self.emb = nn.Embedding(V, C)
        self.hidden = nn.Linear(C, H)
        self.drop = nn.Dropout(dropout)
        self.out = nn.Linear(H, n_classes)

    def forward(self, ids):
        ids = np.asarray(ids)
        mask = (ids != PAD).astype(np.float32)[:, :, None]                     # (B, T, 1)
        count = np.maximum(mask.sum(axis=1), 1.0)                               # (B, 1)
        e = self.emb(ids)                                                       # (B, T, C)
        pooled = (e * mask).sum(axis=1) / count                                 # (B, C)
        return self.out(self.drop(self.hidden(pooled).relu()))                  # (B, 3)


FEATURES = {"tfidf": TfidfFeatures, "embed": TokenIdFeatures}


def build(kind, cfg, vocab_size):
    if kind == "tfidf":
        return TfidfMLP(vocab_size, cfg["hidden"], 3, cfg["dropout"])
    return EmbedMLP(vocab_size, cfg["emb_dim"], cfg["hidden"], 3, cfg["dropout"])


# ---- train -------------------------------------------------------------------------------------
def train(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m solutions.week2.sentiment train",
                                description="train the 3-class airline-tweet sentiment MLP")
    p.add_argument("--features", choices=sorted(CONFIGS), default="tfidf")
    for key in ("hidden", "epochs", "batch_size", "patience", "min_df", "emb_dim", "max_len", "ngram_max"):
        p.add_argument("--" + key.replace("_", "-"), dest=key, type=int, default=None)
    for key in ("dropout", "lr", "weight_decay"):
        p.add_argument("--" + key.replace("_", "-"), dest=key, type=float, default=None)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default=None, help="checkpoint path (default runs/week2/sentiment-<features>.safetensors)")
    p.add_argument("--plot", default=None, help="loss-curve SVG path (default: next to the checkpoint)")
    args = p.parse_args(argv)
    cfg = dict(CONFIGS[args.features])
    cfg.update({k: v for k, v in vars(args).items() if k in cfg and v is not None})
    out = args.out or os.path.join("runs", "week2", f"sentiment-{args.features}.safetensors")
    manual_seed(args.seed)

    train_ds, test_ds = load_twitter_airline_sentiment("train"), load_twitter_airline_sentiment("test")
    classes = train_ds.classes
    y_all, y_test = train_ds.y(), test_ds.y()
    keep, val = stratified_split(y_all, 0.1, args.seed)
    tr_texts = [train_ds.texts[i] for i in keep]
    va_texts = [train_ds.texts[i] for i in val]
    print(f"data: {len(keep)} train / {len(val)} val (10% of train, stratified) / {len(y_test)} test tweets; "
          f"classes {classes}")

    t0 = time.time()
    feats = FEATURES[args.features](**{k: cfg[k] for k in cfg if k in ("min_df", "ngram_max", "max_len")})
    feats.fit(tr_texts)
    X_tr, X_va, X_te = feats.transform(tr_texts), feats.transform(va_texts), feats.transform(test_ds.texts)
    print(f"features: {args.features}, vocabulary {feats.size:,} ({time.time() - t0:.1f}s)")
    model = build(args.features, cfg, feats.size)
    print(f"model: {type(model).__name__}, {model.num_parameters():,} parameters; config {cfg}")

    t0 = time.time()
    hist = train_loop.train_classifier(model, X_tr, y_all[keep], X_va, y_all[val], epochs=cfg["epochs"],
                            batch_size=cfg["batch_size"], lr=cfg["lr"], weight_decay=cfg["weight_decay"],
                            patience=cfg["patience"], seed=args.seed, progress=True)
    train_time = time.time() - t0

    test_loss, acc, f1, pred = train_loop.evaluate(model, X_te, y_test)
    _, _, f1_per_class, _ = metrics.precision_recall_f1(y_test, pred, average=None, n_classes=len(classes))
    print(f"\ntraining time {train_time:.1f}s, best epoch {hist['best_epoch'] + 1} "
          f"(val loss {hist['val_loss'][hist['best_epoch']]:.4f})")
    print(f"test: loss {test_loss:.4f}  accuracy {acc:.4f}  macro-F1 {f1:.4f}")
    print("per-class F1: " + "  ".join(f"{c} {v:.4f}" for c, v in zip(classes, f1_per_class)))
    print("confusion matrix (rows = true, columns = predicted):")
    print(metrics.format_confusion_matrix(metrics.confusion_matrix(y_test, pred, len(classes)), classes))
    print(f"train loss {plot.sparkline(hist['train_loss'], width=60)}  "
          f"{hist['train_loss'][0]:.3f} -> {np.mean(hist['train_loss'][-20:]):.3f}")

    save_classifier(out, args.features, cfg, classes, feats, model,
                    test={"accuracy": acc, "macro_f1": f1, "train_seconds": round(train_time, 1)})
    svg = args.plot or os.path.splitext(out)[0] + ".svg"
    steps_per_epoch = -(-len(keep) // cfg["batch_size"])
    epochs_x = [(i + 1) * steps_per_epoch for i in range(len(hist["val_loss"]))]
    plot.line_chart({"train loss (per step)": hist["train_loss"], "val loss": (epochs_x, hist["val_loss"]),
                     "val macro-F1": (epochs_x, hist["val_f1"])}, svg, right_axis=["val macro-F1"],
                    title=f"week 2 sentiment, {args.features} -> MLP (test acc {acc:.3f}, macro-F1 {f1:.3f})",
                    xlabel="training step", ylabel="cross-entropy", right_label="macro-F1")
    print(f"saved checkpoint {out} and loss curve {svg}")
    return 0


# ---- checkpoint: weights + featurizer in one safetensors file ---------------------------------
def save_classifier(path, kind, cfg, classes, feats, model, test=None):
    """Write model weights ("model.*"), featurizer arrays and JSON metadata to one safetensors file."""
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    f_tensors, f_meta = feats.state()
    tensors = {"model." + k: v for k, v in model.state_dict().items()}
    tensors.update(f_tensors)
    meta = dict(f_meta, kind=kind, classes=json.dumps(classes), config=json.dumps(cfg),
                test=json.dumps(test or {}))
    save_file(tensors, path, metadata=meta)


def load_classifier(path):
    """(featurizer, model, classes) from a checkpoint written by `train`."""
    if not os.path.isfile(path):
        raise FileNotFoundError(f"checkpoint not found: {path}; train one first with "
                                f"`python -m solutions.week2.sentiment train`")
    tensors, meta = load_file(path), load_metadata(path)
    kind, cfg, classes = meta["kind"], json.loads(meta["config"]), json.loads(meta["classes"])
    feats = FEATURES[kind].from_state(tensors, meta)
    model = build(kind, cfg, feats.size)
    model.load_state_dict({k[len("model."):]: v for k, v in tensors.items() if k.startswith("model.")})
    model.eval()
    return feats, model, classes


# ---- baseline: week 1's logistic regression on the same split -----------------------------------
def baseline(argv=None) -> int:
    """Week-1 LogisticRegression (l2 = 1/(C N), C=10 like sklearn) on TF-IDF 1-2 grams, two tokenizers."""
    from tinygrad_lm.classify.logistic import LogisticRegression
    p = argparse.ArgumentParser(prog="python -m solutions.week2.sentiment baseline")
    p.add_argument("--C", type=float, default=10.0)
    p.add_argument("--epochs", type=int, default=8)
    args = p.parse_args(argv)
    train_ds, test_ds = load_twitter_airline_sentiment("train"), load_twitter_airline_sentiment("test")
    y, y_test = train_ds.y(), test_ds.y()
    for name, kw in (("sklearn token pattern", dict(min_df=1)),
                     ("tweet tokenizer", dict(min_df=1, tokenizer=tweet_tokens, lowercase=False))):
        t0 = time.time()
        vec = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, **kw)
        X, X_test = vec.fit_transform(train_ds.texts), vec.transform(test_ds.texts)
        clf = LogisticRegression(l2=1.0 / (args.C * len(y)), epochs=args.epochs).fit(X, y, n_classes=3)
        pred = clf.predict(X_test)
        print(f"week-1 logistic regression, {name:<22} V={X.shape[1]:>7,}: test accuracy "
              f"{metrics.accuracy(y_test, pred):.4f}  macro-F1 {metrics.f1_score(y_test, pred, 'macro', 3):.4f}  "
              f"({time.time() - t0:.0f}s)", flush=True)
    return 0


# ---- predict -----------------------------------------------------------------------------------
def predict(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m solutions.week2.sentiment predict",
                                description="classify tweets (arguments, or one per line on stdin)")
    p.add_argument("texts", nargs="*")
    p.add_argument("--ckpt", default=os.path.join("runs", "week2", "sentiment-tfidf.safetensors"))
    args = p.parse_args(argv)
    texts = args.texts or [line.strip() for line in sys.stdin if line.strip()]
    feats, model, classes = load_classifier(args.ckpt)
    logits = train_loop.predict_logits(model, feats.transform(texts))                         # (N, 3)
    probs = np.exp(logits - logits.max(1, keepdims=True))
    probs /= probs.sum(1, keepdims=True)
    for text, pr in zip(texts, probs):
        k = int(pr.argmax())
        detail = " ".join(f"{c[:3]} {v:.2f}" for c, v in zip(classes, pr))
        print(f"{classes[k]:<8}  ({detail})  {text}")
    return 0


def main(argv=None) -> int:
    argv = pop_impl(sys.argv[1:] if argv is None else argv)        # --impl exercises: your train_loop.py
    commands = {"train": train, "predict": predict, "baseline": baseline}
    if not argv or argv[0] not in commands:
        print(__doc__.split("\n\n")[1])
        return 0 if not argv or argv[0] in ("-h", "--help") else 2
    try:
        return commands[argv[0]](argv[1:])
    except NotImplementedError as e:         # --impl exercises runs YOUR train_loop.py
        print(f"not implemented yet: {e}\nFinish it in exercises/week2/train_loop.py "
              f"(pytest exercises/week2/test_train_loop.py), or run the reference: "
              f"python -m solutions.week2.sentiment {' '.join(argv)}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
