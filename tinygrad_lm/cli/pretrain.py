"""`tglm pretrain`: pretrain a GPT from a JSON config, export it, or evaluate a pretrained model.

    tglm pretrain                                   # tinygrad_lm/configs/pretrain_stories.json, ~50 min
    tglm pretrain --budget-min 3 --out runs/pretrain_quick          # a 3-minute version of the same run
    tglm pretrain --export runs/pretrain/best.safetensors           # -> data/pretrained/<name>/
    tglm pretrain --evaluate tinystories-3m                         # held-out perplexity + samples
The recipe: training/pretrain.py. A non-empty --out is refused unless --resume continues the run in it or
--overwrite replaces it; --resume alone continues with the run's recorded config (--config, --budget-min and
--max-iters given again change it; a --config with another model or tokenizer is refused).
"""
import json
import os

from ..training.loop import prepare_out_dir
from ..training.pretrain import DEFAULT_CONFIG, check_config, evaluate_model, export, pretrain
from ..training.resume import read_resume
from . import command
from .args import Parser, UsageError, existing_file, explicit_dests, output_dir, positive_float, positive_int, text_file


def _load_config(path: str) -> dict:
    with open(path, encoding="utf-8") as f:
        try:
            cfg = json.load(f)
        except json.JSONDecodeError as e:
            raise ValueError(f"--config {path}: not valid JSON ({e})") from None
    return check_config(cfg, f"--config {path}")


@command("tglm pretrain")
def main(argv) -> int:
    p = Parser(prog="tglm pretrain", description="pretrain a GPT from a JSON config (corpus + byte-level BPE + GPT)")
    p.add_argument("--config", type=text_file, default=DEFAULT_CONFIG, help="JSON config (default: %(default)s)")
    p.add_argument("--out", type=output_dir, default="runs/pretrain")
    p.add_argument("--overwrite", action="store_true", help="replace the run already in --out")
    p.add_argument("--budget-min", type=positive_float, default=None, help="override the wall-clock budget (minutes)")
    p.add_argument("--max-iters", type=positive_int, default=None, help="override the step limit")
    p.add_argument("--resume", type=existing_file, default=None,
                   help="continue from a last.safetensors (with the run's recorded config)")
    p.add_argument("--export", type=existing_file, default=None, metavar="CHECKPOINT",
                   help="do not train: export this checkpoint to data/pretrained/<name>/")
    p.add_argument("--name", default=None, help="model name for --export (default: the config's name)")
    p.add_argument("--dest", type=output_dir, default=None, help="directory for --export (default: data/pretrained)")
    p.add_argument("--evaluate", default=None, metavar="MODEL",
                   help="do not train: held-out loss / perplexity and samples of a pretrained model")
    args = p.parse_args(argv)
    typed = explicit_dests(p, argv)
    cfg = _load_config(args.config)
    if args.evaluate:
        evaluate_model(args.evaluate, cfg)
        return 0
    if args.export:
        dest = export(args.export, args.name or cfg["name"], args.dest)
        print(f"exported {args.export} -> {dest}")
        return 0
    if args.resume:
        recorded = read_resume(args.resume, "pretrain")["config"]["pretrain"]
        if "config" not in typed:
            cfg = recorded                                    # the run's own config, not the default file's
        elif any(cfg[k] != recorded.get(k) for k in ("model", "tokenizer")):
            raise UsageError(f"--config {args.config}: its model or tokenizer differs from the run in "
                             f"{args.resume}; leave --config out to continue that run, or start a new one")
        if "out" not in typed:
            args.out = os.path.dirname(args.resume) or "."
    if args.budget_min is not None:
        cfg["train"]["budget_min"] = args.budget_min
    if args.max_iters is not None:
        cfg["train"]["max_iters"] = args.max_iters
    prepare_out_dir(args.out, resume=args.resume, overwrite=args.overwrite)
    return pretrain(cfg, args.out, args.resume)
