"""`tglm demo` (= `python -m tinygrad_lm demo`): a real job on shipped data, in about a minute.

Trains a small character-level GPT on tiny Shakespeare (data/tiny_shakespeare/input.txt) with a
progress bar, reports the validation loss, and writes a sample of generated text. It is the
`tiny` preset of `tglm train gpt`; the full course-sized runs are in exercises/week4/README.md.
"""
import os
import sys


def _find_data():
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))      # the repository root
    for root in (os.getcwd(), here):
        path = os.path.join(root, "data", "tiny_shakespeare", "input.txt")
        if os.path.exists(path):
            return path
    return None


def main(argv) -> int:
    if argv and argv[0] in ("-h", "--help"):
        print(__doc__)
        return 0
    data = _find_data()
    if data is None:
        print("tglm demo: data/tiny_shakespeare/input.txt not found; run from a clone of the repository",
              file=sys.stderr)
        return 2
    from .train_gpt import main as train_main
    print("tinygrad_lm demo: training a small GPT on tiny Shakespeare (2 layers, 64 channels, 600 steps)\n")
    return train_main(["--preset", "tiny", "--data", data, "--out", os.path.join("runs", "demo"),
                       "--max-iters", "600", "--lr-decay-iters", "600", "--eval-every", "200",
                       "--sample-prompt", "ROMEO:", "--sample-tokens", "300", *argv])
