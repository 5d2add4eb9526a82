"""Week 5 project, part 2b: extractive QA (SQuAD 2.0 style) with a span head on the bidirectional encoder.

    python -m solutions.week5.extractive_qa train --encoder runs/week5/encoder-mlm/best.safetensors --minutes 20
    python -m solutions.week5.extractive_qa evaluate --checkpoint runs/week5/span-qa/best.safetensors
    ... --impl exercises        # best_span from YOUR squad_qa.py (task 5.11) in the answer extraction

The recipe (BERT's run_squad.py, small):
  encoder  the masked LM of solutions/week5/encoder_mlm.py (course-base-8m without the causal mask, MLM-adapted);
           --encoder course-base-8m skips the MLM adaptation (the causal weights used bidirectionally)
  inputs   [CLS] question [SEP] context window [SEP], windows of <= 256 tokens, doc stride 128
           (datasets/squad_windows.py); the span head of models/span_qa.py
  data     squad_v1_train_subset: 4,370 answerable questions of 12 articles. The LAST article in file order
           (New_York_City, 563 questions, 12.9%) is held out, whole, for early stopping and the no-answer
           threshold: the dev set's articles are unseen too. SQuAD v1.1 has no unanswerable questions, so we
           make some: a question paired with another paragraph of its article that does not contain any of
           its answers (target [CLS]); --neg-ratio such pairs per question in training, one per held-out
           question (held-out set = half answerable, half not, like the dev subset).
           They are easier than SQuAD 2.0's adversarial unanswerable questions (same paragraph, plausible
           answer): expect the threshold to transfer imperfectly.
           --neg-kinds entity,negation,antonym,other makes them by rule on the SAME paragraph instead
           (datasets/qa_negatives.py: entity / number / year swapped for one of another article, "not" after
           the auxiliary, an antonym), "other" being the cross-paragraph pair; the held-out unanswerable
           questions then use the same-paragraph kinds (--held-neg-kinds), so the threshold is chosen on the
           kind of question SQuAD 2.0 asks. The kind "written" adds the unanswerable questions written against
           the training paragraphs in SQuAD 2.0's manner (data/squad_unanswerable_written/train.jsonl, each
           --written-repeat times; qa_negatives.load_written); in --held-neg-kinds it uses heldout.jsonl, written
           against the held-out article. --question-features adds a feature on the question tokens: is the
           word in the paragraph?
  features --lexical-features: DrQA's token features of each context token (exact / lowercase / stem match with
           a question word, term frequency, distance to the nearest match, sentence rank; datasets/qa_features.py)
           as learned input embeddings (models/span_qa.py); without the flag the reader sees tokens only
  loop     training/loop.py: AdamW, warmup + cosine, clipping; batches of windows of one padded length;
           every --eval-every steps the span loss on --val-windows fixed held-out windows -> best.safetensors
  after    the held-out questions are answered with the best checkpoint; the no-answer threshold on
           na_prob = sigmoid(null score - best span score) that maximises held-out F1 (metrics.squad_v2's
           best_f1_thresh) is stored in threshold.json beside the checkpoint
  prior    evaluate --lexical-prior: + beta x a count-based prior on the tokens' lexical features (models/
           span_prior.py, counted on the training answers), beta from BETAS chosen on the held-out questions
  evaluate squad_v2_dev_subset (1,407 questions) with that threshold -> overall / HasAns / NoAns EM and F1
           (metrics.squad_v2 = the official script); also the oracle best_f1 (threshold tuned on dev: NOT a
           result, shown for how much the held-out threshold loses)

Legend: B batch, T tokens.
"""
import argparse
import json
import os
import sys
import time

import numpy as np
from tqdm import tqdm

from tinygrad_lm.checkpoints.checkpoint import load_checkpoint, read_checkpoint
from tinygrad_lm.course import load, pop_impl
from tinygrad_lm.datasets.squad import load_squad_v1_train, load_squad_v2_dev
from tinygrad_lm.datasets.qa_features import N_FEATURES, token_features
from tinygrad_lm.datasets.qa_negatives import KINDS, load_written, make_unanswerable
from tinygrad_lm.datasets.squad_windows import answer_token_span, make_windows, token_char_spans
from tinygrad_lm.metrics import squad_v2
from tinygrad_lm.models import GPTConfig
from tinygrad_lm.models.span_prior import LexicalSpanPrior
from tinygrad_lm.models.span_qa import SpanQA, allowed_mask, predict, window_logits
from tinygrad_lm.optim import cosine_warmup_lr
from tinygrad_lm.paths import DATA_DIR
from tinygrad_lm.random import manual_seed
from tinygrad_lm.tensor import no_grad
from tinygrad_lm.tokenizers import from_config as tokenizer_from_config
from tinygrad_lm.training.loop import Run, fit, prepare_out_dir, write_json

squad_qa = load("week5.squad_qa")          # best_span: the reference (solutions/) or yours (exercises/): --impl
HELD_OUT_FRACTION = 0.10
NAN = float("nan")
ALL_KINDS = KINDS + ("written",)             # the rule kinds of qa_negatives + the written questions
WRITTEN_DIR = DATA_DIR / "squad_unanswerable_written"
BETAS = (0.0, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0)     # lexical prior weights tried on held-out training questions                         # a split (HasAns / NoAns) absent from a small sample


def split_articles(records):
    """(train records, held-out records): the last articles in file order until >= 10% of the questions."""
    titles = list(dict.fromkeys(r["title"] for r in records))
    held, n = set(), 0
    for t in reversed(titles):
        if n >= HELD_OUT_FRACTION * len(records):
            break
        held.add(t)
        n += sum(r["title"] == t for r in records)
    return [r for r in records if r["title"] not in held], [r for r in records if r["title"] in held]


def negatives(records, per_question: int, rng, suffix="neg"):
    """Unanswerable copies: the question with another paragraph of its article not containing its answers."""
    by_title = {}
    for r in records:
        by_title.setdefault(r["title"], {})[r["context"]] = True
    out = []
    for r in records:
        others = [c for c in by_title[r["title"]] if c != r["context"]
                  and not any(a.strip() and a in c for a in r["answers"]["text"])]
        for k in range(min(per_question, len(others))):
            c = others[int(rng.integers(len(others)))]
            out.append({**r, "id": f"{r['id']}-{suffix}{k}", "context": c,
                        "answers": {"text": [], "answer_start": []}, "is_impossible": True})
    return out


def data_splits(held_out_limit, held_neg_kinds=("other",)):
    """(training records, held-out answerable records, held-out answerable + made-unanswerable records):
    the same split for `train` (threshold) and `evaluate --lexical-prior` (beta).
    held_neg_kinds ("other" = the old cross-paragraph pairs): the kinds of datasets/qa_negatives.py that make
    the held-out unanswerable questions, one per held-out question; the entity swap draws its words from the
    training articles (never from the dev set); "written" adds every question of
    data/squad_unanswerable_written/heldout.jsonl (written against the held-out article)."""
    train_recs, held_article = split_articles(load_squad_v1_train())   # held_article: all its paragraphs
    held = [held_article[i] for i in
            sorted(np.random.default_rng(3).permutation(len(held_article))[:held_out_limit])]
    held_neg_kinds = tuple(held_neg_kinds)
    if held_neg_kinds == ("other",):                          # the original split, bit for bit
        return train_recs, held, held + negatives(held, 1, np.random.default_rng(1))
    rule_kinds = tuple(k for k in held_neg_kinds if k != "written")
    neg = []
    if rule_kinds:
        made = make_unanswerable(held_article, rule_kinds, 1, np.random.default_rng(1),
                                 pool_records=train_recs + held_article)
        ids = {r["id"] for r in held}
        neg = [r for r in made if r["id"].rsplit("-", 1)[0] in ids]
    if "written" in held_neg_kinds:                            # every question written on the held-out article
        neg += load_written(WRITTEN_DIR / "heldout.jsonl", held_article)
    return train_recs, held, held + neg


def parse_kinds(p, flag: str, text: str) -> tuple:
    """"entity, negation" -> ("entity", "negation"); p.error (exit 2, one line) for an unknown or empty list."""
    kinds = tuple(k.strip() for k in text.split(",") if k.strip())
    if not kinds or any(k not in ALL_KINDS for k in kinds):
        p.error(f"{flag} {text!r}: choose among {', '.join(ALL_KINDS)}")
    return kinds


def question_windows(tok, r, sep_id, args):
    ans = None if r["is_impossible"] else (r["answers"]["answer_start"][0], r["answers"]["text"][0])
    return make_windows(tok, r["question"], r["context"], sep_id, args.max_len, args.doc_stride, answer=ans,
                        features=bool(getattr(args, "lexical_features", False)),
                        question_features=bool(getattr(args, "question_features", False)))


@no_grad()
def window_outputs(model, tok, records, sep_id, args, desc, chunk=64, features=None):
    """-> [(windows, starts, ends)] per record: the reader's logits of every window (no targets).
    The windows of `chunk` questions at a time are batched together (by padded length).
    features=True computes the lexical features even when the model does not use them (for the prior)."""
    wargs = argparse.Namespace(**{**vars(args), "lexical_features":
                                  bool(getattr(args, "lexical_features", False)) or bool(features)})
    out = []
    bar = tqdm(total=len(records), desc=desc, unit="question", file=sys.stdout, mininterval=2.0)
    for k in range(0, len(records), chunk):
        group = records[k:k + chunk]
        wins = [question_windows(tok, {**r, "is_impossible": True}, sep_id, wargs) for r in group]   # no targets
        st, en = window_logits(model, [w for ws in wins for w in ws])
        i = 0
        for ws in wins:
            out.append((ws, st[i:i + len(ws)], en[i:i + len(ws)]))
            i += len(ws)
        bar.update(len(group))
    bar.close()
    return out


def with_prior(ws, starts, ends, prior, beta, learned=1.0):
    """Logits + beta * the lexical prior (models/span_prior.py) at the context positions; learned=0 drops the
    reader's own scores (the prior alone)."""
    out_s, out_e = [], []
    for w, st, en in zip(ws, starts, ends):
        st, en = learned * np.asarray(st, dtype=np.float64), learned * np.asarray(en, dtype=np.float64)
        a, n = w["ctx_offset"], len(w["starts"])
        ps, pe = prior.scores(w["feats"][a:a + n, :N_FEATURES])            # (n,) each
        st[a:a + n] += beta * ps
        en[a:a + n] += beta * pe
        out_s.append(st)
        out_e.append(en)
    return out_s, out_e


def predictions(records, outputs, max_answer, prior=None, beta=0.0, learned=1.0):
    """-> ({id: answer text}, {id: na_prob}) (na_prob = sigmoid(null - best span))."""
    preds, na = {}, {}
    for r, (ws, st, en) in zip(records, outputs):
        if prior is not None:
            st, en = with_prior(ws, st, en, prior, beta, learned)
        text, diff = predict(ws, st, en, r["context"], max_answer, best_span=squad_qa.best_span)
        preds[r["id"]], na[r["id"]] = text, float(1.0 / (1.0 + np.exp(-np.clip(diff, -50, 50))))
    return preds, na


def answer_all(model, tok, records, sep_id, args, desc, chunk=64):
    """-> ({id: answer text}, {id: na_prob}) for the records with the reader alone."""
    return predictions(records, window_outputs(model, tok, records, sep_id, args, desc, chunk), args.max_answer)


def build_model(encoder: str, causal: bool = False, lexical_features: bool = False, question_features: bool = False):
    """(SpanQA with the encoder's weights, tokenizer, sep id, config dict) from an MLM checkpoint or a base model."""
    if encoder.endswith(".safetensors"):
        cfg = read_checkpoint(encoder)["config"]
        config = GPTConfig(**cfg["model"])
        model = SpanQA(config, causal=causal, lexical_features=lexical_features, question_features=question_features)
        load_checkpoint(encoder, model.encoder, restore_rng=False)
        tok, sep = tokenizer_from_config(cfg["tokenizer"]), int(cfg["eos_token_id"])
    else:                                                     # a causal base model, its mask simply removed
        from tinygrad_lm.models.pretrained import load as load_pretrained
        pre, tok, info = load_pretrained(encoder)
        model = SpanQA(GPTConfig(**pre.config.to_dict()), causal=causal, lexical_features=lexical_features,
                       question_features=question_features)
        model.encoder.load_state_dict(pre.state_dict())
        sep = int(info["eos_token_id"])
    return model, tok, sep


def train(argv) -> int:
    p = argparse.ArgumentParser(prog="python -m solutions.week5.extractive_qa train")
    p.add_argument("--encoder", default="runs/week5/encoder-mlm/best.safetensors",
                   help="MLM checkpoint (encoder_mlm.py) or a base model name (causal mask removed, no MLM)")
    p.add_argument("--causal", action="store_true", help="keep the causal mask (ablation; with a base model name)")
    p.add_argument("--lexical-features", action="store_true",
                   help="DrQA's token features (exact/lowercase/stem match, tf, distance, sentence rank) as input "
                        "embeddings of the context tokens (datasets/qa_features.py)")
    p.add_argument("--question-features", action="store_true",
                   help="with --lexical-features: a fifth feature on the QUESTION tokens, is the word in the paragraph "
                        "(qa_features.question_token_features)")
    p.add_argument("--neg-kinds", default="other",
                   help=f"comma-separated kinds of made-unanswerable training questions (datasets/qa_negatives.py: "
                        f"{', '.join(KINDS)}; per question --neg-ratio of them, kinds drawn among those that apply) "
                        f"and 'written' (data/squad_unanswerable_written/train.jsonl, see --written-repeat)")
    p.add_argument("--written-repeat", type=int, default=1, help="copies of each written unanswerable question")
    p.add_argument("--held-neg-kinds", default=None,
                   help="kinds for the held-out unanswerable questions that choose the threshold (default: "
                        "--neg-kinds without 'other' if any remain, else 'other')")
    p.add_argument("--init", default=None, help="start from this `extractive_qa train` checkpoint (its weights only; "
                   "same --encoder and --lexical-features) instead of a fresh head")
    p.add_argument("--out", default="runs/week5/span-qa")
    p.add_argument("--minutes", type=float, default=20.0)
    p.add_argument("--max-steps", type=int, default=100_000)
    p.add_argument("--batch-size", type=int, default=16)
    p.add_argument("--lr", type=float, default=3e-4)
    p.add_argument("--neg-ratio", type=int, default=1, help="unanswerable pairs made per training question")
    p.add_argument("--max-len", type=int, default=256)
    p.add_argument("--doc-stride", type=int, default=128)
    p.add_argument("--max-answer", type=int, default=30, help="longest answer in tokens")
    p.add_argument("--warmup", type=int, default=10)
    p.add_argument("--eval-every", type=int, default=30)
    p.add_argument("--val-windows", type=int, default=96, help="held-out windows for the early-stopping loss")
    p.add_argument("--limit", type=int, default=None, help="only the first N training questions (smoke runs)")
    p.add_argument("--held-out-limit", type=int, default=200, help="held-out answerable questions (random) for the "
                   "threshold and the early-stopping loss")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--overwrite", action="store_true")
    args = p.parse_args(argv)
    if args.question_features and not args.lexical_features:
        p.error("--question-features needs --lexical-features")
    kinds = parse_kinds(p, "--neg-kinds", args.neg_kinds)
    if args.held_neg_kinds is None:
        args.held_neg_kinds = ",".join([k for k in kinds if k != "other"] or ["other"])
    held_kinds = parse_kinds(p, "--held-neg-kinds", args.held_neg_kinds)
    if args.written_repeat < 1:
        p.error(f"--written-repeat must be >= 1, got {args.written_repeat}")
    for flag, ks, name in (("--neg-kinds", kinds, "train.jsonl"), ("--held-neg-kinds", held_kinds, "heldout.jsonl")):
        if "written" in ks and not (WRITTEN_DIR / name).exists():
            p.error(f"{flag} written: {WRITTEN_DIR / name} is missing (it ships in data/squad_unanswerable_written/)")
    prepare_out_dir(args.out, overwrite=args.overwrite)
    manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    model, tok, sep = build_model(args.encoder, args.causal, args.lexical_features, args.question_features)
    if args.init:                                             # continue from a span-qa checkpoint (same options)
        # strict=False: an --init without the question feature's table (lex.4) keeps it at zero
        load_checkpoint(args.init, model, restore_rng=False, strict=not args.question_features)
    model.train()
    train_full, held, held_all = data_splits(args.held_out_limit, held_kinds)
    train_recs = train_full[:args.limit]
    if kinds == ("other",):                                   # the original recipe, bit for bit
        train_all = train_recs + negatives(train_recs, args.neg_ratio, rng)
    else:
        rule_kinds = tuple(k for k in kinds if k != "written")
        made = make_unanswerable(train_recs, rule_kinds, args.neg_ratio, rng) if rule_kinds else []
        if "written" in kinds:                                # placed on the full training split, kept if in use
            keys = {(r["title"], r["paragraph_index"]) for r in train_recs}
            written = [r for r in load_written(WRITTEN_DIR / "train.jsonl", train_full)
                       if (r["title"], r["paragraph_index"]) in keys]
            made += written * args.written_repeat
        train_all = train_recs + made
        counts = {k: sum(r["neg_kind"] == k for r in made) for k in kinds}
        print("made unanswerable (training): " + ", ".join(f"{k} {n:,}" for k, n in counts.items()))
    print(f"train: {len(train_recs):,} questions + {len(train_all) - len(train_recs):,} unanswerable pairs; held out "
          f"({', '.join(sorted({r['title'] for r in held}))}): {len(held):,} + {len(held_all) - len(held):,}")
    windows = [w for r in tqdm(train_all, desc="windows", unit="q", file=sys.stdout, mininterval=2.0)
               for w in question_windows(tok, r, sep, args)]
    held_windows = [w for r in held_all for w in question_windows(tok, r, sep, args)]
    val_windows = [held_windows[i] for i in np.random.default_rng(2).permutation(len(held_windows))[:args.val_windows]]
    buckets = {}
    for i, w in enumerate(windows):
        buckets.setdefault(len(w["ids"]), []).append(i)
    keys = sorted(buckets)
    weights = np.array([len(buckets[k]) for k in keys], dtype=np.float64)
    print(f"{len(windows):,} training windows ({sum(w['start'] > 0 for w in windows):,} holding an answer), "
          f"padded lengths {keys}")
    cfg = {"model": model.config.to_dict(), "tokenizer": tok.to_config(), "kind": "span-qa", "sep_id": sep,
           "extractive_qa": vars(args).copy()}
    opt = model.configure_optimizers(0.01, args.lr)
    run = Run(args.out, model, opt, cfg, title="extractive QA: span loss")

    def batch(ws):
        feats = np.stack([w["feats"] for w in ws]) if args.lexical_features else None          # (B, T, 4)
        return (np.stack([w["ids"] for w in ws]), np.array([w["start"] for w in ws]), np.array([w["end"] for w in ws]),
                allowed_mask(ws), feats)

    def next_loss():
        k = keys[int(rng.choice(len(keys), p=weights / weights.sum()))]
        ws = [windows[i] for i in rng.choice(buckets[k], size=min(args.batch_size, len(buckets[k])), replace=False)]
        ids, s, e, allowed, feats = batch(ws)
        return model(ids, s, e, allowed, feats)[2], ids.size

    @no_grad()
    def evaluate():
        model.eval()
        groups = {}
        for w in val_windows:
            groups.setdefault(len(w["ids"]), []).append(w)
        total = n = 0
        for ws in groups.values():
            for k in range(0, len(ws), 16):
                ids, s, e, allowed, feats = batch(ws[k:k + 16])
                total += model(ids, s, e, allowed, feats)[2].item() * len(ids)
                n += len(ids)
        model.train()
        return {"val": total / n}

    budget = 60.0 * args.minutes
    warmup = min(args.warmup, args.max_steps)
    elapsed = fit(run, next_loss=next_loss, eval_every=args.eval_every, clip=1.0, total_steps=None,
                  progress=lambda step, sec: max(step / args.max_steps, sec / budget),
                  lr_at=lambda step, prog: cosine_warmup_lr(step, args.lr, warmup, args.max_steps, args.lr / 10,
                                                            progress=prog),
                  evaluate=evaluate)
    print(f"done: {run.step} steps in {elapsed:.0f}s; best held-out span loss {run.best:.4f}")
    load_checkpoint(run.best_checkpoint(), model, restore_rng=False)
    preds, na = answer_all(model, tok, held_all, sep, args, "held-out questions")
    res = squad_v2(held_all, preds, na_probs=na)
    thr = res["best_f1_thresh"]
    at = squad_v2(held_all, preds, na_probs=na, na_prob_thresh=thr)
    print(f"held-out ({len(held_all)} questions, half unanswerable): threshold {thr:.4f} -> F1 {at['f1']:.2f} "
          f"(HasAns {at.get('HasAns_f1', NAN):.2f}, NoAns {at.get('NoAns_f1', NAN):.2f}); no threshold (always "
          f"answer): HasAns F1 {res.get('HasAns_f1', NAN):.2f}")
    write_json(run.path("threshold.json"), {"na_prob_thresh": thr, "held_out": at, "held_out_no_threshold": res,
                                            "steps": run.step, "seconds": round(elapsed, 1)})
    run.finish({"steps": run.step, "elapsed": round(elapsed, 1), "best_val_span_loss": run.best,
                "na_prob_thresh": thr, "held_out": at, "checkpoint": run.best_checkpoint()})
    return 0


def load_span_qa(path):
    cfg = read_checkpoint(path)["config"]
    if cfg.get("kind") != "span-qa":
        raise ValueError(f"{path}: not a checkpoint of `extractive_qa train` (kind {cfg.get('kind')!r})")
    model = SpanQA(GPTConfig(**cfg["model"]), causal=bool(cfg["extractive_qa"].get("causal", False)),
                   lexical_features=bool(cfg["extractive_qa"].get("lexical_features", False)),
                   question_features=bool(cfg["extractive_qa"].get("question_features", False)))
    load_checkpoint(path, model, restore_rng=False)
    model.eval()
    return model, tokenizer_from_config(cfg["tokenizer"]), cfg


def fit_prior(tok, records):
    """The lexical span prior (models/span_prior.py) counted on the answerable training records."""
    examples = []
    for r in tqdm(records, desc="lexical prior", unit="q", file=sys.stdout, mininterval=2.0):
        _, c_start, c_end = token_char_spans(tok, r["context"])
        s, e = answer_token_span(c_start, c_end, r["answers"]["answer_start"][0], r["answers"]["text"][0])
        examples.append((token_features(r["question"], r["context"], c_start, c_end), s, e))
    return LexicalSpanPrior().fit(examples)


def choose_beta(model, tok, sep, targs, prior):
    """beta maximising the held-out answerable questions' F1 (never abstaining), then the no-answer threshold
    for it on held-out answerable + made-unanswerable questions, as `train` does. -> (beta, threshold, table)."""
    held_kinds = [k.strip() for k in str(getattr(targs, "held_neg_kinds", None) or "other").split(",") if k.strip()]
    _, _, held_all = data_splits(int(getattr(targs, "held_out_limit", 200)), held_kinds)
    outs = window_outputs(model, tok, held_all, sep, targs, "held-out questions", features=True)
    table, best = {}, None
    for beta in BETAS:
        preds, na = predictions(held_all, outs, targs.max_answer, prior, beta)
        f1 = squad_v2(held_all, preds).get("HasAns_f1", NAN)
        table[str(beta)] = f1
        if best is None or f1 > best[1]:
            best = (beta, f1, preds, na)
    beta, _, preds, na = best
    thr = squad_v2(held_all, preds, na_probs=na)["best_f1_thresh"]
    print("held-out HasAns F1 (never abstaining) by beta: " + ", ".join(f"{b}: {f:.2f}" for b, f in table.items())
          + f" -> beta {beta}, threshold {thr:.4f}")
    return beta, thr, table


def evaluate(argv) -> int:
    p = argparse.ArgumentParser(prog="python -m solutions.week5.extractive_qa evaluate")
    p.add_argument("--checkpoint", required=True)
    p.add_argument("--threshold", type=float, default=None,
                   help="na_prob threshold (default: threshold.json beside the checkpoint, chosen on held-out data)")
    p.add_argument("--lexical-prior", action="store_true",
                   help="add beta x the lexical span prior (counted on the training answers) to the reader's scores; "
                        "beta and the threshold are chosen on the held-out training questions")
    p.add_argument("--held-neg-kinds", default=None,
                   help="choose the threshold again on the held-out answerable questions + made-unanswerable ones of "
                        f"these kinds ({', '.join(ALL_KINDS)}) instead of threshold.json (e.g. an older checkpoint "
                        "with the same-paragraph kinds)")
    p.add_argument("--held-out-only", action="store_true",
                   help="with --held-neg-kinds: only the held-out threshold and F1 (to choose between checkpoints "
                        "without looking at dev); writes --out")
    p.add_argument("--limit", type=int, default=None)
    p.add_argument("--out", default=None, help="JSON with scores and predictions (default: beside the checkpoint)")
    args = p.parse_args(argv)
    if args.held_out_only and (not (args.held_neg_kinds and args.out) or args.lexical_prior or args.threshold is not None):
        p.error("--held-out-only needs --held-neg-kinds and --out, and takes neither --lexical-prior nor --threshold")
    model, tok, cfg = load_span_qa(args.checkpoint)
    targs = argparse.Namespace(**cfg["extractive_qa"])
    sep = int(cfg["sep_id"])
    thr, prior, beta, extra = args.threshold, None, 0.0, {}
    if args.held_neg_kinds:
        held_kinds = parse_kinds(p, "--held-neg-kinds", args.held_neg_kinds)
        targs.held_neg_kinds = args.held_neg_kinds
        if not args.lexical_prior and thr is None:
            _, _, held_all = data_splits(int(getattr(targs, "held_out_limit", 200)), held_kinds)
            h_preds, h_na = answer_all(model, tok, held_all, sep, targs, "held-out questions")
            thr = squad_v2(held_all, h_preds, na_probs=h_na)["best_f1_thresh"]
            at = squad_v2(held_all, h_preds, na_probs=h_na, na_prob_thresh=thr)
            extra["held_out_threshold"] = {"kinds": args.held_neg_kinds, "threshold": thr, **at}
            print(f"held-out ({len(held_all)} questions, unanswerable: {args.held_neg_kinds}): threshold {thr:.4f} "
                  f"-> F1 {at['f1']:.2f} (HasAns {at.get('HasAns_f1', NAN):.2f}, NoAns {at.get('NoAns_f1', NAN):.2f})")
            if args.held_out_only:
                write_json(args.out, {"checkpoint": args.checkpoint, **extra})
                print(f"wrote {args.out} (held-out only, dev not read)")
                return 0
    if args.lexical_prior:
        prior = fit_prior(tok, data_splits(int(getattr(targs, "held_out_limit", 200)))[0])
        beta, held_thr, extra["held_out_beta_hasans_f1"] = choose_beta(model, tok, sep, targs, prior)
        thr = held_thr if thr is None else thr
    if thr is None:
        with open(os.path.join(os.path.dirname(args.checkpoint), "threshold.json"), encoding="utf-8") as f:
            thr = json.load(f)["na_prob_thresh"]
    dev = load_squad_v2_dev()[:args.limit]
    t0 = time.perf_counter()
    outs = window_outputs(model, tok, dev, sep, targs, "squad_v2_dev_subset", features=args.lexical_prior)
    preds, na = predictions(dev, outs, targs.max_answer, prior, beta)
    res = squad_v2(dev, preds, na_probs=na, na_prob_thresh=thr)
    always = squad_v2(dev, preds)                                   # never abstain: the span reader alone
    name = f"reader + {beta} x lexical prior" if prior is not None else "reader"
    print(f"SQuAD v2 dev subset ({res['total']} questions), {name}, threshold {thr:.4f} (held-out): EM "
          f"{res['exact']:.2f} F1 {res['f1']:.2f} | HasAns EM {res.get('HasAns_exact', NAN):.2f} F1 "
          f"{res.get('HasAns_f1', NAN):.2f} | NoAns {res.get('NoAns_f1', NAN):.2f}")
    print(f"  never abstaining: HasAns EM {always.get('HasAns_exact', NAN):.2f} F1 {always.get('HasAns_f1', NAN):.2f}; "
          f"oracle threshold on dev (not a result): best F1 {res['best_f1']:.2f} at {res['best_f1_thresh']:.4f}")
    if prior is not None:                                           # the two parts alone, never abstaining
        for label, b, learned in (("reader alone", 0.0, 1.0), ("lexical prior alone", 1.0, 0.0)):
            p_alone, na_alone = predictions(dev, outs, targs.max_answer, prior, b, learned)
            alone = squad_v2(dev, p_alone)
            extra[label] = alone
            print(f"  {label} (never abstaining): HasAns EM {alone.get('HasAns_exact', NAN):.2f} "
                  f"F1 {alone.get('HasAns_f1', NAN):.2f}")
        thr_file = os.path.join(os.path.dirname(args.checkpoint), "threshold.json")
        if os.path.exists(thr_file):                                # the reader alone with its own threshold
            with open(thr_file, encoding="utf-8") as f:
                thr0 = json.load(f)["na_prob_thresh"]
            p_alone, na_alone = predictions(dev, outs, targs.max_answer)
            r0 = squad_v2(dev, p_alone, na_probs=na_alone, na_prob_thresh=thr0)
            extra["reader alone, its threshold.json"] = {"threshold": thr0, **r0}
            print(f"  reader alone, threshold {thr0:.4f} (threshold.json): EM {r0['exact']:.2f} F1 {r0['f1']:.2f} | "
                  f"HasAns EM {r0.get('HasAns_exact', NAN):.2f} F1 {r0.get('HasAns_f1', NAN):.2f} | "
                  f"NoAns {r0.get('NoAns_f1', NAN):.2f}; oracle {r0['best_f1']:.2f}")
    out = args.out or os.path.join(os.path.dirname(args.checkpoint),
                                   "dev_squad_v2_prior.json" if prior is not None else "dev_squad_v2.json")
    if args.held_neg_kinds and not args.out:                        # never overwrite the original evaluation
        out = out.replace(".json", "_written_threshold.json" if "written" in args.held_neg_kinds
                          else "_samepara_threshold.json")
    final = {q: ("" if na[q] > thr else a) for q, a in preds.items()}
    write_json(out, {"checkpoint": args.checkpoint, "threshold": thr, "beta": beta, "scores": res,
                     "never_abstain": always, **extra, "seconds": round(time.perf_counter() - t0, 1),
                     "predictions": final, "span_answers": preds, "na_probs": na})
    print(f"wrote {out}")
    return 0


def main(argv=None) -> int:
    argv = pop_impl(sys.argv[1:] if argv is None else argv)
    commands = {"train": train, "evaluate": evaluate}
    if not argv or argv[0] not in commands:
        print(__doc__.split("\n\n")[0] + "\n\nusage: python -m solutions.week5.extractive_qa {train,evaluate} ...")
        return 0 if not argv or argv[0] in ("-h", "--help") else 2
    return commands[argv[0]](argv[1:])


if __name__ == "__main__":
    sys.exit(main())
