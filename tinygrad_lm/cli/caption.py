"""Week 7 commands: `tglm train clip`, `tglm train captioner` (options; training/multimodal.py trains)
and `tglm caption IMAGE.png ...` (caption 32x32 8-bit RGB PNGs with a prefix captioner).

    tglm train clip --time 840                         # CLIP on the Shapes dataset -> runs/clip
    tglm train captioner --clip runs/clip/best.safetensors --time 600     # -> runs/captioner
    tglm caption data/shapes_samples/*.png             # the shipped shapes-captioner
    tglm caption --model runs/captioner/best.safetensors my.png
    tglm caption --sample 6 --seed 1 --split heldout   # generate images, caption them, compare
"""
import argparse

from ..datasets import png, shapes
from ..training.loop import prepare_out_dir
from ..training.multimodal import default_clip, train_captioner, train_clip
from . import command
from .args import (Parser, UsageError, float_range, non_negative_float, non_negative_int, output_dir,
                   positive_float, positive_int)


def _common(p, out: str, time_: float, lr: float) -> None:
    p.add_argument("--out", type=output_dir, default=out, help="directory for checkpoints, history.json, loss.svg")
    p.add_argument("--resume", default=None, help="continue from <out>/last.safetensors (same options)")
    p.add_argument("--overwrite", action="store_true", help="replace the run already in --out")
    p.add_argument("--export", default=None, help="also write the best model as DIR/config.json + model.safetensors")
    p.add_argument("--time", type=non_negative_float, default=time_, help="wall-clock budget in seconds (0 = none)")
    p.add_argument("--steps", type=non_negative_int, default=0, help="number of steps (0 = until --time)")
    p.add_argument("--batch-size", type=positive_int, default=128, help="examples per step")
    p.add_argument("--lr", type=non_negative_float, default=lr, help="peak AdamW learning rate")
    p.add_argument("--warmup", type=non_negative_int, default=50, help="steps of linear warmup")
    p.add_argument("--weight-decay", type=non_negative_float, default=0.05, help="AdamW, on matrices only")
    p.add_argument("--eval-every", type=positive_int, default=100, help="steps between validation + checkpoints")
    p.add_argument("--train-size", type=positive_int, default=20_000, help="generated training images")
    p.add_argument("--eval-size", type=positive_int, default=1000, help="test / held-out images in the final evaluation")
    p.add_argument("--seed", type=non_negative_int, default=0, help="dataset and initialisation seed")


def clip_parser():
    p = Parser(prog="tglm train clip", description="train a CLIP model (CNN image encoder + transformer text "
               "encoder) on generated Shapes images", formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    _common(p, "runs/clip", 840.0, 3e-3)
    p.add_argument("--encoder", choices=["cnn", "vit"], default="cnn", help="image encoder")
    p.add_argument("--width", type=positive_int, default=16, help="CNN channels of the first conv (then 2x)")
    p.add_argument("--embed-dim", type=positive_int, default=128, help="joint embedding size E")
    p.add_argument("--n-layer", type=positive_int, default=2, help="text (and ViT) transformer blocks")
    p.add_argument("--n-head", type=positive_int, default=4, help="attention heads")
    p.add_argument("--n-embd", type=positive_int, default=64, help="text (and ViT) channels")
    p.add_argument("--clip", type=positive_float, default=1.0, help="max global gradient norm")
    p.add_argument("--causal-text", action=argparse.BooleanOptionalAction, default=True, help="causal attention "
                   "in the text encoder, as CLIP's (--no-causal-text: every word sees the whole caption)")
    p.add_argument("--swap-negatives", type=float_range(0.0, 1.0), default=1.0, help="share of two-shape "
                   "captions that also enter as a negative with two shapes' attributes swapped (NegCLIP; 0 = off)")
    p.add_argument("--hard-negatives", type=float_range(0.0, 1.0), default=0.0, help="share of batches drawn from "
                   "images of only two colours (negatives that differ in shape, size, relation)")
    return p


def captioner_parser():
    p = Parser(prog="tglm train captioner", description="train a prefix captioner (ClipCap) on a frozen CLIP "
               "image encoder", formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    _common(p, "runs/captioner", 600.0, 1e-3)
    p.add_argument("--clip", default=None, help="CLIP checkpoint or model directory (default: "
                   "runs/clip/best.safetensors if present, else the shipped shapes-clip)")
    p.add_argument("--features", choices=["embedding", "grid"], default="embedding", help="what the prefix "
                   "is made from: the CLIP image embedding (ClipCap) or the encoder's 4x4 feature map before it")
    p.add_argument("--prefix-len", type=positive_int, default=4, help="prefix embeddings k")
    p.add_argument("--n-layer", type=positive_int, default=2, help="GPT blocks")
    p.add_argument("--n-head", type=positive_int, default=4, help="attention heads")
    p.add_argument("--n-embd", type=positive_int, default=128, help="GPT channels C")
    p.add_argument("--clip-norm", type=positive_float, default=1.0, help="max global gradient norm")
    p.add_argument("--decoder", default=None, help="a pretrained GPT (e.g. course-base-8m) as the decoder, with "
                   "its BPE tokenizer; default: a small GPT from scratch (--n-layer/--n-head/--n-embd)")
    p.add_argument("--decoder-tune", choices=["frozen", "lora", "full"], default="full", help="with --decoder: "
                   "train only the mapping (frozen), LoRA on attention, or the whole decoder")
    p.add_argument("--lora-r", type=positive_int, default=8, help="LoRA rank for --decoder-tune lora (alpha 2r)")
    return p


def _prepare(args):
    if args.steps == 0 and args.time == 0:
        raise UsageError("give a budget: --steps N or --time SECONDS (both are 0)")
    prepare_out_dir(args.out, resume=args.resume, overwrite=args.overwrite)
    return args


@command("tglm train clip")
def main_clip(argv) -> int:
    p = clip_parser()
    args = p.parse_args(argv)
    if args.n_embd % args.n_head:
        raise UsageError(f"--n-embd {args.n_embd} must be divisible by --n-head {args.n_head}")
    return train_clip(_prepare(args))


@command("tglm train captioner")
def main_captioner(argv) -> int:
    p = captioner_parser()
    args = p.parse_args(argv)
    if args.n_embd % args.n_head:
        raise UsageError(f"--n-embd {args.n_embd} must be divisible by --n-head {args.n_head}")
    if args.decoder is None and args.decoder_tune != "full":
        raise UsageError(f"--decoder-tune {args.decoder_tune} needs --decoder NAME (a pretrained GPT); the "
                         f"scratch decoder always trains fully")
    args.clip = args.clip or default_clip()
    return train_captioner(_prepare(args))


@command("tglm caption")
def main(argv) -> int:
    p = Parser(prog="tglm caption", description="caption 32x32 8-bit RGB PNG images of the Shapes world "
               "(a prefix captioner on a CLIP image encoder)", formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("images", nargs="*", help="PNG files (32x32, 8-bit RGB)")
    p.add_argument("--model", default="shapes-captioner", help="a shipped name, a directory (config.json + "
                   "model.safetensors) or a `tglm train captioner` checkpoint")
    p.add_argument("--sample", type=non_negative_int, default=0, help="instead of files: generate N images, "
                   "caption them and show the true captions")
    p.add_argument("--split", choices=sorted(shapes.SPLITS), default="test", help="for --sample")
    p.add_argument("--seed", type=non_negative_int, default=0, help="for --sample")
    p.add_argument("--save", default=None, help="for --sample: write the images as PNG files into this directory")
    args = p.parse_args(argv)
    if not args.images and not args.sample:
        raise UsageError("give PNG files, or --sample N to caption generated images")
    import os

    import numpy as np

    from ..models.captioner import load_model
    model = load_model(args.model, "captioner")
    if args.sample:
        x, truth, _ = shapes.make_batch(args.split, args.sample, args.seed)
        names = [f"{args.split}-{args.seed}-{i}.png" for i in range(args.sample)]
        if args.save:
            os.makedirs(args.save, exist_ok=True)
            for name, im in zip(names, x):
                png.write_png(os.path.join(args.save, name), im.transpose(1, 2, 0))
    else:
        imgs = []
        for path in args.images:
            im = png.read_png(path)                                         # (H, W, 3) uint8
            if im.shape[:2] != (shapes.IMAGE_SIZE, shapes.IMAGE_SIZE):
                raise ValueError(f"{path}: the captioner reads {shapes.IMAGE_SIZE}x{shapes.IMAGE_SIZE} images, "
                                 f"this one is {im.shape[1]}x{im.shape[0]}")
            imgs.append(im.transpose(2, 0, 1).astype(np.float32) / 255.0)  # (3, H, W) in [0, 1]
        x, truth, names = np.stack(imgs), None, args.images
    for i, cap in enumerate(model.caption(x)):
        print(f"{names[i]}: {cap}" + (f"   (truth: {truth[i]})" if truth else ""))
    return 0
