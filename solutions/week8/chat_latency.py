"""Week 8 project: does a chat turn cost only its new tokens? Turn 1 vs turn 10 latency, cache kept vs refilled.

    python -m solutions.week8.chat_latency                       # the default chat model (see tglm chat), 5 sessions
    python -m solutions.week8.chat_latency --model course-base-8m --untuned --sessions 5 --reply-tokens 8

Each session sends the same short message 10 times with retrieval off and greedy decoding; every
reply is exactly --reply-tokens tokens (stop tokens are switched off for the measurement, so all turns do
the same decoding work). Per turn: the wall time of send() and the number of tokens fed before sampling.
"kept": ChatSession's default, the KV cache of earlier turns is reused; "refilled": use_cache=False, the
whole conversation is run again every turn (what a chat without a persistent cache pays).
Medians over sessions; the first session of each kind is a warm-up (Numba) and is not counted.
Nothing to fill in: it runs the library (generation/chat.py); --impl is accepted for symmetry.
"""
import argparse
import statistics

from tinygrad_lm.cli.chat import default_model
from tinygrad_lm.generation.chat import ChatSession, load_chat_model
from tinygrad_lm.training.loop import write_json


def run(model, tok, use_cache, turns, reply_tokens, message):
    chat = ChatSession(model, tok, retrieval=False, temperature=0, max_new_tokens=reply_tokens,
                       reply_reserve=reply_tokens, use_cache=use_cache)
    chat.stop_ids = set()                                  # same reply length every turn
    rows = []
    for _ in range(turns):
        chat.reply(message)
        s = chat.last
        rows.append({"seconds": s.seconds, "fed": s.fed, "prompt": s.prompt_tokens, "dropped": s.dropped_turns,
                     "new": s.new_tokens})
    return rows


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--model", default=None)
    p.add_argument("--untuned", action="store_true")
    p.add_argument("--sessions", type=int, default=5)
    p.add_argument("--turns", type=int, default=10)
    p.add_argument("--reply-tokens", type=int, default=8)
    p.add_argument("--message", default="Tell me more.")
    p.add_argument("--json", default=None)
    p.add_argument("--impl", default="solutions")
    args = p.parse_args(argv)
    name, untuned = (args.model, args.untuned) if args.model else default_model()
    model, tok, info = load_chat_model(name, untuned_ok=untuned)
    out = {"model": name, "untuned": info["untuned"], "reply_tokens": args.reply_tokens}
    for kind, cache in (("kept", True), ("refilled", False)):
        runs = [run(model, tok, cache, args.turns, args.reply_tokens, args.message) for _ in range(args.sessions + 1)][1:]
        med = [statistics.median(r[t]["seconds"] for r in runs) for t in range(args.turns)]
        out[kind] = {"median_seconds": med, "fed": [runs[0][t]["fed"] for t in range(args.turns)],
                     "prompt": [runs[0][t]["prompt"] for t in range(args.turns)],
                     "dropped": [runs[0][t]["dropped"] for t in range(args.turns)]}
    print(f"model {name}{' (untuned)' if info['untuned'] else ''}, {args.reply_tokens}-token replies, "
          f"median of {args.sessions} sessions")
    print("| turn | prompt tokens | cache kept: fed / ms | refilled: fed / ms |\n| ---: | ---: | ---: | ---: |")
    for t in range(args.turns):
        k, r = out["kept"], out["refilled"]
        print(f"| {t + 1} | {k['prompt'][t]} | {k['fed'][t]} / {1000 * k['median_seconds'][t]:.1f} | "
              f"{r['fed'][t]} / {1000 * r['median_seconds'][t]:.1f} |")
    for kind in ("kept", "refilled"):
        m = out[kind]["median_seconds"]
        out[kind]["turn10_over_turn1"] = m[-1] / m[0]
        print(f"{kind}: turn {args.turns} / turn 1 = {m[-1] / m[0]:.2f}x")
    if args.json:
        write_json(args.json, out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
