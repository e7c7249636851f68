import Testing

@testable import Proxy

/// What the provider receives.
@Suite(.stack)
struct UpstreamRequestTests {
    /// A request as Claude Code sends it: Anthropic-only fields everywhere.
    static func claudeCodeBody(model: String) -> JSONValue {
        [
            "model": .string(model), "max_tokens": 1024, "stream": true,
            "metadata": ["user_id": "user_abc_account__session_123"],
            "thinking": ["type": "enabled", "budget_tokens": 512],
            "context_management": ["edits": [["type": "clear_tool_uses_20250919"]]],
            "output_config": ["effort": "high"],
            "cache_control": ["type": "ephemeral"],
            "system": [
                ["type": "text", "text": "You are Claude Code.", "cache_control": ["type": "ephemeral"]]
            ],
            "messages": [
                [
                    "role": "user",
                    "content": [
                        [
                            "type": "text", "text": "List the files.",
                            "cache_control": ["type": "ephemeral", "ttl": "5m"],
                        ]
                    ],
                ]
            ],
            "tools": [
                [
                    "name": "Bash", "description": "Run a command", "cache_control": ["type": "ephemeral"],
                    "input_schema": ["type": "object", "properties": ["command": ["type": "string"]]],
                ]
            ],
        ]
    }

    @Test func sendsTheProviderKeyAsBearerAndNeverTheClientKey() async throws {
        let stack = try Stack.current()
        let model = TestModel.unique("auth-header")
        try await stack.upstream.script(model, [["text_stream": ["text": "ok"]]])
        let headers = AnthropicClient.defaultHeaders + [("authorization", "Bearer \(AnthropicClient.clientKey)-bearer")]
        let result = try await stack.client.stream(body: Self.claudeCodeBody(model: "up,\(model)"), headers: headers)
        #expect(result.transcript.isCompleteAndValid, "\(result.transcript.summary)")
        let request = try #require(try await stack.upstream.requests(model).first)
        #expect(request.headers["authorization"] == "Bearer \(SwitchboardProcess.providerKey)")
        #expect(request.headers["x-api-key"] == nil)
        #expect(request.headers["anthropic-version"] == nil)
        #expect(!request.recordText.contains("client-secret"), "\(request.recordText)")
    }

    @Test func dropsAnthropicOnlyFields() async throws {
        let stack = try Stack.current()
        let model = TestModel.unique("fields")
        try await stack.upstream.script(model, [["text_stream": ["text": "ok"]]])
        let result = try await stack.client.stream(body: Self.claudeCodeBody(model: "up,\(model)"))
        #expect(result.transcript.isCompleteAndValid, "\(result.transcript.summary)")
        let request = try #require(try await stack.upstream.requests(model).first)
        let body = try #require(request.body?.objectValue, "\(request.recordText)")
        for field in ["metadata", "thinking", "context_management", "output_config", "cache_control"] {
            #expect(body[field] == nil, "\(field) was forwarded: \(request.recordText)")
        }
        // Nested cache_control markers (system, message blocks, tools) are gone too.
        #expect(!request.recordText.contains("cache_control"), "\(request.recordText)")
        #expect(!request.recordText.contains("ephemeral"), "\(request.recordText)")
        // What should be there, is.
        #expect(body["model"]?.stringValue == model)
        #expect(body["stream"] == true)
        #expect(body["max_tokens"] == 1024)
        let messages = try #require(body["messages"]?.arrayValue)
        #expect(messages.first?["role"] == "system")
        #expect(request.recordText.contains("You are Claude Code."))
        #expect(request.recordText.contains("List the files."))
        #expect(body["tools"]?.arrayValue?.first?["function"]?["name"] == "Bash")
        #expect(request.path.hasSuffix("/v1/chat/completions"), "\(request.path)")
    }

    @Test func ignoresTheBetaQuery() async throws {
        let stack = try Stack.current()
        let model = TestModel.unique("beta")
        try await stack.upstream.script(model, [["text_stream": ["text": "beta ok"]]])
        let result = try await stack.client.stream(
            "/v1/messages?beta=true",
            body: MessagesBody.make(model: "up,\(model)", stream: true)
        )
        #expect(result.status == 200)
        #expect(result.transcript.message.blocks.map(\.text) == ["beta ok"])
        let count = try await stack.client.post(
            "/v1/messages/count_tokens?beta=true",
            body: ["model": "up,x", "messages": [["role": "user", "content": "hi"]]]
        )
        #expect(count.status == 200, "\(count.text)")
        #expect((count.json?["input_tokens"]?.intValue ?? 0) > 0)
        let request = try #require(try await stack.upstream.requests(model).first)
        #expect(!request.path.contains("beta"), "\(request.path)")
    }
}
