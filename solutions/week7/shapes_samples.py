"""Week 7 project script: a grid of Shapes images with the captions a prefix captioner gives them.

    python -m solutions.week7.shapes_samples [--model shapes-captioner] [--n 6] [--out exercises/week7]

Writes OUT/shapes_grid.png (n test images in the first row, n held-out images in the second, enlarged
4x by nearest neighbour) and prints a Markdown table: grid position, split, generated caption, true
caption, attributes right. Also writes the images as single 32x32 PNGs into OUT/shapes_samples/
(inputs for `tglm caption`). Everything is read and written with tinygrad_lm/datasets/png.py.
"""
import argparse
import os

import numpy as np

from tinygrad_lm.datasets import png, shapes
from tinygrad_lm.models.captioner import load_model


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", default="shapes-captioner")
    p.add_argument("--n", type=int, default=6, help="images per split")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--start", type=int, default=1000, help="first example index (after the evaluation's 0..999)")
    p.add_argument("--out", default="exercises/week7")
    args = p.parse_args(argv)
    model = load_model(args.model, "captioner")
    images, rows = [], []
    os.makedirs(os.path.join(args.out, "shapes_samples"), exist_ok=True)
    for split in ("test", "heldout"):
        x, truth, _ = shapes.make_batch(split, args.n, args.seed, start=args.start)
        pred = model.caption(x)
        for i, (im, t, c) in enumerate(zip(x, truth, pred)):
            name = f"{split}_{i}.png"
            png.write_png(os.path.join(args.out, "shapes_samples", name), im.transpose(1, 2, 0))
            acc = shapes.attribute_accuracy([c], [t])["attributes"]
            n_attr = len(shapes.attributes(t))
            rows.append((split, name, c, t, f"{round(acc * n_attr)}/{n_attr}"))
            images.append(im.transpose(1, 2, 0))
    grid = png.image_grid(np.stack(images), cols=args.n, scale=4, pad=3)
    png.write_png(os.path.join(args.out, "shapes_grid.png"), grid)
    print("| # | split | generated caption | true caption | attributes right |")
    print("| --- | --- | --- | --- | --- |")
    for k, (split, name, c, t, a) in enumerate(rows):
        r, col = divmod(k, args.n)
        print(f"| row {r + 1}, col {col + 1} | {split} | {c} | {t} | {a} |")
    print(f"\nwrote {os.path.join(args.out, 'shapes_grid.png')} and {len(rows)} PNGs in "
          f"{os.path.join(args.out, 'shapes_samples')}")


if __name__ == "__main__":
    main()
