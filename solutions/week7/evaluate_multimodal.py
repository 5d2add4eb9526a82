"""Week 7 project script: evaluate saved CLIP and captioner models on the Shapes test and held-out splits.

    python -m solutions.week7.evaluate_multimodal --clip shapes-clip --captioner shapes-captioner

Prints the tables of the README (the same functions the trainers call at the end of a run:
tinygrad_lm/training/multimodal.py evaluate_clip / evaluate_captioner): retrieval R@1 / R@5 with
chance, zero-shot accuracy, binding (true caption vs the same words with two shapes' attributes
swapped; chance 0.5), and the captions' attribute accuracy.
"""
import argparse

from tinygrad_lm.models.captioner import load_model
from tinygrad_lm.training.multimodal import evaluate_captioner, evaluate_clip, print_captioner, print_clip


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--clip", nargs="*", default=[], help="CLIP models (names, directories or checkpoints)")
    p.add_argument("--captioner", nargs="*", default=[], help="captioner models")
    p.add_argument("--n", type=int, default=1000, help="images per split (captioner: half)")
    args = p.parse_args(argv)
    for name in args.clip:
        print(f"== {name}")
        print_clip({"steps": "?", "seconds": float("nan"), **evaluate_clip(load_model(name, "clip"), args.n)})
    for name in args.captioner:
        print(f"== {name}")
        print_captioner({"steps": "?", "seconds": float("nan"),
                         **evaluate_captioner(load_model(name, "captioner"), args.n // 2)})


if __name__ == "__main__":
    main()
