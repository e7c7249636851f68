"""`switchboard claude`: the real Claude Code CLI pointed at Switchboard, with a proxy started for
its life when none is running, and Claude Code's exit status."""

from __future__ import annotations

import os
import pathlib
import socket
import subprocess
import tempfile

from conftest import binary, unique
from test_claude_code import claude_binary


def free_port() -> int:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


def run(args: list[str], home: str) -> subprocess.CompletedProcess:
    bin_dir = pathlib.Path(home) / "bin"
    bin_dir.mkdir(exist_ok=True)
    link = bin_dir / "claude"
    if not link.exists():
        link.symlink_to(claude_binary())
    env = {"PATH": f"{bin_dir}:{os.environ.get('PATH', '/usr/bin:/bin')}", "HOME": home}
    return subprocess.run([str(binary()), "claude", *args], cwd=home, env=env, stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=180)


def listening(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def test_starts_a_proxy_for_claude_codes_life_when_none_runs(switchboard, upstream):
    home = tempfile.mkdtemp(prefix="sb-claude-")
    model = "e2e-default"
    upstream.script(model, [{"text_stream": {"text": "answered through a proxy of its own"}}])
    port = free_port()
    result = run(["--config", str(switchboard.config_path), "--port", str(port), "-p", "Say hi"], home)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "answered through a proxy of its own" in result.stdout
    assert not listening(port), "the proxy outlived Claude Code"
    log = pathlib.Path(home) / ".local" / "state" / "switchboard" / "switchboard-claude.log"
    assert f"started for Claude Code on http://127.0.0.1:{port}" in log.read_text()
    assert "POST /v1/messages 200" in log.read_text()
    assert "POST /v1/messages" not in result.stderr, "the proxy's log must not reach Claude Code's terminal"
    assert switchboard.PROVIDER_KEY not in log.read_text()


def test_uses_the_running_switchboard(switchboard, upstream):
    home = tempfile.mkdtemp(prefix="sb-claude-")
    upstream.script("e2e-default", [{"text_stream": {"text": "answered by the running one"}}])
    port = switchboard.url.rsplit(":", 1)[1]
    before = switchboard.log().count("POST /v1/messages 200")
    result = run(["--config", str(switchboard.config_path), "--port", port, "-p", "Say hi"], home)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "answered by the running one" in result.stdout
    assert switchboard.log().count("POST /v1/messages 200") > before
    assert not (pathlib.Path(home) / ".local" / "state" / "switchboard" / "switchboard-claude.log").exists()


def test_the_exit_status_is_claude_codes(switchboard, upstream):
    home = tempfile.mkdtemp(prefix="sb-claude-")
    model = unique("e2e-claude-fails")
    upstream.script(model, [{"status": 400, "json": {"error": {"message": "this request is refused"}}}],
                    repeat_last=True)
    port = switchboard.url.rsplit(":", 1)[1]
    result = run(["--config", str(switchboard.config_path), "--port", port, "--model", f"scripted,{model}",
                  "-p", "Say hi"], home)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "this request is refused" in result.stdout + result.stderr
    missing = subprocess.run([str(binary()), "claude", "-p", "hi"], env={"PATH": "/nonexistent", "HOME": home},
                             capture_output=True, text=True, timeout=30)
    assert missing.returncode == 127
    assert "Claude Code is not on PATH" in missing.stderr
