"""`tglm chat --web`: the course assistant on one local web page, standard library only.

    tglm chat --web                      # http://127.0.0.1:8008  (bound to localhost unless --host)

Routes:
  GET  /              the page (HTML + a little JavaScript, no external files)
  POST /api/chat      {"session": "abc", "message": "..."} -> text/event-stream:
                        data: {"text": "piece"}                 one event per decoded piece, as sampled
                        event: done / data: {"sources": [...], "stats": {...}}
                        event: error / data: {"error": "..."}   (empty or too long message, ...)
  POST /api/reset     {"session": "abc"} -> {"ok": true}
  GET  /api/health    {"ok": true, "model": ..., "untuned": ...}

ThreadingHTTPServer: every request has its own thread, so a client waiting for a long reply does
not block the page or another client. Each browser tab has its own ChatSession (its own KV cache,
history and lock; the model weights and the BM25 index are shared, read-only); at most MAX_SESSIONS
live, the least recently used is dropped. Bodies over max_body bytes get 413 before being read;
messages are limited by the session (max_message_chars). HTTP/1.0 responses: the stream ends when
the connection closes, so no chunked encoding is needed.
Does not handle: authentication, TLS, several users sharing one conversation, cancelling a reply.
"""
import json
import re
import sys
import threading
from collections import OrderedDict
from dataclasses import asdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MAX_SESSIONS = 32
_SID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>tinygrad_lm course assistant</title>
<style>
body{font-family:system-ui,sans-serif;max-width:46em;margin:2em auto;padding:0 1em;color:#222}
#log div{margin:.6em 0;white-space:pre-wrap} .you{color:#05a} .bot{color:#222}
.src{color:#777;font-size:.85em} .err{color:#b00} form{display:flex;gap:.5em}
input[type=text]{flex:1;padding:.4em} .note{color:#a60;font-size:.9em}
</style></head><body>
<h2>tinygrad_lm course assistant</h2>
<p class="note">__NOTE__</p>
<div id="log"></div>
<form id="f"><input type="text" id="m" maxlength="__MAXCHARS__" autocomplete="off"
 placeholder="Ask about the course..." autofocus><button>Send</button>
<button type="button" id="r">Reset</button></form>
<script>
const sid = Math.random().toString(36).slice(2, 12);
const log = document.getElementById('log');
function add(cls, text){const d=document.createElement('div');d.className=cls;d.textContent=text;log.appendChild(d);return d;}
document.getElementById('r').onclick = async () => {
  await fetch('/api/reset', {method:'POST', body: JSON.stringify({session: sid})}); log.innerHTML=''; };
document.getElementById('f').onsubmit = async (e) => {
  e.preventDefault(); const m = document.getElementById('m'); const msg = m.value; m.value='';
  add('you', 'you: ' + msg); const bot = add('bot', '');
  const resp = await fetch('/api/chat', {method:'POST', body: JSON.stringify({session: sid, message: msg})});
  const reader = resp.body.getReader(); const dec = new TextDecoder(); let buf = '';
  for(;;){ const {value, done} = await reader.read(); if(done) break;
    buf += dec.decode(value, {stream:true}); let i;
    while((i = buf.indexOf('\\n\\n')) >= 0){ const ev = buf.slice(0, i); buf = buf.slice(i+2);
      let kind='message', data='';
      for(const line of ev.split('\\n')){ if(line.startsWith('event: ')) kind=line.slice(7);
        else if(line.startsWith('data: ')) data+=line.slice(6); }
      const d = JSON.parse(data);
      if(kind==='message') bot.textContent += d.text;
      else if(kind==='done' && d.sources.length) add('src', 'sources: ' + [...new Set(d.sources.map(s=>s.path))].join(', '));
      else if(kind==='error') add('err', d.error);
    } } };
</script></body></html>
"""


class Sessions:
    """session id -> (ChatSession, lock), least recently used dropped past MAX_SESSIONS."""

    def __init__(self, factory, limit=MAX_SESSIONS):
        self.factory, self.limit, self.items, self.lock = factory, limit, OrderedDict(), threading.Lock()

    def get(self, sid):
        with self.lock:
            if sid not in self.items:
                self.items[sid] = (self.factory(), threading.Lock())
                while len(self.items) > self.limit:
                    self.items.popitem(last=False)
            self.items.move_to_end(sid)
            return self.items[sid]


def make_handler(sessions, info, max_body):
    note = ("UNTUNED model: chat tokens were added to a base model never trained to chat; expect nonsense."
            if info.get("untuned") else f"model: {info.get('name')}")

    class Handler(BaseHTTPRequestHandler):
        server_version = "tglm-chat"

        def log_message(self, fmt, *a):                       # quiet: no line per request
            pass

        def _json(self, code, obj):
            body = json.dumps(obj).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _body(self):
            n = int(self.headers.get("Content-Length") or 0)
            if n > max_body:
                self._json(413, {"error": f"request body of {n} bytes; the limit is {max_body}"})
                return None
            try:
                obj = json.loads(self.rfile.read(n).decode("utf-8") or "{}")
                sid = obj.get("session", "default")
                if not isinstance(sid, str) or not _SID.match(sid):
                    raise ValueError("session must be 1-64 letters, digits, '-' or '_'")
                return obj, sid
            except (ValueError, AttributeError, UnicodeDecodeError) as e:
                self._json(400, {"error": f"bad request: {e}"})
                return None

        def do_GET(self):
            if self.path in ("/", "/index.html"):
                page = PAGE.replace("__NOTE__", note).replace("__MAXCHARS__", str(max_body // 8)).encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(page)))
                self.end_headers()
                self.wfile.write(page)
            elif self.path == "/api/health":
                self._json(200, {"ok": True, "model": info.get("name"), "untuned": bool(info.get("untuned"))})
            else:
                self._json(404, {"error": f"no page {self.path}"})

        def _event(self, kind, obj):
            head = "" if kind == "message" else f"event: {kind}\n"
            self.wfile.write((head + "data: " + json.dumps(obj) + "\n\n").encode())
            self.wfile.flush()

        def do_POST(self):
            got = self._body()
            if got is None:
                return
            obj, sid = got
            chat, lock = sessions.get(sid)
            if self.path == "/api/reset":
                with lock:
                    chat.reset()
                return self._json(200, {"ok": True})
            if self.path != "/api/chat":
                return self._json(404, {"error": f"no endpoint {self.path}"})
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-cache")
            self.end_headers()
            try:
                with lock:                                    # one reply at a time per session
                    message = obj.get("message")
                    for piece in chat.send(message if isinstance(message, str) else ""):
                        self._event("message", {"text": piece})
                    stats = asdict(chat.last)
                    self._event("done", {"sources": stats.pop("sources"), "stats": stats})
            except (ValueError, TypeError) as e:              # empty / too long message: told to the page
                self._event("error", {"error": str(e)})
            except (BrokenPipeError, ConnectionResetError):   # the client left
                pass

    return Handler


def make_server(factory, info, host="127.0.0.1", port=8008, max_body=17024):
    server = ThreadingHTTPServer((host, port), make_handler(Sessions(factory), info, max_body))
    server.daemon_threads = True
    return server


def serve(factory, info, host, port, max_body) -> int:
    server = make_server(factory, info, host, port, max_body)
    h, p = server.server_address[:2]
    print(f"tglm chat --web: http://{h}:{p}/  ({info.get('name')}{', UNTUNED' if info.get('untuned') else ''}); "
          f"Ctrl-C stops", file=sys.stderr, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0
