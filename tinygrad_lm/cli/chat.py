"""`tglm chat`: talk to the course assistant in the terminal (or a local web page with --web).

    tglm chat                                   # course-assistant-8m if shipped, else course-base-8m untuned
    tglm chat --model course-base-8m --untuned  # a base model with chat tokens added (never trained to chat)
    tglm chat --message "How do I resume training?"     # one turn, then exit (scripts)
    tglm chat --web --port 8008                 # http://127.0.0.1:8008 (cli/chat_web.py)

In the terminal the reply streams as it is sampled (generation/chat.py ChatSession: KV cache kept
across turns, left-truncated history that always keeps the system prompt, stop at <|im_end|>).
    tglm chat --grounded-decoding copy          # replies copied from the retrieved passages (also --web)
Commands: /reset, /system TEXT, /temp X, /retrieval on|off, /grounded off|copy|select, /sources, /stats,
/help, /quit. --grounded-decoding copy: every reply is made of spans of the retrieved passages
(generation/copy_constrained.py); select: the passage sentence the model scores highest
(generation/span_select.py); off (default): the model's own words.
With retrieval on (the default) each reply is followed by the course files it was grounded in.
Errors (one line, exit 2): an unknown model, a checkpoint without a chat template, a message longer
than the context; an empty message or a bad command only prints a hint and the chat goes on.
Does not handle: multi-line input (one line is one message), saving a conversation.
"""
import sys

from ..generation.chat import ChatSession, load_chat_model
from ..models.pretrained import list_models
from ..retrieval.grounding import SYSTEM
from . import command
from .args import Parser, int_range, non_negative_float, non_negative_int, positive_float, positive_int, probability

CHAT_MODEL, BASE_MODEL = "course-assistant-8m", "course-base-8m"
HELP = ("/reset  forget the conversation | /system TEXT  new system prompt (resets) | /temp X  temperature "
        "(0 = greedy) | /retrieval on|off | /grounded off|copy|select | /sources  files of the last answer | /stats  cost of the last turn | "
        "/quit")


def default_model() -> tuple:
    """(name, untuned): the shipped chat model if present, else the base model with chat tokens added."""
    return (CHAT_MODEL, False) if CHAT_MODEL in list_models() else (BASE_MODEL, True)


def build_parser(prog="tglm chat"):
    p = Parser(prog=prog, description="chat with the course assistant (terminal, or --web)")
    p.add_argument("--model", default=None, help=f"shipped name or directory (default: {CHAT_MODEL} if shipped, "
                                                 f"else {BASE_MODEL} with --untuned)")
    p.add_argument("--untuned", action="store_true",
                   help="allow a model without a chat template: add <|im_start|>/<|im_end|> (mean embeddings)")
    p.add_argument("--system", default=SYSTEM, help="the system prompt")
    p.add_argument("--no-retrieval", action="store_true", help="do not ground replies in the course documents")
    p.add_argument("--k", type=positive_int, default=3, help="passages retrieved per message (BM25)")
    p.add_argument("--min-score", type=non_negative_float, default=None,
                   help="passages scoring below this are not put in the prompt (default: retrieval/course.py's "
                        "CHAT_MIN_SCORE, 9, so small talk gets no passage; 0 = always the top k)")
    p.add_argument("--temperature", type=non_negative_float, default=0.7, help="0 = greedy")
    p.add_argument("--top-k", type=positive_int, default=40)
    p.add_argument("--top-p", type=probability, default=None)
    p.add_argument("--repetition-penalty", type=positive_float, default=1.1)
    p.add_argument("--max-new-tokens", type=positive_int, default=96)
    p.add_argument("--weights", choices=["float32", "float16", "int8"], default="float32")
    p.add_argument("--seed", type=non_negative_int, default=None)
    p.add_argument("--message", default=None, help="send this one message, print the reply, exit")
    p.add_argument("--web", action="store_true", help="serve a local web page instead of the terminal chat")
    p.add_argument("--host", default="127.0.0.1", help="--web: address to bind (default localhost only)")
    p.add_argument("--port", type=int_range(0, 65535), default=8008, help="--web: port (0 = any free port)")
    p.add_argument("--grounded-decoding", choices=["off", "copy", "select"], default="off",
                   help="copy: replies made of spans of the retrieved passages; select: the best passage sentence")
    p.add_argument("--max-message-chars", type=positive_int, default=2000, help="longest accepted message")
    return p


def make_factory(args):
    """-> (new_session(), info): loads the model and the retriever once; each call makes a fresh session."""
    name, untuned = (args.model, args.untuned) if args.model else default_model()
    model, tok, info = load_chat_model(name, untuned_ok=untuned)
    retriever, min_score = None, 0.0
    if not args.no_retrieval:
        from ..retrieval.course import CHAT_MIN_SCORE, CourseBM25
        retriever = CourseBM25()
        min_score = CHAT_MIN_SCORE if getattr(args, "min_score", None) is None else args.min_score

    def new_session():
        return ChatSession(model, tok, system=args.system, retriever=retriever, k=args.k, min_score=min_score,
                           temperature=args.temperature, top_k=args.top_k, top_p=args.top_p,
                           repetition_penalty=args.repetition_penalty, max_new_tokens=args.max_new_tokens,
                           weights=args.weights, max_message_chars=args.max_message_chars, seed=args.seed,
                           grounded=getattr(args, "grounded_decoding", "off"))
    return new_session, info


def banner(info) -> str:
    note = (" -- UNTUNED: chat tokens were just added to a base model that was never trained to chat; expect "
            "nonsense" if info["untuned"] else "")
    return f"model {info['name']}{note}"


def handle_command(chat, line: str, out) -> bool:
    """Run a /command; False for /quit."""
    cmd, _, rest = line.partition(" ")
    rest = rest.strip()
    if cmd in ("/quit", "/exit"):
        return False
    if cmd == "/reset":
        chat.reset()
        out.write("(conversation forgotten)\n")
    elif cmd == "/system":
        chat.set_system(rest)
        chat.reset()
        out.write("(system prompt set; conversation reset)\n")
    elif cmd == "/temp":
        chat.set_temperature(rest)
        out.write(f"(temperature {chat.temperature})\n")
    elif cmd == "/retrieval":
        if rest not in ("on", "off"):
            raise ValueError("usage: /retrieval on|off")
        chat.set_retrieval(rest == "on")
        out.write(f"(retrieval {rest})\n")
    elif cmd == "/grounded":
        chat.set_grounded(rest)
        out.write(f"(grounded decoding {rest})\n")
    elif cmd == "/sources":
        src = chat.last.sources
        out.write("\n".join(f"  {s['path']}  ({s['id']}, BM25 {s['score']})" for s in src) + "\n" if src
                  else "(no sources: retrieval was off or found nothing)\n")
    elif cmd == "/stats":
        s = chat.last
        out.write(f"(prompt {s.prompt_tokens} tokens, fed {s.fed}, cache {'kept' if s.reused else 'refilled'}, "
                  f"{s.dropped_turns} old turns dropped, {s.new_tokens} new tokens, stop: {s.stopped}, "
                  f"{s.seconds:.2f} s)\n")
    elif cmd == "/help":
        out.write(HELP + "\n")
    else:
        raise ValueError(f"unknown command {cmd!r}: {HELP}")
    return True


def turn(chat, message: str, out) -> None:
    for piece in chat.send(message):
        out.write(piece)
        out.flush()
    out.write("\n")
    if chat.last.sources:
        out.write("  [sources: " + ", ".join(dict.fromkeys(s["path"] for s in chat.last.sources)) + "]\n")
    out.flush()


@command("tglm chat")
def main(argv) -> int:
    args = build_parser().parse_args(argv)
    if args.message is not None and args.web:
        raise ValueError("--message and --web exclude each other")
    if args.message is not None and not args.message.strip():
        raise ValueError("--message is empty: give the text to send")
    new_session, info = make_factory(args)
    if args.web:
        from .chat_web import serve
        return serve(new_session, info, args.host, args.port, max_body=8 * args.max_message_chars + 1024)
    chat, out = new_session(), sys.stdout
    if args.message is not None:
        turn(chat, args.message, out)
        return 0
    out.write(banner(info) + "\n" + HELP + "\n")
    while True:
        out.write("you> ")
        out.flush()
        line = sys.stdin.readline()
        if not line:                                     # end of input
            out.write("\n")
            return 0
        line = line.strip()
        try:
            if line.startswith("/"):
                if not handle_command(chat, line, out):
                    return 0
                continue
            if not line:
                out.write("(empty message: type something, or /help)\n")
                continue
            out.write("assistant> ")
            turn(chat, line, out)
        except ValueError as e:                          # bad command argument, message too long: keep chatting
            out.write(f"({e})\n")
