"""Week 8: a real session with the course assistant on fixed user turns, printed as a transcript.

Run:  python -m solutions.week8.transcript                         # the shipped course-assistant-8m
      python -m solutions.week8.transcript --model runs/sft/full/export --no-retrieval

One conversation, user turns fixed below: small talk, course questions (with retrieval, each user turn
retrieves the BM25 top-1 course passage into the system message, as `tglm chat` does, unless its score is below
CHAT_MIN_SCORE (small talk: no passage), and the source file is shown), an instruction. Greedy decoding with
repetition penalty 1.2, at most 64 new tokens, stop at <|im_end|>.
History: the oldest user/assistant pairs are dropped to keep the prompt within 190 tokens (the system message
always stays). Deterministic: the same model gives the same transcript.
"""
import argparse

from tinygrad_lm.datasets.chat_sft import SYSTEM, grounded_system_fit
from tinygrad_lm.generation.decoder import Decoder
from tinygrad_lm.generation.decoding import stream
from tinygrad_lm.retrieval.course import CHAT_MIN_SCORE, CourseBM25
from tinygrad_lm.tokenizers.chat import IM_END, IM_START, render_conversation
from tinygrad_lm.training.sft import chat_model

from .evaluate import MAX_PROMPT, _fit_prompt

TURNS = ["Hi! How are you today?",
         "What are the runtime dependencies of tinygrad_lm?",
         "How do I resume a training run?",
         "What is LoRA?",
         "Give me three tips for studying.",
         "Thanks, bye!"]


def session(model_path, turns=TURNS, retrieval=True, max_new=64, min_score=CHAT_MIN_SCORE):
    model, tok, _ = chat_model(model_path)
    dec = Decoder(model)
    search, how = (None, "off")
    if retrieval:                                          # as tglm chat: top-1, none below min_score
        r = CourseBM25()
        search = lambda q: [(c.path, c.text) for c, sc in r.search(q, 1) if sc >= min_score]   # noqa: E731
        how = f"CourseBM25 (retrieval/course.py) top-1, none below a score of {min_score:g}"
    stops = [tok.special_tokens[t] for t in (IM_END, IM_START, "<|endoftext|>") if t in tok.special_tokens]
    history, lines = [], [f"model: {model_path}; retrieval: {how if search else 'off'}", ""]
    for text in turns:
        user = {"role": "user", "content": text}
        system, sources = SYSTEM, (search(text) if search else [])
        if sources:                                        # none: small talk (or retrieval off)
            room = MAX_PROMPT - len(render_conversation(tok, [user], add_generation_prompt=True)[0]) - 2
            system = grounded_system_fit(sources, lambda s: len(tok.encode_ordinary(s)), room)
        msgs = _fit_prompt(tok, [{"role": "system", "content": system}] + history + [user])
        ids, _ = render_conversation(tok, msgs, add_generation_prompt=True)
        out = [t for t in stream(dec, ids, max_new_tokens=max_new, temperature=0.0, repetition_penalty=1.2,
                                 stop_tokens=stops) if t not in stops]
        reply = tok.decode(out).strip()
        lines.append(f"you> {text}")
        lines.append(f"assistant> {reply}")
        if search and "Sources:" in system:
            lines.append(f"   [source: {sources[0][0]}]")
        lines.append("")
        history += [user, {"role": "assistant", "content": reply}]
    return "\n".join(lines)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", default="data/pretrained/course-assistant-8m")
    ap.add_argument("--no-retrieval", action="store_true")
    ap.add_argument("--min-score", type=float, default=CHAT_MIN_SCORE, help="no passage below this BM25 score "
                    "(default: tglm chat's, retrieval/course.py CHAT_MIN_SCORE; 0 = always the top-1)")
    args = ap.parse_args(argv)
    print(session(args.model, retrieval=not args.no_retrieval, min_score=args.min_score))


if __name__ == "__main__":
    main()
