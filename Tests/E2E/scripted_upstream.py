#!/usr/bin/env python3
"""Scripted upstream for Switchboard's integration and E2E tests.

A fake provider whose every answer is controlled by the test: OpenAI-compatible
Chat Completions, and Anthropic-compatible Messages (for the passthrough of an
``"anthropic": true`` provider), both scripted per model.
Standard library only: run it with plain ``python3``.

    python3 scripted_upstream.py [--host 127.0.0.1] [--port 0] [--verbose]

After binding it prints exactly one line, ``LISTENING <port>``, to stdout and
never writes to stdout again. SIGTERM / SIGINT stop it cleanly (exit code 0).

Endpoints
---------
POST <anything>/chat/completions
    Recorded, then answered with the next scripted response for the body's
    ``model``.
POST <anything>/v1/messages
    The Anthropic Messages API: recorded and answered the same way, from the
    same per-model scripts. Its record also has "body_text", the body exactly
    as received (passthrough tests check the forwarded bytes). Script it with
    json / text / sse / status / headers / raw / reset / hang...: sse defaults
    to "done": false here (Anthropic streams end with message_stop, not
    [DONE]); the generators (text_stream, tool_stream, agent) produce OpenAI
    objects, so they do not fit this endpoint. Without a script: a 500 in
    Anthropic's error shape.
POST /_script   {"model": m, "responses": [...], "repeat_last": false}
    (Re)sets the FIFO queue of responses for model m.
DELETE /_script[?model=m]
    Forgets the script of m (of every model if omitted).
GET /_requests[?model=m]      recorded chat and messages requests (all models if omitted):
    {"seq", "time", "method", "path", "model", "headers" (lower-case names),
     "body" (parsed JSON or null), "raw" (the text when not JSON, else null)}
DELETE /_requests[?model=m]   clears the request log and connection table
GET /_connections[?model=m]   one entry per chat or messages request:
    {"seq", "model", "state": open|completed|client_closed|error, "chunks_sent"}
GET /health                   {"ok": true}

Scripted response keys (all optional; at most one body kind among
json / text / sse / text_stream / tool_stream / agent):
    status          int, default 200
    headers         {"Retry-After": "1", ...} extra response headers (they
                    override the default Content-Type; framing headers ignored)
    delay_ms        sleep before the status line
    hang            true: never answer; hold the socket until the client closes
    reset           true: abort the TCP connection (RST) without answering
    json            body sent as application/json with Content-Length
    text            body sent as text/plain with Content-Length
    sse             list sent as text/event-stream, chunked, one HTTP chunk per
                    element: {...} -> "data: <compact json>\n\n"; "str" -> verbatim;
                    {"sleep_ms": n}; {"split": "raw", "at": byte} -> two chunks;
                    {"close": true} -> drop the connection, no terminating chunk
    done            append "data: [DONE]\n\n" to sse streams (default true, false
                    on /v1/messages)
    chunk_delay_ms  pause between SSE elements
    text_stream     {"text", "pieces", "finish_reason", "usage",
                     "usage_on_finish_chunk", "reasoning", "reasoning_field"}
    tool_stream     {"calls": [{"id", "name", "arguments"}], "pieces",
                     "text_before", "finish_reason", "usage", "usage_on_finish_chunk"}
    agent           {"tool_name", "arguments", "final_text", "pieces", "tool_id"}
    raw             a string written to the socket as the whole answer (status line,
                    headers, body), then the connection is closed: HTTP/1.0 answers,
                    headers cut short; with "reset": true the close is an RST
    endless         {"bytes": n}: a 200 event stream whose first line is "data: "
                    and n bytes of "x" with no newline, in 64 KB chunks, then close
    model           a simulated model for the report card, never consumed (like agent):
                    {"tools": "ok"|"text"|"bad_args", "parallel": bool (default true),
                     "reasoning_field": "reasoning_content"|"reasoning"|null (null: hides
                     its reasoning; default reasoning_content), "max_tokens_cap": n (a larger
                     max_tokens is refused with a 400 stating n), "rate_limit_at": [k, ...]
                     (its k-th chat request is answered 429 with Retry-After: 1)}.
                    It calls an offered tool when the last user text names it (two Read calls
                    at once for Read when parallel); after a tool result it answers with it.
GET <anything>/models         the catalogue: every scripted model, then the ids set by
POST /_catalogue {"extra": [...]} (e.g. embedding models a client should filter out)
The generators (text_stream, tool_stream, agent) follow the request's
"stream" flag: SSE chunks when it is true, one chat.completion JSON otherwise.
An agent response is never consumed: while it is at the head of the queue it
answers every request for its model (tool call unless the last message has
role "tool" or the tool is not offered; then final_text).
"""

from __future__ import annotations

import argparse
import json
import select
import signal
import socket
import struct
import sys
import threading
import time
import traceback
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

# Errors meaning "the peer went away" while we were writing to it.
CLIENT_GONE_ERRORS = (BrokenPipeError, ConnectionResetError, ConnectionAbortedError)

# Poll step (seconds) while pausing; bounds how late a client close is noticed.
POLL_STEP = 0.025

# Set when the server is stopping, so hung handlers let go of their sockets.
STOPPING = threading.Event()

VERBOSE = False


def log(msg: str) -> None:
    """Diagnostics go to stderr, and only with --verbose."""
    if VERBOSE:
        print(f"[scripted_upstream] {msg}", file=sys.stderr, flush=True)


class ClientGone(Exception):
    """The client closed the connection before we finished answering."""


class ScriptError(ValueError):
    """A /_script body is malformed; the message is returned with a 400."""


# --------------------------------------------------------------------------
# Shared state (all of it behind one lock; each model's state is separate)
# --------------------------------------------------------------------------


class State:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.scripts: dict[str, dict] = {}  # model -> {"queue", "repeat_last", "last"}
        self.requests: list[dict] = []
        self.connections: list[dict] = []
        self.seq = 0
        self.extra_models: list[str] = []

    def set_script(self, model: str, responses: list[dict], repeat_last: bool) -> None:
        with self.lock:
            self.scripts[model] = {"queue": deque(responses), "repeat_last": repeat_last, "last": None}

    def clear_scripts(self, model: str | None) -> None:
        with self.lock:
            if model is None:
                self.scripts.clear()
            else:
                self.scripts.pop(model, None)

    def next_response(self, model) -> dict | None:
        """Pop the next response for `model` (agents stay at the head)."""
        with self.lock:
            script = self.scripts.get(model) if isinstance(model, str) else None
            if script is None:
                return None
            queue = script["queue"]
            if queue:
                head = queue[0]
                if "agent" not in head and "model" not in head:
                    queue.popleft()
                script["last"] = head
                return head
            if script["repeat_last"]:
                return script["last"]
            return None

    def count_requests(self, model) -> int:
        """How many chat requests `model` has had (the current one included)."""
        with self.lock:
            return sum(1 for r in self.requests if r["model"] == model)

    def catalogue(self) -> list[str]:
        with self.lock:
            return list(self.scripts) + list(self.extra_models)

    def record(self, entry: dict) -> tuple[int, dict]:
        """Store a request; returns its seq and its (mutable) connection entry."""
        with self.lock:
            self.seq += 1
            entry["seq"] = self.seq
            self.requests.append(entry)
            conn = {"seq": self.seq, "model": entry["model"], "state": "open", "chunks_sent": 0}
            self.connections.append(conn)
            return self.seq, conn

    def update_conn(self, conn: dict, **changes) -> None:
        with self.lock:
            conn.update(changes)

    def list(self, which: str, model: str | None) -> list[dict]:
        with self.lock:
            items = self.requests if which == "requests" else self.connections
            return [dict(i) for i in items if model is None or i.get("model") == model]

    def clear_log(self, model: str | None) -> None:
        with self.lock:
            if model is None:
                self.requests.clear()
                self.connections.clear()
            else:
                self.requests[:] = [r for r in self.requests if r.get("model") != model]
                self.connections[:] = [c for c in self.connections if c.get("model") != model]


STATE = State()


# --------------------------------------------------------------------------
# /_script validation
# --------------------------------------------------------------------------

RESPONSE_KEYS = {
    "status", "headers", "delay_ms", "hang", "reset", "json", "text", "sse",
    "done", "chunk_delay_ms", "text_stream", "tool_stream", "agent", "raw", "endless", "model",
}
BODY_KEYS = ("json", "text", "sse", "text_stream", "tool_stream", "agent", "raw", "endless", "model")
TEXT_STREAM_KEYS = {"text", "pieces", "finish_reason", "usage", "usage_on_finish_chunk",
                    "reasoning", "reasoning_field"}
TOOL_STREAM_KEYS = {"calls", "pieces", "text_before", "finish_reason", "usage", "usage_on_finish_chunk"}
CALL_KEYS = {"id", "name", "arguments"}
AGENT_KEYS = {"tool_name", "arguments", "final_text", "pieces", "tool_id"}
MODEL_KEYS = {"tools", "parallel", "reasoning_field", "max_tokens_cap", "rate_limit_at"}


def _is_int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _check_keys(obj, allowed: set, where: str) -> None:
    if not isinstance(obj, dict):
        raise ScriptError(f"{where} must be an object")
    unknown = sorted(set(obj) - allowed)
    if unknown:
        raise ScriptError(f"{where}: unknown key(s) {unknown}; allowed: {sorted(allowed)}")


def _check_nonneg_int(obj: dict, key: str, where: str) -> None:
    if key in obj and not (_is_int(obj[key]) and obj[key] >= 0):
        raise ScriptError(f"{where}.{key} must be a non-negative integer")


def _check_pieces(obj: dict, where: str) -> None:
    if "pieces" in obj and not (_is_int(obj["pieces"]) and obj["pieces"] >= 1):
        raise ScriptError(f"{where}.pieces must be an integer >= 1")


def _check_usage(obj: dict, where: str) -> None:
    if obj.get("usage") is not None and not isinstance(obj["usage"], dict):
        raise ScriptError(f"{where}.usage must be an object or null")


def validate_response(resp, where: str) -> None:
    _check_keys(resp, RESPONSE_KEYS, where)
    bodies = [k for k in BODY_KEYS if k in resp]
    if len(bodies) > 1:
        raise ScriptError(f"{where}: at most one of {list(BODY_KEYS)} allowed, got {bodies}")
    if "status" in resp and not (_is_int(resp["status"]) and 100 <= resp["status"] <= 999):
        raise ScriptError(f"{where}.status must be an integer HTTP status")
    if "headers" in resp:
        h = resp["headers"]
        if not isinstance(h, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in h.items()):
            raise ScriptError(f"{where}.headers must be an object of string values")
    for key in ("delay_ms", "chunk_delay_ms"):
        _check_nonneg_int(resp, key, where)
    for key in ("hang", "reset", "done"):
        if key in resp and not isinstance(resp[key], bool):
            raise ScriptError(f"{where}.{key} must be a boolean")
    if "text" in resp and not isinstance(resp["text"], str):
        raise ScriptError(f"{where}.text must be a string")
    if "raw" in resp and not isinstance(resp["raw"], str):
        raise ScriptError(f"{where}.raw must be a string")
    if "endless" in resp:
        if not isinstance(resp["endless"], dict) or not _is_int(resp["endless"].get("bytes")):
            raise ScriptError(f"{where}.endless must be {{\"bytes\": n}}")
    if "sse" in resp:
        if not isinstance(resp["sse"], list):
            raise ScriptError(f"{where}.sse must be a list")
        for i, el in enumerate(resp["sse"]):
            w = f"{where}.sse[{i}]"
            if isinstance(el, str):
                continue
            if not isinstance(el, dict):
                raise ScriptError(f"{w} must be an object or a string")
            if "sleep_ms" in el:
                _check_keys(el, {"sleep_ms"}, w)
                _check_nonneg_int(el, "sleep_ms", w)
            elif "split" in el:
                _check_keys(el, {"split", "at"}, w)
                if not isinstance(el["split"], str) or not _is_int(el.get("at")) or el["at"] < 0:
                    raise ScriptError(f"{w}: split needs a string and a non-negative integer 'at'")
            elif "close" in el:
                _check_keys(el, {"close"}, w)
                if el["close"] is not True:
                    raise ScriptError(f"{w}.close must be true")
    if "text_stream" in resp:
        ts = resp["text_stream"]
        w = f"{where}.text_stream"
        _check_keys(ts, TEXT_STREAM_KEYS, w)
        for key in ("text", "reasoning", "finish_reason"):
            if ts.get(key) is not None and not isinstance(ts[key], str):
                raise ScriptError(f"{w}.{key} must be a string")
        if ts.get("reasoning_field", "reasoning_content") not in ("reasoning_content", "reasoning"):
            raise ScriptError(f"{w}.reasoning_field must be 'reasoning_content' or 'reasoning'")
        _check_pieces(ts, w)
        _check_usage(ts, w)
    if "tool_stream" in resp:
        ts = resp["tool_stream"]
        w = f"{where}.tool_stream"
        _check_keys(ts, TOOL_STREAM_KEYS, w)
        calls = ts.get("calls")
        if not isinstance(calls, list) or not calls:
            raise ScriptError(f"{w}.calls must be a non-empty list")
        for i, call in enumerate(calls):
            _check_keys(call, CALL_KEYS, f"{w}.calls[{i}]")
            if not isinstance(call.get("name"), str):
                raise ScriptError(f"{w}.calls[{i}].name must be a string")
        for key in ("text_before", "finish_reason"):
            if ts.get(key) is not None and not isinstance(ts[key], str):
                raise ScriptError(f"{w}.{key} must be a string")
        _check_pieces(ts, w)
        _check_usage(ts, w)
    if "agent" in resp:
        ag = resp["agent"]
        w = f"{where}.agent"
        _check_keys(ag, AGENT_KEYS, w)
        for key in ("tool_name", "final_text", "tool_id"):
            if ag.get(key) is not None and not isinstance(ag[key], str):
                raise ScriptError(f"{w}.{key} must be a string")
        _check_pieces(ag, w)
    if "model" in resp:
        sim = resp["model"]
        w = f"{where}.model"
        _check_keys(sim, MODEL_KEYS, w)
        if sim.get("tools", "ok") not in ("ok", "text", "bad_args"):
            raise ScriptError(f"{w}.tools must be ok, text or bad_args")
        if sim.get("reasoning_field") is not None and not isinstance(sim["reasoning_field"], str):
            raise ScriptError(f"{w}.reasoning_field must be a string or null")
        if "max_tokens_cap" in sim:
            _check_nonneg_int(sim, "max_tokens_cap", w)
        at = sim.get("rate_limit_at", [])
        if not isinstance(at, list) or not all(_is_int(k) for k in at):
            raise ScriptError(f"{w}.rate_limit_at must be a list of integers")


def parse_script(body) -> tuple[str, list[dict], bool]:
    if not isinstance(body, dict):
        raise ScriptError("body must be a JSON object")
    _check_keys(body, {"model", "responses", "repeat_last"}, "script")
    model = body.get("model")
    if not isinstance(model, str) or not model:
        raise ScriptError("'model' must be a non-empty string")
    responses = body.get("responses", [])
    if not isinstance(responses, list):
        raise ScriptError("'responses' must be a list")
    for i, resp in enumerate(responses):
        validate_response(resp, f"responses[{i}]")
    repeat_last = body.get("repeat_last", False)
    if not isinstance(repeat_last, bool):
        raise ScriptError("'repeat_last' must be a boolean")
    return model, responses, repeat_last


# --------------------------------------------------------------------------
# Generators: text_stream / tool_stream / agent -> SSE frames or one JSON body
# --------------------------------------------------------------------------


def split_pieces(text: str, pieces: int) -> list[str]:
    """Split `text` into `pieces` roughly equal, non-empty parts (by character)."""
    if not text:
        return []
    n = max(1, min(pieces, len(text)))
    size, extra = divmod(len(text), n)
    out, pos = [], 0
    for i in range(n):
        step = size + (1 if i < extra else 0)
        out.append(text[pos:pos + step])
        pos += step
    return out


def _args_string(arguments) -> str:
    """Tool arguments may be scripted as a JSON string or as any JSON value."""
    if isinstance(arguments, str):
        return arguments
    return json.dumps({} if arguments is None else arguments, separators=(",", ":"), ensure_ascii=False)


class Completion:
    """Builds OpenAI chat.completion(.chunk) objects sharing one id/model."""

    def __init__(self, model, seq: int) -> None:
        self.id = f"chatcmpl-scripted-{seq}"
        self.model = model if isinstance(model, str) else "unknown"
        self.created = int(time.time())

    def _base(self, obj: str) -> dict:
        return {"id": self.id, "object": obj, "created": self.created, "model": self.model}

    def chunk(self, delta: dict, finish_reason=None) -> dict:
        c = self._base("chat.completion.chunk")
        c["choices"] = [{"index": 0, "delta": delta, "finish_reason": finish_reason}]
        return c

    def usage_chunk(self, usage: dict) -> dict:
        c = self._base("chat.completion.chunk")
        c["choices"] = []
        c["usage"] = usage
        return c

    def tail(self, finish_reason: str, usage, usage_on_finish: bool) -> list[dict]:
        """Finish chunk, then (optionally) the usage-only chunk."""
        finish = self.chunk({}, finish_reason)
        if usage is not None and usage_on_finish:
            finish["usage"] = usage
            return [finish]
        return [finish] + ([self.usage_chunk(usage)] if usage is not None else [])

    def message(self, message: dict, finish_reason: str, usage) -> dict:
        c = self._base("chat.completion")
        c["choices"] = [{"index": 0, "message": message, "finish_reason": finish_reason}]
        if usage is not None:
            c["usage"] = usage
        return c


def text_stream_frames(spec: dict, comp: Completion) -> list[dict]:
    pieces = spec.get("pieces", 5)
    field = spec.get("reasoning_field", "reasoning_content")
    frames = [comp.chunk({"role": "assistant", "content": ""})]
    frames += [comp.chunk({field: p}) for p in split_pieces(spec.get("reasoning") or "", pieces)]
    frames += [comp.chunk({"content": p}) for p in split_pieces(spec.get("text") or "", pieces)]
    frames += comp.tail(spec.get("finish_reason") or "stop", spec.get("usage"),
                        spec.get("usage_on_finish_chunk", False))
    return frames


def text_message(spec: dict, comp: Completion) -> dict:
    message = {"role": "assistant", "content": spec.get("text") or ""}
    if spec.get("reasoning"):
        message[spec.get("reasoning_field", "reasoning_content")] = spec["reasoning"]
    return comp.message(message, spec.get("finish_reason") or "stop", spec.get("usage"))


def _calls(spec: dict) -> list[tuple[str, str, str]]:
    return [(c.get("id") or f"call_{i + 1}", c["name"], _args_string(c.get("arguments")))
            for i, c in enumerate(spec["calls"])]


def tool_stream_frames(spec: dict, comp: Completion) -> list[dict]:
    pieces = spec.get("pieces", 4)
    # Like OpenAI: the role chunk of a tool-call answer carries content null.
    frames = [comp.chunk({"role": "assistant", "content": None})]
    frames += [comp.chunk({"content": p}) for p in split_pieces(spec.get("text_before") or "", pieces)]
    for i, (call_id, name, args) in enumerate(_calls(spec)):
        frames.append(comp.chunk({"tool_calls": [
            {"index": i, "id": call_id, "type": "function", "function": {"name": name, "arguments": ""}}]}))
        for p in split_pieces(args, pieces):
            frames.append(comp.chunk({"tool_calls": [{"index": i, "function": {"arguments": p}}]}))
    frames += comp.tail(spec.get("finish_reason") or "tool_calls", spec.get("usage"),
                        spec.get("usage_on_finish_chunk", False))
    return frames


def tool_message(spec: dict, comp: Completion) -> dict:
    message = {
        "role": "assistant",
        "content": spec.get("text_before") or None,
        "tool_calls": [{"id": cid, "type": "function", "function": {"name": name, "arguments": args}}
                       for cid, name, args in _calls(spec)],
    }
    return comp.message(message, spec.get("finish_reason") or "tool_calls", spec.get("usage"))


def agent_plan(agent: dict, request: dict, seq: int) -> tuple[str, dict]:
    """Decide what the rule-based agent answers: ("text_stream"|"tool_stream", spec)."""
    messages = request.get("messages") if isinstance(request.get("messages"), list) else []
    last = messages[-1] if messages else {}
    after_tool = isinstance(last, dict) and last.get("role") == "tool"
    offered = set()
    for tool in request.get("tools") or []:
        if isinstance(tool, dict) and isinstance(tool.get("function"), dict):
            offered.add(tool["function"].get("name"))
    pieces = agent.get("pieces", 3)
    tool_name = agent.get("tool_name")
    # Crude but deterministic token counts, always with a total.
    prompt_tokens = max(1, len(json.dumps(messages)) // 4)
    if not after_tool and tool_name and tool_name in offered:
        args = _args_string(agent.get("arguments"))
        usage = {"prompt_tokens": prompt_tokens, "completion_tokens": max(1, len(args) // 4)}
        usage["total_tokens"] = usage["prompt_tokens"] + usage["completion_tokens"]
        call = {"id": agent.get("tool_id") or f"call_scripted_{seq}", "name": tool_name, "arguments": args}
        return "tool_stream", {"calls": [call], "pieces": pieces, "usage": usage}
    text = agent.get("final_text", "Done.")
    usage = {"prompt_tokens": prompt_tokens, "completion_tokens": max(1, len(text) // 4)}
    usage["total_tokens"] = usage["prompt_tokens"] + usage["completion_tokens"]
    return "text_stream", {"text": text, "pieces": pieces, "finish_reason": "stop", "usage": usage}


def _usage(messages, text: str) -> dict:
    usage = {"prompt_tokens": max(1, len(json.dumps(messages)) // 4), "completion_tokens": max(1, len(text) // 4)}
    usage["total_tokens"] = usage["prompt_tokens"] + usage["completion_tokens"]
    return usage


def _sample_arguments(schema) -> dict:
    """Arguments with every required property of a tool's JSON schema."""
    args = {}
    properties = schema.get("properties") if isinstance(schema, dict) else None
    for name in (schema.get("required") or []) if isinstance(schema, dict) else []:
        kind = (properties or {}).get(name, {}).get("type")
        args[name] = {"number": 1, "integer": 1, "boolean": False, "array": [], "object": {}}.get(
            kind, "echo switchboard")
    return args


def model_plan(sim: dict, request: dict, nth: int):
    """What the simulated model answers: ("error", status, json, headers) or (kind, spec)."""
    if nth in (sim.get("rate_limit_at") or []):
        return "error", 429, {"error": {"message": "Too many requests: rate limit exceeded"}}, {"Retry-After": "1"}
    asked = request.get("max_tokens", request.get("max_completion_tokens"))
    cap = sim.get("max_tokens_cap")
    if cap is not None and _is_int(asked) and asked > cap:
        message = f"max_tokens must be less than or equal to {cap}, got {asked}"
        return "error", 400, {"error": {"message": message, "type": "invalid_request_error"}}, {}
    messages = request.get("messages") if isinstance(request.get("messages"), list) else []
    last = messages[-1] if messages else {}
    tools = {}
    for tool in request.get("tools") or []:
        if isinstance(tool, dict) and isinstance(tool.get("function"), dict):
            tools[tool["function"].get("name")] = tool["function"].get("parameters") or {}
    if isinstance(last, dict) and last.get("role") == "tool":
        content = last.get("content")
        if isinstance(content, list):
            content = " ".join(p.get("text", "") for p in content if isinstance(p, dict))
        text = f"It printed {content}"
        return "text_stream", {"text": text, "usage": _usage(messages, text)}
    # Claude Code's translated tool results may be followed by a user turn: find the last tool message.
    if isinstance(last, dict) and last.get("role") == "user" and len(messages) >= 2 and \
            isinstance(messages[-2], dict) and messages[-2].get("role") == "tool":
        text = f"It printed {messages[-2].get('content')}"
        return "text_stream", {"text": text, "usage": _usage(messages, text)}
    # Like a model following instructions: tools are called when the last user text names one.
    said = ""
    if isinstance(last, dict) and last.get("role") == "user":
        content = last.get("content")
        if isinstance(content, list):
            texts = [p.get("text", "") for p in content if isinstance(p, dict) and p.get("type") == "text"]
            content = texts[-1] if texts else ""
        said = content if isinstance(content, str) else ""
    tools = {name: schema for name, schema in tools.items() if isinstance(name, str) and name in said}
    mode = sim.get("tools", "ok")
    if tools and mode == "text":
        text = "You can run that yourself in your terminal."
        return "text_stream", {"text": text, "usage": _usage(messages, text)}
    if tools:
        if mode == "bad_args":
            name = next(iter(tools))
            calls = [{"id": "call_sim_1", "name": name, "arguments": {"cmd": "echo switchboard"}}]
        elif "Read" in tools and sim.get("parallel", True):
            calls = [{"id": f"call_sim_{i}", "name": "Read", "arguments": {"file_path": path}}
                     for i, path in enumerate(["/tmp/a.txt", "/tmp/b.txt"], 1)]
        else:
            name = next(iter(tools))
            calls = [{"id": "call_sim_1", "name": name, "arguments": _sample_arguments(tools[name])}]
        return "tool_stream", {"calls": calls, "usage": _usage(messages, json.dumps(calls))}
    text = " ".join(str(i) for i in range(1, 21))
    spec = {"text": text, "usage": _usage(messages, text)}
    field = sim.get("reasoning_field", "reasoning_content")
    if field:
        spec.update(reasoning="The user asks for a short answer; let me work it out.", reasoning_field=field)
    return "text_stream", spec


# --------------------------------------------------------------------------
# HTTP handler
# --------------------------------------------------------------------------


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "scripted-upstream/1.0"
    sys_version = ""

    # ---- plumbing ---------------------------------------------------------

    def log_message(self, format, *args):  # noqa: A002 (signature from base class)
        log("%s - %s" % (self.address_string(), format % args))

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            data = bytearray()
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    return bytes(data)
                data += self.rfile.read(size)
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _send_json(self, status: int, obj, extra_headers: dict | None = None) -> None:
        self._send_body(status, json.dumps(obj).encode(), "application/json", extra_headers)

    def _send_body(self, status: int, body: bytes, content_type: str, extra_headers: dict | None = None) -> None:
        headers = {"Content-Type": content_type}
        headers.update(extra_headers or {})
        self._start(status, headers)
        # Content-Length is always ours: a scripted one would corrupt the framing.
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _start(self, status: int, headers: dict) -> None:
        """Status line + headers (scripted headers override our defaults)."""
        self.send_response(status)
        merged: dict[str, tuple[str, str]] = {}
        for name, value in headers.items():
            merged[name.lower()] = (name, value)
        for lower, (name, value) in merged.items():
            if lower not in ("content-length", "transfer-encoding"):
                self.send_header(name, value)

    def _query_model(self) -> str | None:
        values = parse_qs(urlsplit(self.path).query).get("model")
        return values[0] if values else None

    def _route(self) -> str:
        return urlsplit(self.path).path

    def _not_found(self) -> None:
        self._send_json(404, {"error": {"message": f"scripted_upstream: no route for {self.command} {self.path}"}})

    # ---- verbs ------------------------------------------------------------

    def do_GET(self):
        route = self._route()
        if route == "/health":
            self._send_json(200, {"ok": True})
        elif route == "/_requests":
            self._send_json(200, STATE.list("requests", self._query_model()))
        elif route == "/_connections":
            self._send_json(200, STATE.list("connections", self._query_model()))
        elif route.endswith("/models"):
            data = [{"id": m, "object": "model", "owned_by": "scripted"} for m in STATE.catalogue()]
            self._send_json(200, {"object": "list", "data": data})
        else:
            self._not_found()

    def do_DELETE(self):
        route = self._route()
        if route == "/_requests":
            STATE.clear_log(self._query_model())
            self._send_json(200, {"ok": True})
        elif route == "/_script":
            STATE.clear_scripts(self._query_model())
            self._send_json(200, {"ok": True})
        else:
            self._not_found()

    def do_POST(self):
        route = self._route()
        raw = self._read_body()
        if route == "/_script":
            self._handle_script(raw)
        elif route == "/_catalogue":
            try:
                extra = json.loads(raw)["extra"]
                assert isinstance(extra, list) and all(isinstance(m, str) for m in extra)
            except (ValueError, KeyError, TypeError, AssertionError):
                self._send_json(400, {"error": {"message": "body must be {\"extra\": [model ids]}"}})
                return
            with STATE.lock:
                STATE.extra_models = extra
            self._send_json(200, {"ok": True})
        elif route.endswith("/chat/completions"):
            self._handle_chat(raw)
        elif route.endswith("/v1/messages"):
            self._handle_chat(raw, anthropic=True)
        else:
            self._not_found()

    # ---- /_script ---------------------------------------------------------

    def _handle_script(self, raw: bytes) -> None:
        try:
            try:
                body = json.loads(raw.decode("utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError) as e:
                raise ScriptError(f"body is not valid JSON: {e}") from None
            model, responses, repeat_last = parse_script(body)
        except ScriptError as e:
            self._send_json(400, {"error": {"message": f"scripted_upstream: bad script: {e}"}})
            return
        STATE.set_script(model, responses, repeat_last)
        log(f"script for {model!r}: {len(responses)} response(s), repeat_last={repeat_last}")
        self._send_json(200, {"ok": True, "model": model, "queued": len(responses)})

    # ---- chat completions -------------------------------------------------

    def _handle_chat(self, raw: bytes, anthropic: bool = False) -> None:
        """Records and answers a chat completions request, or (`anthropic`) a messages one."""
        text = raw.decode("utf-8", errors="replace")
        try:
            body = json.loads(text) if raw else None
            raw_text = None
        except json.JSONDecodeError:
            body, raw_text = None, text
        model = body.get("model") if isinstance(body, dict) else None
        headers: dict[str, str] = {}
        for name, value in self.headers.items():
            lower = name.lower()
            headers[lower] = f"{headers[lower]}, {value}" if lower in headers else value
        entry = {
            "seq": 0, "time": time.time(), "method": self.command, "path": self.path,
            "model": model, "headers": headers, "body": body, "raw": raw_text,
        }
        if anthropic:
            entry["body_text"] = text
        seq, self.conn = STATE.record(entry)
        self.headers_sent = False
        try:
            resp = STATE.next_response(model)
            if resp is None:
                message = f"scripted_upstream: no script left for model {model}"
                if anthropic:
                    self._send_json(500, {"type": "error", "error": {"type": "api_error", "message": message}})
                else:
                    self._send_json(500, {"error": {"message": message}})
                self._chunk_count(1)
                STATE.update_conn(self.conn, state="completed")
                return
            finished = self._answer(resp, body if isinstance(body, dict) else {}, model, seq, anthropic)
            if finished:
                STATE.update_conn(self.conn, state="completed")
        except (ClientGone, *CLIENT_GONE_ERRORS):
            log(f"seq {seq}: client went away")
            STATE.update_conn(self.conn, state="client_closed")
            self.close_connection = True
        except Exception:  # a bug here must not kill the server
            STATE.update_conn(self.conn, state="error")
            print(f"[scripted_upstream] error answering seq {seq}:\n{traceback.format_exc()}",
                  file=sys.stderr, flush=True)
            self.close_connection = True
            if not self.headers_sent:
                try:
                    self._send_json(500, {"error": {"message": "scripted_upstream: internal error"}})
                except OSError:
                    pass

    def _chunk_count(self, n: int = 1) -> None:
        STATE.update_conn(self.conn, chunks_sent=self.conn["chunks_sent"] + n)

    def _answer(self, resp: dict, request: dict, model, seq: int, anthropic: bool = False) -> bool:
        """Serve one scripted response. Returns True if it ran to completion."""
        if resp.get("delay_ms"):
            self._pause(resp["delay_ms"] / 1000.0)
        if resp.get("hang"):
            self.close_connection = True
            self._pause(None)  # returns only when the server stops
            return False
        if "raw" in resp:
            self.headers_sent = True
            self.wfile.write(resp["raw"].encode("utf-8"))
            self.wfile.flush()
            if resp.get("reset"):
                self._reset()
            else:
                self.close_connection = True
            return True
        if resp.get("reset"):
            self._reset()
            return True
        if "endless" in resp:
            self.headers_sent = True
            self._start(200, {"Content-Type": "text/event-stream"})
            self.end_headers()
            self.close_connection = True
            remaining = resp["endless"]["bytes"]
            self.wfile.write(b"data: ")
            block = b"x" * 65536
            try:
                while remaining > 0:
                    self.wfile.write(block[:remaining])
                    remaining -= len(block)
            except CLIENT_GONE_ERRORS:
                return False
            return True

        status = resp.get("status", 200)
        extra = resp.get("headers") or {}
        comp = Completion(model, seq)
        streaming = request.get("stream") is True

        # Generators turn into SSE frames, or into one JSON body when stream is off.
        frames = None
        if "model" in resp:
            plan = model_plan(resp["model"], request, STATE.count_requests(model))
            if plan[0] == "error":
                _, status, body, headers = plan
                self.headers_sent = True
                self._send_body(status, json.dumps(body).encode(), "application/json", headers)
                self._chunk_count(1)
                return True
            resp = dict(resp, agent=None)
            kind, spec = plan
        if "agent" in resp:
            if resp["agent"] is not None:
                kind, spec = agent_plan(resp["agent"], request, seq)
            include_usage = isinstance(request.get("stream_options"), dict) and \
                request["stream_options"].get("include_usage") is True
            if streaming:
                if not include_usage:
                    spec = dict(spec, usage=None)
                frames = (text_stream_frames if kind == "text_stream" else tool_stream_frames)(spec, comp)
            else:
                resp = dict(resp, json=(text_message if kind == "text_stream" else tool_message)(spec, comp))
        elif "text_stream" in resp:
            if streaming:
                frames = text_stream_frames(resp["text_stream"], comp)
            else:
                resp = dict(resp, json=text_message(resp["text_stream"], comp))
        elif "tool_stream" in resp:
            if streaming:
                frames = tool_stream_frames(resp["tool_stream"], comp)
            else:
                resp = dict(resp, json=tool_message(resp["tool_stream"], comp))
        elif "sse" in resp:
            frames = resp["sse"]

        if frames is not None:
            done = resp.get("done", not anthropic)
            return self._stream(status, extra, frames, done, resp.get("chunk_delay_ms", 0))

        if "json" in resp:
            body, ctype = json.dumps(resp["json"], ensure_ascii=False).encode(), "application/json"
        elif "text" in resp:
            body, ctype = resp["text"].encode(), "text/plain; charset=utf-8"
        else:
            body, ctype = b"", "application/json"
        self.headers_sent = True
        self._send_body(status, body, ctype, extra)
        self._chunk_count(1)
        return True

    def _stream(self, status: int, extra: dict, frames: list, done: bool, chunk_delay_ms: int) -> bool:
        headers = {"Content-Type": "text/event-stream", "Cache-Control": "no-cache"}
        headers.update(extra)
        self.headers_sent = True
        self._start(status, headers)
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        first = True

        def gap():
            nonlocal first
            if not first and chunk_delay_ms:
                self._pause(chunk_delay_ms / 1000.0)
            first = False

        for el in frames:
            if isinstance(el, str):
                gap()
                self._write_chunk(el.encode("utf-8"))
            elif "sleep_ms" in el:
                self._pause(el["sleep_ms"] / 1000.0)
            elif "close" in el:
                # Broken stream: no terminating zero-length chunk.
                self.close_connection = True
                return True
            elif "split" in el:
                gap()
                data = el["split"].encode("utf-8")
                self._write_chunk(data[:el["at"]])
                self._write_chunk(data[el["at"]:])
            else:
                gap()
                self._write_chunk(b"data: " + json.dumps(el, separators=(",", ":"), ensure_ascii=False).encode()
                                  + b"\n\n")
        if done:
            gap()
            self._write_chunk(b"data: [DONE]\n\n")
        self.wfile.write(b"0\r\n\r\n")
        return True

    def _write_chunk(self, data: bytes) -> None:
        """One HTTP chunk, written immediately. Empty data is skipped (it would end the body)."""
        if not data:
            return
        self.wfile.write(b"%x\r\n" % len(data) + data + b"\r\n")
        self._chunk_count(1)

    def _pause(self, seconds: float | None) -> None:
        """Sleep `seconds` (forever if None, until the server stops), polling the
        socket every POLL_STEP so that a client closing is noticed promptly."""
        sock = self.connection
        deadline = None if seconds is None else time.monotonic() + seconds
        while True:
            if STOPPING.is_set():
                raise ClientGone()
            remaining = POLL_STEP if deadline is None else deadline - time.monotonic()
            if remaining <= 0:
                return
            step = min(POLL_STEP, remaining)
            try:
                readable, _, _ = select.select([sock], [], [], step)
                if readable:
                    if sock.recv(1, socket.MSG_PEEK) == b"":
                        raise ClientGone()
                    time.sleep(step)  # pipelined bytes, not EOF: avoid a busy loop
            except CLIENT_GONE_ERRORS:
                raise ClientGone() from None
            except (OSError, ValueError):
                raise ClientGone() from None  # socket already closed / unusable

    def _reset(self) -> None:
        """Abort the TCP connection: SO_LINGER 0 makes close() send an RST."""
        self.close_connection = True
        sock = self.connection
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        # rfile (a makefile) holds a reference that would defer the real close;
        # wfile writes to the socket directly and may stay open.
        self.rfile.close()
        sock.close()


# --------------------------------------------------------------------------
# Server
# --------------------------------------------------------------------------


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def handle_error(self, request, client_address):
        # Peers vanishing between requests is routine here; stay quiet.
        if VERBOSE:
            super().handle_error(request, client_address)


def main(argv=None) -> int:
    global VERBOSE
    parser = argparse.ArgumentParser(description="Scripted OpenAI- and Anthropic-compatible upstream for tests.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--verbose", action="store_true", help="log requests to stderr")
    parser.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"), help="serve HTTPS with this certificate")
    args = parser.parse_args(argv)
    VERBOSE = args.verbose

    server = Server((args.host, args.port), Handler)
    if args.tls:
        import ssl
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(args.tls[0], args.tls[1])
        server.socket = context.wrap_socket(server.socket, server_side=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())

    print(f"LISTENING {server.server_address[1]}", flush=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    while not stop.wait(0.2):
        pass
    STOPPING.set()
    server.shutdown()
    server.server_close()
    log("stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
