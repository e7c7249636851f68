"""Self-test of scripted_upstream.py (the fake OpenAI- and Anthropic-compatible provider).

Run: python3 -m pytest -q Tests/E2E/test_scripted_upstream.py
Clients are stdlib only (http.client + raw sockets) so that HTTP framing
(individual chunks, missing terminators, resets) can be observed exactly.
"""

from __future__ import annotations

import http.client
import json
import select
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest

SERVER = Path(__file__).with_name("scripted_upstream.py")


# --------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------


def start_server(*extra_args: str) -> tuple[subprocess.Popen, int]:
    proc = subprocess.Popen([sys.executable, str(SERVER), "--port", "0", *extra_args],
                            stdout=subprocess.PIPE, text=True)
    ready, _, _ = select.select([proc.stdout], [], [], 10)
    assert ready, "scripted_upstream did not print LISTENING in time"
    line = proc.stdout.readline()
    assert line.startswith("LISTENING "), line
    return proc, int(line.split()[1])


class Upstream:
    def __init__(self, port: int) -> None:
        self.port = port

    def request(self, method: str, path: str, body=None, headers=None, timeout: float = 5.0):
        """One request on a fresh connection -> (status, headers, body bytes)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            data = body if isinstance(body, (bytes, type(None))) else json.dumps(body).encode()
            hdrs = {"Content-Type": "application/json", **(headers or {})}
            conn.request(method, path, body=data, headers=hdrs)
            resp = conn.getresponse()
            return resp.status, resp, resp.read()
        finally:
            conn.close()

    def get_json(self, path: str):
        status, _, body = self.request("GET", path)
        assert status == 200
        return json.loads(body)

    def script(self, model: str, responses: list, repeat_last: bool = False) -> None:
        status, _, body = self.request("POST", "/_script",
                                       {"model": model, "responses": responses, "repeat_last": repeat_last})
        assert status == 200, body

    def chat(self, model: str, stream: bool = False, path: str = "/v1/chat/completions", headers=None, **extra):
        body = {"model": model, "messages": [{"role": "user", "content": "hi"}], "stream": stream, **extra}
        return self.request("POST", path, body, headers)

    def connections(self, model: str) -> list:
        return self.get_json(f"/_connections?model={model}")

    def wait_state(self, model: str, state: str, within: float) -> float:
        """Poll /_connections until the last entry of `model` has `state`; returns elapsed seconds."""
        start = time.monotonic()
        while time.monotonic() - start < within:
            conns = self.connections(model)
            if conns and conns[-1]["state"] == state:
                return time.monotonic() - start
            time.sleep(0.02)
        raise AssertionError(f"state {state!r} not reached within {within}s: {self.connections(model)}")

    def wait_states(self, model: str, states: list, within: float = 2.0) -> None:
        """Poll /_connections until `model`'s states are exactly `states`. The server marks a
        connection completed after its last write, so a client that has read the whole answer
        can ask before the server's thread has recorded it."""
        deadline = time.monotonic() + within
        while True:
            got = [c["state"] for c in self.connections(model)]
            if got == states or time.monotonic() >= deadline:
                assert got == states
                return
            time.sleep(0.02)


def raw_chat(port: int, body: dict, path: str = "/v1/chat/completions", timeout: float = 5.0) -> bytes:
    """POST over a raw socket with Connection: close; return every byte received until EOF."""
    data = json.dumps(body).encode()
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                  f"Content-Length: {len(data)}\r\nConnection: close\r\n\r\n".encode() + data)
        out = bytearray()
        while chunk := s.recv(65536):
            out += chunk
        return bytes(out)


def parse_chunked(raw: bytes) -> tuple[str, list[bytes], bool]:
    """Split a raw chunked response -> (head, [chunk payloads], saw terminating 0-chunk)."""
    head, _, rest = raw.partition(b"\r\n\r\n")
    chunks = []
    while rest:
        size_line, sep, rest = rest.partition(b"\r\n")
        if not sep:
            break
        size = int(size_line, 16)
        if size == 0:
            return head.decode(), chunks, True
        chunks.append(rest[:size])
        rest = rest[size + 2:]
    return head.decode(), chunks, False


def sse_events(body: bytes) -> list:
    """Parse an SSE body into JSON objects and the '[DONE]' marker."""
    events = []
    for frame in body.decode().replace("\r\n", "\n").split("\n\n"):
        for line in frame.split("\n"):
            if line.startswith("data:"):
                payload = line[5:].strip()
                events.append(payload if payload == "[DONE]" else json.loads(payload))
    return events


def deltas(events: list) -> list[dict]:
    return [e["choices"][0]["delta"] for e in events if isinstance(e, dict) and e.get("choices")]


def reassemble_tool_calls(events: list) -> dict[int, dict]:
    calls: dict[int, dict] = {}
    for d in deltas(events):
        for tc in d.get("tool_calls", []):
            call = calls.setdefault(tc["index"], {"id": None, "name": None, "arguments": ""})
            if "id" in tc:
                call["id"] = tc["id"]
            fn = tc.get("function", {})
            if "name" in fn:
                call["name"] = fn["name"]
            call["arguments"] += fn.get("arguments", "")
    return calls


@pytest.fixture(scope="module")
def up():
    proc, port = start_server()
    yield Upstream(port)
    proc.terminate()
    assert proc.wait(timeout=5) == 0


@pytest.fixture
def model():
    return f"test-{uuid.uuid4().hex[:10]}"


# --------------------------------------------------------------------------
# Basics
# --------------------------------------------------------------------------


def test_health_and_unknown_path(up):
    assert up.get_json("/health") == {"ok": True}
    status, resp, body = up.request("GET", "/nope")
    assert status == 404 and "error" in json.loads(body)
    status, _, _ = up.request("POST", "/v1/embeddings", {"model": "x"})
    assert status == 404


def test_fifo_then_empty_queue_500(up, model):
    up.script(model, [{"json": {"n": 1}}, {"json": {"n": 2}}])
    assert json.loads(up.chat(model)[2]) == {"n": 1}
    assert json.loads(up.chat(model)[2]) == {"n": 2}
    status, _, body = up.chat(model)
    assert status == 500
    assert json.loads(body) == {"error": {"message": f"scripted_upstream: no script left for model {model}"}}
    # Re-scripting replaces the queue.
    up.script(model, [{"json": {"n": 3}}])
    assert json.loads(up.chat(model)[2]) == {"n": 3}


def test_repeat_last(up, model):
    up.script(model, [{"json": {"n": 1}}, {"json": {"n": 2}}], repeat_last=True)
    got = [json.loads(up.chat(model)[2])["n"] for _ in range(4)]
    assert got == [1, 2, 2, 2]


def test_all_chat_paths_and_recorded_requests(up, model):
    up.script(model, [{"json": {}}] * 3)
    up.chat(model, path="/v1/chat/completions?api-version=1",
            headers={"Authorization": "Bearer sk-test", "X-Title": "Switchboard"})
    up.chat(model, path="/chat/completions")
    up.chat(model, path="/api/v1/chat/completions")
    reqs = up.get_json(f"/_requests?model={model}")
    assert [r["path"] for r in reqs] == ["/v1/chat/completions?api-version=1", "/chat/completions",
                                         "/api/v1/chat/completions"]
    first = reqs[0]
    assert first["method"] == "POST"
    assert first["headers"]["authorization"] == "Bearer sk-test"
    assert first["headers"]["x-title"] == "Switchboard"
    assert first["body"]["model"] == model and first["body"]["messages"][0]["content"] == "hi"
    assert first["raw"] is None
    assert isinstance(first["time"], float) and abs(first["time"] - time.time()) < 60
    assert reqs[0]["seq"] < reqs[1]["seq"] < reqs[2]["seq"]
    # Unfiltered listing includes them; DELETE with a model clears only that model.
    assert {r["seq"] for r in reqs} <= {r["seq"] for r in up.get_json("/_requests")}
    assert up.request("DELETE", f"/_requests?model={model}")[0] == 200
    assert up.get_json(f"/_requests?model={model}") == []


def test_non_json_body_is_recorded_raw(up):
    status, _, body = up.request("POST", "/v1/chat/completions", b"not json {", {"Content-Type": "text/plain"})
    assert status == 500 and "no script left" in body.decode()
    rec = [r for r in up.get_json("/_requests") if r["raw"] == "not json {"]
    assert rec and rec[-1]["body"] is None


def test_anthropic_messages_endpoint(up, model):
    """POST <anything>/v1/messages: same per-model scripts, recorded with the exact body text."""
    stream = ('event: message_start\ndata: {"type":"message_start"}\n\n'
              'event: message_stop\ndata: {"type":"message_stop"}\n\n')
    up.script(model, [
        {"text": stream, "headers": {"Content-Type": "text/event-stream"}},
        {"sse": ["event: ping\ndata: {}\n\n"]},
        {"status": 529, "headers": {"Retry-After": "2"}, "json": {"type": "error"}},
    ])
    body = b'{"model": "%s",  "messages": [], "stream": true}' % model.encode()
    headers = {"x-api-key": "sk-ant", "anthropic-version": "2023-06-01"}
    status, resp, got = up.request("POST", "/anthropic/v1/messages", body, headers)
    assert status == 200 and resp.getheader("Content-Type") == "text/event-stream" and got.decode() == stream
    status, _, got = up.request("POST", "/v1/messages", body, headers)
    assert status == 200 and got == b'event: ping\ndata: {}\n\n'  # no [DONE] on this endpoint
    status, resp, got = up.request("POST", "/v1/messages", body, headers)
    assert status == 529 and resp.getheader("Retry-After") == "2" and json.loads(got) == {"type": "error"}
    status, _, got = up.request("POST", "/v1/messages", body, headers)
    assert status == 500
    assert json.loads(got) == {"type": "error", "error": {
        "type": "api_error", "message": f"scripted_upstream: no script left for model {model}"}}
    reqs = up.get_json(f"/_requests?model={model}")
    assert [r["path"] for r in reqs] == ["/anthropic/v1/messages"] + ["/v1/messages"] * 3
    first = reqs[0]
    assert first["headers"]["x-api-key"] == "sk-ant" and first["headers"]["anthropic-version"] == "2023-06-01"
    assert first["body"]["stream"] is True and first["body_text"] == body.decode() and first["raw"] is None
    up.wait_states(model, ["completed"] * 4)
    # Chat requests keep their record shape.
    up.script(model, [{"json": {}}])
    up.chat(model)
    assert "body_text" not in up.get_json(f"/_requests?model={model}")[-1]


def test_keep_alive_connection_reuse(up, model):
    """Proxies pool connections: several answers must share one HTTP/1.1 connection."""
    up.script(model, [{"text_stream": {"text": "abc"}}, {"status": 429, "json": {"e": 1}}, {"text": "t"}])
    conn = http.client.HTTPConnection("127.0.0.1", up.port, timeout=5)
    try:
        results = []
        for stream in (True, False, False, False):
            conn.request("POST", "/v1/chat/completions", json.dumps({"model": model, "stream": stream}))
            resp = conn.getresponse()
            results.append((resp.status, resp.read()))
        assert [r[0] for r in results] == [200, 429, 200, 500]
        assert sse_events(results[0][1])[-1] == "[DONE]" and results[2][1] == b"t"
        assert conn.sock is not None  # never closed by the server
    finally:
        conn.close()


def test_delete_script(up, model):
    up.script(model, [{"json": {}}])
    assert up.request("DELETE", f"/_script?model={model}")[0] == 200
    assert up.chat(model)[0] == 500


def test_bad_script_gets_400(up):
    bad = [
        b"not json",
        {"responses": []},
        {"model": "x", "responses": {}},
        {"model": "x", "responses": [{"jsn": {}}]},
        {"model": "x", "responses": [{"json": {}, "text": "a"}]},
        {"model": "x", "responses": [{"sse": [42]}]},
        {"model": "x", "responses": [{"status": "200"}]},
        {"model": "x", "responses": [{"tool_stream": {"calls": []}}]},
        {"model": "x", "responses": [], "repeat_last": "yes"},
    ]
    for body in bad:
        status, _, resp = up.request("POST", "/_script", body)
        assert status == 400, body
        assert "bad script" in json.loads(resp)["error"]["message"]


# --------------------------------------------------------------------------
# Plain bodies, status, headers, delay
# --------------------------------------------------------------------------


def test_json_status_headers(up, model):
    problem = {"status": 429, "title": "Too Many Requests"}
    up.script(model, [{"status": 429, "headers": {"Retry-After": "1"}, "json": problem},
                      {"status": 400, "json": {"error": {"message": "bad", "type": "invalid_request_error"}}}])
    status, resp, body = up.chat(model)
    assert status == 429 and resp.getheader("Retry-After") == "1"
    assert resp.getheader("Content-Type") == "application/json"
    assert int(resp.getheader("Content-Length")) == len(body) and json.loads(body) == problem
    status, _, body = up.chat(model)
    assert status == 400 and json.loads(body)["error"]["type"] == "invalid_request_error"
    up.wait_states(model, ["completed", "completed"])


def test_text_body_and_content_type_override(up, model):
    html = "<html><body>502 Bad Gateway</body></html>"
    up.script(model, [{"status": 502, "text": html},
                      {"status": 503, "text": html, "headers": {"Content-Type": "text/html"}}])
    status, resp, body = up.chat(model)
    assert status == 502 and body.decode() == html and resp.getheader("Content-Type").startswith("text/plain")
    status, resp, body = up.chat(model)
    assert status == 503 and resp.getheader("Content-Type") == "text/html"


def test_delay(up, model):
    up.script(model, [{"delay_ms": 300, "json": {"ok": 1}}])
    start = time.monotonic()
    assert up.chat(model)[0] == 200
    assert time.monotonic() - start >= 0.3


# --------------------------------------------------------------------------
# SSE
# --------------------------------------------------------------------------


def test_sse_objects_strings_and_done(up, model):
    up.script(model, [{"sse": [{"a": 1}, ": OPENROUTER PROCESSING\n\n", 'data:{"b":2}\r\n\r\n', "garbage\n\n"]},
                      {"sse": [{"a": 1}], "done": False}])
    head, chunks, terminated = parse_chunked(raw_chat(up.port, {"model": model, "stream": True}))
    assert head.startswith("HTTP/1.1 200")
    assert "Content-Type: text/event-stream" in head and "Transfer-Encoding: chunked" in head
    assert terminated
    # Every SSE element is its own HTTP chunk, sent verbatim.
    assert chunks == [b'data: {"a":1}\n\n', b": OPENROUTER PROCESSING\n\n", b'data:{"b":2}\r\n\r\n',
                      b"garbage\n\n", b"data: [DONE]\n\n"]
    # done: false -> no [DONE]; http.client sees a complete chunked body.
    status, _, body = up.chat(model, stream=True)
    assert status == 200 and body == b'data: {"a":1}\n\n'


def test_sse_split_frames(up, model):
    frame = 'data: {"content":"é"}\n\n'
    k = frame.encode().index("é".encode()) + 1  # in the middle of the 2-byte UTF-8 sequence
    up.script(model, [{"sse": [{"split": frame, "at": k}, {"split": "data: [DO", "at": 4}], "done": False}])
    _, chunks, terminated = parse_chunked(raw_chat(up.port, {"model": model, "stream": True}))
    assert terminated
    assert chunks[0] == frame.encode()[:k] and chunks[1] == frame.encode()[k:]
    assert chunks[2:] == [b"data", b": [DO"]
    assert up.connections(model)[-1]["chunks_sent"] == 4


def test_sse_close_mid_stream(up, model):
    up.script(model, [{"sse": [{"a": 1}, {"close": True}, {"never": 1}]}] * 2)
    _, chunks, terminated = parse_chunked(raw_chat(up.port, {"model": model, "stream": True}))
    assert chunks == [b'data: {"a":1}\n\n'] and not terminated
    with pytest.raises(http.client.IncompleteRead):
        up.chat(model, stream=True)


def test_chunk_delay_and_status_on_stream(up, model):
    up.script(model, [{"status": 200, "headers": {"X-Req": "abc"}, "chunk_delay_ms": 100,
                       "sse": [{"a": 1}, {"a": 2}, {"a": 3}]}])
    start = time.monotonic()
    status, resp, body = up.chat(model, stream=True)
    assert time.monotonic() - start >= 0.3  # three gaps: a1|a2|a3|[DONE]
    assert resp.getheader("X-Req") == "abc"
    assert sse_events(body) == [{"a": 1}, {"a": 2}, {"a": 3}, "[DONE]"]


# --------------------------------------------------------------------------
# Connection-level failures
# --------------------------------------------------------------------------


def test_reset(up, model):
    up.script(model, [{"reset": True}])
    with pytest.raises((ConnectionResetError, http.client.RemoteDisconnected)):
        up.chat(model)


def test_hang_times_out_and_close_is_detected(up, model):
    up.script(model, [{"hang": True}])
    start = time.monotonic()
    with pytest.raises(TimeoutError):
        up.request("POST", "/v1/chat/completions", {"model": model}, timeout=0.4)
    assert time.monotonic() - start >= 0.4
    # The helper closed its socket on the way out; the server notices.
    assert up.wait_state(model, "client_closed", within=1.0) < 1.0


def test_client_closed_detected_during_long_sleep(up, model):
    up.script(model, [{"sse": [{"a": 1}, {"sleep_ms": 5000}, {"a": 2}]}])
    body = json.dumps({"model": model, "stream": True}).encode()
    s = socket.create_connection(("127.0.0.1", up.port), timeout=5)
    s.sendall(b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
    got = b""
    while b'data: {"a":1}' not in got:
        got += s.recv(4096)
    assert up.connections(model)[-1]["state"] == "open"
    s.close()
    elapsed = up.wait_state(model, "client_closed", within=1.0)
    assert elapsed < 1.0
    assert up.connections(model)[-1]["chunks_sent"] == 1


def test_models_are_isolated_and_concurrent(up):
    slow, fast = f"slow-{uuid.uuid4().hex[:6]}", f"fast-{uuid.uuid4().hex[:6]}"
    up.script(slow, [{"delay_ms": 800, "json": {"who": "slow"}}])
    up.script(fast, [{"json": {"who": "fast"}}])
    result = {}
    t = threading.Thread(target=lambda: result.setdefault("slow", up.chat(slow)))
    t.start()
    time.sleep(0.05)
    start = time.monotonic()
    assert json.loads(up.chat(fast)[2]) == {"who": "fast"}
    assert time.monotonic() - start < 0.5
    t.join()
    assert json.loads(result["slow"][2]) == {"who": "slow"}
    assert [r["model"] for r in up.get_json(f"/_requests?model={fast}")] == [fast]


# --------------------------------------------------------------------------
# Generators
# --------------------------------------------------------------------------


def test_text_stream_shape(up, model):
    usage = {"prompt_tokens": 12, "completion_tokens": 7}
    up.script(model, [
        {"text_stream": {"text": "Hello world!", "pieces": 3, "usage": usage,
                         "reasoning": "thinking...", "reasoning_field": "reasoning"}},
        {"text_stream": {"text": "Hi", "pieces": 5, "finish_reason": "length", "usage": usage,
                         "usage_on_finish_chunk": True}},
        {"text_stream": {"text": "No usage", "usage": None}},
    ])
    events = sse_events(up.chat(model, stream=True)[2])
    assert events[-1] == "[DONE]"
    chunks = events[:-1]
    assert all(c["object"] == "chat.completion.chunk" and c["model"] == model for c in chunks)
    assert len({c["id"] for c in chunks}) == 1
    ds = deltas(chunks)
    assert ds[0] == {"role": "assistant", "content": ""}
    assert "".join(d.get("reasoning", "") for d in ds) == "thinking..."
    assert sum(1 for d in ds if "reasoning" in d) == 3
    assert "".join(d.get("content", "") for d in ds) == "Hello world!"
    assert sum(1 for d in ds if d.get("content")) == 3
    # All reasoning comes before the text.
    last_reasoning = max(i for i, d in enumerate(ds) if "reasoning" in d)
    first_text = min(i for i, d in enumerate(ds) if d.get("content"))
    assert last_reasoning < first_text
    finish = chunks[-2]
    assert finish["choices"][0]["finish_reason"] == "stop" and "usage" not in finish
    assert chunks[-1]["choices"] == [] and chunks[-1]["usage"] == usage

    chunks = sse_events(up.chat(model, stream=True)[2])[:-1]
    assert "".join(d.get("content", "") for d in deltas(chunks)) == "Hi"  # pieces capped at len(text)
    assert chunks[-1]["choices"][0]["finish_reason"] == "length" and chunks[-1]["usage"] == usage

    chunks = sse_events(up.chat(model, stream=True)[2])[:-1]
    assert all("usage" not in c and c["choices"] for c in chunks)


def test_tool_stream_shape(up, model):
    calls = [{"id": "call_1", "name": "Write", "arguments": '{"file_path":"/tmp/x","content":"hi"}'},
             {"id": "call_2", "name": "Bash", "arguments": '{"command":"ls -la /"}'}]
    usage = {"prompt_tokens": 20, "completion_tokens": 10}
    up.script(model, [{"tool_stream": {"calls": calls, "pieces": 4, "text_before": "Let me do that.",
                                       "usage": usage}}])
    events = sse_events(up.chat(model, stream=True)[2])
    assert events[-1] == "[DONE]"
    chunks = events[:-1]
    ds = deltas(chunks)
    assert ds[0]["role"] == "assistant"
    assert "".join(d.get("content") or "" for d in ds) == "Let me do that."
    got = reassemble_tool_calls(chunks)
    assert got == {0: {"id": "call_1", "name": "Write", "arguments": calls[0]["arguments"]},
                   1: {"id": "call_2", "name": "Bash", "arguments": calls[1]["arguments"]}}
    # First delta per call carries id/type/name and empty arguments; then 4 argument pieces.
    firsts = [tc for d in ds for tc in d.get("tool_calls", []) if "id" in tc]
    assert [f["type"] for f in firsts] == ["function", "function"]
    assert all(f["function"]["arguments"] == "" for f in firsts)
    assert sum(1 for d in ds for tc in d.get("tool_calls", []) if tc["index"] == 0 and "id" not in tc) == 4
    # Text comes before any tool call.
    assert max(i for i, d in enumerate(ds) if d.get("content")) < min(i for i, d in enumerate(ds) if "tool_calls" in d)
    assert chunks[-2]["choices"][0]["finish_reason"] == "tool_calls"
    assert chunks[-1]["choices"] == [] and chunks[-1]["usage"] == usage


def test_generators_non_streaming(up, model):
    usage = {"prompt_tokens": 5, "completion_tokens": 3, "total_tokens": 8}
    up.script(model, [
        {"text_stream": {"text": "Hello", "reasoning": "hmm", "usage": usage}},
        {"tool_stream": {"calls": [{"id": "c1", "name": "Read", "arguments": {"file_path": "/a"}}],
                         "usage": usage}},
    ])
    status, resp, body = up.chat(model, stream=False)
    assert status == 200 and resp.getheader("Content-Type") == "application/json"
    obj = json.loads(body)
    assert obj["object"] == "chat.completion" and obj["model"] == model and obj["usage"] == usage
    choice = obj["choices"][0]
    assert choice["finish_reason"] == "stop"
    assert choice["message"] == {"role": "assistant", "content": "Hello", "reasoning_content": "hmm"}

    obj = json.loads(up.chat(model)[2])  # no "stream" true -> non-streaming
    choice = obj["choices"][0]
    assert choice["finish_reason"] == "tool_calls" and choice["message"]["content"] is None
    assert choice["message"]["tool_calls"] == [
        {"id": "c1", "type": "function", "function": {"name": "Read", "arguments": '{"file_path":"/a"}'}}]


# --------------------------------------------------------------------------
# Agent mode
# --------------------------------------------------------------------------

WRITE_TOOL = {"type": "function", "function": {"name": "Write", "parameters": {"type": "object"}}}


def test_agent_streaming_both_branches(up, model):
    args = {"file_path": "/tmp/x", "content": "hi"}
    up.script(model, [{"agent": {"tool_name": "Write", "arguments": args, "final_text": "All done."}}])
    opts = {"stream_options": {"include_usage": True}, "tools": [WRITE_TOOL]}

    # 1. User turn, tool offered -> tool call (with usage since include_usage).
    chunks = sse_events(up.chat(model, stream=True, **opts)[2])[:-1]
    calls = reassemble_tool_calls(chunks)
    assert len(calls) == 1 and calls[0]["name"] == "Write" and json.loads(calls[0]["arguments"]) == args
    assert chunks[-2]["choices"][0]["finish_reason"] == "tool_calls"
    u = chunks[-1]["usage"]
    assert chunks[-1]["choices"] == [] and u["total_tokens"] == u["prompt_tokens"] + u["completion_tokens"]

    # 2. Last message is a tool result -> final text, finish stop (the agent was not consumed).
    msgs = [{"role": "user", "content": "write it"},
            {"role": "assistant", "tool_calls": [{"id": calls[0]["id"], "type": "function",
                                                  "function": {"name": "Write", "arguments": "{}"}}]},
            {"role": "tool", "tool_call_id": calls[0]["id"], "content": "ok"}]
    status, _, body = up.request("POST", "/v1/chat/completions",
                                 {"model": model, "messages": msgs, "stream": True, **opts})
    chunks = sse_events(body)[:-1]
    assert "".join(d.get("content") or "" for d in deltas(chunks)) == "All done."
    assert chunks[-2]["choices"][0]["finish_reason"] == "stop" and "usage" in chunks[-1]

    # 3. Tool not offered -> final text; without include_usage -> no usage chunk.
    chunks = sse_events(up.chat(model, stream=True, tools=[])[2])[:-1]
    assert "".join(d.get("content") or "" for d in deltas(chunks)) == "All done."
    assert all("usage" not in c for c in chunks)
    assert len(up.get_json(f"/_requests?model={model}")) == 3


def test_agent_non_streaming(up, model):
    up.script(model, [{"agent": {"tool_name": "Write", "arguments": {"file_path": "/x"}}}])
    obj = json.loads(up.chat(model, stream=False, tools=[WRITE_TOOL])[2])
    msg = obj["choices"][0]["message"]
    assert obj["choices"][0]["finish_reason"] == "tool_calls"
    assert json.loads(msg["tool_calls"][0]["function"]["arguments"]) == {"file_path": "/x"}
    assert set(obj["usage"]) == {"prompt_tokens", "completion_tokens", "total_tokens"}
    obj = json.loads(up.request("POST", "/v1/chat/completions", {
        "model": model, "tools": [WRITE_TOOL],
        "messages": [{"role": "user", "content": "x"}, {"role": "tool", "tool_call_id": "c", "content": "ok"}],
    })[2])
    assert obj["choices"][0]["message"]["content"] == "Done." and obj["choices"][0]["finish_reason"] == "stop"


# --------------------------------------------------------------------------
# Process lifecycle
# --------------------------------------------------------------------------


def test_sigterm_exits_cleanly_even_with_hung_request():
    proc, port = start_server()
    try:
        u = Upstream(port)
        u.script("hang", [{"hang": True}])
        s = socket.create_connection(("127.0.0.1", port))
        body = b'{"model":"hang"}'
        s.sendall(b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
        u.wait_state("hang", "open", within=1.0)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=3) == 0
        assert proc.stdout.read() == ""  # nothing after the LISTENING line
        s.close()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
