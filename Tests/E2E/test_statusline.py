"""`switchboard statusline`: Claude Code's statusLine command, fed the JSON Claude Code writes,
against a running Switchboard (the real Claude Code CLI made the session), without one, after a
restart (the ledger remembers), behind APIKEY, with a rate-limiting provider; `--install` and
`--uninstall` on an existing settings.json; and the real interactive Claude Code in tmux showing
the line."""

from __future__ import annotations

import json
import os
import pathlib
import shutil
import statistics
import subprocess
import tempfile
import time
import urllib.error
import urllib.request

import pytest

from conftest import Switchboard, binary, unique
from test_claude_code import claude_binary

# What Claude Code 2.1.332 writes to the command's stdin (captured from the interactive CLI in
# tmux), with the session's own id and paths filled in.
CLAUDE_CODE_INPUT = {
    "session_id": None, "transcript_path": None, "cwd": None, "effort": {"level": "medium"},
    "model": {"id": "claude-opus-5-5", "display_name": "Opus 5.5"},
    "workspace": {"current_dir": None, "project_dir": None, "added_dirs": []},
    "version": "2.1.332", "output_style": {"name": "default"},
    "cost": {"total_cost_usd": 0.31, "total_duration_ms": 1052, "total_api_duration_ms": 80,
             "total_lines_added": 0, "total_lines_removed": 0},
    "context_window": {"total_input_tokens": 0, "total_output_tokens": 0, "context_window_size": 1000000,
                       "current_usage": None, "used_percentage": None, "remaining_percentage": None},
    "exceeds_200k_tokens": False, "fast_mode": False, "thinking": {"enabled": True},
}


def stdin_for(session_id: str, transcript: pathlib.Path, workdir: str) -> str:
    data = json.loads(json.dumps(CLAUDE_CODE_INPUT))
    data.update(session_id=session_id, transcript_path=str(transcript), cwd=workdir)
    data["workspace"].update(current_dir=workdir, project_dir=workdir)
    return json.dumps(data)


def statusline(stdin: str, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    full = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": tempfile.mkdtemp(prefix="sl-home-"),
            "LANG": "C.UTF-8"}
    full.update(env or {})
    return subprocess.run([str(binary()), "statusline", *args], input=stdin, env=full,
                          capture_output=True, text=True, timeout=30)


def claude_session(url: str, workdir: str, home: str, prompt: str = "say hi") -> tuple[str, pathlib.Path]:
    """Runs `claude -p` through Switchboard; returns its session id and transcript."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": home, "ANTHROPIC_BASE_URL": url,
        "ANTHROPIC_API_KEY": "sk-ant-client", "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
        "CLAUDE_CODE_MAX_RETRIES": "0",
    }
    result = subprocess.run([str(claude_binary()), "-p", prompt, "--output-format", "json"], cwd=workdir, env=env,
                            stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    session = json.loads(result.stdout)["session_id"]
    transcripts = list(pathlib.Path(home, ".claude", "projects").glob(f"*/{session}.jsonl"))
    assert len(transcripts) == 1, list(pathlib.Path(home).rglob("*.jsonl"))
    return session, transcripts[0]


def test_statusline_tells_the_real_model_context_and_totals_with_and_without_switchboard(upstream):
    model = unique("sl-model")
    upstream.script(model, [{"text_stream": {"text": "hi there", "usage": {"prompt_tokens": 12345,
                                                                         "completion_tokens": 7}}}],
                    repeat_last=True)
    ledger = pathlib.Path(tempfile.mkdtemp(prefix="sl-ledger-")) / "usage.sqlite"
    extra = {"USAGE_DB": str(ledger)}
    # The provider's window for this model, from the config ("context_window").
    proxy = Switchboard(upstream, [model], {"default": f"scripted,{model}", "background": f"scripted,{model}"},
                        extra=extra, scripted_extra={"context_window": {model: 50000}})
    workdir = tempfile.mkdtemp(prefix="sl-work-")
    home = tempfile.mkdtemp(prefix="sl-cc-home-")
    try:
        session, transcript = claude_session(proxy.url, workdir, home)
        requests = len(upstream.requests(model))
        assert requests >= 1
        stdin = stdin_for(session, transcript, workdir)
        env = {"ANTHROPIC_BASE_URL": proxy.url}
        result = statusline(stdin, "--config", str(proxy.config_path), env=env)
        assert result.returncode == 0, result.stderr
        line = result.stdout.strip()
        assert "\n" not in line
        # The model that answered, not the Claude model Claude Code asked for; its window, not 1M.
        assert line.startswith(f"scripted {model} ("), line
        assert "ctx 12k/50k 25%" in line, line
        assert f"{requests} req · " in line, line
        assert "Opus" not in line

        # Read-only endpoint; an unknown session gets what would answer it.
        with urllib.request.urlopen(f"{proxy.url}/switchboard/session?id=nope", timeout=5) as response:
            fresh = json.loads(response.read())
        assert fresh["known"] is False and fresh["default_model"] == f"scripted,{model}"
        post = urllib.request.Request(f"{proxy.url}/switchboard/session?id=nope", data=b"{}", method="POST")
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(post, timeout=5)
        assert refused.value.code == 405

        # How long Claude Code waits for the line (printed, for the record).
        times = []
        for _ in range(10):
            started = time.perf_counter()
            statusline(stdin, "--config", str(proxy.config_path), env=env)
            times.append((time.perf_counter() - started) * 1000)
        print(f"\nSTATUSLINE ms (debug build, whole process): median {statistics.median(times):.0f}, "
              f"max {max(times):.0f}")
    finally:
        proxy.stop()

    # Switchboard stopped: still a useful line from the transcript, exit 0.
    started = time.perf_counter()
    result = statusline(stdin, "--config", str(proxy.config_path), env=env)
    print(f"STATUSLINE ms with Switchboard stopped (debug build, whole process): "
          f"{(time.perf_counter() - started) * 1000:.0f}")
    assert result.returncode == 0
    line = result.stdout.strip()
    assert line.startswith(f"last answer: {model} │ ctx 12k/50k 25%"), line
    assert "switchboard not running at 127.0.0.1:" in line

    # Restarted on the same ledger: the session's totals and last model come back.
    again = Switchboard(upstream, [model], {"default": f"scripted,{model}"}, extra=extra,
                        scripted_extra={"context_window": {model: 50000}})
    try:
        result = statusline(stdin, env={"ANTHROPIC_BASE_URL": again.url})
        line = result.stdout.strip()
        assert line.startswith(f"scripted {model} (default)"), line
        assert f"{requests} req · " in line, line
    finally:
        again.stop()


def post_message(url: str, model: str, session: str, key: str | None = None) -> int:
    body = {"model": model, "max_tokens": 16, "messages": [{"role": "user", "content": "hi"}],
            "metadata": {"user_id": json.dumps({"device_id": "d", "session_id": session})}}
    headers = {"content-type": "application/json"}
    if key:
        headers["x-api-key"] = key
    request = urllib.request.Request(f"{url}/v1/messages", data=json.dumps(body).encode(), headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            response.read()
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_statusline_warns_of_rate_limits_and_needs_the_client_key(upstream):
    model = unique("sl-limited")
    upstream.script(model, [{"status": 429, "headers": {"Retry-After": "0"},
                             "json": {"error": {"message": "slow down"}}}], repeat_last=True)
    proxy = Switchboard(upstream, [model], {"default": f"scripted,{model}"},
                        extra={"APIKEY": "client-secret-123", "USAGE_DB": False})
    try:
        assert post_message(proxy.url, f"scripted,{model}", "sess-limited", key="client-secret-123") == 429
        stdin = json.dumps({"session_id": "sess-limited"})
        # Without the key: refused, said so, exit 0 (Claude Code shows the line).
        result = statusline(stdin, env={"ANTHROPIC_BASE_URL": proxy.url})
        assert result.returncode == 0
        assert "refused the key" in result.stdout
        assert "client-secret-123" not in result.stdout + result.stderr
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(f"{proxy.url}/switchboard/session?id=sess-limited", timeout=5)
        assert refused.value.code == 407
        # With the token Claude Code has: the warning.
        result = statusline(stdin, env={"ANTHROPIC_BASE_URL": proxy.url, "ANTHROPIC_AUTH_TOKEN": "client-secret-123"})
        line = result.stdout.strip()
        assert "⚠ scripted: rate-limited (429)" in line, line
        assert "✗ last request: rate_limit_error" in line, line
        assert "client-secret-123" not in line
    finally:
        proxy.stop()


def test_install_and_uninstall_keep_the_users_settings():
    home = tempfile.mkdtemp(prefix="sl-install-")
    claude_dir = pathlib.Path(home, ".claude")
    claude_dir.mkdir()
    settings = claude_dir / "settings.json"
    original = '{\n  "model": "opus",\n  "env": {\n    "FOO": "1"\n  }\n}\n'
    settings.write_text(original)
    env = {"HOME": home}
    first = statusline("", "--install", env=env)
    assert first.returncode == 0, first.stderr
    installed = json.loads(settings.read_text())
    assert installed["statusLine"] == {"type": "command", "command": f"{binary().resolve()} statusline",
                                       "padding": 0}
    assert installed["model"] == "opus" and installed["env"] == {"FOO": "1"}
    backups = list(claude_dir.glob("settings.json.switchboard-backup-*"))
    assert len(backups) == 1 and backups[0].read_text() == original
    second = statusline("", "--install", env=env)
    assert "already installed" in second.stdout
    assert len(list(claude_dir.glob("settings.json.switchboard-backup-*"))) == 1
    removed = statusline("", "--uninstall", env=env)
    assert removed.returncode == 0, removed.stderr
    assert settings.read_text() == original
    # CLAUDE_CONFIG_DIR is where Claude Code reads settings when set.
    other = pathlib.Path(tempfile.mkdtemp(prefix="sl-config-dir-"))
    assert statusline("", "--install", env={"HOME": home, "CLAUDE_CONFIG_DIR": str(other)}).returncode == 0
    assert "statusLine" in json.loads((other / "settings.json").read_text())
    assert settings.read_text() == original


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
def test_interactive_claude_code_shows_the_statusline(upstream):
    """The real interactive Claude Code, in tmux, with the line installed by --install."""
    model = unique("sl-tmux")
    upstream.script(model, [{"text_stream": {"text": "Hello from the scripted model.",
                                             "usage": {"prompt_tokens": 30000, "completion_tokens": 5}}}],
                    repeat_last=True)
    proxy = Switchboard(upstream, [model], {"default": f"scripted,{model}", "background": f"scripted,{model}"},
                        extra={"USAGE_DB": False})
    home = tempfile.mkdtemp(prefix="sl-tmux-home-")
    workdir = tempfile.mkdtemp(prefix="sl-tmux-work-")
    pathlib.Path(home, ".claude.json").write_text(json.dumps({
        "hasCompletedOnboarding": True, "theme": "dark",
        "projects": {workdir: {"hasTrustDialogAccepted": True, "hasCompletedProjectOnboarding": True}},
    }))
    session = f"sl-{os.getpid()}-{time.monotonic_ns()}"
    try:
        installed = statusline("", "--install", "--config", str(proxy.config_path), env={"HOME": home})
        assert installed.returncode == 0, installed.stderr
        command = (f"env HOME={home} LANG=C.UTF-8 ANTHROPIC_BASE_URL={proxy.url} ANTHROPIC_AUTH_TOKEN=switchboard "
                   f"CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1 {claude_binary()}; sleep 30")
        subprocess.run(["tmux", "new-session", "-d", "-s", session, "-x", "120", "-y", "30", "-c", workdir,
                        command], check=True)

        def screen() -> str:
            # Claude Code draws its prompt as "❯" and a no-break space.
            return subprocess.run(["tmux", "capture-pane", "-p", "-t", session], capture_output=True,
                                  text=True).stdout.replace("\xa0", " ")

        deadline = time.monotonic() + 40
        while time.monotonic() < deadline and "next: scripted" not in screen():
            time.sleep(0.5)
        assert f"next: scripted {model} (default)" in screen(), screen()
        # The prompt box takes keys once the TUI has settled: type until the text shows, then send.
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and "❯ say hello" not in screen():
            subprocess.run(["tmux", "send-keys", "-t", session, "-l", "say hello"], check=True)
            time.sleep(1)
            if "❯ say hello" not in screen():
                subprocess.run(["tmux", "send-keys", "-t", session, "C-u"], check=True)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and "❯ say hello" in screen():
            time.sleep(0.5)  # keys that come too fast after typing count as a paste
            subprocess.run(["tmux", "send-keys", "-t", session, "Enter"], check=True)
            time.sleep(1)
        deadline = time.monotonic() + 40
        while time.monotonic() < deadline and f"scripted {model} (default) │ ctx" not in screen():
            time.sleep(0.5)
        text = screen()
        assert "Hello from the scripted model." in text, text
        assert f"scripted {model} (default) │ ctx 30k/? (window unknown)" in text, text
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
        proxy.stop()
