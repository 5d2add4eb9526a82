"""Week 5 project, part 2a: a bidirectional encoder for extractive QA, from the course base model.

    python -m solutions.week5.encoder_mlm --minutes 12 --out runs/week5/encoder-mlm

Why not pretrain a masked LM from scratch: the machine gives a helper one shared thread for <= 25
minutes, about 2M tokens; course-base-8m already spent 77 minutes (6.8M tokens) on the same corpus.
So the encoder starts from course-base-8m's weights (same tokenizer, same 6 x 256 network) with the
causal mask REMOVED (models/mlm.py: MaskedLM is GPT with causal=False) and one new token, [MASK]
(id 8192; its embedding row starts as the mean of the others), and continues with BERT's masked-LM
objective for a few minutes so that the attention learns to use the right-hand context it has never
seen. Its MLM loss at step 0 (a causal model asked to look both ways) and at the end are both
printed: the drop is what the adaptation bought.

Data: the course base corpus (datasets/course_base.py: every evaluation text removed, SQuAD v2 dev
paragraphs among them), a random --fraction of its training documents (the time budget sees only
~2M tokens anyway); the held-out documents of the corpus give the validation loss. Before training,
the SQuAD v2 dev subset is checked against the documents actually used: exact paragraphs, and
paragraphs sharing any sentence of >= 40 characters (course_base.sentences): both counts are printed
and stored in the checkpoint config, and the run stops if either is not 0.
The checkpoint is a `tglm train mlm` one (kind "mlm"): `tglm fill-mask` and training/lm.load_mlm read it.

Legend: B batch, T tokens, V vocab (8192 + [MASK]).
"""
import argparse
import sys
import time

import numpy as np

from tinygrad_lm.datasets.course_base import SOURCES, build_corpus, sentences
from tinygrad_lm.datasets.squad import load_squad_v2_dev, paragraphs
from tinygrad_lm.models import GPTConfig, MaskedLM
from tinygrad_lm.models.pretrained import load as load_pretrained
from tinygrad_lm.random import manual_seed
from tinygrad_lm.training.lm import estimate_loss, fit_lm, masked_windows
from tinygrad_lm.training.loop import Run, prepare_out_dir
from tinygrad_lm.training.pretrain import encode_docs


def from_causal(pre) -> MaskedLM:
    """A MaskedLM with the causal GPT's weights and one extra token row ([MASK], the last id)."""
    pre.resize_token_embeddings(pre.config.vocab_size + 1)              # (V+1, C): mean row for [MASK]
    model = MaskedLM(GPTConfig(**pre.config.to_dict()))
    model.load_state_dict(pre.state_dict())
    return model


def eval_overlap(docs) -> dict:
    """SQuAD v2 dev paragraphs found in `docs`: exactly, or sharing one sentence (>= 40 chars)."""
    dev = [c for _, c in paragraphs(load_squad_v2_dev())]
    doc_set = set(docs)
    sent = set()
    for d in docs:
        sent |= sentences(d)
    return {"squad_v2_dev_paragraphs": len(dev),
            "exact_paragraph_in_corpus": sum(c in doc_set for c in dev),
            "paragraph_sharing_a_sentence": sum(bool(sentences(c) & sent) for c in dev)}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m solutions.week5.encoder_mlm", description=__doc__.split("\n\n")[0])
    p.add_argument("--model", default="course-base-8m")
    p.add_argument("--out", default="runs/week5/encoder-mlm")
    p.add_argument("--minutes", type=float, default=12.0)
    p.add_argument("--max-steps", type=int, default=100_000)
    p.add_argument("--fraction", type=float, default=0.3, help="share of the corpus's training documents used")
    p.add_argument("--batch-size", type=int, default=16)
    p.add_argument("--block-size", type=int, default=256)
    p.add_argument("--lr", type=float, default=5e-4)
    p.add_argument("--mask-prob", type=float, default=0.15)
    p.add_argument("--eval-every", type=int, default=50)
    p.add_argument("--eval-iters", type=int, default=8)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--overwrite", action="store_true")
    args = p.parse_args(argv)
    prepare_out_dir(args.out, overwrite=args.overwrite)
    manual_seed(args.seed)
    pre, tok, info = load_pretrained(args.model)
    model = from_causal(pre)
    mask_id, V = model.config.vocab_size - 1, model.config.vocab_size
    corpus = build_corpus()
    rng = np.random.default_rng(args.seed)
    train_docs = [d for s in SOURCES for d in corpus[s]["train"] if rng.random() < args.fraction]
    val_docs = [d for s in SOURCES for d in corpus[s]["val"]]
    overlap = eval_overlap(train_docs + val_docs)
    print(f"SQuAD v2 dev overlap with the {len(train_docs):,} + {len(val_docs):,} documents used: {overlap}")
    if overlap["exact_paragraph_in_corpus"] or overlap["paragraph_sharing_a_sentence"]:
        raise SystemExit("evaluation paragraphs found in the MLM corpus: refusing to train on them")
    t0 = time.perf_counter()
    train_ids, val_ids = encode_docs(tok, train_docs), encode_docs(tok, val_docs)
    print(f"encoded {len(train_ids):,} train / {len(val_ids):,} val tokens in {time.perf_counter() - t0:.0f}s")
    B, T = args.batch_size, min(args.block_size, model.config.block_size)
    batches = lambda d, r: masked_windows(d, B, T, r, mask_id, V, args.mask_prob)     # noqa: E731
    start = estimate_loss(model, {"val": val_ids}, batches, args.eval_iters)["val"]
    print(f"MLM loss of the causal weights used bidirectionally (step 0): val {start:.4f}")
    cfg = {"model": model.config.to_dict(), "tokenizer": tok.to_config(), "mask_id": mask_id, "kind": "mlm",
           "eos_token_id": info["eos_token_id"], "init": args.model, "step0_val_mlm_loss": start,
           "eval_overlap": overlap, "train": vars(args).copy()}
    opt = model.configure_optimizers(0.1, args.lr, (0.9, 0.99))
    run = Run(args.out, model, opt, cfg, title=f"MLM adaptation of {args.model}")
    elapsed = fit_lm(run, train_ids, val_ids, batch_size=B, block_size=T, max_iters=args.max_steps, lr=args.lr,
                     min_lr=args.lr / 10, warmup_iters=20, clip=1.0, eval_every=args.eval_every,
                     eval_iters=args.eval_iters, seed=args.seed, budget_s=60 * args.minutes, batches=batches)
    run.finish({"steps": run.step, "elapsed": round(elapsed, 1), "step0_val_mlm_loss": start,
                "best_val_mlm_loss": run.best, "eval_overlap": overlap, "train_tokens": int(len(train_ids))})
    print(f"done: {run.step} steps in {elapsed:.0f}s; val MLM loss {start:.4f} -> {run.best:.4f}; "
          f"{run.path('best.safetensors')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
