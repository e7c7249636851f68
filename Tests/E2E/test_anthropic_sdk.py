"""The official Anthropic Python SDK against `switchboard serve` (its stream parser is strict
about event order: a proxy bug shows up here as an exception)."""

from __future__ import annotations

import anthropic
import pytest

from conftest import unique


def client(switchboard, **kwargs) -> anthropic.Anthropic:
    return anthropic.Anthropic(base_url=switchboard.url, api_key="client-key-not-forwarded", max_retries=0, **kwargs)


def test_streaming_thinking_then_text(switchboard, upstream):
    model = unique("sdk-stream")
    upstream.script(model, [{"text_stream": {
        "reasoning": "Let me think about greetings.", "text": "Hello from the scripted model!", "pieces": 4,
        "usage": {"prompt_tokens": 21, "completion_tokens": 9},
    }}])
    with client(switchboard).messages.stream(
        model=f"scripted,{model}", max_tokens=256, messages=[{"role": "user", "content": "Say hello"}],
    ) as stream:
        texts = list(stream.text_stream)
        message = stream.get_final_message()
    assert "".join(texts) == "Hello from the scripted model!"
    assert [block.type for block in message.content] == ["thinking", "text"]
    assert message.content[0].thinking == "Let me think about greetings."
    assert message.stop_reason == "end_turn"
    assert message.usage.input_tokens == 21 and message.usage.output_tokens == 9
    sent = upstream.requests(model)[0]
    assert sent["headers"]["authorization"] == f"Bearer {switchboard.PROVIDER_KEY}"
    assert "client-key-not-forwarded" not in str(sent)


def test_non_streaming_text(switchboard, upstream):
    model = unique("sdk-plain")
    upstream.script(model, [{"text_stream": {"text": "A plain answer.", "usage": {"prompt_tokens": 5, "completion_tokens": 4}}}])
    message = client(switchboard).messages.create(
        model=f"scripted,{model}", max_tokens=64, messages=[{"role": "user", "content": "Answer plainly"}],
    )
    assert message.content[0].type == "text" and message.content[0].text == "A plain answer."
    assert message.stop_reason == "end_turn"
    assert message.usage.output_tokens == 4
    assert upstream.requests(model)[0]["body"]["stream"] is False


def test_streaming_tool_use(switchboard, upstream):
    model = unique("sdk-tools")
    upstream.script(model, [{"tool_stream": {
        "text_before": "I'll check both.",
        "calls": [
            {"id": "call_a", "name": "get_weather", "arguments": '{"city": "Paris", "unit": "celsius"}'},
            {"id": "call_b", "name": "get_weather", "arguments": '{"city": "Tokyo"}'},
        ],
        "pieces": 5, "usage": {"prompt_tokens": 50, "completion_tokens": 30},
    }}])
    tools = [{
        "name": "get_weather", "description": "Weather for a city",
        "input_schema": {"type": "object", "properties": {"city": {"type": "string"}, "unit": {"type": "string"}},
                         "required": ["city"]},
    }]
    with client(switchboard).messages.stream(
        model=f"scripted,{model}", max_tokens=256, tools=tools,
        messages=[{"role": "user", "content": "Weather in Paris and Tokyo?"}],
    ) as stream:
        message = stream.get_final_message()
    assert [block.type for block in message.content] == ["text", "tool_use", "tool_use"]
    assert message.content[1].name == "get_weather"
    assert message.content[1].input == {"city": "Paris", "unit": "celsius"}
    assert message.content[2].input == {"city": "Tokyo"}
    assert message.content[1].id != message.content[2].id
    assert message.stop_reason == "tool_use"


def test_tool_result_round_trip(switchboard, upstream):
    model = unique("sdk-roundtrip")
    upstream.script(model, [{"text_stream": {"text": "It is sunny."}}])
    message = client(switchboard).messages.create(
        model=f"scripted,{model}", max_tokens=64,
        tools=[{"name": "get_weather", "input_schema": {"type": "object", "properties": {}}}],
        messages=[
            {"role": "user", "content": "Weather?"},
            {"role": "assistant", "content": [
                {"type": "thinking", "thinking": "need a tool", "signature": "sig"},
                {"type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": {"city": "Paris"}},
            ]},
            {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_1", "content": "sunny", "is_error": False}]},
        ],
    )
    assert message.content[0].text == "It is sunny."
    sent = upstream.requests(model)[0]["body"]["messages"]
    assert [m["role"] for m in sent] == ["user", "assistant", "tool"]
    assert sent[1]["tool_calls"][0]["id"] == "toolu_1"
    assert sent[2] == {"role": "tool", "tool_call_id": "toolu_1", "content": "sunny"}


def test_rate_limit_before_first_byte_is_an_sdk_rate_limit_error(switchboard, upstream):
    model = unique("sdk-429")
    error = {"status": 429, "json": {"error": {"message": "slow down please"}}, "headers": {"Retry-After": "60"}}
    upstream.script(model, [error], repeat_last=True)
    with pytest.raises(anthropic.RateLimitError) as caught:
        client(switchboard).messages.create(
            model=f"scripted,{model}", max_tokens=16, messages=[{"role": "user", "content": "hi"}])
    assert "slow down please" in str(caught.value)
    assert caught.value.response.headers.get("retry-after") == "60"


def test_stream_broken_after_first_byte_raises(switchboard, upstream):
    model = unique("sdk-broken")
    upstream.script(model, [{"sse": [
        {"choices": [{"index": 0, "delta": {"role": "assistant", "content": "partial "}, "finish_reason": None}]},
        {"close": True},
    ]}])
    with pytest.raises(anthropic.APIStatusError) as caught:
        with client(switchboard).messages.stream(
            model=f"scripted,{model}", max_tokens=16, messages=[{"role": "user", "content": "hi"}],
        ) as stream:
            for _ in stream:
                pass
    assert "connection lost" in str(caught.value) or "ended" in str(caught.value)


def test_count_tokens(switchboard):
    result = client(switchboard).messages.count_tokens(
        model="claude-sonnet-4-5", messages=[{"role": "user", "content": "How many tokens is this sentence?"}])
    assert 5 <= result.input_tokens <= 20


def test_beta_client_path(switchboard, upstream):
    model = unique("sdk-beta")
    upstream.script(model, [{"text_stream": {"text": "beta ok"}}])
    message = client(switchboard).beta.messages.create(
        model=f"scripted,{model}", max_tokens=16, betas=["interleaved-thinking-2025-05-14"],
        messages=[{"role": "user", "content": "hi"}])
    assert message.content[0].text == "beta ok"
