"""The first minutes with the real Claude Code CLI: every error Switchboard answers reaches
Claude Code's screen at once (Switchboard sends `x-should-retry: false`, so Claude Code does not
retry it ten times over minutes), and says what to do.

Unlike the other Claude Code tests, these leave Claude Code's own retries on (no
`CLAUDE_CODE_MAX_RETRIES`): that is what users run, and what the header has to stop."""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
import time

import pytest

from conftest import Switchboard, binary, unique
from test_claude_code import claude_binary

CLIENT_KEY = "sb-e2e-client-key-7731"


@pytest.fixture(scope="module")
def guarded(upstream):
    """A Switchboard with APIKEY set, a provider whose key variable is unset and one that refuses
    connections, beside the scripted one."""
    # The discard port: nothing listens there (a freshly closed port could be taken meanwhile).
    dead = "http://127.0.0.1:9/v1"
    os.environ.pop("SB_E2E_UNSET_KEY", None)
    proxy = Switchboard(
        upstream, ["e2e-errors"], {"default": "scripted,e2e-errors"},
        providers=[
            {"name": "keyless", "api_base_url": f"{upstream.base}/v1", "api_key": "$SB_E2E_UNSET_KEY",
             "models": ["m"]},
            {"name": "dead", "api_base_url": dead, "api_key": "k", "models": ["m"]},
        ],
        extra={"APIKEY": CLIENT_KEY},
    )
    proxy.dead_url = dead
    yield proxy
    proxy.stop()


def run(proxy, model: str | None = None, key: str = CLIENT_KEY, key_variable: str = "ANTHROPIC_API_KEY"):
    """Claude Code -p through `proxy`; returns (output, seconds, exit code)."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": tempfile.mkdtemp(prefix="cc-home-"),
        "ANTHROPIC_BASE_URL": proxy.url,
        key_variable: key,
        "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
    }
    args = [str(claude_binary()), "-p", "Say hi"]
    if model:
        args += ["--model", model]
    start = time.monotonic()
    result = subprocess.run(args, cwd=tempfile.mkdtemp(prefix="cc-work-"), env=env, stdin=subprocess.DEVNULL,
                            capture_output=True, text=True, timeout=240)
    return result.stdout + result.stderr, time.monotonic() - start, result.returncode


def request_lines(proxy, needle: str) -> list[str]:
    return [line for line in proxy.log().splitlines() if " POST /v1/messages " in line and needle in line]


def shown_at_once(proxy, output: str, seconds: float, code: int, needle: str, expected: str) -> None:
    print(f"{needle}: {seconds:.2f} s: {output.strip()}")
    assert code != 0
    assert expected in output, output
    assert "Traceback" not in output
    assert Switchboard.PROVIDER_KEY not in output and CLIENT_KEY not in output
    # One request: Claude Code did not retry what Switchboard said not to.
    assert len(request_lines(proxy, needle)) == 1, proxy.log()
    assert seconds < 5, f"the message took {seconds:.1f} s"


def test_missing_provider_key(guarded):
    output, seconds, code = run(guarded, model="keyless,m")
    shown_at_once(guarded, output, seconds, code, "keyless",
                  'provider "keyless" has no API key: set the environment variable SB_E2E_UNSET_KEY')


@pytest.mark.parametrize("variable,header", [("ANTHROPIC_API_KEY", "the API key header"),
                                             ("ANTHROPIC_AUTH_TOKEN", "Authorization: Bearer")])
def test_wrong_client_key(guarded, variable, header):
    """Sent as 407 (the proxy wants its own key): with 401 or 403 Claude Code says "Please run
    /login", which is about Anthropic's login, not Switchboard's APIKEY."""
    output, seconds, code = run(guarded, key="not-the-key", key_variable=variable)
    print(f"wrong key via {variable}: {seconds:.2f} s: {output.strip()}")
    assert code != 0
    assert f"the key sent in {header} ({variable}) is not this Switchboard's APIKEY" in output, output
    assert "/login" not in output and "Invalid API key" not in output, output
    assert "not-the-key" not in output
    assert seconds < 5, f"the message took {seconds:.1f} s"


def test_rate_limited_after_switchboards_own_retries(guarded, upstream):
    model = unique("e2e-429")
    upstream.script(model, [{"status": 429, "headers": {"Retry-After": "1"},
                             "json": {"error": {"message": "rate limit reached for this model"}}}], repeat_last=True)
    output, seconds, code = run(guarded, model=f"scripted,{model}")
    # Switchboard's own three attempts, one second apart; then Claude Code shows it.
    assert len(upstream.requests(model)) == 3
    shown_at_once(guarded, output, seconds, code, model, "rate limit reached for this model")


def test_refused_connection(guarded):
    output, seconds, code = run(guarded, model="dead,m")
    shown_at_once(guarded, output, seconds, code, "dead", f"cannot connect to {guarded.dead_url}/chat/completions")
    assert "switchboard check --probe" in output
    assert "server-side issue" not in output, output


def test_unknown_model(guarded, upstream):
    model = unique("e2e-no-such-model")
    upstream.script(model, [{"status": 404, "json": {"error": {
        "message": f"The model `{model}` does not exist", "code": "model_not_found"}}}], repeat_last=True)
    output, seconds, code = run(guarded, model=f"scripted,{model}")
    # Not Claude Code's own "There's an issue with the selected model": the provider's words
    # and what to check.
    shown_at_once(guarded, output, seconds, code, model, f"The model `{model}` does not exist")
    assert "switchboard check --probe" in output


def test_context_overflow(guarded, upstream):
    model = unique("e2e-overflow")
    upstream.script(model, [{"status": 400, "json": {"error": {
        "message": "This model's maximum context length is 131072 tokens. However, you requested 250000 tokens.",
        "type": "invalid_request_error", "code": "context_length_exceeded"}}}], repeat_last=True)
    output, seconds, code = run(guarded, model=f"scripted,{model}")
    # Rewritten as Anthropic's own "prompt is too long: N tokens > M maximum", Claude Code reads
    # both numbers (it would otherwise only say "the provider said: ...").
    shown_at_once(guarded, output, seconds, code, model, "the request is ~250000 tokens (limit 131072)")


def test_env_tells_claude_code_the_routed_models_window(switchboard, tmp_path):
    """`switchboard env` sets what Claude Code reads for its compaction window: the smallest
    window among the routed models (here DeepSeek's 128K, beside GLM-4.7's 200K), so it
    compacts before that model refuses; it also stops Claude Code's unknown-model warning."""
    config = tmp_path / "config.json"
    config.write_text(json.dumps({
        "Providers": [
            {"name": "nvidia", "api_base_url": "https://integrate.api.nvidia.com/v1", "api_key": "k",
             "models": ["z-ai/glm4.7"]},
            {"name": "deepseek", "api_base_url": "https://api.deepseek.com", "api_key": "k",
             "models": ["deepseek-chat"]},
        ],
        "Router": {"default": "nvidia,z-ai/glm4.7", "background": "deepseek,deepseek-chat"},
    }))
    port = switchboard.url.rsplit(":", 1)[1]
    printed = subprocess.run([str(binary()), "env", "--config", str(config), "--port", port],
                             capture_output=True, text=True, check=True).stdout
    exports = dict(line[len("export "):].split("=", 1) for line in printed.splitlines() if line.startswith("export "))
    assert exports["CLAUDE_CODE_AUTO_COMPACT_WINDOW"] == "131072"
    assert exports["CLAUDE_CODE_MAX_CONTEXT_TOKENS"] == "131072"
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": tempfile.mkdtemp(prefix="cc-home-")}
    env.update({name: value.strip("'\"") for name, value in exports.items()})
    assert env["ANTHROPIC_BASE_URL"] == switchboard.url
    result = subprocess.run([str(claude_binary()), "-p", "/context", "--model", "nvidia,z-ai/glm4.7"],
                            cwd=tmp_path, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                            timeout=120)
    output = result.stdout + result.stderr
    assert "/ 131.1k" in output, output
    assert "doesn't recognize the model" not in output, output
