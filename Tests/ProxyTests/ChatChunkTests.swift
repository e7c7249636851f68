import Testing

@testable import Proxy

struct ChatChunkTests {
    @Test func streamedDelta() throws {
        let parsed = try chunk(
            #"{"id":"c","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"role":"assistant","content":"Hi","reasoning_content":"r","refusal":null},"finish_reason":null}],"usage":null}"#
        )
        #expect(parsed.content == "Hi")
        #expect(parsed.reasoning == "r")
        #expect(parsed.refusal == nil)
        #expect(parsed.finishReason == nil)
        #expect(parsed.usage == nil)
        #expect(parsed.error == nil)
        #expect(parsed.toolCalls.isEmpty)
    }

    @Test func reasoningFallsBackToOpenRouterField() throws {
        #expect(try chunk(#"{"choices":[{"delta":{"reasoning":"r"}}]}"#).reasoning == "r")
        #expect(try chunk(#"{"choices":[{"delta":{"reasoning_content":null,"reasoning":"r"}}]}"#).reasoning == "r")
    }

    @Test func toolCallDeltas() throws {
        let parsed = try chunk(
            #"""
            {"choices":[{"index":0,"delta":{"tool_calls":[
              {"index":0,"id":"call_1","type":"function","function":{"name":"Read","arguments":""}},
              {"index":1,"function":{"arguments":{"b":1,"a":[true]}}},
              {"id":"call_3","function":{"name":"Bash"}}
            ]},"finish_reason":null}]}
            """#
        )
        #expect(
            parsed.toolCalls == [
                .init(index: 0, id: "call_1", name: "Read", arguments: ""),
                .init(index: 1, arguments: #"{"b":1,"a":[true]}"#),
                .init(index: nil, id: "call_3", name: "Bash", arguments: nil),
            ]
        )
    }

    @Test func wholeCompletionIsReadAsADelta() throws {
        let parsed = try chunk(
            #"""
            {"object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"ok","reasoning_content":"why",
              "tool_calls":[{"id":"a","type":"function","function":{"name":"f","arguments":"{}"}},{"id":"b","type":"function","function":{"name":"g","arguments":"{}"}}]},
              "finish_reason":"tool_calls"}],
             "usage":{"prompt_tokens":10,"completion_tokens":5,"total_tokens":15}}
            """#
        )
        #expect(parsed.content == "ok")
        #expect(parsed.reasoning == "why")
        // Calls of a whole message have no index; their position is used.
        #expect(parsed.toolCalls.map(\.index) == [0, 1])
        #expect(parsed.finishReason == "tool_calls")
        #expect(parsed.usage == .init(promptTokens: 10, completionTokens: 5))
    }

    @Test(arguments: [
        (#"{"prompt_tokens":9,"completion_tokens":4}"#, ChatChunk.UpstreamUsage(promptTokens: 9, completionTokens: 4)),
        (
            #"{"prompt_tokens":9,"completion_tokens":4,"prompt_tokens_details":{"cached_tokens":6}}"#,
            .init(promptTokens: 9, completionTokens: 4, cachedTokens: 6)
        ),
        (
            #"{"prompt_tokens":9,"completion_tokens":4,"prompt_tokens_details":null,"completion_tokens_details":null}"#,
            .init(promptTokens: 9, completionTokens: 4)
        ),
        (
            #"{"prompt_tokens":9,"completion_tokens":4,"prompt_cache_hit_tokens":5,"prompt_cache_miss_tokens":4}"#,
            .init(promptTokens: 9, completionTokens: 4, cachedTokens: 5)
        ),
        (#"{"total_tokens":3}"#, .init(promptTokens: 0, completionTokens: 0)),
    ])
    func usage(json: String, expected: ChatChunk.UpstreamUsage) throws {
        #expect(try chunk(#"{"choices":[],"usage":\#(json)}"#).usage == expected)
    }

    @Test(arguments: [
        (
            #"{"error":{"message":"Rate limited","code":429}}"#,
            ChatChunk.StreamError(message: "Rate limited", status: 429)
        ),
        (#"{"error":{"message":"Busy","status":503}}"#, .init(message: "Busy", status: 503)),
        (#"{"error":{"message":"Bad","code":"invalid_request_error"}}"#, .init(message: "Bad", status: nil)),
        (#"{"error":"plain text error"}"#, .init(message: "plain text error", status: nil)),
        (#"{"error":{"code":500}}"#, .init(message: #"{"code":500}"#, status: 500)),
        (#"{"object":"error","message":"vLLM says no","code":400}"#, .init(message: "vLLM says no", status: 400)),
    ])
    func errors(json: String, expected: ChatChunk.StreamError) throws {
        #expect(try chunk(json).error == expected)
    }

    @Test func nullErrorIsNoError() throws {
        #expect(try chunk(#"{"error":null,"choices":[{"delta":{"content":"x"}}]}"#).error == nil)
    }

    @Test(arguments: [(#""</answer>""#, "</answer>"), ("128009", nil), ("null", nil)] as [(String, String?)])
    func vLLMStopReason(json: String, expected: String?) throws {
        let parsed = try chunk(#"{"choices":[{"index":0,"delta":{},"finish_reason":"stop","stop_reason":\#(json)}]}"#)
        #expect(parsed.matchedStop == expected)
    }

    @Test func contentPartsAreSplitIntoTextAndReasoning() throws {
        let parsed = try chunk(
            #"{"choices":[{"delta":{"content":[{"type":"thinking","thinking":[{"type":"text","text":"a"},{"type":"text","text":"b"}]},{"type":"text","text":"c"},{"type":"image_url","image_url":{"url":"x"}},{"type":"text","text":"d"}]}}]}"#
        )
        #expect(parsed.reasoning == "ab")
        #expect(parsed.content == "cd")
    }
}
