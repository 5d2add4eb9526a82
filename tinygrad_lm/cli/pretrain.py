"""`tglm pretrain`: pretrain a GPT from a JSON config, export it, or evaluate a pretrained model.

    tglm pretrain                                   # tinygrad_lm/configs/pretrain_stories.json, ~50 min
    tglm pretrain --budget-min 3 --out runs/pretrain_quick          # a 3-minute version of the same run
    tglm pretrain --export runs/pretrain/best.safetensors           # -> data/pretrained/<name>/
    tglm pretrain --evaluate tinystories-3m                         # held-out perplexity + samples
The recipe: training/pretrain.py.
"""
import argparse
import json

from ..training.pretrain import DEFAULT_CONFIG, evaluate_model, export, pretrain


def main(argv) -> int:
    p = argparse.ArgumentParser(prog="tglm pretrain", description="pretrain a GPT from a JSON config (corpus + byte-level BPE + GPT)")
    p.add_argument("--config", default=DEFAULT_CONFIG, help="JSON config (default: %(default)s)")
    p.add_argument("--out", default="runs/pretrain")
    p.add_argument("--budget-min", type=float, default=None, help="override the wall-clock budget (minutes)")
    p.add_argument("--max-iters", type=int, default=None, help="override the step limit")
    p.add_argument("--resume", default=None, help="continue from a last.safetensors")
    p.add_argument("--export", default=None, metavar="CHECKPOINT",
                   help="do not train: export this checkpoint to data/pretrained/<name>/")
    p.add_argument("--name", default=None, help="model name for --export (default: the config's name)")
    p.add_argument("--dest", default=None, help="directory for --export (default: data/pretrained)")
    p.add_argument("--evaluate", default=None, metavar="MODEL",
                   help="do not train: held-out loss / perplexity and samples of a pretrained model")
    args = p.parse_args(argv)
    cfg = json.load(open(args.config, encoding="utf-8"))
    if args.evaluate:
        evaluate_model(args.evaluate, cfg)
        return 0
    if args.export:
        dest = export(args.export, args.name or cfg["name"], args.dest)
        print(f"exported {args.export} -> {dest}")
        return 0
    if args.budget_min is not None:
        cfg["train"]["budget_min"] = args.budget_min
    if args.max_iters is not None:
        cfg["train"]["max_iters"] = args.max_iters
    return pretrain(cfg, args.out, args.resume)
