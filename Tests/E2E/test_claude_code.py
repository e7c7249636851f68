"""The real Claude Code CLI (bundled in the claude-agent-sdk wheel) doing a tool-using task
through `switchboard serve`: the scripted model asks for the Write tool, Claude Code runs it
(the file must really exist), sends the result back, and the model finishes."""

from __future__ import annotations

import json
import os
import pathlib
import subprocess
import tempfile

import claude_agent_sdk
import pytest


def claude_binary() -> pathlib.Path:
    path = pathlib.Path(claude_agent_sdk.__file__).parent / "_bundled" / "claude"
    if not path.exists():
        pytest.fail(f"Claude Code CLI not found at {path}", pytrace=False)
    return path


def run_claude(switchboard, prompt: str, workdir: str, extra_env=None) -> subprocess.CompletedProcess:
    home = tempfile.mkdtemp(prefix="cc-home-")
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": home,
        "ANTHROPIC_BASE_URL": switchboard.url,
        "ANTHROPIC_API_KEY": "sk-ant-client-key-never-forwarded",
        "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
        "CLAUDE_CODE_MAX_RETRIES": "0",
    }
    env.update(extra_env or {})
    return subprocess.run(
        [str(claude_binary()), "-p", prompt, "--allowedTools", "Bash", "Write", "Read", "--output-format", "json"],
        cwd=workdir, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120,
    )


def test_claude_code_writes_a_file_through_switchboard(switchboard, upstream):
    workdir = tempfile.mkdtemp(prefix="cc-work-")
    target = pathlib.Path(workdir) / "hello.txt"
    upstream.script("e2e-default", [{"agent": {
        "tool_name": "Write",
        "arguments": {"file_path": str(target), "content": "hello from switchboard\n"},
        "final_text": "Done: hello.txt written.",
    }}])
    result = run_claude(switchboard, "Create a file named hello.txt containing: hello from switchboard", workdir)
    assert result.returncode == 0, f"claude failed:\nstdout={result.stdout}\nstderr={result.stderr}\nlog={switchboard.log()}"
    report = json.loads(result.stdout)
    assert report["is_error"] is False
    assert "hello.txt written" in report["result"]
    # Claude Code's own Write tool really wrote it.
    assert target.read_text() == "hello from switchboard\n"

    sent = upstream.requests("e2e-default")
    assert len(sent) >= 2
    first, last = sent[0]["body"], sent[-1]["body"]
    assert first["messages"][0]["role"] == "system", "one leading system message"
    assert sum(1 for m in first["messages"] if m["role"] == "system") == 1
    assert any(tool["function"]["name"] == "Write" for tool in first["tools"])
    tool_messages = [m for m in last["messages"] if m["role"] == "tool"]
    assert tool_messages, "the tool result went back as a tool message"
    forbidden = {"metadata", "thinking", "context_management", "output_config", "cache_control"}
    for body in (first, last):
        text = json.dumps(body)
        for key in forbidden:
            assert f'"{key}"' not in text, f"{key} was forwarded upstream"
        assert "sk-ant-client-key-never-forwarded" not in text
    assert all(r["headers"]["authorization"] == f"Bearer {switchboard.PROVIDER_KEY}" for r in sent)
    log = switchboard.log()
    assert "route=default" in log and "model=e2e-default" in log
    assert switchboard.PROVIDER_KEY not in log


def test_claude_code_reports_a_provider_error_cleanly(switchboard, upstream):
    workdir = tempfile.mkdtemp(prefix="cc-work-")
    upstream.script("e2e-default", [{"status": 401, "json": {"error": {"message": "invalid provider key"}}}],
                    repeat_last=True)
    result = run_claude(switchboard, "Say hi", workdir)
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "invalid provider key" in output
    assert "Traceback" not in output
