"""`switchboard setup` ending with its proof: one line from the real Claude Code CLI (the `claude`
on PATH) through the set-up it just wrote, with Switchboard started for the purpose; and the
exact reason when it cannot."""

from __future__ import annotations

import json
import os
import pathlib
import subprocess
import tempfile

from conftest import binary, unique
from test_claude_code import claude_binary
from test_switchboard_claude import free_port, listening

KEY = "nvapi-e2e-setup-5b7c2d"


def setup(home: str, upstream, model: str, port: int, with_claude: bool) -> subprocess.CompletedProcess:
    bin_dir = pathlib.Path(home) / "bin"
    bin_dir.mkdir(exist_ok=True)
    if with_claude:
        (bin_dir / "claude").symlink_to(claude_binary())
    env = {
        "PATH": f"{bin_dir}:/usr/bin:/bin", "HOME": home, "NVIDIA_API_KEY": KEY,
        "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1", "LANG": "C.UTF-8",
    }
    return subprocess.run(
        [str(binary()), "setup", "--provider", "nvidia", "--key-env", "NVIDIA_API_KEY",
         "--base-url", upstream.base + "/v1", "--models", model, "--port", str(port), "--yes"],
        cwd=home, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=300)


def test_the_proof_is_an_answer_from_claude_code_through_the_settings_file(upstream):
    home = tempfile.mkdtemp(prefix="sb-setup-")
    model = unique("e2e-setup")
    upstream.script(model, [{"model": {}}])
    port = free_port()
    result = setup(home, upstream, model, port, with_claude=True)
    assert result.returncode == 0, result.stdout + result.stderr
    # The simulated model answers a plain prompt by counting; that line came back through Claude Code.
    assert "Claude Code answered through Switchboard: 1 2 3" in result.stdout, result.stdout + result.stderr
    assert KEY not in result.stdout + result.stderr
    # Claude Code found Switchboard through its settings file alone, and the proxy was stopped after.
    settings = json.loads((pathlib.Path(home) / ".claude" / "settings.json").read_text())
    assert settings["env"]["ANTHROPIC_BASE_URL"] == f"http://127.0.0.1:{port}"
    claude_requests = [r for r in upstream.requests(model) if "claude-cli" in r["headers"].get("user-agent", "")
                       or len((r.get("body") or {}).get("tools") or []) > 3]
    assert claude_requests, "no request from Claude Code reached the provider"
    assert not listening(port), "the proxy started for the proof outlived it"


def test_without_claude_on_path_the_proof_says_why(upstream):
    home = tempfile.mkdtemp(prefix="sb-setup-")
    model = unique("e2e-setup-noclaude")
    upstream.script(model, [{"model": {}}])
    result = setup(home, upstream, model, free_port(), with_claude=False)
    assert result.returncode == 1
    assert "The proof failed: Claude Code is not on PATH" in result.stdout, result.stdout
    # Everything before the proof was still written.
    assert (pathlib.Path(home) / ".config" / "switchboard" / "config.json").exists()
