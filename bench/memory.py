#!/usr/bin/env python3
"""Peak memory of `switchboard serve` under two loads, printed (issue 10's figures):

  1. eight concurrent 20 MB request bodies (count_tokens, so no upstream is needed), with the
     default MAX_REQUEST_BYTES, then with MAX_REQUEST_BYTES=64 MB (the cap refuses what does not fit);
  2. 1,000 idle connections held open.

  bench/memory.py [--binary PATH]     (default: .build/release/switchboard)

Loopback only; each load is bounded in count and time and stops by itself."""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import socket
import subprocess
import tempfile
import threading
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent


def rss(pid: int) -> tuple[int, int]:
    """(VmRSS, VmHWM) in MB."""
    fields = {}
    for line in pathlib.Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(("VmRSS:", "VmHWM:")):
            name, value = line.split(":", 1)
            fields[name] = int(value.split()[0]) // 1024
    return fields["VmRSS"], fields["VmHWM"]


def start(binary: str, extra: dict) -> tuple[subprocess.Popen, int, tempfile.TemporaryDirectory]:
    directory = tempfile.TemporaryDirectory()
    config = {"Providers": [{"name": "p", "api_base_url": "http://127.0.0.1:9/v1", "api_key": "k", "models": ["m"]}],
              "Router": {"default": "p,m"}, "USAGE_DB": False, **extra}
    path = pathlib.Path(directory.name) / "config.json"
    path.write_text(json.dumps(config))
    process = subprocess.Popen([binary, "serve", "--config", str(path), "--port", "0"], stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, text=True, env={"HOME": directory.name, "PATH": "/usr/bin:/bin"})
    port = int(process.stdout.readline().strip().rsplit(":", 1)[1])
    return process, port, directory


def post(port: int, body: bytes, results: list) -> None:
    try:
        send(port, body, results)
    except OSError as error:
        results.append(type(error).__name__)


def send(port: int, body: bytes, results: list) -> None:
    with socket.create_connection(("127.0.0.1", port), timeout=60) as sock:
        sock.sendall(b"POST /v1/messages/count_tokens HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     + f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode() + body)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
        results.append(int(answer.split(b" ", 2)[1]))


def big_bodies(binary: str, extra: dict, label: str) -> None:
    process, port, directory = start(binary, extra)
    try:
        text = "x" * (20 * 1024 * 1024 - 200)
        body = json.dumps({"model": "m", "messages": [{"role": "user", "content": text}]}).encode()
        before = rss(process.pid)[0]
        results: list[int] = []
        threads = [threading.Thread(target=post, args=(port, body, results)) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
        now, peak = rss(process.pid)
        statuses = {status: results.count(status) for status in sorted(set(results), key=str)}
        print(f"MEMORY load=8x20MB {label} rss_before_mb={before} peak_rss_mb={peak} rss_after_mb={now} "
              f"statuses={statuses}")
    finally:
        process.terminate()
        process.wait(15)
        directory.cleanup()


def idle_connections(binary: str, count: int = 1000) -> None:
    process, port, directory = start(binary, {})
    sockets = []
    try:
        before = rss(process.pid)[0]
        for _ in range(count):
            sockets.append(socket.create_connection(("127.0.0.1", port), timeout=10))
        time.sleep(1.0)
        now, peak = rss(process.pid)
        fds = len(os.listdir(f"/proc/{process.pid}/fd"))
        print(f"MEMORY load={count}-idle-connections rss_before_mb={before} rss_mb={now} peak_rss_mb={peak} "
              f"open_fds={fds}")
    finally:
        for sock in sockets:
            sock.close()
        process.terminate()
        process.wait(15)
        directory.cleanup()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", default=str(ROOT / ".build" / "release" / "switchboard"))
    args = parser.parse_args()
    big_bodies(args.binary, {}, "cap=default")
    big_bodies(args.binary, {"MAX_REQUEST_BYTES": 64 * 1024 * 1024}, "cap=64MB")
    idle_connections(args.binary)


if __name__ == "__main__":
    main()
