"""Week 8 autograder: a chat turn with the KV cache kept across turns (task 8.5) and left-truncated history (task 8.6).

The decoder is a fake with the Decoder interface: its next-token logits depend on EVERYTHING fed since the
last reset, so feeding a prompt twice, or feeding after stale keys, changes the reply (as a real model would)."""
import numpy as np
import pytest

from tinygrad_lm.course import assert_equal, load

mod = load("week8.chat_turn")
V, STOP = 23, 0


class FakeDecoder:
    def __init__(self, block=200):
        self.block, self.ctx, self.fed = block, [], []

    @property
    def length(self):
        return len(self.ctx)

    def reset(self):
        self.ctx = []

    def forward(self, ids):
        ids = [int(i) for i in ids]
        if not ids:
            raise ValueError("Decoder.forward: no token ids given")
        if len(self.ctx) + len(ids) > self.block:
            raise ValueError("the cache is full")
        self.ctx += ids
        self.fed.append(len(ids))
        h = sum((i + 1) * (t + 3) for i, t in enumerate(self.ctx)) % V     # depends on the whole context
        logits = np.zeros(V)
        logits[h] = 1.0
        return logits


def truth(prompt, max_new, stop=STOP):
    """The reply a fresh decoder gives when fed the whole prompt."""
    d = FakeDecoder()
    logits, out = d.forward(prompt), []
    while True:
        out.append(int(np.argmax(logits)))
        if out[-1] == stop or len(out) >= max_new:
            return out
        logits = d.forward([out[-1]])


def _turn_screen():
    """The typical chat_turn mistakes, checked by every 8.5 test (one mistake loses the whole task)."""
    dec = FakeDecoder()
    reply, cached, fed = mod.chat_turn(dec, [], [5, 6, 7, 8], 3, stop_id=-1)
    if len(list(cached)) == 4 + len(reply):
        pytest.fail("cached_after includes the last sampled id, which was never fed: cached_after = prompt + reply[:-1]")
    prompt = list(cached) + [reply[-1], 1, 9, 2]
    r2, c2, fed2 = mod.chat_turn(dec, list(cached), prompt, 3, stop_id=-1)
    if fed2 == len(prompt):
        pytest.fail("chat_turn fed the whole prompt although the cache held its start: a kept cache means a turn "
                    "costs only its new tokens (prompt[len(cached):])")
    dec2 = FakeDecoder()
    _, c3, _ = mod.chat_turn(dec2, [], [5, 6, 7, 8], 3, stop_id=-1)
    try:
        r4, _, fed4 = mod.chat_turn(dec2, list(c3), [4, 6, 7, 8, 1], 3, stop_id=-1)
    except ValueError as e:
        pytest.fail(f"chat_turn raised {e!r} when the prompt did not start with the cached ids: then dec.reset() and "
                    "feed the whole prompt (never prompt[len(cached):])")
    if fed4 != 5 or [int(t) for t in r4] != truth([4, 6, 7, 8, 1], 3, stop=-1):
        pytest.fail("when the prompt does not start with the cached ids (the system prompt changed), dec.reset() "
                    "and feed the whole prompt; otherwise the model attends to stale keys")


@pytest.mark.task("8.5", points=3, title="chat_turn: a turn feeds only its new tokens")
def test_kept_cache_feeds_only_the_new_tokens():
    _turn_screen()
    dec, cached = FakeDecoder(), []
    convo = [5, 6, 7]
    for turn in range(4):
        prompt = convo + [9, 10 + turn, 11]                               # the new user message + header
        reply, cached_after, fed = mod.chat_turn(dec, cached, prompt, 6, STOP)
        reply = [int(t) for t in reply]
        want = truth(prompt, 6)
        if turn and fed == len(prompt):
            pytest.fail(f"turn {turn + 1}: chat_turn fed the whole prompt ({fed} ids) although the cache held its "
                        f"first {len(cached)}: feed only prompt[len(cached):]")
        if reply != want and turn and dec.length > len(prompt) + len(reply):
            pytest.fail("the reply differs from a fresh decoder's: the prompt was fed again after the cached ids "
                        "(without dec.reset()), so the model saw the conversation twice")
        assert_equal(reply, want, name=f"turn {turn + 1}: the greedy reply",
                     hint="stop after stop_id (included) or max_new_tokens; feed each sampled id but the last")
        assert_equal(int(fed), len(prompt) - len(cached), name=f"turn {turn + 1}: tokens fed")
        assert_equal(list(cached_after), prompt + reply[:-1], name=f"turn {turn + 1}: the ids the cache holds",
                     hint="the last sampled id was never fed: cached_after = prompt + reply[:-1]")
        assert dec.length == len(cached_after), "cached_after must be exactly what the decoder holds"
        cached = list(cached_after)
        convo = prompt + reply + ([STOP] if reply[-1] != STOP else []) + [1]   # closed by <|im_end|>\n


@pytest.mark.task("8.5", points=3, title="chat_turn: a turn feeds only its new tokens")
def test_changed_prefix_resets_the_cache():
    _turn_screen()
    dec = FakeDecoder()
    reply, cached, fed = mod.chat_turn(dec, [], [5, 6, 7, 8], 4, STOP)
    new_system = [4, 6, 7, 8, 9, 12]                                       # the system prompt changed
    reply2, cached2, fed2 = mod.chat_turn(dec, list(cached), new_system, 4, STOP)
    if [int(t) for t in reply2] != truth(new_system, 4):
        pytest.fail("after the system prompt changed the cache was kept: the model attended to stale keys; when "
                    "the prompt does not start with the cached ids, dec.reset() and feed the whole prompt")
    assert_equal(int(fed2), len(new_system), name="tokens fed after a changed prefix")
    r3, _, fed3 = mod.chat_turn(FakeDecoder(), [], [3, 3, 3], 50, stop_id=-1)
    assert len(r3) == 50 and fed3 == 3, "without a stop id the reply ends after max_new_tokens ids"


@pytest.mark.task("8.6", points=2, title="truncate_history: drop the oldest turns, keep the system prompt")
def test_truncate_history():
    system, message = list(range(10)), list(range(15))
    turns = [([1] * 30, [2] * 40), ([3] * 20, [4] * 20)]
    got = mod.truncate_history(system, turns, message, block_size=120, reserve=20)
    if [(len(u), len(a)) for u, a in got] == [(30, 40)]:
        pytest.fail("truncate_history dropped the NEWEST turn; drop from the front (oldest first): the user's "
                    "latest exchange is what the next reply needs")
    assert_equal([(list(u), list(a)) for u, a in got], [([3] * 20, [4] * 20)], name="the kept turns (block 120)")
    assert_equal([(list(u), list(a)) for u, a in mod.truncate_history(system, turns, message, 200, 20)],
                 turns, name="everything fits in 200: nothing is dropped")
    got = mod.truncate_history(system, turns, message, 64, 20)
    assert list(got) == [], "with block 64 no pair fits: keep none (and keep the system prompt: it is not a turn)"
    for block in range(46, 160):
        kept = mod.truncate_history(system, turns, message, block, 20)
        n = 10 + 15 + sum(len(u) + len(a) for u, a in kept)
        assert n + 20 <= block, f"block {block}: the prompt ({n}) + reserve (20) does not fit"
        assert all(len(u) in (20, 30) and len(a) in (20, 40) for u, a in kept), "whole pairs only"
    with pytest.raises(ValueError, match=""):
        mod.truncate_history(system, turns, list(range(90)), 100, 20)
        pytest.fail("truncate_history must raise ValueError when the system prompt, the message and the reserve "
                    "alone exceed the context (never drop the system prompt, never return a prompt that cannot fit)")
