"""cli/chat_web.py: the local chat page. A real ThreadingHTTPServer on a free localhost port with a tiny random
GPT; an HTTP client (urllib) sends a message and reads the streamed reply (server-sent events), while a
second client is served during the stream; body and message limits; the page itself."""
import json
import threading
import time
import urllib.error
import urllib.request

import pytest

import tinygrad_lm as tg
from tinygrad_lm.cli.chat_web import make_server
from tinygrad_lm.generation.chat import ChatSession
from tinygrad_lm.models import GPT, GPTConfig
from tinygrad_lm.tokenizers import ByteLevelBPE
from tinygrad_lm.tokenizers.chat import add_chat_tokens


def tiny(block):
    tok = ByteLevelBPE.train("hello there, the course assistant answers.\n" * 30, 300, special_tokens=["<|endoftext|>"])
    add_chat_tokens(tok)
    tg.manual_seed(0)
    return GPT(GPTConfig(vocab_size=tok.vocab_size, block_size=block, n_layer=2, n_head=2, n_embd=16)).eval(), tok


@pytest.fixture(scope="module")
def url():
    model, tok = tiny(block=256)
    slow = {"on": False}

    def factory():
        chat = ChatSession(model, tok, temperature=0, max_new_tokens=24, reply_reserve=24, max_message_chars=300)
        real = chat.dec.forward

        def forward(ids, **kw):                           # a slow model: 20 ms per step when asked
            if slow["on"]:
                time.sleep(0.02)
            return real(ids, **kw)
        chat.dec.forward = forward
        return chat
    server = make_server(factory, {"name": "tiny", "untuned": True}, "127.0.0.1", 0, max_body=4096)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    host, port = server.server_address[:2]
    yield f"http://{host}:{port}", slow
    server.shutdown()
    server.server_close()


def post(url, path, obj, timeout=20):
    req = urllib.request.Request(url + path, data=json.dumps(obj).encode(), method="POST",
                                 headers={"Content-Type": "application/json"})
    return urllib.request.urlopen(req, timeout=timeout)


def events(resp):
    """Parse server-sent events as they arrive: [(kind, data)]."""
    out, kind, data = [], "message", ""
    for raw in resp:                                       # line by line, as the server flushes them
        line = raw.decode().rstrip("\n")
        if line.startswith("event: "):
            kind = line[7:]
        elif line.startswith("data: "):
            data += line[6:]
        elif line == "" and data:
            out.append((kind, json.loads(data)))
            kind, data = "message", ""
    return out


def test_streamed_reply_over_http(url):
    base, _ = url
    with post(base, "/api/chat", {"session": "s1", "message": "hello there"}) as r:
        assert r.headers["Content-Type"] == "text/event-stream"
        ev = events(r)
    pieces = [d["text"] for k, d in ev if k == "message"]
    kinds = [k for k, _ in ev]
    assert kinds[-1] == "done" and len(pieces) >= 1
    done = ev[-1][1]
    assert "".join(pieces) == done["stats"]["reply"] and done["stats"]["new_tokens"] >= 1
    with post(base, "/api/chat", {"session": "s1", "message": "again"}) as r:
        assert events(r)[-1][1]["stats"]["reused"] is True, "the session keeps its KV cache between requests"


def test_other_clients_are_served_during_a_stream(url):
    base, slow = url
    slow["on"] = True
    try:
        resp = post(base, "/api/chat", {"session": "busy", "message": "hello"})
        first = resp.readline()                             # the stream has started
        t0 = time.perf_counter()
        health = json.loads(urllib.request.urlopen(base + "/api/health", timeout=5).read())
        waited = time.perf_counter() - t0
        assert health["ok"] and first.startswith(b"data: ")
        assert waited < 0.4, f"/api/health waited {waited:.2f} s behind another client's reply"
        rest = resp.read().decode()
        assert "event: done" in rest
    finally:
        slow["on"] = False


def test_limits_and_errors(url):
    base, _ = url
    with pytest.raises(urllib.error.HTTPError) as e:
        post(base, "/api/chat", {"session": "s2", "message": "x" * 5000})
    assert e.value.code == 413
    with post(base, "/api/chat", {"session": "s2", "message": "  "}) as r:
        ev = events(r)
    assert ev[-1][0] == "error" and "empty" in ev[-1][1]["error"]
    with post(base, "/api/chat", {"session": "s2", "message": "y" * 400}) as r:
        assert "limit" in events(r)[-1][1]["error"]
    with pytest.raises(urllib.error.HTTPError) as e:
        post(base, "/api/chat", {"session": "../etc", "message": "hi"})
    assert e.value.code == 400
    assert json.loads(post(base, "/api/reset", {"session": "s1"}).read())["ok"]


def test_the_page(url):
    base, _ = url
    html = urllib.request.urlopen(base + "/", timeout=5).read().decode()
    assert "<form" in html and "/api/chat" in html and "UNTUNED" in html and "sources" in html
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(base + "/nope", timeout=5)
    assert e.value.code == 404


NODE_HARNESS = r"""
// Run the page's own <script> in Node (no browser here): a minimal DOM stub, the real fetch against the server.
const base = process.argv[2], page = require('fs').readFileSync(0, 'utf8');
const script = page.split('<script>')[1].split('</script>')[0];
const els = {}, log = [];
function el(id) { return els[id] || (els[id] = {id, value: '', innerHTML: '', children: [],
  appendChild(c) { this.children.push(c); log.push(c); return c; }}); }
globalThis.document = {getElementById: el, createElement: () => ({className: '', textContent: ''})};
const realFetch = fetch;
globalThis.fetch = (url, opts) => realFetch(base + url, opts);
eval(script);
el('m').value = 'hello there';
el('f').onsubmit({preventDefault() {}}).then(() => {
  console.log(JSON.stringify(log.map(d => [d.className, d.textContent])));
}).catch(e => { console.error(e); process.exit(1); });
"""


@pytest.mark.skipif(__import__("shutil").which("node") is None, reason="node is not installed")
def test_the_page_script_streams_a_reply_in_node(url, tmp_path):
    import subprocess
    base, _ = url
    html = urllib.request.urlopen(base + "/", timeout=5).read()
    js = tmp_path / "harness.js"
    js.write_text(NODE_HARNESS)
    r = subprocess.run(["node", str(js), base], input=html, capture_output=True, timeout=30)
    assert r.returncode == 0, r.stderr.decode()[-500:]
    shown = json.loads(r.stdout.decode().strip().splitlines()[-1])
    assert shown[0] == ["you", "you: hello there"]
    assert shown[1][0] == "bot" and len(shown[1][1]) > 0, "the page shows the streamed reply"
