"""Week 7 trainers and evaluations: CLIP on the Shapes dataset, then the prefix captioner on its frozen
image encoder (`tglm train clip`, `tglm train captioner`; both on training/loop.py's fit).

CLIP: a pool of --train-size generated training images; each step draws --batch-size of them with
DISTINCT canonical captions (two equal captions in one batch would be each other's negatives), and
minimises models/clip.py's symmetric contrastive loss. With --hard-negatives p, a share p of the
batches hold only images whose shapes use two (random) colours: in a random batch almost every wrong
caption differs in colour, so the model can get far on colour alone; these batches make it tell
shapes, sizes and relations apart (hard negatives). With --swap-negatives p (NegCLIP), a share p of
the batch's two-shape captions also enter as wrong answers with two shapes' attributes swapped
("a red circle above a blue square" -> "a blue circle above a red square"): without them CLIP learns
a bag of words (which colours, which shapes) and not which colour belongs to which shape. Validation loss: the same loss on fixed
batches of the "val" split. At the end the best checkpoint is evaluated (evaluate_clip):
  retrieval   1,000 images of a split in 10 galleries of 100 (image, caption) pairs; image->text
              R@1 = share of images whose most similar caption of the gallery is right, where
              "right" means the same canonical caption (an equal caption elsewhere in the gallery
              counts too); text->image likewise. Chance = the mean share of right items per gallery.
  zero-shot   single-shape images; 30 classes (every colour-shape pair, the held-out ones included);
              prompts "a small {colour} {shape}", "a large {colour} {shape}" ensembled; chance 1/30.
Captioner: the CLIP image embeddings of the pool are computed once (the encoder is frozen), then the
mapping MLP + GPT train on teacher-forced captions; the end evaluation captions 500 test and 500
held-out images greedily and scores datasets/shapes.attribute_accuracy (size, colour, shape of each
shape and the relation, compared in canonical form).
Both write result.json and print the numbers; --export DIR writes a directory `tglm caption --model`
and models.captioner.load_model read.
Does not handle: data augmentation, several processes, resuming with changed settings.
"""
import math
import os
import time

import numpy as np

from ..datasets import shapes
from ..models.captioner import PrefixCaptioner, load_model
from ..models.clip import CLIP, clip_loss, export, recall_at_k, zero_shot_classify
from ..optim import AdamW, cosine_warmup_lr, weight_decay_groups
from ..random import manual_seed
from ..tensor import no_grad
from .loop import Run, fit

VIRTUAL_STEPS = 10_000                     # the cosine schedule runs on progress in [0, 1] (time or steps)


def distinct_batch(canon: list, batch_size: int, rng) -> np.ndarray:
    """Indices of up to batch_size examples with pairwise different canonical captions, in random order."""
    seen, out = set(), []
    for i in rng.permutation(len(canon)):
        if canon[i] not in seen:
            seen.add(canon[i])
            out.append(i)
            if len(out) == batch_size:
                break
    return np.array(out)


def colour_groups(infos) -> dict:
    """{frozenset of colours: example indices} of the images whose shapes use exactly those colours."""
    groups = {}
    for i, inf in enumerate(infos):
        groups.setdefault(frozenset(o["colour"] for o in inf["objects"]), []).append(i)
    return groups


def hard_batch(canon: list, infos_groups: dict, batch_size: int, rng) -> np.ndarray:
    """A batch of distinct captions whose shapes use only two colours (picked at random): the captions
    then differ in shape, size and relation, the cues a random batch rarely has to tell apart."""
    colours = list(shapes.COLOUR_NAMES)
    two = set(rng.choice(len(colours), 2, replace=False).tolist())
    keep = [i for key, idx in infos_groups.items() if {colours.index(c) for c in key} <= two for i in idx]
    sub = distinct_batch([canon[i] for i in keep], batch_size, rng)
    return np.asarray(keep)[sub]


def _progress(args):
    def progress(step, seconds):
        parts = ([step / args.steps] if args.steps else []) + ([seconds / args.time] if args.time else [])
        return max(parts) if parts else 0.0
    return progress


def _lr(args):
    return lambda step, p: cosine_warmup_lr(step, args.lr, args.warmup, 10 ** 9, args.lr / 10,
                                            progress=p if step >= args.warmup else None)


def _pool(split: str, n: int, seed: int, what: str):
    t = time.perf_counter()
    x, caps, infos = shapes.make_batch(split, n, seed)
    print(f"{what}: {n:,} {split} images generated in {time.perf_counter() - t:.1f}s")
    return x, caps, infos


# ---- CLIP ---------------------------------------------------------------------------------------------

def train_clip(args) -> int:
    manual_seed(args.seed)
    cfg = {"kind": "clip", "clip": dict(vocab_size=len(shapes.VOCAB), max_len=shapes.MAX_LEN,
                                        embed_dim=args.embed_dim, encoder=args.encoder, cnn_width=args.width,
                                        n_layer=args.n_layer, n_head=args.n_head, n_embd=args.n_embd,
                                        eos_id=shapes.EOS, text_causal=args.causal_text)}
    cfg["train"] = {k: v for k, v in vars(args).items() if not callable(v)}
    model = CLIP(**cfg["clip"])
    opt = AdamW(weight_decay_groups(model, args.weight_decay), lr=args.lr, betas=(0.9, 0.98), eps=1e-6)
    run = Run(args.out, model, opt, cfg, title=f"CLIP ({args.encoder}) on Shapes", save_best_optimizer=False)
    if args.resume:
        run.resume(args.resume)
        print(f"resumed {args.resume}: step {run.step}, best val {run.best:.4f}")
    x, caps, infos = _pool("train", args.train_size, args.seed, "CLIP")
    groups = colour_groups(infos)
    ids = shapes.encode_batch(caps)
    canon = [shapes.canonical(c) for c in caps]
    vx, vcaps, _ = shapes.make_batch("val", max(4 * args.batch_size, 200), args.seed)
    vids, vcanon = shapes.encode_batch(vcaps), [shapes.canonical(c) for c in vcaps]
    val_batches = [distinct_batch(vcanon, args.batch_size, np.random.default_rng([args.seed, 99, k])) for k in range(2)]
    print(f"CLIP: {model.num_parameters():,} parameters ({args.encoder} image encoder), batch {args.batch_size}, "
          f"budget {args.time:.0f}s / {args.steps} steps")

    def next_loss():
        rng = np.random.default_rng([args.seed, 7, run.step])
        if rng.random() < args.hard_negatives:
            idx = hard_batch(canon, groups, args.batch_size, rng)
        else:
            idx = distinct_batch(canon, args.batch_size, rng)
        neg = None
        if args.swap_negatives:
            negs = [shapes.swapped(caps[i], rng) for i in idx if rng.random() < args.swap_negatives]
            neg = shapes.encode_batch([n for n in negs if n])
        _, loss = model(x[idx], ids[idx], neg)
        return loss, len(idx)

    @no_grad()
    def evaluate():
        model.eval()
        losses = [model(vx[b], vids[b])[1].item() for b in val_batches]
        model.train()
        return {"val": float(np.mean(losses))}

    def on_eval(run, write):
        model.eval()
        r = retrieval(model, vx[:200], vcaps[:200], gallery=100)
        model.train()
        write(f"        val image->text R@1 {r['i2t_r1']:.3f} (chance {r['chance']:.3f}), scale "
              f"{float(model.scale().item()):.1f}")

    elapsed = fit(run, next_loss=next_loss, lr_at=_lr(args), progress=_progress(args), evaluate=evaluate,
                  eval_every=args.eval_every, clip=args.clip, total_steps=args.steps or None, on_eval=on_eval,
                  unit="img")
    best = load_model(run.best_checkpoint(), "clip")
    result = {"steps": run.step, "seconds": round(elapsed, 1), "best_val_loss": run.best,
              "parameters": model.num_parameters(), **evaluate_clip(best, args.eval_size, args.seed)}
    run.finish(result)
    print_clip(result)
    if args.export:
        export(best, "clip", args.export, {"result": result})
        print(f"exported to {args.export}")
    return 0


def retrieval(model, images, captions, gallery: int = 100) -> dict:
    """Image->text and text->image R@1 / R@5 over consecutive galleries of `gallery` pairs."""
    I = model.embed_images(images)                                    # (N, E)
    T = model.embed_texts(shapes.encode_batch(captions))              # (N, E)
    canon = np.array([shapes.canonical(c) for c in captions])
    out = {"i2t_r1": [], "i2t_r5": [], "t2i_r1": [], "t2i_r5": [], "chance": []}
    for s in range(0, len(images) - gallery + 1, gallery):
        sl = slice(s, s + gallery)
        sim = I[sl] @ T[sl].T                                         # (G, G) image i vs caption j
        rel = canon[sl][:, None] == canon[sl][None, :]                # (G, G) same scene description
        out["i2t_r1"].append(recall_at_k(sim, rel, 1))
        out["i2t_r5"].append(recall_at_k(sim, rel, 5))
        out["t2i_r1"].append(recall_at_k(sim.T, rel.T, 1))
        out["t2i_r5"].append(recall_at_k(sim.T, rel.T, 5))
        out["chance"].append(float(rel.mean()))
    return {k: float(np.mean(v)) for k, v in out.items()}


def zero_shot(model, images, infos) -> dict:
    """30-way colour-shape classification of single-shape images by text prompts."""
    classes = [(c, s) for c in shapes.COLOUR_NAMES for s in shapes.SHAPES]
    prompts = [[f"a {size} {c} {s}" for size in shapes.SIZES] for c, s in classes]
    P = model.embed_texts(shapes.encode_batch([p for ps in prompts for p in ps]))
    P = P.reshape(len(classes), len(shapes.SIZES), -1)                # (K, prompts, E)
    single = [i for i, inf in enumerate(infos) if len(inf["objects"]) == 1]
    truth = np.array([classes.index((infos[i]["objects"][0]["colour"], infos[i]["objects"][0]["shape"]))
                      for i in single])
    pred = zero_shot_classify(model.embed_images(images[single]), P)
    return {"zero_shot_acc": float((pred == truth).mean()), "zero_shot_n": len(single),
            "zero_shot_chance": 1 / len(classes)}


def binding(model, images, captions, seed: int = 0) -> dict:
    """Two-shape images: share where the true caption is more similar than a swapped one (chance 0.5)."""
    rng = np.random.default_rng([seed, 11])
    pairs = [(i, shapes.swapped(c, rng)) for i, c in enumerate(captions)]
    pairs = [(i, n) for i, n in pairs if n]
    if not pairs:
        return {"binding": float("nan"), "binding_n": 0}
    I = model.embed_images(images[[i for i, _ in pairs]])
    T = model.embed_texts(shapes.encode_batch([captions[i] for i, _ in pairs]))
    N = model.embed_texts(shapes.encode_batch([n for _, n in pairs]))
    return {"binding": float(((I * T).sum(1) > (I * N).sum(1)).mean()), "binding_n": len(pairs)}


def evaluate_clip(model, n: int = 1000, seed: int = 0) -> dict:
    out = {}
    for split in ("test", "heldout"):
        x, caps, infos = shapes.make_batch(split, n, seed)
        out[split] = {**retrieval(model, x, caps), **zero_shot(model, x, infos), **binding(model, x, caps, seed),
                      "images": n}
    return out


def print_clip(result: dict) -> None:
    print(f"CLIP after {result['steps']} steps ({result['seconds']:.0f}s):")
    print("split    | i->t R@1 | i->t R@5 | t->i R@1 | chance R@1 | zero-shot acc (chance) | binding (chance 0.5)")
    for split in ("test", "heldout"):
        r = result[split]
        print(f"{split:8s} | {r['i2t_r1']:.3f}    | {r['i2t_r5']:.3f}    | {r['t2i_r1']:.3f}    | {r['chance']:.3f}      "
              f"| {r['zero_shot_acc']:.3f} of {r['zero_shot_n']} ({r['zero_shot_chance']:.3f}) | {r['binding']:.3f} "
              f"of {r['binding_n']}")


# ---- captioner ------------------------------------------------------------------------------------------

def train_captioner(args) -> int:
    manual_seed(args.seed)
    clip = load_model(args.clip, "clip")
    if clip.settings["encoder"] != "cnn":
        raise ValueError(f"--clip {args.clip}: the captioner reuses a CNN image encoder, this CLIP has "
                         f"{clip.settings['encoder']!r}")
    settings = dict(vocab_size=len(shapes.VOCAB), max_len=shapes.MAX_LEN, embed_dim=clip.settings["embed_dim"],
                    prefix_len=args.prefix_len, n_layer=args.n_layer, n_head=args.n_head, n_embd=args.n_embd,
                    pad_id=shapes.PAD, bos_id=shapes.BOS, eos_id=shapes.EOS, cnn_width=clip.settings["cnn_width"],
                    features=args.features, decoder=args.decoder, decoder_tune=args.decoder_tune, lora_r=args.lora_r)
    cfg = {"kind": "captioner", "captioner": settings, "clip_from": str(args.clip),
           "train": {k: v for k, v in vars(args).items() if not callable(v)}}
    model = PrefixCaptioner(**settings)
    cfg["captioner"] = settings = model.settings                     # a pretrained decoder fixes V, C, ids
    model.visual.load_state_dict(clip.visual.state_dict())           # CLIP's encoder, frozen
    opt = AdamW(weight_decay_groups(model, args.weight_decay), lr=args.lr, betas=(0.9, 0.98))
    run = Run(args.out, model, opt, cfg, title="prefix captioner on Shapes", save_best_optimizer=False)
    if args.resume:
        run.resume(args.resume)
        print(f"resumed {args.resume}: step {run.step}, best val {run.best:.4f}")
    x, caps, _ = _pool("train", args.train_size, args.seed, "captioner")
    t = time.perf_counter()
    emb, ids = model.embed_images(x), model.encode_captions(caps)      # (N, E) once: the encoder is frozen
    del x
    vx, vcaps, _ = shapes.make_batch("val", 512, args.seed)
    vemb, vids = model.embed_images(vx), model.encode_captions(vcaps)
    trainable = sum(p.size for p in model.parameters() if p.requires_grad)
    gpt = "GPT" if args.decoder is None else f"{args.decoder} ({args.decoder_tune})"
    print(f"captioner: image features in {time.perf_counter() - t:.0f}s; {trainable:,} trainable parameters "
          f"(mapping + {gpt}), {model.num_parameters() - trainable:,} frozen (CLIP encoder"
          f"{'' if args.decoder is None or args.decoder_tune == 'full' else ' + decoder'}), prefix k={args.prefix_len}")

    def next_loss():
        idx = np.random.default_rng([args.seed, 8, run.step]).integers(0, len(ids), args.batch_size)
        _, loss = model(emb[idx], ids[idx])
        return loss, args.batch_size

    @no_grad()
    def evaluate():
        model.eval()
        loss = np.mean([model(vemb[s:s + 256], vids[s:s + 256])[1].item() for s in range(0, len(vids), 256)])
        model.train()
        return {"val": float(loss)}

    def on_eval(run, write):
        model.eval()
        pred = [model.decode_ids(r) for r in model.generate(vemb[:100])]
        model.train()
        acc = shapes.attribute_accuracy(pred, vcaps[:100])
        write(f"        val attributes {acc['attributes']:.3f}, exact {acc['exact']:.3f}; e.g. {pred[0]!r} "
              f"for {vcaps[0]!r}")

    elapsed = fit(run, next_loss=next_loss, lr_at=_lr(args), progress=_progress(args), evaluate=evaluate,
                  eval_every=args.eval_every, clip=args.clip_norm, total_steps=args.steps or None, on_eval=on_eval,
                  unit="cap")
    best = load_model(run.best_checkpoint(), "captioner")
    result = {"steps": run.step, "seconds": round(elapsed, 1), "best_val_loss": run.best,
              "trainable_parameters": int(trainable), **evaluate_captioner(best, args.eval_size, args.seed)}
    run.finish(result)
    print_captioner(result)
    if args.export:
        export(best, "captioner", args.export, {"clip_from": str(args.clip), "result": result})
        print(f"exported to {args.export}")
    return 0


def evaluate_captioner(model, n: int = 500, seed: int = 0) -> dict:
    out = {}
    for split in ("test", "heldout"):
        x, caps, _ = shapes.make_batch(split, n, seed)
        pred = model.caption(x)
        out[split] = {**shapes.attribute_accuracy(pred, caps), "images": n,
                      "samples": [[p, c] for p, c in zip(pred[:8], caps[:8])]}
    return out


def print_captioner(result: dict) -> None:
    print(f"captioner after {result['steps']} steps ({result['seconds']:.0f}s):")
    print("split    | attributes | size  | colour | shape | relation | exact | grammatical")
    for split in ("test", "heldout"):
        r = result[split]
        print(f"{split:8s} | {r['attributes']:.3f}      | {r['size']:.3f} | {r['colour']:.3f}  | {r['shape']:.3f} | "
              f"{r.get('relation', math.nan):.3f}    | {r['exact']:.3f} | {r['grammatical']:.3f}")
        for p, c in r["samples"][:3]:
            print(f"    {p!r:55s} (truth {c!r})")


def default_clip() -> str:
    """The CLIP a captioner starts from when --clip is not given: runs/clip's best, else the shipped one."""
    return "runs/clip/best.safetensors" if os.path.exists("runs/clip/best.safetensors") else "shapes-clip"
