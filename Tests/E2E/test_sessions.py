"""`switchboard sessions` with the real Claude Code CLI: two sessions made through
`switchboard serve`, listed (joined with the ledger), shown, one archived (refused while live
unless --force), the other resumed, the archived one restored and resumed with its history, and
prune --dry-run."""

from __future__ import annotations

import json
import os
import pathlib
import subprocess
import tempfile
import time

import pytest

from conftest import Switchboard, binary, unique
from test_claude_code import claude_binary


@pytest.fixture(scope="module")
def proxy(upstream):
    model = unique("e2e-sessions")
    server = Switchboard(upstream, [model], {
        "default": f"scripted,{model}", "background": f"scripted,{model}", "think": f"scripted,{model}",
    })
    server.model = model
    yield server
    server.stop()


class Claude:
    """Claude Code with its own HOME (so its own data directory) through the proxy."""

    def __init__(self, proxy) -> None:
        self.proxy = proxy
        self.home = pathlib.Path(tempfile.mkdtemp(prefix="cc-home-"))
        self.data = self.home / ".claude"

    def run(self, prompt: str, workdir: pathlib.Path, *extra: str) -> subprocess.CompletedProcess:
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(self.home),
            "ANTHROPIC_BASE_URL": self.proxy.url,
            "ANTHROPIC_API_KEY": "sk-ant-client-key-never-forwarded",
            "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
            "CLAUDE_CODE_MAX_RETRIES": "0",
        }
        return subprocess.run(
            [str(claude_binary()), "-p", prompt, *extra, "--allowedTools", "Bash", "Write", "Read",
             "--output-format", "json"],
            cwd=workdir, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120,
        )

    def sessions(self, *arguments: str, config=None) -> subprocess.CompletedProcess:
        # The proxy's HOME holds its ledger (the default path); the command finds it through --config.
        env = dict(os.environ, HOME=self.proxy.dir.name)
        env.pop("CLAUDE_CONFIG_DIR", None)
        command = [str(binary()), "sessions", *arguments[:1], "--config", str(config or self.proxy.config_path),
                   "--claude-dir", str(self.data), "--no-cache", *arguments[1:]]
        return subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)

    def listing(self) -> dict:
        result = self.sessions("list", "--json")
        assert result.returncode == 0, result.stderr
        return {s["id"]: s for s in map(json.loads, result.stdout.splitlines())}


def test_sessions_list_show_archive_resume_restore_prune(proxy, upstream):
    upstream.script(proxy.model, [{"text_stream": {"text": "Noted.", "pieces": 2}}], repeat_last=True)
    claude = Claude(proxy)
    work_a = pathlib.Path(tempfile.mkdtemp(prefix="cc-work-a-")).resolve()
    work_b = pathlib.Path(tempfile.mkdtemp(prefix="cc-work-b-")).resolve()
    subprocess.run(["git", "init", "-q", "-b", "topic-a", str(work_a)], check=True)

    first = claude.run("Remember the word PELICAN.", work_a)
    assert first.returncode == 0, first.stdout + first.stderr
    second = claude.run("Remember the word WALRUS.", work_b)
    assert second.returncode == 0, second.stdout + second.stderr
    a, b = json.loads(first.stdout)["session_id"], json.loads(second.stdout)["session_id"]
    assert a != b

    # list: both, newest first, joined with the ledger (written in batches: wait for it).
    deadline = time.monotonic() + 15
    while True:
        listing = claude.listing()
        if all(listing.get(s, {}).get("requests", 0) >= 1 for s in (a, b)) or time.monotonic() > deadline:
            break
        time.sleep(0.3)
    assert set(listing) == {a, b}
    session_a = listing[a]
    assert session_a["project"] == str(work_a)
    assert session_a["first_prompt"] == "Remember the word PELICAN."
    assert session_a["messages"] == 2
    assert session_a["entrypoint"] == "sdk-cli"
    assert session_a["git_branch"] == "topic-a"
    assert session_a["live"] is True
    assert session_a["requests"] >= 1
    assert session_a["models"] == [f"scripted,{proxy.model}"]
    assert session_a["input_tokens"] > 0 and session_a["output_tokens"] > 0
    # A -p session keeps only its transcript.
    assert session_a["bytes"] == pathlib.Path(session_a["transcript"]).stat().st_size
    table = claude.sessions("list")
    assert table.returncode == 0 and a[:8] in table.stdout and b[:8] in table.stdout
    assert table.stdout.index(b[:8]) < table.stdout.index(a[:8]), "newest first"
    only_a = claude.sessions("list", "--json", "--project", str(work_a))
    assert [json.loads(l)["id"] for l in only_a.stdout.splitlines()] == [a]

    # show: the turn, the model that really answered, the resume command.
    show = claude.sessions("show", a[:8])
    assert show.returncode == 0, show.stderr
    assert "Remember the word PELICAN." in show.stdout
    assert f"scripted,{proxy.model}" in show.stdout
    assert f"cd {work_a} && claude --resume {a}" in show.stdout

    # archive: refused while live, then forced.
    transcript = pathlib.Path(session_a["transcript"])
    before = transcript.read_bytes(), transcript.stat().st_mtime_ns
    refused = claude.sessions("archive", a)
    assert refused.returncode == 1 and "live" in refused.stderr
    assert transcript.exists()
    archived = claude.sessions("archive", a, "--force")
    assert archived.returncode == 0, archived.stderr
    assert not transcript.exists()
    assert (claude.data / "switchboard-archive" / a / "manifest.json").exists()
    assert set(claude.listing()) == {b}

    # The other session resumes with its history.
    resumed = claude.run("Which word did I ask you to remember?", work_b, "--resume", b)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert json.loads(resumed.stdout)["is_error"] is False
    sent = upstream.requests(proxy.model)[-1]["body"]
    assert "WALRUS" in json.dumps(sent["messages"]), "the resumed request carries the session's history"

    # The archived one cannot be resumed (its transcript is in the archive) ...
    missing = claude.run("Which word?", work_a, "--resume", a)
    assert missing.returncode != 0 or json.loads(missing.stdout).get("is_error") is True
    # ... until it is restored: same bytes, same time, and it resumes with its history.
    restored = claude.sessions("restore", a[:8])
    assert restored.returncode == 0, restored.stderr
    assert (transcript.read_bytes(), transcript.stat().st_mtime_ns) == before
    assert not (claude.data / "switchboard-archive" / a).exists()
    again = claude.run("Which word did I ask you to remember?", work_a, "--resume", a)
    assert again.returncode == 0, again.stdout + again.stderr
    assert json.loads(again.stdout)["is_error"] is False
    sent = upstream.requests(proxy.model)[-1]["body"]
    assert "PELICAN" in json.dumps(sent["messages"])

    # prune --dry-run: sessions idle for 40 days (by their files' times) are listed, nothing moves.
    old = time.time() - 40 * 86400
    for session in (a, b):
        path = pathlib.Path(claude.listing()[session]["transcript"])
        os.utime(path, (old, old))
    snapshot = sorted((p, p.stat().st_size, p.stat().st_mtime_ns) for p in claude.data.rglob("*") if p.is_file())
    # With the ledger, the proxy saw both minutes ago: nothing is idle.
    with_ledger = claude.sessions("prune", "--older-than", "30d", "--dry-run")
    assert with_ledger.returncode == 0 and "nothing to prune" in with_ledger.stdout
    no_ledger = pathlib.Path(proxy.dir.name) / "no-ledger.json"
    no_ledger.write_text(json.dumps({**json.loads(proxy.config_path.read_text()), "USAGE_DB": False}))
    os.chmod(no_ledger, 0o600)
    dry = claude.sessions("prune", "--older-than", "30d", "--dry-run", config=no_ledger)
    assert dry.returncode == 0, dry.stderr
    assert f"would archive {a}" in dry.stdout and f"would archive {b}" in dry.stdout
    assert "2 sessions" in dry.stdout and "nothing changed" in dry.stdout
    assert sorted((p, p.stat().st_size, p.stat().st_mtime_ns) for p in claude.data.rglob("*") if p.is_file()) == snapshot
    big_only = claude.sessions("prune", "--older-than", "30d", "--larger-than", "1GB", "--dry-run", config=no_ledger)
    assert "nothing to prune" in big_only.stdout
