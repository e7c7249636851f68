"""Fixtures for the end-to-end suite: the scripted upstream and `switchboard serve`.

The binary is `$SWITCHBOARD_BINARY`, else `.build/debug/switchboard` in the repository.
"""

from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys
import tempfile
import time
import urllib.request

import pytest

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent.parent


def binary() -> pathlib.Path:
    path = pathlib.Path(os.environ.get("SWITCHBOARD_BINARY", ROOT / ".build" / "debug" / "switchboard"))
    if not path.exists():
        pytest.fail(f"switchboard binary not found at {path}; run `swift build` first", pytrace=False)
    return path


class Upstream:
    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, str(HERE / "scripted_upstream.py"), "--port", "0"],
            stdout=subprocess.PIPE, text=True,
        )
        line = self.process.stdout.readline()
        if not line.startswith("LISTENING "):
            raise RuntimeError(f"scripted upstream did not start: {line!r}")
        self.port = int(line.split()[1])
        self.base = f"http://127.0.0.1:{self.port}"

    def call(self, method: str, path: str, body=None):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base + path, data=data, method=method,
                                         headers={"content-type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read() or b"null")

    def script(self, model: str, responses: list, repeat_last: bool = False) -> None:
        self.call("POST", "/_script", {"model": model, "responses": responses, "repeat_last": repeat_last})

    def requests(self, model: str) -> list:
        return self.call("GET", f"/_requests?model={model}")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(5)
        except subprocess.TimeoutExpired:
            self.process.kill()


class Switchboard:
    """`switchboard serve` on a free port with a config pointing at the upstream."""

    PROVIDER_KEY = "sk-provider-e2e-0123456789"

    def __init__(self, upstream: Upstream, models: list[str], routes: dict[str, str],
                 providers: list | None = None, extra: dict | None = None,
                 scripted_extra: dict | None = None) -> None:
        self.dir = tempfile.TemporaryDirectory()
        config = {
            "Providers": [{
                "name": "scripted",
                "api_base_url": f"{upstream.base}/v1",
                "api_key": self.PROVIDER_KEY,
                "models": models,
                **(scripted_extra or {}),
            }] + (providers or []),
            "Router": routes,
            "API_TIMEOUT_MS": 20000,
        }
        config.update(extra or {})
        self.config_path = pathlib.Path(self.dir.name) / "config.json"
        self.config_path.write_text(json.dumps(config))
        self.stderr_path = pathlib.Path(self.dir.name) / "stderr.log"
        self.stderr = open(self.stderr_path, "w")
        env = dict(os.environ, HOME=self.dir.name)
        self.process = subprocess.Popen(
            [str(binary()), "serve", "--config", str(self.config_path), "--port", "0"],
            stdout=subprocess.PIPE, stderr=self.stderr, text=True, env=env,
        )
        line = self.process.stdout.readline()
        if "listening on" not in line:
            self.stop()
            raise RuntimeError(f"switchboard did not start: {line!r}\n{self.stderr_path.read_text()}")
        self.url = line.strip().rsplit(" ", 1)[-1]

    def log(self) -> str:
        self.stderr.flush()
        return self.stderr_path.read_text()

    def stop(self) -> int:
        self.process.terminate()
        try:
            code = self.process.wait(15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            code = self.process.wait()
        self.stderr.close()
        return code


@pytest.fixture(scope="session")
def upstream():
    server = Upstream()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def switchboard(upstream):
    models = ["e2e-default", "e2e-background", "e2e-think", "e2e-agent"]
    proxy = Switchboard(upstream, models, {
        "default": "scripted,e2e-default",
        "background": "scripted,e2e-background",
        "think": "scripted,e2e-think",
    })
    yield proxy
    proxy.stop()


def unique(name: str) -> str:
    """A model name no other test uses (explicit `provider,model` routing reaches it)."""
    return f"{name}-{time.monotonic_ns()}"
