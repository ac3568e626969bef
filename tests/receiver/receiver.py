#!/usr/bin/env python3
"""receiver.py: the local HTTP(S) endpoint of pg-send's tests.

    receiver.py --port-file F --log F [--all-log F] [--tls CERT KEY]

Listens on 127.0.0.1, on a free port it writes to --port-file (once it
accepts connections). Keep-alive (HTTP/1.1), one thread a connection, so a
hanging answer never delays another. Every request it answers 2xx goes to
--log, one JSON object a line; --all-log gets every request, whatever the
answer (for timing and counting the failures):

    {"time":1705314225.123,"method":"POST","path":"/ok?x=1","status":200,
     "headers":{"content-type":"application/json",…},"body":"…","conn":3,"took":0.0002}

`headers` has lowercase names (repeated ones joined by ", "), `body` is the
request body as text (invalid UTF-8 as U+FFFD), `conn` numbers the
connection (so a test sees keep-alive), `took` is the seconds from reading
the request to answering it, `proxy` is true when the request
line held an absolute URL (the receiver was used as an HTTP proxy).

What it answers depends on the path (the query tunes it):

    /ok                     200, empty body
    /slack                  200, body `ok` (Slack's answer)
    /teams-legacy           200, body `1`
    /hec                    200, {"text":"Success","code":0}
    /api/…/webhooks/…       Discord: 200 and the message as JSON with
    /discord                ?wait=true, else 204
    /status/NNN             NNN, body `status NNN` (or ?body=TEXT);
                            ?retry_after=V adds `Retry-After: V`
    /echo/NNN               NNN, the body repeats the request's URL, headers
                            and body (a chatty error page holding secrets)
    /429-date               429, Retry-After as an HTTP-date ?secs=N (1) ahead
    /discord-429            429, Discord's JSON {"retry_after": ?secs (0.5)}
                            and Retry-After rounded up
    /hang                   reads the request, never answers (until the
                            client gives up or the receiver stops)
    /slow?ms=300            waits, then 200
    /reset                  reads the request, then resets the connection
    /flaky?fail=0.3         a random 30% of requests fail: 500, 429 with
                            Retry-After ?retry_after (0), or a hang, in the
                            proportions ?mix=500:429:hang (45:45:10)
    /count                  GET: {"ok": 2xx answered, "all": requests}, not logged
    anything else           200, empty body

On any path, ?first=N&first_status=S makes the first N requests to that
exact URL (path and query, Discord's wait=true aside) fail with S (a status,
`hang` or `reset`) before the path's own answer; ?retry_after=V,
?retry_after_date=SECS and ?discord_retry_after=SECS shape those failures.
"""

import argparse
import email.utils
import json
import math
import os
import random
import select
import socket
import ssl
import struct
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

STOP = threading.Event()
LOCK = threading.Lock()
COUNTS = {"ok": 0, "all": 0}
FIRST = {}  # URL -> requests seen, for ?first=N
CONN_IDS = iter(range(1, 1 << 62))
LOG = None
ALL_LOG = None


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes: without this, a reused
    # connection waits for the client's delayed ACK (40 ms) before the body.
    disable_nagle_algorithm = True
    server_version = "pgtail-test-receiver"
    sys_version = ""

    def setup(self):
        if isinstance(self.request, ssl.SSLSocket):
            self.request.settimeout(10)
            try:
                self.request.do_handshake()
            except (ssl.SSLError, OSError):
                self.handshake_failed = True
                super().setup()
                self.close_connection = True
                return
            self.request.settimeout(None)
        self.handshake_failed = False
        with LOCK:
            self.conn = next(CONN_IDS)
        super().setup()

    def handle(self):
        if not self.handshake_failed:
            super().handle()

    def log_message(self, fmt, *args):
        pass

    def do_GET(self):
        self.serve()

    do_POST = do_PUT = do_DELETE = do_PATCH = do_GET

    # ---- answers

    def serve(self):
        self.t0 = time.time()
        length = int(self.headers.get("Content-Length") or 0)
        self.body = self.rfile.read(length) if length else b""
        target = self.path
        self.proxied = target.startswith(("http://", "https://"))
        url = urllib.parse.urlsplit(target)
        self.route = url.path
        self.query = {k: v[-1] for k, v in urllib.parse.parse_qs(url.query, keep_blank_values=True).items()}
        if self.route == "/count" and self.command == "GET":
            with LOCK:
                return self.answer(200, json.dumps(COUNTS).encode(), record=False)
        first = int(self.query.get("first", "0") or 0)
        if first:
            key = self.route + "?" + "&".join(p for p in url.query.split("&") if not p.startswith("wait="))
            with LOCK:
                seen = FIRST.get(key, 0)
                FIRST[key] = seen + 1
            if seen < first:
                return self.fail(self.query.get("first_status", "500"))
        r = self.route
        if r == "/slack":
            return self.answer(200, b"ok")
        if r == "/teams-legacy":
            return self.answer(200, b"1")
        if r == "/hec":
            return self.answer(200, b'{"text":"Success","code":0}', "application/json")
        if r.startswith("/api/") and "/webhooks/" in r or r == "/discord" or r.startswith("/discord/"):
            if self.query.get("wait") == "true":
                msg = {"id": "1", "type": 0, "webhook_id": r.split("/webhooks/")[-1].split("/")[0]}
                try:
                    msg.update(json.loads(self.body))
                except ValueError:
                    pass
                return self.answer(200, json.dumps(msg).encode(), "application/json")
            return self.answer(204, b"")
        if r.startswith("/status/"):
            code = int(r.split("/")[2])
            body = self.query.get("body", f"status {code}").encode()
            return self.answer(code, body)
        if r.startswith("/echo/"):
            code = int(r.split("/")[2])
            scheme = "https" if isinstance(self.connection, ssl.SSLSocket) else "http"
            page = f"error {code} for {self.command} {scheme}://{self.headers.get('Host')}{self.path}\n" + "".join(
                f"{k}: {v}\n" for k, v in self.headers.items()) + "\n" + self.body.decode("utf-8", "replace")
            return self.answer(code, page.encode())
        if r == "/429-date":
            return self.fail("429", date_secs=float(self.query.get("secs", "1")))
        if r == "/discord-429":
            return self.fail("429", discord_secs=float(self.query.get("secs", "0.5")))
        if r == "/hang":
            return self.hang()
        if r == "/slow":
            time.sleep(int(self.query.get("ms", "300")) / 1000)
            return self.answer(200, b"")
        if r == "/reset":
            return self.reset()
        if r == "/flaky":
            return self.flaky()
        return self.answer(200, b"")

    def fail(self, how, date_secs=None, discord_secs=None):
        if how == "hang":
            return self.hang()
        if how == "reset":
            return self.reset()
        headers = {}
        body = f"status {how}".encode()
        if "retry_after" in self.query:
            headers["Retry-After"] = self.query["retry_after"]
        if "retry_after_date" in self.query:
            date_secs = float(self.query["retry_after_date"])
        if date_secs is not None:
            headers["Retry-After"] = email.utils.formatdate(time.time() + date_secs, usegmt=True)
        if "discord_retry_after" in self.query:
            discord_secs = float(self.query["discord_retry_after"])
        if discord_secs is not None:
            body = json.dumps({"message": "You are being rate limited.", "retry_after": discord_secs,
                               "global": False}).encode()
            if self.route == "/discord-429":
                headers["Retry-After"] = str(math.ceil(discord_secs))
            return self.answer(int(how), body, "application/json", headers)
        return self.answer(int(how), body, headers=headers)

    def flaky(self):
        if random.random() >= float(self.query.get("fail", "0.3")):
            return self.answer(200, b"")
        mix = [float(x) for x in self.query.get("mix", "45:45:10").split(":")]
        pick = random.random() * sum(mix)
        if pick < mix[0]:
            return self.answer(500, b"status 500")
        if pick < mix[0] + mix[1]:
            return self.answer(429, b"status 429", headers={"Retry-After": self.query.get("retry_after", "0")})
        return self.hang()

    def answer(self, code, body, ctype="text/plain", headers=None, record=True):
        self.send_response(code)
        if code != 204:
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if record:
            self.record(code)  # before the answer goes: a client that has it finds it logged
        if code != 204:
            self.wfile.write(body)

    def hang(self):
        """Never answers: waits until the client closes or the receiver stops."""
        self.record("hang")
        sock = self.connection
        while not STOP.is_set():
            r, _, _ = select.select([sock], [], [], 0.2)
            if r:
                try:
                    if not sock.recv(1, socket.MSG_PEEK):
                        break
                except (OSError, ssl.SSLError):
                    break
                time.sleep(0.05)  # a pipelined request: still never answered
        self.close_connection = True

    def reset(self):
        self.record("reset")
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()
        self.close_connection = True

    def record(self, status):
        headers = {}
        for k, v in self.headers.items():
            k = k.lower()
            headers[k] = headers[k] + ", " + v if k in headers else v
        line = {"time": round(time.time(), 6), "method": self.command, "path": self.path, "status": status,
                "headers": headers, "body": self.body.decode("utf-8", "replace"), "conn": self.conn,
                "took": round(time.time() - self.t0, 4)}
        if self.proxied:
            line["proxy"] = True
        text = json.dumps(line, ensure_ascii=False) + "\n"
        ok = isinstance(status, int) and 200 <= status < 300
        with LOCK:
            COUNTS["all"] += 1
            if ALL_LOG:
                ALL_LOG.write(text)
                ALL_LOG.flush()
            if ok:
                COUNTS["ok"] += 1
                LOG.write(text)
                LOG.flush()


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        pass  # a client that went away mid-answer (a timeout, a kill) is normal here


def main():
    global LOG, ALL_LOG
    ap = argparse.ArgumentParser(prog="receiver.py", description=__doc__.split("\n")[0])
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--all-log")
    ap.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
    ap.add_argument("--port", type=int, default=0)
    a = ap.parse_args()
    LOG = open(a.log, "a", encoding="utf-8")
    ALL_LOG = open(a.all_log, "a", encoding="utf-8") if a.all_log else None
    srv = Server(("127.0.0.1", a.port), Handler)
    if a.tls:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(a.tls[0], a.tls[1])
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True, do_handshake_on_connect=False)
    tmp = a.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(f"{srv.server_address[1]}\n")
    os.rename(tmp, a.port_file)

    def stop(*_):
        STOP.set()
        threading.Thread(target=srv.shutdown, daemon=True).start()

    import signal
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    srv.serve_forever(poll_interval=0.1)
    srv.server_close()


if __name__ == "__main__":
    sys.exit(main())
