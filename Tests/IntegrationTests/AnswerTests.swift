import Testing

@testable import Proxy

/// Successful answers, streamed and not: text, reasoning, tool calls.
@Suite(.stack)
struct AnswerTests {
    @Test func streamsText() async throws {
        let stack = try Stack.current()
        let model = TestModel.unique("text")
        try await stack.upstream.script(
            model,
            [
                [
                    "text_stream": [
                        "text": "Hello from the scripted upstream.", "pieces": 4,
                        "usage": ["prompt_tokens": 21, "completion_tokens": 7, "total_tokens": 28],
                    ]
                ]
            ]
        )
        let result = try await stack.client.stream(body: MessagesBody.make(model: "up,\(model)", stream: true))
        #expect(result.status == 200)
        #expect(result.header("content-type")?.hasPrefix("text/event-stream") == true)
        let transcript = result.transcript
        #expect(transcript.isCompleteAndValid, "\(transcript.summary)")
        let message = transcript.message
        #expect(message.blocks.map(\.text) == ["Hello from the scripted upstream."])
        #expect(message.stopReason == .endTurn)
        #expect(message.usage.outputTokens == 7)
        #expect(message.usage.inputTokens == 21)
        #expect(message.model == model)
        // Text arrives as several deltas, not as one block at the end.
        let textDeltas = transcript.events.filter { if case .contentBlockDelta(_, .text) = $0 { true } else { false } }
        #expect(textDeltas.count >= 2)
        #expect(transcript.names.first == "message_start")
        #expect(transcript.names.last == "message_stop")
    }

    @Test func streamsReasoningAsAThinkingBlockBeforeTheText() async throws {
        let stack = try Stack.current()
        let model = TestModel.unique("reasoning")
        try await stack.upstream.script(
            model,
            [
                [
                    "text_stream": [
                        "reasoning": "First I think about it carefully.", "text": "The answer is 42.", "pieces": 3,
                    ]
                ]
            ]
        )
        let result = try await stack.client.stream(body: MessagesBody.make(model: "up,\(model)", stream: true))
        #expect(result.status == 200)
        let transcript = result.transcript
        #expect(transcript.isCompleteAndValid, "\(transcript.summary)")
        let blocks = transcript.message.blocks
        try #require(blocks.count == 2, "\(blocks)")
        #expect(blocks[0].thinking == "First I think about it carefully.")
        #expect(blocks[1].text == "The answer is 42.")
        #expect(transcript.message.stopReason == .endTurn)
    }

    @Test func streamsReasoningFromTheReasoningField() async throws {
        let stack = try Stack.current()
        let model = TestModel.unique("reasoning-field")
        try await stack.upstream.script(
            model,
            [
                [
                    "text_stream": [
                        "reasoning": "Thinking via reasoning.", "reasoning_field": "reasoning", "text": "Done.",
                    ]
                ]
            ]
        )
        let result = try await stack.client.stream(body: MessagesBody.make(model: "up,\(model)", stream: true))
        let transcript = result.transcript
        #expect(transcript.isCompleteAndValid, "\(transcript.summary)")
        #expect(transcript.message.blocks.map(\.thinking) == ["Thinking via reasoning.", nil])
        #expect(transcript.message.blocks.map(\.text) == [nil, "Done."])
    }

    @Test func streamsAToolCall() async throws {
        let stack = try Stack.current()
        let model = TestModel.unique("tool")
        let arguments = #"{"file_path":"/tmp/notes.txt","content":"line one\nline \"two\""}"#
        try await stack.upstream.script(
            model,
            [
                [
                    "tool_stream": [
                        "text_before": "Let me write that.", "pieces": 5,
                        "calls": [["id": "call_abc123", "name": "Write", "arguments": .string(arguments)]],
                    ]
                ]
            ]
        )
        let result = try await stack.client.stream(
            body: MessagesBody.make(model: "up,\(model)", stream: true, extra: ["tools": Self.tools])
        )
        #expect(result.status == 200)
        let transcript = result.transcript
        #expect(transcript.isCompleteAndValid, "\(transcript.summary)")
        let blocks = transcript.message.blocks
        try #require(blocks.count == 2, "\(blocks)")
        #expect(blocks[0].text == "Let me write that.")
        let tool = try #require(blocks[1].toolUse)
        #expect(tool.id == "call_abc123")
        #expect(tool.name == "Write")
        #expect(tool.input == (try JSONParser.parse(arguments)))
        #expect(transcript.message.stopReason == .toolUse)
        // The arguments are streamed as several input_json_delta fragments.
        let fragments = transcript.events.filter {
            if case .contentBlockDelta(1, .inputJSON) = $0 { true } else { false }
        }
        #expect(fragments.count >= 2)
    }

    @Test func streamsTwoToolCallsAsTwoBlocks() async throws {
        let stack = try Stack.current()
        let model = TestModel.unique("tools")
        try await stack.upstream.script(
            model,
            [
                [
                    "tool_stream": [
                        "calls": [
                            ["id": "call_1", "name": "Read", "arguments": ["file_path": "/a"]],
                            ["id": "call_2", "name": "Read", "arguments": ["file_path": "/b"]],
                        ]
                    ]
                ]
            ]
        )
        let result = try await stack.client.stream(
            body: MessagesBody.make(model: "up,\(model)", stream: true, extra: ["tools": Self.tools])
        )
        let transcript = result.transcript
        #expect(transcript.isCompleteAndValid, "\(transcript.summary)")
        let tools = transcript.message.blocks.compactMap(\.toolUse)
        #expect(tools.map(\.id) == ["call_1", "call_2"])
        #expect(tools.map(\.input) == [["file_path": "/a"], ["file_path": "/b"]])
        #expect(transcript.message.stopReason == .toolUse)
    }

    @Test func answersTextWithoutStreaming() async throws {
        let stack = try Stack.current()
        let model = TestModel.unique("plain")
        try await stack.upstream.script(
            model,
            [
                [
                    "text_stream": [
                        "text": "A complete answer.",
                        "usage": ["prompt_tokens": 12, "completion_tokens": 4, "total_tokens": 16],
                    ]
                ]
            ]
        )
        let result = try await stack.client.post(body: MessagesBody.make(model: "up,\(model)", stream: false))
        #expect(result.status == 200)
        #expect(result.header("content-type")?.hasPrefix("application/json") == true)
        let json = try #require(result.json, "\(result.text)")
        #expect(json["type"] == "message")
        #expect(json["role"] == "assistant")
        #expect(json["id"]?.stringValue?.hasPrefix("msg_") == true)
        #expect(json["content"] == [["type": "text", "text": "A complete answer."]])
        #expect(json["stop_reason"] == "end_turn")
        #expect(json["usage"]?["input_tokens"] == 12)
        #expect(json["usage"]?["output_tokens"] == 4)
        // The upstream was asked for a non-streaming answer.
        let request = try #require(try await stack.upstream.requests(model).first)
        #expect(request.body?["stream"] == false)
    }

    @Test func answersReasoningWithoutStreamingInAnthropicOrder() async throws {
        let stack = try Stack.current()
        let model = TestModel.unique("plain-reasoning")
        try await stack.upstream.script(model, [["text_stream": ["reasoning": "Hmm, let me see.", "text": "Yes."]]])
        let result = try await stack.client.post(body: MessagesBody.make(model: "up,\(model)", stream: false))
        #expect(result.status == 200)
        let content = try #require(result.json?["content"]?.arrayValue, "\(result.text)")
        #expect(content.map { $0["type"]?.stringValue } == ["thinking", "text"])
        #expect(content.first?["thinking"] == "Hmm, let me see.")
        #expect(content.first?["signature"]?.stringValue != nil)
        #expect(content.last?["text"] == "Yes.")
    }

    @Test func answersAToolCallWithoutStreaming() async throws {
        let stack = try Stack.current()
        let model = TestModel.unique("plain-tool")
        try await stack.upstream.script(
            model,
            [
                [
                    "tool_stream": [
                        "text_before": "Reading.",
                        "calls": [["id": "call_xyz", "name": "Read", "arguments": ["file_path": "/etc/hosts"]]],
                    ]
                ]
            ]
        )
        let result = try await stack.client.post(
            body: MessagesBody.make(model: "up,\(model)", stream: false, extra: ["tools": Self.tools])
        )
        #expect(result.status == 200)
        let json = try #require(result.json, "\(result.text)")
        #expect(
            json["content"] == [
                ["type": "text", "text": "Reading."],
                ["type": "tool_use", "id": "call_xyz", "name": "Read", "input": ["file_path": "/etc/hosts"]],
            ]
        )
        #expect(json["stop_reason"] == "tool_use")
    }

    static let tools: JSONValue = [
        [
            "name": "Write", "description": "Write a file",
            "input_schema": [
                "type": "object",
                "properties": ["file_path": ["type": "string"], "content": ["type": "string"]],
                "required": ["file_path", "content"],
            ],
        ],
        [
            "name": "Read", "description": "Read a file",
            "input_schema": [
                "type": "object", "properties": ["file_path": ["type": "string"]], "required": ["file_path"],
            ],
        ],
    ]
}
