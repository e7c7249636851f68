import Testing

@testable import Proxy

/// Gemini's thought signatures: read from a streamed tool call, sent back with that call in
/// the next request (Gemini 3 refuses a history without them).
struct ThoughtSignatureTests {
    static func configuration(_ store: ThoughtSignatureStore) -> StreamTranslator.Configuration {
        var configuration = StreamTranslator.Configuration.test()
        configuration.thoughtSignatures = store
        return configuration
    }

    /// The next Claude Code request: the answer's tool call and its result appended.
    static func nextRequest(callID: String, name: String, input: JSONValue) throws -> MessagesRequest {
        try MessagesRequest(
            json: [
                "model": "claude-sonnet-4-5", "max_tokens": 1_000,
                "messages": [
                    ["role": "user", "content": "List the files."],
                    [
                        "role": "assistant",
                        "content": [
                            ["type": "tool_use", "id": .string(callID), "name": .string(name), "input": input]
                        ],
                    ],
                    [
                        "role": "user",
                        "content": [["type": "tool_result", "tool_use_id": .string(callID), "content": "a.txt"]],
                    ],
                ],
                "tools": [
                    [
                        "name": .string(name),
                        "input_schema": ["type": "object", "properties": ["command": ["type": "string"]]],
                    ]
                ],
            ])
    }

    static func sentCalls(_ request: MessagesRequest, preset: ProviderPreset, store: ThoughtSignatureStore)
        -> [JSONValue]
    {
        let body = ClaudeCodeRequests.chatBody(
            request,
            preset: preset,
            model: "gemini-3-pro-preview",
            signatures: store
        )
        return (body["messages"]?.arrayValue ?? []).flatMap { $0["tool_calls"]?.arrayValue ?? [] }
    }

    @Test func aSignatureOnTheFirstFragmentGoesBackWithItsCall() throws {
        let store = ThoughtSignatureStore()
        let run = try TranslationRun.run(
            [
                #"{"choices":[{"index":0,"delta":{"role":"assistant","tool_calls":[{"index":0,"id":"function-call-1","type":"function","function":{"name":"Bash","arguments":"{\"command\":"},"extra_content":{"google":{"thought_signature":"CiQB0e2Kb-sig"}}}]}}]}"#,
                #"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"\"ls\"}"}}]},"finish_reason":"tool_calls"}]}"#,
            ],
            configuration: Self.configuration(store)
        )
        let call = try #require(try run.toolUses().first)
        #expect(store.signature(forToolID: call.id) == "CiQB0e2Kb-sig")
        let sent = Self.sentCalls(
            try Self.nextRequest(callID: call.id, name: call.name, input: call.input),
            preset: .gemini,
            store: store
        )
        #expect(sent.count == 1)
        #expect(sent.first?["id"] == .string(call.id))
        #expect(sent.first?["extra_content"] == ["google": ["thought_signature": "CiQB0e2Kb-sig"]])
    }

    @Test func aSignatureArrivingAfterTheCallOpenedIsKeptToo() throws {
        let store = ThoughtSignatureStore()
        let run = try TranslationRun.run(
            [
                #"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_7","function":{"name":"Bash","arguments":""}}]}}]}"#,
                #"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"command\":\"pwd\"}"},"extra_content":{"google":{"thought_signature":"late-sig"}}}]}}]}"#,
                #"{"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}"#,
            ],
            configuration: Self.configuration(store)
        )
        let call = try #require(try run.toolUses().first)
        #expect(run.messageDelta?.stopReason == .toolUse)
        #expect(store.signature(forToolID: call.id) == "late-sig")
    }

    @Test func anUnknownCallGetsThePlaceholder() throws {
        let store = ThoughtSignatureStore()
        store.record("other-sig", forToolID: "toolu_other")
        let request = try Self.nextRequest(callID: "toolu_from_claude", name: "Bash", input: ["command": "ls"])
        let sent = Self.sentCalls(request, preset: .gemini, store: store)
        #expect(sent.first?["extra_content"]?["google"]?["thought_signature"] == "skip_thought_signature_validator")
        #expect(ThoughtSignatureStore.placeholder == "skip_thought_signature_validator")
    }

    @Test(arguments: [ProviderPreset.openai, .nvidia, .openrouter])
    func otherProvidersNeverGetExtraContent(preset: ProviderPreset) throws {
        let store = ThoughtSignatureStore()
        store.record("sig", forToolID: "call_1")
        let sent = Self.sentCalls(
            try Self.nextRequest(callID: "call_1", name: "Bash", input: [:]),
            preset: preset,
            store: store
        )
        #expect(sent.count == 1)
        #expect(sent.first?["extra_content"] == nil)
    }

    @Test func theStoreForgetsTheOldestBeyondItsCapacity() {
        let store = ThoughtSignatureStore()
        for index in 0...ThoughtSignatureStore.capacity { store.record("s\(index)", forToolID: "id\(index)") }
        #expect(store.signature(forToolID: "id0") == nil)
        #expect(store.signature(forToolID: "id1") == "s1")
        #expect(
            store.signature(forToolID: "id\(ThoughtSignatureStore.capacity)") == "s\(ThoughtSignatureStore.capacity)"
        )
    }
}
