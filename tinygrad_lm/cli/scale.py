"""`tglm scale gpt3-175b`: parameters, FLOPs, training compute, memory and time of a GPT size (week 5).

    tglm scale gpt3-175b                 # one model, with the time it would take on this machine
    tglm scale --all                     # every GPT-3 and GPT-2 size, one line each
    tglm scale gpt3-13b --tokens 2.6e11 --no-measure
The numbers: tinygrad_lm/models/scaling.py (Brown et al. 2020 Tables 2.1 and D.1, Kaplan et al. 2020,
Hoffmann et al. 2022, Korthikanti et al. 2022).
"""
import argparse
import sys

from ..models.scaling import PRESETS, measure_gflops, scale_report, scale_table


def main(argv) -> int:
    p = argparse.ArgumentParser(prog="tglm scale", description="what it takes to train a GPT of a given size",
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("model", nargs="?", default="gpt3-175b", help=f"one of: {', '.join(sorted(PRESETS))}")
    p.add_argument("--all", action="store_true", help="every preset, one line each")
    p.add_argument("--tokens", type=float, default=None, help="training tokens (default: the paper's, else 20 N)")
    p.add_argument("--no-measure", action="store_true", help="skip measuring this machine's GFLOP/s (~1 s)")
    args = p.parse_args(argv)
    gflops = None if args.no_measure else measure_gflops()
    if args.all:
        print(scale_table(gflops=gflops))
        return 0
    try:
        print(scale_report(args.model, tokens=args.tokens, gflops=gflops))
    except (KeyError, ValueError) as e:
        print(f"tglm scale: {e.args[0] if e.args else e}", file=sys.stderr)
        return 2
    return 0
