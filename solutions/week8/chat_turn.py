"""Week 8: a chat turn with the KV cache kept across turns, and the history cut from the left.

A conversation grows turn by turn: [system][user 1][assistant 1][user 2] ... Without a persistent
cache, turn n re-runs the whole conversation through the model before the first new token (its cost
grows with n). A decoder with a KV cache (generation/decoder.py) already holds the keys and values
of everything it has seen; if the new prompt STARTS WITH exactly those tokens, only the rest must be
fed. If it does not (the system prompt changed, or old turns were dropped to fit the context), the
cache is useless: reset it and feed the whole prompt.

The decoder here is any object with
    dec.reset()              forget the cache
    dec.forward(ids) -> (V,) feed these ids after the cached ones; logits of the next token
    dec.length               how many tokens the cache holds
(tinygrad_lm.generation.Decoder has exactly this interface.)

The context holds block_size tokens. Before a turn, the oldest (user, assistant) pairs are dropped
until the prompt plus room for the reply fits; the system prompt is never dropped (it says who the
assistant is), and a pair is dropped whole (half a turn is a conversation nobody had).
Library version: tinygrad_lm/generation/chat.py (ChatSession).
"""
import numpy as np


def chat_turn(dec, cached, prompt, max_new_tokens, stop_id):
    """Task 8.5: one greedy chat turn -> (reply ids, the ids the cache holds afterwards, tokens fed before sampling).

    TODO: cached: the list of ids the decoder's cache holds now (dec.length == len(cached)); prompt:
    the ids of the whole conversation up to and including "<|im_start|>assistant\\n". If prompt starts
    with cached (and cached is not empty), feed only prompt[len(cached):]; otherwise dec.reset() and
    feed the whole prompt. Then decode greedily (argmax): append each sampled id to the reply, stop
    after stop_id (included in the reply) or after max_new_tokens ids; feed every sampled id except
    the last one back with dec.forward([id]). Return (reply, cached_after, fed) where cached_after =
    prompt + reply[:-1] (exactly what the cache now holds) and fed = how many prompt ids were fed.

    APPROACH: n = len(cached); if n and prompt[:n] == cached: new = prompt[n:] else: dec.reset();
    new = prompt. logits = dec.forward(new). Loop: nxt = int(np.argmax(logits)); reply.append(nxt);
    if nxt == stop_id or len(reply) == max_new_tokens: break; logits = dec.forward([nxt]).

    EXAMPLE: cached = [5, 6, 7], prompt = [5, 6, 7, 8, 9]: feed [8, 9] (fed = 2); cached = [5, 6, 9]:
             not a prefix: reset, feed all five (fed = 5)

    HINT: if the prompt is not an extension of the cache and you feed the new part anyway, the model
    attends to stale keys: the reply is wrong although nothing crashes. An empty feed is an error:
    forward() needs at least one id (the prompt always ends with the assistant header, so a kept
    cache still leaves something to feed).
    """
    ### BEGIN SOLUTION
    cached, prompt = list(cached), list(prompt)
    n = len(cached)
    if n and n < len(prompt) and prompt[:n] == cached and dec.length == n:
        new = prompt[n:]
    else:
        dec.reset()
        new = prompt
    logits = dec.forward(new)
    reply = []
    while True:
        nxt = int(np.argmax(logits))
        reply.append(nxt)
        if nxt == stop_id or len(reply) >= max_new_tokens:
            break
        logits = dec.forward([nxt])
    return reply, prompt + reply[:-1], len(new)
    ### END SOLUTION


def truncate_history(system, turns, message, block_size, reserve):
    """Task 8.6: the (user, assistant) pairs to keep so that the prompt and `reserve` reply tokens fit the context.

    TODO: system, message: lists of ids (the system segment and the new user segment + assistant
    header); turns: a list of (user ids, assistant ids) pairs, oldest first. The prompt is
    system + all kept pairs + message. Drop pairs from the FRONT (oldest first), whole pairs only,
    until len(prompt) + reserve <= block_size. Return the kept pairs (a list, newest last). Raise
    ValueError if system + message + reserve alone exceed block_size (the message cannot fit: tell the
    user, never drop the system prompt).

    APPROACH: fixed = len(system) + len(message); if fixed + reserve > block_size: raise.
    kept = list(turns); while kept and fixed + sum(len(u) + len(a) for u, a in kept) + reserve > block_size:
    kept.pop(0).

    EXAMPLE: system 10 ids, pairs of 30 + 40 ids, (20, 20), message 15, block 100, reserve 20:
             10 + 70 + 40 + 15 + 20 = 155 > 100 -> drop the first pair: 10 + 40 + 15 + 20 = 85 -> keep [(20, 20)]

    HINT: dropping from the end (the newest turns) keeps the conversation's start and loses what the
    user just said; cutting tokens instead of pairs leaves a reply without its question.
    """
    ### BEGIN SOLUTION
    fixed = len(system) + len(message)
    if fixed + reserve > block_size:
        raise ValueError(f"the system prompt ({len(system)}) and the message ({len(message)}) leave fewer than "
                         f"{reserve} tokens of the {block_size}-token context for the reply")
    kept = [(list(u), list(a)) for u, a in turns]
    while kept and fixed + sum(len(u) + len(a) for u, a in kept) + reserve > block_size:
        kept.pop(0)
    return kept
    ### END SOLUTION
