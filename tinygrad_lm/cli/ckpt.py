"""`tglm ckpt FILE [FILE...]`: what a safetensors file or training checkpoint holds (validates it)."""
import numpy as np

from ..checkpoints.safetensors import CheckpointError, describe, load_metadata
from . import command
from .args import Parser


@command("tglm ckpt")
def main(argv) -> int:
    """`tglm ckpt FILE [FILE...]`: show what a checkpoint / safetensors file holds (exit 1 if one is invalid)."""
    ap = Parser(prog="tglm ckpt", description="Show the metadata and tensors of a "
                                 "safetensors file or tinygrad_lm training checkpoint (validates the file).")
    ap.add_argument("files", nargs="+")
    ap.add_argument("--all", action="store_true", help="list every tensor (default: first 40)")
    args = ap.parse_args(argv)
    code = 0
    for path in args.files:
        try:
            meta, tensors = load_metadata(path), describe(path)
        except (OSError, CheckpointError) as e:
            print(f"{path}: ERROR: {e}")
            code = 1
            continue
        n_model = sum(int(np.prod(s)) for k, (_, s) in tensors.items() if k.startswith("model."))
        note = f", model has {n_model:,} values" if n_model else ""
        print(f"{path}: {len(tensors)} tensors{note}")
        for k, v in meta.items():
            print(f"  meta {k} = {v if len(v) <= 200 else v[:200] + '...'}")
        for i, (name, (dtype, shape)) in enumerate(sorted(tensors.items())):
            if i == 40 and not args.all:
                print(f"  ... {len(tensors) - 40} more (--all)")
                break
            print(f"  {name:<40} {dtype:<5} {list(shape)}")
    return code
