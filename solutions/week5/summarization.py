"""Week 5 project, part 1: summarize DialogSum dialogues by fine-tuning a pretrained GPT.

    python -m solutions.week5.summarization train --model course-base-8m --minutes 20          # fine-tune
    python -m solutions.week5.summarization train --scratch --minutes 20 --out runs/week5/sum-scratch
    python -m solutions.week5.summarization train --init runs/week5/sum/best.safetensors --lr 2e-4 --minutes 60 \
        --out runs/week5/sum-long                                                          # continue a run
    python -m solutions.week5.summarization evaluate --checkpoint runs/week5/sum/best.safetensors --beams 4
    python -m solutions.week5.summarization tune --checkpoint runs/week5/sum/best.safetensors      # decoding, on DEV
    python -m solutions.week5.summarization evaluate --checkpoint ... --beams 4 --no-repeat-ngram 3 --length-penalty 2
    python -m solutions.week5.summarization zeroshot --model gpt2       # GPT-2's "TL;DR:" trick, no training
    python -m solutions.week5.summarization train --init ... --dropout 0.1 --keep start ...   # regularised continuation
    python -m solutions.week5.summarization average A.safetensors B.safetensors --out AVG.safetensors
    ... --impl exercises            # the loss mask from YOUR summarize.py (task 5.8)

The recipe:
  prompt  = "<dialogue>\\n\\nSummary:" (as in the base corpus) and the target " <summary><|endoftext|>"
  loss    only on the summary tokens and the closing <|endoftext|> (task 5.8's summary_example:
          the prompt positions get target -100); prompts longer than the context lose their START
  batches random training dialogues, each padded to the longest in the batch (inputs padded with
          eos, targets with -100, so padding costs compute but never loss)
  loop    training/loop.py (AdamW, warmup + cosine, clipping); every --eval-every steps the mean
          summary loss on 100 fixed dev dialogues; best.safetensors = the best dev loss (early stopping)
  decode  greedy or beam search (generation/beam.py), stopping at <|endoftext|>; options as in transformers:
          no_repeat_ngram_size (default 3 with beams, 0 greedy), length_penalty (score / len ** alpha),
          min_new_tokens, max_new_tokens. `tune` picks them on DialogSum DEV dialogues 100.. (the first
          100 are the early-stopping set); test is only ever touched by `evaluate`
  score   ROUGE-1/2/L F1 with stemming (metrics/rouge.py = rouge-score) against summary1 and the best
          of the three references, x100, with 95% bootstrap intervals
--scratch trains the same architecture from random initialisation, for the same time.
average: the mean of the weights of checkpoints of one run and its continuations (checkpoints/average.py),
evaluated like any checkpoint.
zeroshot: GPT-2's zero-shot summarization (Radford et al. 2019, section 3.6): append "\nTL;DR:" to the
dialogue and decode; needs real GPT-2 weights in the local Hugging Face cache (nothing is downloaded;
GPT-2 124M scored 29.34 / 8.27 / 26.58 ROUGE-1/2/L this way on CNN/DailyMail, with top-k 2 sampling).
Training dialogues that also appear in DialogSum dev/test (or in DailyDialog test) are removed first.

Legend: B batch, T tokens.
"""
import argparse
import json
import os
import sys
import time

import numpy as np
from tqdm import tqdm

from tinygrad_lm import nn
from tinygrad_lm.checkpoints.average import average_checkpoints
from tinygrad_lm.course import load, pop_impl
from tinygrad_lm.datasets.course_base import evaluation_dialogue_keys, pair_keys
from tinygrad_lm.datasets.dialogsum import dialogue_turns, load_dialogsum
from tinygrad_lm.generation.beam import beam_search
from tinygrad_lm.generation.decoding import generate
from tinygrad_lm.generation.mbr import mbr_select, rouge_utility, sample_candidates
from tinygrad_lm.metrics import BootstrapAggregator, RougeScorer, distinct_n
from tinygrad_lm.models import GPT, GPTConfig
from tinygrad_lm.models.pretrained import load as load_pretrained
from tinygrad_lm.optim import cosine_warmup_lr
from tinygrad_lm.random import manual_seed
from tinygrad_lm.tensor import no_grad
from tinygrad_lm.training.lm import load_gpt
from tinygrad_lm.training.loop import Run, fit, prepare_out_dir, write_json

summarize = load("week5.summarize")        # the reference (solutions/) or yours (exercises/): --impl
PROMPT = "{dialogue}\n\nSummary:"          # the format the course base model saw in pretraining
EOT = "<|endoftext|>"
MBR_UTILITY = rouge_utility("rougeL", use_stemmer=True)   # u(h, e) for --mbr: ROUGE-L F1, as evaluated


def prompt_text(dialogue: str) -> str:
    return PROMPT.format(dialogue=dialogue.strip())


def prompt_ids(tok, dialogue: str, budget: int, keep: str = "end") -> list:
    """The prompt's token ids in at most `budget` tokens. keep "end": drop tokens from the START of the whole
    prompt (what summary_example does, the first recipe); keep "start": drop the END of the dialogue and keep
    its opening (where DialogSum dialogues say what they are about: Lead-2 is a strong baseline), then
    "\n\nSummary:"."""
    ids = [int(i) for i in tok.encode(prompt_text(dialogue))]
    if len(ids) <= budget or keep == "end":
        return ids[-budget:]
    if keep != "start":
        raise ValueError(f"keep must be 'end' or 'start', got {keep!r}")
    suffix = [int(i) for i in tok.encode(PROMPT.format(dialogue="").lstrip())]      # "Summary:" after "\n\n"
    nl = [int(i) for i in tok.encode("\n\n")]
    head = [int(i) for i in tok.encode(dialogue.strip())][:budget - len(nl) - len(suffix)]
    return head + nl + suffix


def training_records():
    """DialogSum train minus every dialogue sharing its first two turns or a long consecutive turn pair
    with DialogSum dev / test or DailyDialog test (datasets/course_base.py's overlap keys)."""
    held = set().union(*evaluation_dialogue_keys().values())
    records = load_dialogsum("train")
    keep = [r for r in records if not pair_keys(dialogue_turns(r["dialogue"])) & held]
    return keep, len(records) - len(keep)


def encode_examples(tok, records, block_size, eos_id, keep="end"):
    """-> list of (inputs, targets) int64 arrays, the loss on the summary + eos only (task 5.8).
    keep "start": a dialogue too long for the context loses its END (prompt_ids) before summary_example,
    which would otherwise cut the START of the prompt."""
    out, skipped = [], 0
    for r in tqdm(records, desc="encoding", unit="dialogue", file=sys.stdout, mininterval=2.0):
        s = tok.encode(" " + r["summaries"][0].strip())
        if len(s) + 1 > block_size - 16:                    # a summary that leaves no room for its dialogue
            skipped += 1
            continue
        p = prompt_ids(tok, r["dialogue"], block_size + 1 - (len(s) + 1), keep)
        out.append(summarize.summary_example(p, s, eos_id, block_size))
    if skipped:
        print(f"skipped {skipped} dialogue(s) whose summary alone nearly fills the {block_size}-token context")
    return out


def pad_batch(examples, eos_id):
    """Examples of different lengths -> x (B, T) padded with eos, y (B, T) padded with -100."""
    T = max(len(x) for x, _ in examples)
    x = np.full((len(examples), T), eos_id, dtype=np.int64)
    y = np.full((len(examples), T), -100, dtype=np.int64)
    for i, (xi, yi) in enumerate(examples):
        x[i, :len(xi)], y[i, :len(yi)] = xi, yi
    return x, y


@no_grad()
def dev_loss(model, examples, eos_id, batch_size=16):
    """Mean loss per summary token over the examples (eval mode)."""
    was = model.training
    model.eval()
    total, count = 0.0, 0
    for i in range(0, len(examples), batch_size):
        x, y = pad_batch(examples[i:i + batch_size], eos_id)
        n = int((y != -100).sum())
        total += model(x, y)[1].item() * n
        count += n
    model.train(was)
    return total / max(count, 1)


def train(argv) -> int:
    p = argparse.ArgumentParser(prog="python -m solutions.week5.summarization train")
    p.add_argument("--model", default="course-base-8m", help="pretrained model name or directory")
    p.add_argument("--scratch", action="store_true", help="the same architecture from random init")
    p.add_argument("--init", default=None, help="continue from the weights of an earlier summarization "
                   "checkpoint (fresh optimizer and schedule); --model still names the base for the record")
    p.add_argument("--out", default="runs/week5/sum")
    p.add_argument("--minutes", type=float, default=20.0, help="wall-clock budget")
    p.add_argument("--max-steps", type=int, default=100_000)
    p.add_argument("--batch-size", type=int, default=8)
    p.add_argument("--lr", type=float, default=3e-4)
    p.add_argument("--scratch-lr", type=float, default=1e-3)
    p.add_argument("--dropout", type=float, default=None,
                   help="dropout on embeddings, attention and MLP outputs while training (default: the model's, "
                        "0 for course-base-8m); regularises runs of several passes over DialogSum")
    p.add_argument("--eval-every", type=int, default=100)
    p.add_argument("--dev-size", type=int, default=100)
    p.add_argument("--limit", type=int, default=None, help="use only the first N training dialogues (smoke runs)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--keep", choices=["end", "start"], default="end", help="a dialogue longer than the context "
                   "loses its start (end: the first recipe) or its end (start: keeps the opening lines)")
    p.add_argument("--overwrite", action="store_true", help="replace an earlier run in --out")
    args = p.parse_args(argv)
    if args.dropout is not None and not 0.0 <= args.dropout < 1.0:
        p.error(f"--dropout must be in [0, 1), got {args.dropout}")
    prepare_out_dir(args.out, overwrite=args.overwrite)          # never clobber an earlier run silently
    manual_seed(args.seed)
    pre, tok, info = load_pretrained(args.model)
    eos = info["eos_token_id"]
    if eos is None:
        raise SystemExit(f"{args.model} has no end-of-text token; summarization needs one to stop")
    if args.scratch and args.init:
        raise SystemExit("--scratch and --init exclude each other")
    if args.scratch:
        model = GPT(GPTConfig(**pre.config.to_dict()))            # same shape, random weights
    elif args.init:
        model, init_tok, _ = load_gpt(args.init)                   # weights of an earlier run, same tokenizer
        if init_tok.to_config() != tok.to_config():
            raise SystemExit(f"--init {args.init} uses a different tokenizer than --model {args.model}")
    else:
        model = pre
    if args.dropout is not None:
        set_dropout(model, args.dropout)
    model.train()
    T = model.config.block_size
    records, removed = training_records()
    if args.limit:
        records = records[:args.limit]
    print(f"DialogSum train: {len(records):,} dialogues ({removed} removed: shared with dev/test/DailyDialog test)")
    train_ex = encode_examples(tok, records, T, eos, args.keep)
    dev_ex = encode_examples(tok, load_dialogsum("dev")[:args.dev_size], T, eos, args.keep)
    lr = args.scratch_lr if args.scratch else args.lr
    opt = model.configure_optimizers(0.1, lr, (0.9, 0.95))
    cfg = {"model": model.config.to_dict(), "tokenizer": tok.to_config(), "kind": "gpt", "eos_token_id": eos,
           "summarization": {"base": None if args.scratch else args.model, "prompt": PROMPT, **vars(args)}}
    run = Run(args.out, model, opt, cfg, title=f"DialogSum summarization ({'scratch' if args.scratch else args.model})")
    rng = np.random.default_rng(args.seed)
    budget = 60.0 * args.minutes
    warmup = min(50, args.max_steps)

    def next_loss():
        x, y = pad_batch([train_ex[i] for i in rng.integers(0, len(train_ex), args.batch_size)], eos)
        return model(x, y)[1], int((y != -100).sum())

    t0 = time.perf_counter()
    elapsed = fit(run, next_loss=next_loss, eval_every=args.eval_every, clip=1.0, total_steps=None,
                  progress=lambda step, s: max(step / args.max_steps, s / budget),
                  lr_at=lambda step, prog: cosine_warmup_lr(step, lr, warmup, args.max_steps, lr / 10, progress=prog),
                  evaluate=lambda: {"val": dev_loss(model, dev_ex, eos)}, unit="sumtok")
    print(f"done: {run.step} steps in {elapsed:.0f}s ({time.perf_counter() - t0:.0f}s wall); best dev summary loss "
          f"{run.best:.4f} -> {run.path('best.safetensors')}")
    return 0


def set_dropout(model, p: float) -> None:
    """Every nn.Dropout of the model gets probability p (and the config says so, for the checkpoint);
    dropout is only active in train() mode, so decoding is unchanged."""
    if not 0.0 <= p < 1.0:
        raise ValueError(f"set_dropout: p must be in [0, 1), got {p}")
    for m in model.modules():
        if isinstance(m, nn.Dropout):
            m.p = float(p)
    model.config.dropout = float(p)


@no_grad()
def summarize_one(model, tok, dialogue, eos, beams=1, max_new_tokens=60, length_penalty=1.0,
                  no_repeat_ngram_size=None, min_new_tokens=0, ngram_scope="all", mbr=0, mbr_samples=0,
                  temperature=1.0, top_p=None, rng=None, keep="end"):
    """no_repeat_ngram_size None = 3 with beams, 0 greedy (the settings of the first measurements);
    ngram_scope "all" bans n-grams of dialogue + summary (transformers' decoder-only rule), "new" of the
    summary only. mbr N > 0: beam search with N beams returns its N best summaries and the one with the
    highest mean ROUGE-L against the other N - 1 is kept (minimum Bayes risk, generation/mbr.py).
    mbr_samples N > 0: the candidates are the summary the other options give plus N samples (temperature,
    top_p, the same n-gram ban on the summary and max_new_tokens), MBR picks one."""
    T = model.config.block_size
    ids = prompt_ids(tok, dialogue, T - max_new_tokens, keep)     # a long dialogue loses its start or its end
    ngram = (3 if beams > 1 else 0) if no_repeat_ngram_size is None else no_repeat_ngram_size
    decode = lambda out: tok.decode([int(i) for i in out if int(i) != eos]).replace(EOT, "").strip()
    if mbr:
        seqs, _ = beam_search(model, ids, max_new_tokens, num_beams=mbr, num_return_sequences=mbr,
                              eos_token_id=eos, length_penalty=length_penalty, no_repeat_ngram_size=ngram,
                              min_new_tokens=min_new_tokens, no_repeat_ngram_scope=ngram_scope,
                              early_stopping=True)
        texts = [decode(s) for s in seqs]
        return texts[mbr_select(texts, MBR_UTILITY)]
    if beams > 1 or ngram or min_new_tokens:               # num_beams=1 is greedy search with the bans
        seqs, _ = beam_search(model, ids, max_new_tokens, num_beams=beams, eos_token_id=eos,
                              length_penalty=length_penalty, no_repeat_ngram_size=ngram,
                              min_new_tokens=min_new_tokens, no_repeat_ngram_scope=ngram_scope,
                              early_stopping=True)
        out = seqs[0]
    else:
        out = generate(model, ids, max_new_tokens, temperature=0.0, stop_tokens=[eos]).tolist()
    if mbr_samples:
        samples = sample_candidates(model, ids, mbr_samples, max_new_tokens, temperature=temperature, top_p=top_p,
                                    eos_token_id=eos, no_repeat_ngram_size=ngram if ngram_scope == "new" else 0,
                                    rng=rng)
        texts = [decode(out)] + [decode(x) for x in samples]
        return texts[mbr_select(texts, MBR_UTILITY)]
    return decode(out)


def rouge_report(predictions, test, name):
    """ROUGE-1/2/L F1 x100 vs reference 1 and the best of 3, with 95% bootstrap intervals."""
    scorer = RougeScorer(["rouge1", "rouge2", "rougeL"], use_stemmer=True)
    agg1, agg3 = BootstrapAggregator(seed=0), BootstrapAggregator(seed=0)
    for pred, r in zip(predictions, test):
        agg1.add_scores(scorer.score(r["summaries"][0], pred))
        agg3.add_scores(scorer.score_multi(r["summaries"], pred))
    out = {}
    for label, agg in (("ref1", agg1), ("max3", agg3)):
        res = agg.aggregate()
        out[label] = {k: [100 * v.low[2], 100 * v.mid[2], 100 * v.high[2]] for k, v in res.items()}
        print(f"{name} {label}: " + "  ".join(f"{k} {v[1]:.2f} [{v[0]:.2f}, {v[2]:.2f}]" for k, v in out[label].items()))
    return out


def zeroshot(argv) -> int:
    p = argparse.ArgumentParser(prog="python -m solutions.week5.summarization zeroshot")
    p.add_argument("--model", default="gpt2", help="a local GPT-2 (Hugging Face cache name or directory)")
    p.add_argument("--limit", type=int, default=None)
    p.add_argument("--max-new-tokens", type=int, default=60)
    args = p.parse_args(argv)
    model, tok, info = load_pretrained(args.model)
    eos = info["eos_token_id"]
    test = load_dialogsum("test")[:args.limit]
    T = model.config.block_size
    preds = []
    for r in tqdm(test, desc="TL;DR", unit="dialogue", file=sys.stdout):
        ids = [int(i) for i in tok.encode(r["dialogue"].strip() + "\nTL;DR:")][-(T - args.max_new_tokens):]
        out = generate(model, ids, args.max_new_tokens, temperature=0.0, stop_tokens=[] if eos is None else [eos])
        text = tok.decode([int(i) for i in out if eos is None or int(i) != eos]).replace(EOT, "")
        preds.append(text.strip().split("\n")[0])                       # the first line is the summary
    rouge_report(preds, test, f"{args.model} zero-shot TL;DR")
    return 0


def evaluate(argv) -> int:
    p = argparse.ArgumentParser(prog="python -m solutions.week5.summarization evaluate")
    p.add_argument("--checkpoint", required=True)
    p.add_argument("--beams", type=int, default=1, help="1 = greedy")
    p.add_argument("--length-penalty", type=float, default=1.0, help="beam score = sum log p / length ** this")
    p.add_argument("--no-repeat-ngram", type=int, default=None, help="ban repeated n-grams (default 3 with beams, "
                   "0 greedy)")
    p.add_argument("--ngram-scope", choices=["all", "new"], default="all", help="where a banned n-gram is "
                   "looked for: dialogue + summary (transformers' decoder-only rule) or the summary only")
    p.add_argument("--min-new-tokens", type=int, default=0, help="no <|endoftext|> before this many tokens")
    p.add_argument("--max-new-tokens", type=int, default=60)
    p.add_argument("--mbr", type=int, default=0, help="N > 0: minimum Bayes risk over beam search's N best "
                   "summaries (utility ROUGE-L); --beams is then ignored")
    p.add_argument("--mbr-samples", type=int, default=0, help="N > 0: minimum Bayes risk over the decoded summary + "
                   "N samples (utility ROUGE-L)")
    p.add_argument("--temperature", type=float, default=1.0, help="for --mbr-samples")
    p.add_argument("--top-p", type=float, default=None, help="for --mbr-samples")
    p.add_argument("--seed", type=int, default=0, help="for --mbr-samples")
    p.add_argument("--keep", choices=["end", "start"], default="end", help="a dialogue longer than the context "
                   "loses its start (end) or its end (start)")
    p.add_argument("--limit", type=int, default=None, help="only the first N test dialogues")
    p.add_argument("--out", default=None, help="JSON with scores and every summary (default: next to the checkpoint)")
    args = p.parse_args(argv)
    model, tok, cfg = load_gpt(args.checkpoint)
    eos = cfg.get("eos_token_id")
    test = load_dialogsum("test")[:args.limit]
    t0 = time.perf_counter()
    options = dict(beams=args.beams, max_new_tokens=args.max_new_tokens, length_penalty=args.length_penalty,
                   no_repeat_ngram_size=args.no_repeat_ngram, min_new_tokens=args.min_new_tokens,
                   ngram_scope=args.ngram_scope, mbr=args.mbr, mbr_samples=args.mbr_samples,
                   temperature=args.temperature, top_p=args.top_p, keep=args.keep)
    how = (f"MBR over {args.mbr} beams" if args.mbr else f"MBR over {args.mbr_samples} samples + 1" if args.mbr_samples
           else "greedy" if args.beams == 1 else f"{args.beams} beams")
    rng = np.random.default_rng(args.seed)
    preds = [summarize_one(model, tok, r["dialogue"], eos, rng=rng, **options)
             for r in tqdm(test, desc=f"summarizing ({how})",
                           unit="dialogue", file=sys.stdout)]
    seconds = round(time.perf_counter() - t0, 1)
    scores = rouge_report(preds, test, how)
    rows = [{"fname": r["fname"], "prediction": pred, "reference1": r["summaries"][0]} for pred, r in zip(preds, test)]
    d2 = distinct_n(preds, 2)
    print(f"distinct-2 (whitespace tokens): corpus {d2.corpus:.3f}, mean per summary {d2.sentence_mean:.3f}; "
          f"mean length {np.mean([len(x.split()) for x in preds]):.1f} words")
    result = {"checkpoint": args.checkpoint, "beams": args.beams, "decoding": options, "n": len(test),
              "seconds": seconds, **scores, "distinct2": [d2.corpus, d2.sentence_mean], "summaries": rows}
    out = args.out or os.path.join(os.path.dirname(args.checkpoint) or ".",
                                   f"test_rouge_{f'mbr{args.mbr}' if args.mbr else f'mbs{args.mbr_samples}' if args.mbr_samples else 'greedy' if args.beams == 1 else f'beam{args.beams}'}.json")
    with open(out, "w", encoding="utf-8") as f:
        json.dump(result, f, indent=1)
    for row in rows[:3]:
        print(f"--- {row['fname']}\nmodel:     {row['prediction']}\nreference: {row['reference1']}")
    print(f"wrote {out}")
    return 0


def parse_setting(spec: str) -> dict:
    """ "b4,s6,lp2,min5,max60" -> summarize_one options (b beams, n no-repeat n-gram size over dialogue +
    summary, s the same over the summary only, lp length penalty, min / max new tokens, mbrN minimum Bayes
    risk over an N-best list, mbsN MBR over that summary + N samples at temperature t (t0.7) and top-p p (p0.9));
    omitted parts keep greedy, no n-gram ban, lp 1, min 0, max 60, no MBR, t 1."""
    out = dict(beams=1, no_repeat_ngram_size=0, length_penalty=1.0, min_new_tokens=0, max_new_tokens=60,
               ngram_scope="all", mbr=0, mbr_samples=0, temperature=1.0, top_p=None, keep="end")
    keys = {"b": ("beams", int), "n": ("no_repeat_ngram_size", int), "s": ("no_repeat_ngram_size", int),
            "lp": ("length_penalty", float), "min": ("min_new_tokens", int), "max": ("max_new_tokens", int),
            "mbr": ("mbr", int), "mbs": ("mbr_samples", int), "t": ("temperature", float), "p": ("top_p", float)}
    for part in filter(None, spec.split(",")):
        if part == "head":                              # keep the dialogue's opening, drop its end
            out["keep"] = "start"
            continue
        key = part.rstrip("0123456789.-")
        if key not in keys:
            raise SystemExit(f"decoding setting {spec!r}: unknown part {part!r} (use b, n, s, lp, min, max, mbr, mbs, t, p, head: "
                             f"b4,s6,lp2 or mbr8,s6,max40)")
        if key == "s":
            out["ngram_scope"] = "new"
        name, cast = keys[key]
        out[name] = cast(part[len(key):])
    return out


DEFAULT_GRID = ["b1", "b1,n3", "b1,s4", "b1,s6", "b1,s8", "b4,s6", "b1,s6,max40", "b1,s6,max32"]   # the README's


def tune(argv) -> int:
    """Decoding settings scored on DialogSum DEV (never test): ROUGE-L vs reference 1, best first."""
    p = argparse.ArgumentParser(prog="python -m solutions.week5.summarization tune")
    p.add_argument("--checkpoint", required=True)
    p.add_argument("--settings", nargs="+", default=DEFAULT_GRID, help="e.g. b1 b4,n3,lp2,min10 (see parse_setting)")
    p.add_argument("--start", type=int, default=100,
                   help="first dev dialogue (0-99 pick the early-stopping checkpoint)")
    p.add_argument("--n", type=int, default=150, help="how many dev dialogues")
    p.add_argument("--out", default=None, help="JSON (default: dev_decoding.json next to the checkpoint)")
    args = p.parse_args(argv)
    model, tok, cfg = load_gpt(args.checkpoint)
    eos = cfg.get("eos_token_id")
    dev = load_dialogsum("dev")[args.start:args.start + args.n]
    if not dev:
        raise SystemExit(f"no dev dialogues in [{args.start}, {args.start + args.n})")
    scorer = RougeScorer(["rouge1", "rouge2", "rougeL"], use_stemmer=True)
    out = args.out or os.path.join(os.path.dirname(args.checkpoint) or ".", "dev_decoding.json")
    results = []
    for spec in args.settings:
        options = parse_setting(spec)
        t0, rng = time.perf_counter(), np.random.default_rng(0)
        preds = [summarize_one(model, tok, r["dialogue"], eos, rng=rng, **options)
                 for r in tqdm(dev, desc=spec, unit="dialogue", file=sys.stdout, mininterval=10.0)]
        s = [scorer.score(r["summaries"][0], pred) for pred, r in zip(preds, dev)]
        row = {"setting": spec, "options": options, "seconds": round(time.perf_counter() - t0, 1),
               **{k: 100 * float(np.mean([x[k].fmeasure for x in s])) for k in ("rouge1", "rouge2", "rougeL")},
               "distinct2": distinct_n(preds, 2).corpus, "words": float(np.mean([len(x.split()) for x in preds])),
               "samples": preds[:3]}
        results.append(row)
        print(f"{spec:<20} R-1 {row['rouge1']:.2f}  R-2 {row['rouge2']:.2f}  R-L {row['rougeL']:.2f}  "
              f"distinct-2 {row['distinct2']:.3f}  {row['words']:.1f} words  ({row['seconds']:.0f}s)", flush=True)
        write_json(out, {"checkpoint": args.checkpoint, "split": "dev", "start": args.start, "n": len(dev),
                         "results": sorted(results, key=lambda r: -r["rougeL"])})
    best = max(results, key=lambda r: r["rougeL"])
    print(f"best on dev: {best['setting']} (R-L {best['rougeL']:.2f}); wrote {out}")
    return 0


def average(argv) -> int:
    """Weight average of summarization checkpoints of one trajectory (checkpoints/average.py)."""
    p = argparse.ArgumentParser(prog="python -m solutions.week5.summarization average")
    p.add_argument("checkpoints", nargs="+")
    p.add_argument("--weights", type=float, nargs="+", default=None, help="one per checkpoint (default: equal)")
    p.add_argument("--out", required=True)
    args = p.parse_args(argv)
    if len(args.checkpoints) < 2:
        p.error(f"give at least 2 checkpoints to average, got {len(args.checkpoints)}")
    if args.weights is not None and len(args.weights) != len(args.checkpoints):
        p.error(f"--weights: {len(args.weights)} given for {len(args.checkpoints)} checkpoints")
    if os.path.exists(args.out):
        p.error(f"{args.out} exists: choose another --out (an earlier result is never overwritten)")
    missing = [c for c in args.checkpoints if not os.path.isfile(c)]
    if missing:
        p.error(f"no checkpoint at {missing[0]}")
    try:
        average_checkpoints(args.checkpoints, args.out, args.weights)
    except ValueError as e:                      # CheckpointError too: other models, other tensors, bad weights
        p.error(str(e))
    print(f"wrote {args.out}: the mean of {len(args.checkpoints)} checkpoints")
    return 0


def main(argv=None) -> int:
    argv = pop_impl(sys.argv[1:] if argv is None else argv)        # --impl exercises: your summarize.py
    commands = {"train": train, "evaluate": evaluate, "tune": tune, "zeroshot": zeroshot, "average": average}
    if not argv or argv[0] not in commands:
        print(__doc__.split("\n\n")[0] + "\n\nusage: python -m solutions.week5.summarization "
              "{train,evaluate,tune,zeroshot,average} ...")
        return 0 if not argv or argv[0] in ("-h", "--help") else 2
    return commands[argv[0]](argv[1:])


if __name__ == "__main__":
    sys.exit(main())
