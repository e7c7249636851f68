#!/usr/bin/env python3
"""A tiny Anthropic-compatible upstream for Switchboard's passthrough tests.

Standard library only. ``python3 anthropic_upstream.py --port 0`` prints
``LISTENING <port>`` once bound; SIGTERM / SIGINT stop it.

POST <anything>/v1/messages   recorded ({"path", "headers", "body"}; body is the
                              raw text), then answered with the next scripted
                              response: {"status", "content_type", "body"}. The
                              body is sent verbatim with Content-Length and the
                              connection is closed. Without a script: 500.
POST /_script {"responses": [...]}   replaces the queue.
GET  /_requests                      the recorded requests.
"""

import argparse
import json
import signal
import sys
import threading
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.Lock()
QUEUE: deque = deque()
REQUESTS: list = []


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):  # noqa: A002 (base class signature)
        pass

    def _body(self) -> bytes:
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _send(self, status: int, content_type: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()
        self.close_connection = True

    def do_GET(self):
        if self.path == "/_requests":
            with LOCK:
                data = json.dumps(REQUESTS).encode()
            self._send(200, "application/json", data)
        else:
            self._send(404, "application/json", b'{"error":"no route"}')

    def do_POST(self):
        raw = self._body()
        if self.path == "/_script":
            with LOCK:
                QUEUE.clear()
                QUEUE.extend(json.loads(raw)["responses"])
            self._send(200, "application/json", b'{"ok":true}')
            return
        if not self.path.endswith("/v1/messages"):
            self._send(404, "application/json", b'{"error":"no route"}')
            return
        headers = {name.lower(): value for name, value in self.headers.items()}
        with LOCK:
            REQUESTS.append({"path": self.path, "headers": headers, "body": raw.decode("utf-8", "replace")})
            response = QUEUE.popleft() if QUEUE else None
        if response is None:
            self._send(500, "application/json", b'{"type":"error","error":{"type":"api_error","message":"no script"}}')
            return
        self._send(
            response.get("status", 200),
            response.get("content_type", "text/event-stream"),
            response["body"].encode("utf-8"),
        )


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    print(f"LISTENING {server.server_address[1]}", flush=True)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True).start()
    while not stop.wait(0.2):
        pass
    server.shutdown()
    server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
