#!/usr/bin/env python3
"""Switchboard's benchmark: the proxy beside a plain nginx relay and LiteLLM, in one run.

Run through `bench/run` (see bench/README.md). Standard library only; LiteLLM runs from the test
venv. Everything listens on 127.0.0.1 on free ports and lives in one temporary directory; every
process started here is stopped on exit, on Ctrl-C and on failure.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import http.client
import json
import math
import os
import pathlib
import platform
import re
import resource
import shlex
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
# "ledger-off" is `switchboard serve` with `"USAGE_DB": false`, right after the ledger-on run.
LOAD_TARGETS = ["upstream", "relay", "switchboard", "ledger-off", "dashboard", "litellm"]
SWITCHBOARDS = ("switchboard", "ledger-off", "dashboard")
ALL_NAMES = LOAD_TARGETS + ["translator", "sessions"]
REQUEST_MODEL = "claude-sonnet-4-5"
UPSTREAM_MODEL = "bench-model"
DASHBOARD_SIZE = (120, 35)
WRK_THREADS = 2
# (issue 5) Targets, checked and printed, never failing the run.
TARGET_RELAY_SHARE = 0.25
TARGET_LITELLM_FACTOR = 100
TARGET_P99_MS = 10
TARGET_RSS_MB = 64
TARGET_LISTEN_MS = 200
TARGET_DASHBOARD_SHARE = 0.90
TARGET_LEDGER_COST = 0.05  # issue 8: the ledger on costs at most 5% of the requests/s without it

MARK_ANTHROPIC = "event: message_stop"
MARK_OPENAI = "data: [DONE]"
# LiteLLM refuses to start without a master key; every target is sent this one.
API_KEY = "sk-bench-" + os.urandom(16).hex()


def log(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


class StartError(Exception):
    """A target did not start (or not as itself)."""


# --- the canned upstream stream ---------------------------------------------------------------

WORDS = (
    "the relay passes each token along as soon as it arrives so the client sees the answer grow "
    "word by word while the model keeps writing nothing waits longer than one read and every "
    "event keeps its order from the first byte to the last"
).split()
EXTRAS = {17: ' "quoted"', 33: " café", 49: "\n\n", 66: " naïve —", 83: " 🚀", 99: "."}


def canned_stream() -> bytes:
    """100 content chunks (the last with finish_reason), a usage chunk and [DONE]."""
    base = {
        "id": "chatcmpl-bench7Hq2xZk4Yv9Lm3Np",
        "object": "chat.completion.chunk",
        "created": 1767225600,
        "model": UPSTREAM_MODEL,
        "system_fingerprint": "fp_bench0001",
    }
    events = []
    word = 0
    for index in range(100):
        count = 3 + index % 3
        words = [WORDS[(word + k) % len(WORDS)] for k in range(count)]
        word += count
        text = " ".join(words).capitalize() if index == 0 else " " + " ".join(words)
        text += EXTRAS.get(index, "")
        delta = {"role": "assistant", "content": text} if index == 0 else {"content": text}
        choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": "stop" if index == 99 else None}
        events.append(dict(base, choices=[choice]))
    usage = {"prompt_tokens": 25, "completion_tokens": 512, "total_tokens": 537}
    events.append(dict(base, choices=[], usage=usage))
    text = "".join(f"data: {json.dumps(e, separators=(',', ':'), ensure_ascii=False)}\n\n" for e in events)
    return (text + "data: [DONE]\n\n").encode()


def stream_text(stream: bytes) -> str:
    """The answer text a stream carries (OpenAI chunks or Anthropic events)."""
    text = []
    for line in stream.decode().splitlines():
        if not line.startswith("data:") or line.startswith("data: [DONE]"):
            continue
        event = json.loads(line[5:])
        if event.get("type") == "content_block_delta" and event["delta"].get("type") == "text_delta":
            text.append(event["delta"]["text"])
        for choice in event.get("choices") or []:
            text.append(choice.get("delta", {}).get("content") or "")
    return "".join(text)


REQUEST = {
    "model": REQUEST_MODEL,
    "max_tokens": 1024,
    "stream": True,
    "messages": [{"role": "user", "content": "In one paragraph, what does a streaming relay do?"}],
}


# --- processes --------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def children_map() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as file:
                stat = file.read()
        except OSError:
            continue
        ppid = int(stat[stat.rindex(")") + 2:].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    return children


def process_tree(pid: int) -> list[int]:
    children = children_map()
    tree, todo = [], [pid]
    while todo:
        current = todo.pop()
        tree.append(current)
        todo.extend(children.get(current, []))
    return tree


def rss_mb(pid: int, tree: bool = True) -> float:
    """VmRSS of `pid` (and its descendants when `tree`), in MB (2^20 bytes)."""
    total_kb = 0
    for member in process_tree(pid) if tree else [pid]:
        try:
            with open(f"/proc/{member}/status") as file:
                for line in file:
                    if line.startswith("VmRSS:"):
                        total_kb += int(line.split()[1])
        except OSError:
            pass
    return total_kb / 1024


def cpu_seconds(pid: int, tree: bool = True) -> float:
    """User + system CPU time of `pid` (and its descendants when `tree`), in seconds."""
    ticks = 0
    for member in process_tree(pid) if tree else [pid]:
        try:
            with open(f"/proc/{member}/stat") as file:
                fields = file.read().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
        except (OSError, IndexError, ValueError):
            pass
    return ticks / os.sysconf("SC_CLK_TCK")


def in_flight(port: int) -> float | None:
    """Switchboard's own count of requests being answered (its /metrics gauge), or None."""
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        connection.request("GET", "/metrics", headers={"authorization": f"Bearer {API_KEY}"})
        response = connection.getresponse()
        text = response.read().decode("utf-8", "replace")
        connection.close()
    except (OSError, http.client.HTTPException):
        return None
    if response.status != 200:
        return None
    match = re.search(r"^switchboard_requests_in_flight (\S+)$", text, re.MULTILINE)
    return float(match.group(1)) if match else None


def open_fds(pid: int) -> int:
    """The number of open file descriptors of `pid` (entries in /proc/PID/fd)."""
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return -1


def group_members(pgid: int) -> list[int]:
    members = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as file:
                stat = file.read()
        except OSError:
            continue
        if int(stat[stat.rindex(")") + 2:].split()[3]) == pgid:
            members.append(int(entry))
    return members


# Two-sided 95% quantiles of Student's t by degrees of freedom (1 to 30; the normal's 1.96 beyond).
T95 = (12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145, 2.131,
       2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042)


@dataclasses.dataclass
class Ratio:
    """The geometric mean of paired ratios (one pair per round) with its 95% confidence interval
    (`low`/`high` are None with fewer than two pairs)."""
    pairs: int
    value: float
    low: float | None = None
    high: float | None = None

    @staticmethod
    def of(pairs: list[tuple[float | None, float | None]]) -> "Ratio | None":
        """Pairs missing a value (a failed run) or holding a zero are left out."""
        logs = [math.log(a / b) for a, b in pairs if a and b]
        if not logs:
            return None
        mean = statistics.fmean(logs)
        if len(logs) < 2:
            return Ratio(len(logs), math.exp(mean))
        t = T95[len(logs) - 2] if len(logs) - 1 <= len(T95) else 1.96
        half = t * statistics.stdev(logs) / math.sqrt(len(logs))
        return Ratio(len(logs), math.exp(mean), math.exp(mean - half), math.exp(mean + half))

    def text(self, change: bool = False) -> str:
        """`97.5% (95% CI 95.8-99.2%)`, or as a change: `+2.6% (95% CI +0.9 to +4.3%)`."""
        if change:
            value = f"{(self.value - 1) * 100:+.1f}%"
            interval = "" if self.low is None else \
                f" (95% CI {(self.low - 1) * 100:+.1f} to {(self.high - 1) * 100:+.1f}%)"
        else:
            value = f"{self.value:.1%}"
            interval = "" if self.low is None else f" (95% CI {self.low * 100:.1f}-{self.high * 100:.1f}%)"
        return value + interval


def median_row(runs: list["Row"]) -> "Row":
    """The median of several runs of one target (requests/s, latencies, CPU per answer; the largest
    RSS; answers and incomplete answers summed), noting the range of requests/s."""
    measured = [r for r in runs if r.rps is not None]
    if not measured:
        return runs[0]
    row = Row(runs[0].target, runs[0].connections)
    row.rps = statistics.median(r.rps for r in measured)
    row.p50 = statistics.median(r.p50 for r in measured)
    row.p99 = statistics.median(r.p99 for r in measured)
    cpus = [r.cpu_us for r in measured if r.cpu_us is not None]
    row.cpu_us = statistics.median(cpus) if cpus else None
    rss = [r.rss for r in measured if r.rss is not None]
    row.rss = max(rss) if rss else None
    row.incomplete = sum(r.incomplete for r in runs)
    row.total = sum(r.total for r in runs)
    for r in runs:
        for key, value in r.errors.items():
            row.errors[key] = row.errors.get(key, 0) + value
    notes = [r.note for r in runs if r.note]
    if len(runs) > 1:
        notes.insert(0, f"median of {len(measured)} ({min(r.rps for r in measured):.0f}-"
                        f"{max(r.rps for r in measured):.0f} req/s)")
    row.note = "; ".join(dict.fromkeys(notes))
    return row


class Processes:
    """Every process the harness starts, each in its own process group, stopped on teardown."""

    def __init__(self, directory: pathlib.Path) -> None:
        self.directory = directory
        self.running: list[tuple[str, subprocess.Popen]] = []

    def spawn(self, name: str, argv: list[str], env: dict | None = None, stdout=None) -> subprocess.Popen:
        log_file = open(self.directory / f"{name}.log", "ab")
        process = subprocess.Popen(
            argv, stdin=subprocess.DEVNULL, stdout=stdout if stdout is not None else log_file, stderr=log_file,
            env=env, cwd=self.directory, start_new_session=True)
        log_file.close()
        self.running.append((name, process))
        return process

    def stop(self, process: subprocess.Popen, grace: float = 10) -> int:
        """SIGTERM to the process group, SIGKILL after `grace` seconds; returns the exit code."""
        if process.poll() is None:
            try:
                os.killpg(process.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                process.wait(grace)
            except subprocess.TimeoutExpired:
                log(f"pid {process.pid} ignored SIGTERM for {grace:.0f} s; killing it")
                try:
                    os.killpg(process.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                process.wait()
        # Stragglers of the group (workers) that outlived their leader.
        if group_members(process.pid):
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.running = [(n, p) for n, p in self.running if p is not process]
        return process.returncode

    def stop_all(self) -> None:
        for _, process in reversed(list(self.running)):
            self.stop(process, grace=5)


def wait_ready(process: subprocess.Popen, port: int, path: str, timeout: float, started: float) -> float:
    """Polls GET `path` every 2 ms until it answers 200; returns seconds since `started`."""
    deadline = started + timeout
    while True:
        if process.poll() is not None:
            raise StartError(f"exited with status {process.returncode} before answering {path}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", path)
            response = connection.getresponse()
            response.read()
            connection.close()
            if response.status == 200:
                return time.perf_counter() - started
        except (OSError, http.client.HTTPException):
            pass
        if time.perf_counter() > deadline:
            raise StartError(f"did not answer GET {path} within {timeout:.0f} s")
        time.sleep(0.002)


class Tmux:
    """A private tmux server (its own socket) holding the dashboard's pane."""

    def __init__(self, directory: pathlib.Path) -> None:
        self.socket = directory / "tmux.sock"
        self.config = directory / "tmux.conf"
        self.config.write_text(
            'set -g default-terminal "tmux-256color"\nset -g status off\nset -g remain-on-exit on\n'
            "set -g history-limit 0\n")
        self.server_pid: int | None = None

    def tmux(self, *args: str, check: bool = True) -> str:
        result = subprocess.run(
            ["tmux", "-S", str(self.socket), "-f", str(self.config), *args], capture_output=True, text=True,
            timeout=20, env=dict(os.environ, LANG="C.UTF-8"))
        if check and result.returncode != 0:
            raise StartError(f"tmux {args[0]} failed: {result.stderr.strip()}")
        return result.stdout

    def start(self, command: str, width: int, height: int) -> int:
        self.tmux("new-session", "-d", "-s", "bench", "-x", str(width), "-y", str(height), command)
        self.server_pid = int(self.tmux("display-message", "-p", "-t", "bench", "#{pid}").strip())
        return int(self.tmux("display-message", "-p", "-t", "bench", "#{pane_pid}").strip())

    def capture(self) -> str:
        return self.tmux("capture-pane", "-p", "-t", "bench", check=False)

    def pane_dead(self) -> bool:
        return self.tmux("display-message", "-p", "-t", "bench", "#{pane_dead}", check=False).strip() == "1"

    def send(self, *keys: str) -> None:
        self.tmux("send-keys", "-t", "bench", *keys, check=False)

    def kill(self) -> None:
        if self.server_pid is None:
            return
        self.tmux("kill-server", check=False)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and pathlib.Path(f"/proc/{self.server_pid}").exists():
            time.sleep(0.05)
        if pathlib.Path(f"/proc/{self.server_pid}").exists():
            try:
                os.kill(self.server_pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.server_pid = None


# --- load -------------------------------------------------------------------------------------


@dataclasses.dataclass
class Row:
    target: str
    connections: int
    rps: float | None = None
    p50: float | None = None
    p99: float | None = None
    incomplete: int = 0
    total: int = 0
    rss: float | None = None
    cpu_us: float | None = None  # the target's CPU time per answer in the measured run, microseconds
    errors: dict = dataclasses.field(default_factory=dict)
    note: str = ""


def run_wrk(base: str, path: str, marker: str, body_file: pathlib.Path, connections: int, seconds: int,
            timeout_s: int = 30) -> dict:
    argv = [
        "wrk", "-t", str(min(WRK_THREADS, connections)), "-c", str(connections), "-d", f"{seconds}s",
        "--timeout", f"{timeout_s}s", "-s", str(BENCH / "load.lua"), base, "--", path, str(body_file), marker,
        API_KEY,
    ]
    result = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + timeout_s + 30,
                            start_new_session=True)
    line = next((l for l in result.stdout.splitlines() if l.startswith("BENCH ")), None)
    if result.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({result.returncode}): {result.stdout[-2000:]}{result.stderr[-2000:]}")
    stats = {}
    for field in line.split()[1:]:
        key, value = field.split("=", 1)
        stats[key] = float(value)
    # Answers lost on the wire (reset or closed mid-answer, or never sent) are incomplete too;
    # wrk's timeouts are slow answers that still arrive and are checked by the script.
    stats["lost"] = stats["err_connect"] + stats["err_read"] + stats["err_write"]
    stats["incomplete_all"] = int(stats["incomplete"] + stats["lost"])
    stats["total_all"] = int(stats["requests"] + stats["lost"])
    return stats


# --- the run ----------------------------------------------------------------------------------


class Bench:
    def __init__(self, args: argparse.Namespace, directory: pathlib.Path) -> None:
        self.args = args
        self.dir = directory
        self.processes = Processes(directory)
        self.tmux = Tmux(directory)
        self.rows: list[Row] = []
        # Per connection count: ledger on/off requests/s and CPU per answer, paired round by round.
        self.ledger_pairs: dict[int, tuple[Ratio | None, Ratio | None]] = {}
        self.failures: list[str] = []
        self.notes: list[str] = []
        self.startup: dict[str, list[float]] = {}
        self.translator: dict[str, dict] = {}
        self.translator_check: dict = {}
        self.parser: dict[str, dict] = {}
        self.sessions: list[str] = []
        self.versions: dict[str, str] = {}
        self.probes: dict[str, str] = {}
        self.stream_file = directory / "www" / "v1" / "chat" / "completions"
        self.body_file = directory / "request.json"
        self.upstream_port = 0
        self.binary: pathlib.Path | None = None
        self.venv = pathlib.Path(os.environ.get("SWITCHBOARD_VENV") or
                                 pathlib.Path(os.environ.get("XDG_CACHE_HOME") or pathlib.Path.home() / ".cache")
                                 / "switchboard" / "venv")

    # nginx

    def nginx_conf(self, name: str, server: str) -> pathlib.Path:
        prefix = self.dir / name
        prefix.mkdir(exist_ok=True)
        user = "user root;" if os.geteuid() == 0 else ""
        conf = f"""
daemon off;
master_process on;
{user}
worker_processes auto;
worker_rlimit_nofile 16384;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 8192; }}
http {{
    access_log off;
    client_body_temp_path {prefix}/client_body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    keepalive_requests 1000000;
    keepalive_timeout 75s;
    sendfile on;
    tcp_nodelay on;
{server}
}}
"""
        path = prefix / "nginx.conf"
        path.write_text(conf)
        return path

    def start_nginx(self, name: str, server: str, port: int) -> subprocess.Popen:
        conf = self.nginx_conf(name, server)
        process = self.processes.spawn(name, ["nginx", "-p", str(self.dir / name), "-c", str(conf)])
        try:
            wait_ready(process, port, "/health", 15, time.perf_counter())
        except StartError as error:
            self.processes.stop(process)
            tail = (self.dir / f"{name}.log").read_text(errors="replace")[-1000:]
            raise StartError(f"nginx ({name}) {error}: {tail}")
        return process

    def start_upstream(self) -> subprocess.Popen:
        self.upstream_port = free_port()
        server = f"""
    server {{
        listen 127.0.0.1:{self.upstream_port} backlog=4096;
        root {self.dir / "www"};
        location = /health {{ return 200 "ok\\n"; }}
        # The static module refuses POST with 405; the error page serves the same file as GET.
        location = /v1/chat/completions {{
            default_type text/event-stream;
            add_header Cache-Control no-cache;
            error_page 405 =200 $uri;
        }}
    }}"""
        return self.start_nginx("upstream", server, self.upstream_port)

    def start_relay(self, port: int) -> subprocess.Popen:
        server = f"""
    upstream canned {{
        server 127.0.0.1:{self.upstream_port};
        keepalive 512;
        keepalive_requests 1000000;
    }}
    server {{
        listen 127.0.0.1:{port} backlog=4096;
        location = /health {{ return 200 "ok\\n"; }}
        location / {{
            proxy_pass http://canned;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_buffering off;
        }}
    }}"""
        return self.start_nginx("relay", server, port)

    # Switchboard

    def switchboard_config(self, ledger: bool | None = None) -> pathlib.Path:
        """`ledger`: keep the usage ledger (default: on unless BENCH_LEDGER=off)."""
        config = {
            "Providers": [{
                "name": "bench",
                "api_base_url": f"http://127.0.0.1:{self.upstream_port}/v1/chat/completions",
                "api_key": "sk-bench-upstream",
                "models": [UPSTREAM_MODEL],
            }],
            "Router": {"default": f"bench,{UPSTREAM_MODEL}"},
        }
        # The usage ledger is on by default, as users run it; BENCH_LEDGER=off measures without it.
        if ledger is None:
            ledger = os.environ.get("BENCH_LEDGER", "on") != "off"
        if not ledger:
            config["USAGE_DB"] = False
        path = self.dir / "switchboard" / ("config.json" if ledger else "config-no-ledger.json")
        path.parent.mkdir(exist_ok=True)
        path.write_text(json.dumps(config, indent=2))
        path.chmod(0o600)  # it holds a key in clear (a made-up one, but Switchboard rightly warns)
        return path

    def switchboard_env(self) -> dict:
        home = self.dir / "home"
        home.mkdir(exist_ok=True)
        env = dict(os.environ, HOME=str(home), XDG_STATE_HOME=str(home / "state"), LANG="C.UTF-8")
        env.pop("SWITCHBOARD_CONFIG", None)
        return env

    def spawn_serve(self, port: int, name: str = "switchboard", ledger: bool | None = None) -> subprocess.Popen:
        config = self.switchboard_config(ledger)
        return self.processes.spawn(
            name, [str(self.binary), "serve", "--config", str(config), "--port", str(port)],
            env=self.switchboard_env())

    # LiteLLM

    def litellm_available(self) -> bool:
        return (self.venv / "bin" / "litellm").exists()

    def spawn_litellm(self, port: int, name: str = "litellm") -> subprocess.Popen:
        config = self.dir / "litellm.yaml"
        config.write_text(f"""model_list:
  - model_name: {REQUEST_MODEL}
    litellm_params:
      model: hosted_vllm/{UPSTREAM_MODEL}
      api_base: http://127.0.0.1:{self.upstream_port}/v1
      api_key: sk-bench-upstream
general_settings:
  master_key: {API_KEY}
""")
        home = self.dir / "home"
        home.mkdir(exist_ok=True)
        env = dict(os.environ, HOME=str(home), LITELLM_LOCAL_MODEL_COST_MAP="True", PYTHONUNBUFFERED="1")
        for key in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy"):
            env.pop(key, None)
        env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"
        return self.processes.spawn(
            name, [str(self.venv / "bin" / "litellm"), "--config", str(config), "--host", "127.0.0.1",
                   "--port", str(port)], env=env)

    # measurements

    def measure_startup(self, name: str, spawn, health: str, samples: int, timeout: float) -> None:
        for index in range(samples):
            port = free_port()
            started = time.perf_counter()
            process = spawn(port, f"{name}-startup-{index}")
            try:
                seconds = wait_ready(process, port, health, timeout, started)
            except StartError as error:
                self.processes.stop(process)
                raise StartError(f"{name} {error}")
            self.startup.setdefault(name, []).append(seconds)
            self.processes.stop(process)
            log(f"{name}: listening after {seconds * 1000:.1f} ms")

    def probe(self, target: str, port: int, anthropic: bool) -> None:
        """One request before the load: the answer must carry the canned text, whole and in order."""
        path = "/v1/messages" if anthropic else "/v1/chat/completions"
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        connection.request("POST", path, body=self.body_file.read_bytes(), headers={
            "Content-Type": "application/json", "anthropic-version": "2023-06-01", "x-api-key": API_KEY,
            "Authorization": f"Bearer {API_KEY}"})
        response = connection.getresponse()
        body = response.read()
        connection.close()
        expected = stream_text(self.stream_file.read_bytes())
        try:
            text = stream_text(body)
        except (ValueError, KeyError, UnicodeDecodeError) as error:
            text = f"<unreadable: {error}>"
        if response.status != 200 or text != expected:
            raise StartError(f"its answer is not the canned one (status {response.status}, {len(text)} of "
                             f"{len(expected)} characters): {body[:600]!r}")
        deltas = body.count(b"event: content_block_delta") if anthropic else body.count(b"data: {")
        self.probes[target] = f"{len(body)} bytes, {deltas} {'text deltas' if anthropic else 'chunks'}"

    def load(self, target: str, port: int, pid: int | None, anthropic: bool, rss_tree: bool = True) -> None:
        self.probe(target, port, anthropic)
        previous_rps = None
        for index, connections in enumerate(self.args.connections):
            seconds = self.args.duration
            if previous_rps and not self.args.smoke:
                # A slow target at many connections answers nothing within a short run: make the run
                # long enough for about three answers per connection (at most 60 s).
                seconds = max(seconds, min(60, int(3 * connections / previous_rps) + 1))
            row = self.measure(target, port, pid, anthropic, rss_tree, connections, seconds, warm_up=index == 0)
            previous_rps = row.rps
            self.rows.append(row)
            # Let answers cut at the end of the run drain before the next one.
            time.sleep(2 if target == "litellm" else 1)

    def measure(self, target: str, port: int, pid: int | None, anthropic: bool, rss_tree: bool, connections: int,
                seconds: int, warm_up: bool) -> Row:
        """One wrk run against a target: its row (failures noted in self.failures)."""
        base = f"http://127.0.0.1:{port}"
        path, marker = ("/v1/messages", MARK_ANTHROPIC) if anthropic else ("/v1/chat/completions", MARK_OPENAI)
        row = Row(target, connections)
        if seconds != self.args.duration:
            row.note = f"{seconds} s run"
        try:
            if warm_up:
                warmup = run_wrk(base, path, marker, self.body_file, connections, 1)
                time.sleep(1)
                if warmup["incomplete_all"]:
                    self.failures.append(
                        f"{target} @{connections}: {warmup['incomplete_all']} incomplete answers in the warm-up")
                    row.note = f"warm-up: {warmup['incomplete_all']} incomplete"
            cpu_before = cpu_seconds(pid, tree=rss_tree) if pid is not None else None
            stats = run_wrk(base, path, marker, self.body_file, connections, seconds)
            if cpu_before is not None and stats["total_all"]:
                row.cpu_us = (cpu_seconds(pid, tree=rss_tree) - cpu_before) / stats["total_all"] * 1e6
        except (RuntimeError, subprocess.TimeoutExpired) as error:
            self.failures.append(f"{target} @{connections}: load failed: {error}")
            row.note = "load failed"
            return row
        row.rps, row.p50, row.p99 = stats["rps"], stats["p50_ms"], stats["p99_ms"]
        row.incomplete, row.total = stats["incomplete_all"], stats["total_all"]
        row.errors = {k: int(stats[k]) for k in ("non200", "err_connect", "err_read", "err_write", "err_timeout")
                      if stats[k]}
        if pid is not None:
            # One second after the load: Switchboard hands freed memory back to the system
            # when it goes idle (LiteLLM and nginx get the same second).
            time.sleep(1)
            row.rss = rss_mb(pid, tree=rss_tree)
        if target in SWITCHBOARDS:
            # Every request wrk started has ended (answers cut when wrk stopped included):
            # one stuck in flight would never write its ledger row or give back its bytes.
            stuck = in_flight(port)
            if stuck:
                self.failures.append(f"{target} @{connections}: {stuck:.0f} requests still in flight after the load")
                row.note = (row.note + f"; {stuck:.0f} stuck in flight").lstrip("; ")
        if row.incomplete:
            self.failures.append(f"{target} @{connections}: {row.incomplete} of {row.total} answers incomplete "
                                 f"({row.errors})")
        if row.total == 0 and connections == min(self.args.connections):
            self.failures.append(f"{target} @{connections}: not a single answer in {seconds} s")
        log(f"{target} @{connections}: {row.rps:.0f} req/s, p50 {row.p50:.2f} ms, p99 {row.p99:.2f} ms, "
            f"{row.incomplete}/{row.total} incomplete, RSS {row.rss or 0:.1f} MB, "
            f"CPU {row.cpu_us or 0:.0f} us per answer")
        return row

    def compare_ledger(self) -> None:
        """switchboard (ledger on) and ledger-off in alternating runs, `--ledger-rounds` each per
        connection count, the order flipped every round, each run by a newly started process
        (after a 1 s warm-up). On this kind of machine one run's requests/s can be 25% off the
        next one's, and one process can spend 8-10% more CPU per answer than another started the
        same way, for its whole life. Each row is the median run (requests/s, latencies, CPU per
        answer); answers are summed, and RSS is the largest. Each round's two runs are also paired
        (`ledger_pairs`): the geometric mean of their ratios with its 95% confidence interval."""
        samples = 3 if self.args.smoke else 7
        self.measure_startup("switchboard", self.spawn_serve, "/health", samples, 30)
        targets = [("switchboard", None), ("ledger-off", False)]
        probed: set[str] = set()
        for connections in self.args.connections:
            runs: dict[str, list[Row]] = {"switchboard": [], "ledger-off": []}
            for round_ in range(self.args.ledger_rounds):
                for target, ledger in targets if round_ % 2 == 0 else list(reversed(targets)):
                    port = free_port()
                    process = self.spawn_serve(port, target, ledger=ledger)
                    try:
                        wait_ready(process, port, "/health", 30, time.perf_counter())
                        if target not in probed:
                            self.probe(target, port, anthropic=True)
                            probed.add(target)
                        runs[target].append(self.measure(target, port, process.pid, True, False, connections,
                                                         self.args.duration, warm_up=True))
                    finally:
                        self.stop_serve(target, process)
                    time.sleep(1)
            for target in ("switchboard", "ledger-off"):
                self.rows.append(median_row(runs[target]))
            # Each round's two runs, back to back: their ratios vary less than the medians' ratio.
            pairs = list(zip(runs["switchboard"], runs["ledger-off"]))
            self.ledger_pairs[connections] = (
                Ratio.of([(on.rps, off.rps) for on, off in pairs]),
                Ratio.of([(on.cpu_us, off.cpu_us) for on, off in pairs]),
            )
        for target, _ in targets:
            self.scan_log(target, self.dir / f"{target}.log")

    def failed_row(self, target: str, why: str) -> None:
        self.failures.append(f"{target}: failed to start: {why}")
        log(f"{target}: failed to start: {why}")
        for connections in self.args.connections:
            self.rows.append(Row(target, connections, note="failed to start"))

    def skipped_row(self, target: str, why: str) -> None:
        self.notes.append(f"{target} skipped: {why}")
        for connections in self.args.connections:
            self.rows.append(Row(target, connections, note="skipped"))

    # targets

    def target_upstream(self) -> None:
        self.load("upstream", self.upstream_port, self.upstream_process.pid, anthropic=False)

    def target_relay(self) -> None:
        port = free_port()
        process = self.start_relay(port)
        try:
            self.load("relay", port, process.pid, anthropic=False)
        finally:
            self.processes.stop(process)

    def target_ledger_off(self) -> None:
        """The same as `switchboard`, with `"USAGE_DB": false`: what the ledger costs."""
        self.serve_and_load("ledger-off", ledger=False)

    def target_switchboard(self) -> None:
        samples = 3 if self.args.smoke else 7
        self.measure_startup("switchboard", self.spawn_serve, "/health", samples, 30)
        self.serve_and_load("switchboard", ledger=None)

    def serve_and_load(self, target: str, ledger: bool | None) -> None:
        """Starts `switchboard serve` (the ledger on or off, None: as BENCH_LEDGER says), loads it
        at every connection count, stops it and reads its log."""
        port = free_port()
        process = self.spawn_serve(port, target, ledger=ledger)
        wait_ready(process, port, "/health", 30, time.perf_counter())
        try:
            self.load(target, port, process.pid, anthropic=True, rss_tree=False)
        finally:
            self.stop_serve(target, process)
        self.scan_log(target, self.dir / f"{target}.log")

    def stop_serve(self, target: str, process: subprocess.Popen) -> None:
        """SIGTERM; anything but a clean exit is a failure."""
        code = self.processes.stop(process, grace=15)
        if code not in (0, -signal.SIGTERM):
            self.failures.append(f"{target}: switchboard serve exited with status {code} on SIGTERM")

    def target_dashboard(self) -> None:
        port = free_port()
        env = self.switchboard_env()
        log_file = self.dir / "dashboard.log"
        command = "exec env " + " ".join(shlex.quote(f"{k}={env[k]}") for k in ("HOME", "XDG_STATE_HOME")) + \
            " LANG=C.UTF-8 TERM=tmux-256color " + " ".join(shlex.quote(a) for a in [
                str(self.binary), "--config", str(self.switchboard_config()), "--port", str(port),
                "--log-file", str(log_file)])
        width, height = DASHBOARD_SIZE
        pid = self.tmux.start(command, width, height)
        started = time.perf_counter()
        try:
            while True:
                if self.tmux.pane_dead():
                    raise StartError("the dashboard exited: " + self.tmux.capture().strip()[-500:])
                try:
                    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                    connection.request("GET", "/health")
                    if connection.getresponse().status == 200:
                        break
                except (OSError, http.client.HTTPException):
                    pass
                if time.perf_counter() - started > 30:
                    raise StartError("did not answer GET /health within 30 s")
                time.sleep(0.005)
            time.sleep(0.3)
            screen = self.tmux.capture()
            if "headless" in screen or not screen.strip():
                raise StartError("the dashboard did not open in tmux: " + screen.strip()[-500:])
            self.load("dashboard", port, pid, anthropic=True, rss_tree=False)
            screen = self.tmux.capture()
            (self.dir / "dashboard-screen.txt").write_text(screen)
            self.dashboard_screen = screen
        finally:
            self.tmux.send("q")
            deadline = time.monotonic() + 15
            while time.monotonic() < deadline and not self.tmux.pane_dead():
                time.sleep(0.05)
            if not self.tmux.pane_dead():
                self.failures.append("the dashboard did not exit within 15 s of `q`")
            self.tmux.kill()
        self.scan_log("dashboard", log_file)

    def target_litellm(self) -> None:
        if not self.litellm_available():
            self.skipped_row("litellm", f"no litellm in the venv at {self.venv}")
            return
        extra = 0 if self.args.smoke else 2
        if extra:
            self.measure_startup("litellm", self.spawn_litellm, "/health/liveliness", extra, 180)
        port = free_port()
        started = time.perf_counter()
        process = self.spawn_litellm(port)
        try:
            seconds = wait_ready(process, port, "/health/liveliness", 180, started)
        except StartError as error:
            self.processes.stop(process)
            raise StartError(f"litellm {error}: {(self.dir / 'litellm.log').read_text(errors='replace')[-1500:]}")
        self.startup.setdefault("litellm", []).append(seconds)
        log(f"litellm: listening after {seconds * 1000:.0f} ms")
        try:
            self.load("litellm", port, process.pid, anthropic=True, rss_tree=True)
        finally:
            self.processes.stop(process, grace=15)
        self.scan_log("litellm", self.dir / "litellm.log")

    def scan_log(self, name: str, path: pathlib.Path) -> None:
        """Notes what a target's log says beyond one 200 line per request."""
        if not path.exists():
            return
        lines = path.read_text(errors="replace").splitlines()
        if name in SWITCHBOARDS:
            statuses: dict[str, int] = {}
            odd = []
            for line in lines:
                match = re.search(r" POST /v1/messages (\d{3}) ", line)
                if match:
                    statuses[match.group(1)] = statuses.get(match.group(1), 0) + 1
                    if match.group(1) in ("200", "499"):
                        continue
                fields = line.split()
                if len(fields) > 1 and fields[1] in ("warning", "error", "critical") or match:
                    odd.append(line)
            summary = ", ".join(f"{status}: {count}" for status, count in sorted(statuses.items()))
            note = f"{name} log: requests by status {{{summary}}}"
            if "499" in statuses:
                note += " (499: answers cut when wrk stopped at the end of a run)"
            if odd:
                note += f"; {len(odd)} other warning/error lines, e.g. {odd[0][:300]!r}"
            self.notes.append(note)
            return
        bad = [l for l in lines if re.search(r"\b(error|critical|fatal|traceback|exception)\b", l, re.I)]
        if bad:
            self.notes.append(f"{name} log: {len(bad)} of {len(lines)} lines mention an error, e.g. {bad[0][:300]!r}")

    def run_translator(self) -> None:
        # A target of the main package (sources in bench/translator), so it shares the release
        # build of the dependencies with the switchboard binary.
        log("translator: script/release-build --product translator-bench")
        build = subprocess.run([str(ROOT / "script" / "release-build"), "--product", "translator-bench"],
                               cwd=ROOT, capture_output=True, text=True)
        if build.returncode != 0:
            raise StartError("translator build failed:\n" + (build.stdout + build.stderr)[-3000:])
        binary = ROOT / ".build" / "release" / "translator-bench"
        seconds = 0.4 if self.args.smoke else self.args.translator_seconds
        result = subprocess.run([str(binary), "--stream", str(self.stream_file), "--seconds", str(seconds)],
                                capture_output=True, text=True, timeout=120)
        if result.returncode != 0:
            raise StartError(f"translator-bench failed: {result.stdout[-1000:]}{result.stderr[-2000:]}")
        for line in result.stdout.splitlines():
            if line.startswith("PARSER "):
                fields = dict(f.split("=", 1) for f in line.split()[1:] if "=" in f)
                self.parser[fields["doc"]] = fields
                continue
            if not line.startswith("TRANSLATOR "):
                continue
            fields = dict(f.split("=", 1) for f in line.split()[1:] if "=" in f)
            if line.split()[1] == "check":
                self.translator_check = fields
            else:
                self.translator[fields["stage"]] = fields
        log(f"translator: {self.translator.get('full', {}).get('chunks_per_s', '?')} chunks/s")

    def run_sessions(self) -> None:
        # The session listing (bench/sessions): generated transcripts listed cold and warm. The
        # smoke run lists 300 (completeness only); a full run the 10,000.
        # Same flags as every other release build here (script/release-build), so nothing is rebuilt.
        log("sessions: script/release-build --product sessions-bench")
        build = subprocess.run([str(ROOT / "script" / "release-build"), "--product", "sessions-bench"],
                               cwd=ROOT, capture_output=True, text=True)
        if build.returncode != 0:
            raise StartError("sessions-bench build failed:\n" + (build.stdout + build.stderr)[-3000:])
        count = "300" if self.args.smoke else "10000"
        result = subprocess.run([str(ROOT / ".build" / "release" / "sessions-bench"), count],
                                capture_output=True, text=True, timeout=600)
        if result.returncode != 0:
            raise StartError(f"sessions-bench failed: {result.stdout[-1000:]}{result.stderr[-2000:]}")
        self.sessions = result.stdout.strip().splitlines()
        log(f"sessions: {self.sessions[-2] if len(self.sessions) > 1 else '?'}")

    # orchestration

    def resolve_binary(self) -> None:
        configured = os.environ.get("SWITCHBOARD_BINARY")
        if configured:
            self.binary = pathlib.Path(configured)
        else:
            log("SWITCHBOARD_BINARY is not set: script/release-build --product switchboard")
            build = subprocess.run([str(ROOT / "script" / "release-build"), "--product", "switchboard"], cwd=ROOT)
            if build.returncode != 0:
                raise StartError("swift build failed")
            self.binary = ROOT / ".build" / "release" / "switchboard"
        if not os.access(self.binary, os.X_OK):
            raise StartError(f"no switchboard binary at {self.binary}")
        version = subprocess.run([str(self.binary), "--version"], capture_output=True, text=True)
        self.versions["switchboard"] = (version.stdout or version.stderr).strip().splitlines()[0] if (
            version.stdout or version.stderr).strip() else "?"

    def collect_versions(self) -> None:
        def first_line(argv):
            try:
                out = subprocess.run(argv, capture_output=True, text=True, timeout=30)
                return (out.stdout + out.stderr).strip().splitlines()[0]
            except (OSError, IndexError, subprocess.TimeoutExpired):
                return "?"
        self.versions["nginx"] = first_line(["nginx", "-v"]).replace("nginx version: ", "")
        self.versions["wrk"] = first_line(["wrk", "-v"]).split(" Copyright")[0]
        if self.litellm_available():
            self.versions["litellm"] = first_line([
                str(self.venv / "bin" / "python"), "-c",
                "import importlib.metadata as m; print(m.version('litellm'))"])

    def run(self) -> None:
        names = self.args.only
        self.stream_file.parent.mkdir(parents=True)
        self.stream_file.write_bytes(canned_stream())
        self.body_file.write_text(json.dumps(REQUEST))
        self.collect_versions()
        if set(SWITCHBOARDS) & set(names):
            try:
                self.resolve_binary()
            except StartError as error:
                for target in SWITCHBOARDS:
                    if target in names:
                        self.failed_row(target, str(error))
                names = [n for n in names if n not in SWITCHBOARDS]
        if set(names) & set(LOAD_TARGETS):
            self.upstream_process = self.start_upstream()
            check = subprocess.run(["curl", "-sS", "-X", "POST", "--data-binary", f"@{self.body_file}",
                                    f"http://127.0.0.1:{self.upstream_port}/v1/chat/completions"],
                                   capture_output=True)
            if check.stdout != self.stream_file.read_bytes():
                raise StartError("the nginx upstream does not serve the canned stream to POST")
        compare = {"switchboard", "ledger-off"} <= set(names)
        for target in LOAD_TARGETS:
            if target not in names or (compare and target == "ledger-off"):
                continue
            try:
                if compare and target == "switchboard":
                    self.compare_ledger()
                else:
                    getattr(self, f"target_{target.replace('-', '_')}")()
            except StartError as error:
                self.failed_row(target, str(error))
                if compare and target == "switchboard":
                    self.failed_row("ledger-off", str(error))
        if "translator" in names:
            try:
                self.run_translator()
            except (StartError, subprocess.TimeoutExpired) as error:
                self.failures.append(f"translator: {error}")
                log(f"translator: {error}")
        if "sessions" in names:
            try:
                self.run_sessions()
            except (StartError, subprocess.TimeoutExpired) as error:
                self.failures.append(f"sessions: {error}")
                log(f"sessions: {error}")

    def run_soak(self) -> str:
        """`--soak`: at least `--soak-requests` answers through `switchboard serve` at
        `--connections` (default 32), in rounds of `--duration` seconds; prints RSS and open file
        descriptors at the start, after every round and at the end, and counts every answer lost."""
        connections = self.args.connections[0]
        wanted = self.args.soak_requests
        self.stream_file.parent.mkdir(parents=True)
        self.stream_file.write_bytes(canned_stream())
        self.body_file.write_text(json.dumps(REQUEST))
        self.resolve_binary()
        self.upstream_process = self.start_upstream()
        port = free_port()
        process = self.spawn_serve(port)
        wait_ready(process, port, "/health", 30, time.perf_counter())
        base = f"http://127.0.0.1:{port}"
        self.probe("switchboard", port, anthropic=True)
        lines = [f"soak: {self.binary} at {connections} connections, until {wanted:,} answers"]

        def sample(label: str) -> tuple[float, int]:
            rss, fds = rss_mb(process.pid, tree=False), open_fds(process.pid)
            lines.append(f"soak: {label}: RSS {rss:.1f} MB, open fds {fds}")
            log(lines[-1])
            return rss, fds

        start_rss, start_fds = sample("start (listening, one answer served)")
        total = incomplete = 0
        errors: dict[str, int] = {}
        started = time.monotonic()
        rounds = 0
        while total < wanted:
            stats = run_wrk(base, "/v1/messages", MARK_ANTHROPIC, self.body_file, connections, self.args.duration)
            rounds += 1
            total += stats["total_all"]
            incomplete += stats["incomplete_all"]
            for key in ("non200", "err_connect", "err_read", "err_write", "err_timeout"):
                if stats[key]:
                    errors[key] = errors.get(key, 0) + int(stats[key])
            time.sleep(1)
            sample(f"round {rounds}: {total:,} answers, {stats['rps']:.0f} req/s, p99 {stats['p99_ms']:.1f} ms, "
                   f"{incomplete} incomplete")
        elapsed = time.monotonic() - started
        # Idle a few seconds (the proxy trims freed memory when it goes idle), then the end figures.
        time.sleep(5)
        end_rss, end_fds = sample("end (5 s idle after the load)")
        code = self.processes.stop(process, grace=15)
        if code not in (0, -signal.SIGTERM):
            self.failures.append(f"switchboard serve exited with status {code} on SIGTERM")
        self.scan_log("switchboard", self.dir / "switchboard.log")
        if incomplete:
            self.failures.append(f"soak: {incomplete} of {total} answers incomplete ({errors})")
        lines.append(f"soak: {total:,} answers in {elapsed:.0f} s ({total / elapsed:.0f} req/s), "
                     f"{incomplete} incomplete, errors {errors or 'none'}")
        lines.append(f"soak: RSS {start_rss:.1f} -> {end_rss:.1f} MB, open fds {start_fds} -> {end_fds}")
        lines.extend(f"soak: note: {note}" for note in self.notes)
        lines.extend(f"soak: FAILED: {failure}" for failure in self.failures)
        return "\n".join(lines) + "\n"

    def teardown(self) -> None:
        self.tmux.kill()
        self.processes.stop_all()

    # report

    def report(self) -> str:
        out: list[str] = []
        now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        cpu = "?"
        try:
            cpu = next(l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name"))
        except (OSError, StopIteration):
            pass
        mode = "smoke" if self.args.smoke else "full"
        out.append(f"Switchboard benchmark ({mode}), {now}")
        out.append(f"machine: {os.cpu_count()} cores ({cpu}), {platform.system()} {platform.release()}")
        out.append("versions: " + ", ".join(f"{k} {v}" for k, v in self.versions.items()))
        if self.binary:
            out.append(f"binary: {self.binary}")
        out.append(f"load: wrk, {WRK_THREADS} threads, {self.args.duration} s per run (a 1 s warm-up per target); "
                   f"upstream stream: 100 content chunks + usage + [DONE], {self.stream_file.stat().st_size} bytes")
        if self.probes:
            out.append("one answer each, checked against the canned text: "
                       + "; ".join(f"{k} {v}" for k, v in self.probes.items()))
        out.append("")
        header = f"{'target':<12} {'conns':>5} {'req/s':>10} {'p50 ms':>8} {'p99 ms':>8} {'incomplete/total':>18} " \
                 f"{'RSS MB':>7} {'CPU us/req':>10}  note"
        out.append(header)
        out.append("-" * len(header))
        order = {name: index for index, name in enumerate(LOAD_TARGETS)}
        for row in sorted(self.rows, key=lambda r: (order.get(r.target, 99), r.connections)):
            if row.rps is not None and row.total == 0:
                out.append(f"{row.target:<12} {row.connections:>5} {0:>10.1f} {'-':>8} {'-':>8} {'0/0':>18} "
                           f"{row.rss or 0:>7.1f} {'-':>10}  no answer within the run {row.note}".rstrip())
                continue
            if row.rps is None:
                out.append(f"{row.target:<12} {row.connections:>5} {'-':>10} {'-':>8} {'-':>8} {'-':>18} {'-':>7} "
                           f"{'-':>10}  {row.note}")
                continue
            note = row.note
            if row.errors:
                note = (note + " " + " ".join(f"{k}={v}" for k, v in row.errors.items())).strip()
            rss = f"{row.rss:.1f}" if row.rss is not None else "-"
            cpu = f"{row.cpu_us:.0f}" if row.cpu_us is not None else "-"
            out.append(f"{row.target:<12} {row.connections:>5} {row.rps:>10.1f} {row.p50:>8.2f} {row.p99:>8.2f} "
                       f"{f'{row.incomplete}/{row.total}':>18} {rss:>7} {cpu:>10}  {note}")
        out.append("")

        def find(target: str, connections: int) -> Row | None:
            return next((r for r in self.rows if r.target == target and r.connections == connections
                         and r.rps is not None), None)

        ratios = []
        for connections in self.args.connections:
            sb = find("switchboard", connections)
            parts = []
            for other, label in (("relay", "Switchboard/relay"), ("litellm", "Switchboard/LiteLLM"),
                                 ("dashboard", "dashboard/headless"), ("ledger-off", "ledger on/off")):
                row = find(other, connections)
                if sb and row and sb.rps and row.rps:
                    value = row.rps / sb.rps if other == "dashboard" else sb.rps / row.rps
                    parts.append(f"{label} {value * 100:.1f}%" if other != "litellm" else f"{label} {value:.1f}x")
                    if other == "ledger-off" and sb.cpu_us and row.cpu_us:
                        parts[-1] += f" (CPU per answer {(sb.cpu_us / row.cpu_us - 1) * 100:+.1f}%)"
                    paired = self.ledger_pairs.get(connections, (None, None))[0] if other == "ledger-off" else None
                    if paired and paired.low is not None:
                        parts[-1] += f", paired {paired.text()}"
            if parts:
                ratios.append(f"  @{connections}: " + ", ".join(parts))
        if ratios:
            out.append("ratios (requests/s):")
            out.extend(ratios)
        if self.startup:
            out.append("start to listening (spawn to first 200 from the health endpoint, median of n):")
            for name, samples in self.startup.items():
                ms = [s * 1000 for s in samples]
                out.append(f"  {name:<12} {statistics.median(ms):9.1f} ms  (n={len(ms)}, min {min(ms):.1f}, "
                           f"max {max(ms):.1f})")
        if self.translator:
            check = self.translator_check
            out.append(f"translator micro benchmark (release loop; {check.get('chunks_per_stream', '?')} JSON chunks "
                       f"per stream, {check.get('output_bytes_per_stream', '?')} bytes of Anthropic SSE out; "
                       "cumulative stages):")
            out.append(f"  {'stage':<10} {'chunks/s':>12} {'ns/chunk':>9} {'allocs/chunk':>13} {'bytes/chunk':>12}")
            for stage in ("parse", "chunk", "translate", "full"):
                if stage in self.translator:
                    t = self.translator[stage]
                    out.append(f"  {stage:<10} {float(t['chunks_per_s']):>12,.0f} {float(t['ns_per_chunk']):>9.0f} "
                               f"{float(t['allocs_per_chunk']):>13.2f} {float(t['bytes_per_chunk']):>12.0f}")
        if self.parser:
            out.append("JSON parser (release loop, whole documents):")
            for name, p in self.parser.items():
                out.append(f"  {name:<12} {int(p['bytes']):>10,} bytes  {float(p['mb_per_s']):>8.1f} MB/s")
        if self.sessions:
            out.append("session listing (bench/sessions-list, generated transcripts):")
            out.extend(f"  {line}" for line in self.sessions)
        out.extend(self.targets())
        if self.notes:
            out.append("notes:")
            out.extend(f"  {note}" for note in self.notes)
        if self.failures:
            out.append("FAILURES:")
            out.extend(f"  {failure}" for failure in self.failures)
        return "\n".join(out) + "\n"

    def targets(self) -> list[str]:
        def find(target: str, connections: int) -> Row | None:
            return next((r for r in self.rows if r.target == target and r.connections == connections
                         and r.rps is not None), None)
        lines = []

        def check(ok: bool | None, text: str) -> None:
            lines.append(f"  [{'met' if ok else 'MISSED' if ok is not None else 'n/a'}] {text}")

        sb16, relay16, lite16 = find("switchboard", 16), find("relay", 16), find("litellm", 16)
        sb16, relay16, lite16 = (r if r and r.rps else None for r in (sb16, relay16, lite16))
        if sb16 and relay16:
            share = sb16.rps / relay16.rps
            check(share >= TARGET_RELAY_SHARE, f"Switchboard @16 >= {TARGET_RELAY_SHARE:.0%} of the relay: "
                                               f"{share:.1%}")
        if sb16 and lite16:
            factor = sb16.rps / lite16.rps
            check(factor >= TARGET_LITELLM_FACTOR, f"Switchboard @16 >= {TARGET_LITELLM_FACTOR}x LiteLLM: "
                                                   f"{factor:.1f}x")
        if sb16:
            check(sb16.p99 <= TARGET_P99_MS, f"Switchboard @16 p99 <= {TARGET_P99_MS} ms: {sb16.p99:.2f} ms")
        for target in ("switchboard", "dashboard"):
            high = [r for r in self.rows if r.target == target and r.connections >= 256 and r.rps is not None]
            for row in high:
                check(row.incomplete == 0, f"{target} @{row.connections}: zero incomplete answers: "
                                           f"{row.incomplete}/{row.total}")
        for target in ("switchboard", "dashboard"):
            rss = [r.rss for r in self.rows if r.target == target and r.rss is not None]
            if rss:
                check(max(rss) <= TARGET_RSS_MB, f"{target} RSS after load <= {TARGET_RSS_MB} MB: {max(rss):.1f} MB")
        if "switchboard" in self.startup:
            ms = statistics.median(self.startup["switchboard"]) * 1000
            check(ms <= TARGET_LISTEN_MS, f"Switchboard listening within {TARGET_LISTEN_MS} ms: {ms:.1f} ms")
        for connections in self.args.connections:
            on, off = find("switchboard", connections), find("ledger-off", connections)
            if on and off and on.rps and off.rps:
                cpu = ""
                if on.cpu_us and off.cpu_us:
                    cpu = f" (CPU per answer {on.cpu_us:.0f} against {off.cpu_us:.0f} us, " \
                          f"{(on.cpu_us / off.cpu_us - 1) * 100:+.1f}%)"
                text = f"ledger on @{connections} within {TARGET_LEDGER_COST:.0%} of off: {on.rps:.0f} against " \
                       f"{off.rps:.0f} req/s, {on.rps / off.rps:.1%}{cpu}"
                rps, cpu_ratio = self.ledger_pairs.get(connections, (None, None))
                if rps is None or rps.low is None:
                    # One pair cannot settle a 5% line: a process's own speed varies more than that
                    # on a small machine. Judged by paired rounds only (--ledger-rounds).
                    check(None, text + "; one round, no interval: judged by paired rounds (--ledger-rounds 50)")
                    continue
                # Met when the whole confidence interval is above the line, missed when it is all below.
                text += f"; paired over {rps.pairs} rounds: requests/s {rps.text()}"
                if cpu_ratio and cpu_ratio.low is not None:
                    text += f", CPU per answer {cpu_ratio.text(change=True)}"
                line = 1 - TARGET_LEDGER_COST
                check(True if rps.low >= line else False if rps.high < line else None, text)
        for connections in self.args.connections:
            sb, dash = find("switchboard", connections), find("dashboard", connections)
            if sb and dash and sb.rps:
                share = dash.rps / sb.rps
                check(share >= TARGET_DASHBOARD_SHARE,
                      f"dashboard @{connections} >= {TARGET_DASHBOARD_SHARE:.0%} of headless: {share:.1%}")
        if lines:
            note = " (informational: timings never fail the run)"
            if self.args.smoke:
                note = " (smoke: runs too short to judge; informational only)"
            if self.binary and "/debug/" in str(self.binary):
                note += "; this is a DEBUG build: its timings say nothing about release"
            return [f"targets (issues 5 and 8){note}:"] + lines
        return []


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="bench/run", description="Benchmark Switchboard beside an nginx relay and LiteLLM (see bench/README.md).")
    parser.add_argument("--smoke", action="store_true",
                        help="CI mode: short runs; fails only on incomplete answers, a target that does not start "
                             "or a missing table")
    parser.add_argument("--duration", type=int, help="seconds per target per connection count (default 10; smoke 2)")
    parser.add_argument("--connections", help="comma-separated connection counts (default 16,256)")
    parser.add_argument("--only", help=f"comma-separated subset of: {','.join(ALL_NAMES)}")
    parser.add_argument("--translator-seconds", type=float, default=3.0,
                        help="seconds for the translator's full stage (default 3; smoke 0.4)")
    parser.add_argument("--ledger-rounds", type=int,
                        help="rounds of one switchboard and one ledger-off run per connection count, each by "
                             "a new process: medians, and the paired ratio with its 95%% CI (default 5; smoke 1)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory (configs, logs)")
    parser.add_argument("--soak", action="store_true",
                        help="soak: --soak-requests answers through switchboard serve at --connections (default 32) "
                             "in rounds of --duration s (default 60); RSS and open fds at start and end")
    parser.add_argument("--soak-requests", type=int, default=1_000_000, help="answers in a soak (default 1,000,000)")
    args = parser.parse_args(argv)
    if args.soak and args.smoke:
        parser.error("--soak and --smoke do not go together")
    if args.soak:
        args.duration = args.duration or 60
        args.connections = args.connections or "32"
    args.duration = args.duration or (2 if args.smoke else 10)
    args.ledger_rounds = args.ledger_rounds or (1 if args.smoke else 5)
    if args.ledger_rounds < 1:
        parser.error("--ledger-rounds must be at least 1")
    if args.duration < 1:
        parser.error("--duration must be at least 1")
    try:
        args.connections = [int(c) for c in (args.connections or "16,256").split(",") if c]
    except ValueError:
        parser.error("--connections takes numbers separated by commas")
    if not args.connections or min(args.connections) < 1:
        parser.error("--connections needs positive numbers")
    args.only = [n.strip() for n in args.only.split(",") if n.strip()] if args.only else list(ALL_NAMES)
    unknown = set(args.only) - set(ALL_NAMES)
    if unknown:
        parser.error(f"unknown name(s) for --only: {', '.join(sorted(unknown))}; choose from {', '.join(ALL_NAMES)}")
    return args


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    for tool in ("nginx", "wrk", "tmux", "curl"):
        if shutil.which(tool) is None:
            print(f"bench: {tool} is not installed (script/bootstrap --test installs it)", file=sys.stderr)
            return 1
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < 65536:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 65536), hard))

    def terminate(signum, _frame):
        raise SystemExit(128 + signum)

    # Ctrl-C stops the run even when started from a shell that ignores SIGINT for background jobs.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, terminate)
    signal.signal(signal.SIGHUP, terminate)
    directory = pathlib.Path(tempfile.mkdtemp(prefix="switchboard-bench-"))
    os.chmod(directory, 0o755)
    bench = Bench(args, directory)
    started = time.monotonic()
    try:
        if args.soak:
            try:
                print(bench.run_soak(), end="", flush=True)
            except StartError as error:
                bench.failures.append(str(error))
                log(f"soak: {error}")
            finally:
                bench.teardown()
            return 1 if bench.failures else 0
        try:
            bench.run()
        except StartError as error:
            bench.failures.append(str(error))
        finally:
            bench.teardown()
        table = bench.report()
        print(table, end="", flush=True)
        if not args.smoke:
            out = BENCH / "out"
            out.mkdir(exist_ok=True)
            path = out / (datetime.datetime.now().strftime("%Y%m%d-%H%M%S") + ".txt")
            path.write_text(table)
            log(f"saved {path.relative_to(ROOT)}")
    except KeyboardInterrupt:
        log("interrupted; everything started here is stopped")
        return 130
    finally:
        if args.keep:
            log(f"kept {directory}")
        else:
            shutil.rmtree(directory, ignore_errors=True)
    log(f"done in {time.monotonic() - started:.0f} s")
    return 1 if bench.failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
