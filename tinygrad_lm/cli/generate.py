"""`tglm generate`: stream text from a GPT checkpoint written by `tglm train gpt`.

    tglm generate --checkpoint runs/gpt/best.safetensors --prompt "ROMEO:" --max-new-tokens 300 \
        --temperature 0.8 --top-k 40

Each token is printed as soon as it is sampled (decoding.stream with the KV cache; --weights
float32|float16 decodes with generation.Decoder instead, the fast path for GPT-2-sized models). With a BPE
tokenizer a token can end in the middle of a multi-byte character: the text is decoded from all
ids so far and only the new, complete part is printed, so the terminal never shows broken bytes.
Does not handle: batch generation, interactive chat, checkpoints of other models (char-lstm: `tglm sample`).
"""
import sys
import time

import numpy as np

from ..generation.decoding import stream_text
from ..models.pretrained import load
from ..training.lm import load_gpt
from . import command
from .args import Parser, existing_file, non_negative_float, non_negative_int, positive_float, positive_int, probability


@command("tglm generate")
def main(argv) -> int:
    p = Parser(prog="tglm generate", description="stream text from a GPT checkpoint")
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--checkpoint", type=existing_file, help="a .safetensors written by `tglm train gpt`")
    src.add_argument("--model", help="a pretrained model: shipped name (tinystories-3m), local Hugging Face "
                                      "GPT-2 (gpt2) or a directory with config.json + model.safetensors")
    p.add_argument("--prompt", default="\n")
    p.add_argument("--max-new-tokens", type=non_negative_int, default=300)
    p.add_argument("--temperature", type=non_negative_float, default=0.8, help="0 = greedy")
    p.add_argument("--top-k", type=positive_int, default=None, help="keep the k most likely tokens")
    p.add_argument("--top-p", type=probability, default=None, help="nucleus sampling, in (0, 1]")
    p.add_argument("--repetition-penalty", type=positive_float, default=1.0, help="> 0; 1 = none")
    p.add_argument("--no-cache", action="store_true", help="recompute the whole context at each step")
    p.add_argument("--weights", choices=["float32", "float16", "int8"], default=None,
                   help="decode with generation.Decoder (no autograd; float16 stores the weights in half "
                        "the bytes, int8 (per-row scales) in a quarter: ~2x / ~2-3x tokens/s on big "
                        "models). Default: the model itself")
    p.add_argument("--seed", type=non_negative_int, default=0)
    p.add_argument("--stats", action="store_true", help="print tokens/s at the end (to stderr)")
    args = p.parse_args(argv)
    stop = []
    try:
        if args.model:                            # pretrained.py: stops at <|endoftext|>, lowercase if trained so
            model, tok, info = load(args.model)
            args.prompt = args.prompt.lower() if info["lowercase"] else args.prompt
            stop = [] if info["eos_token_id"] is None else [info["eos_token_id"]]
        else:
            model, tok, _ = load_gpt(args.checkpoint)
    except (ValueError, FileNotFoundError, KeyError) as e:
        print(f"tglm generate: {e}", file=sys.stderr)
        return 2
    sampling = dict(temperature=args.temperature, top_k=args.top_k, top_p=args.top_p,
                    repetition_penalty=args.repetition_penalty, use_cache=not args.no_cache, stop_tokens=stop,
                    rng=np.random.default_rng(args.seed), weights=args.weights)
    out = sys.stdout
    out.write(args.prompt)
    out.flush()
    t0, n = time.perf_counter(), 0
    try:
        for piece in stream_text(model, tok, args.prompt, args.max_new_tokens, **sampling):
            out.write(piece.replace("<|endoftext|>", "") if stop else piece)
            out.flush()
            n += 1
    except (ValueError, KeyError) as e:
        print(f"\ntglm generate: {e}", file=sys.stderr)
        return 2
    out.write("\n")
    if args.stats:
        dt = time.perf_counter() - t0
        print(f"{args.max_new_tokens} tokens max, {n} pieces in {dt:.2f}s", file=sys.stderr)
    return 0
