import Testing

@testable import Proxy

/// The accumulator is the oracle every stream test relies on, so it must reject what the
/// Anthropic SDK rejects.
struct MessageAccumulatorTests {
    static let start = StreamEvent.messageStart(id: "msg_1", model: "claude-test", inputTokens: 7)
    static let end: [StreamEvent] = [
        .messageDelta(stopReason: .endTurn, stopSequence: nil, usage: Usage(inputTokens: 7, outputTokens: 3)),
        .messageStop,
    ]

    static func fold(_ events: [StreamEvent]) throws(MessageAccumulator.OrderError) -> MessageAccumulator {
        var accumulator = MessageAccumulator()
        for event in events { try accumulator.apply(event) }
        return accumulator
    }

    @Test func validStreamIsFolded() throws {
        let message = try Self.fold(
            [
                Self.start, .ping,
                .contentBlockStart(index: 0, .thinking),
                .contentBlockDelta(index: 0, .thinking("hm")),
                .contentBlockDelta(index: 0, .signature("sig")),
                .contentBlockStop(index: 0),
                .contentBlockStart(index: 1, .text),
                .contentBlockDelta(index: 1, .text("Hi ")),
                .contentBlockDelta(index: 1, .text("there")),
                .contentBlockStop(index: 1),
                .contentBlockStart(index: 2, .toolUse(id: "toolu_1", name: "Read")),
                .contentBlockDelta(index: 2, .inputJSON(#"{"file_"#)),
                .contentBlockDelta(index: 2, .inputJSON(#"path":"/a"}"#)),
                .contentBlockStop(index: 2),
            ] + Self.end
        )
        #expect(message.id == "msg_1")
        #expect(message.model == "claude-test")
        #expect(
            message.blocks == [
                .thinking("hm", signature: "sig"), .text("Hi there"),
                .toolUse(id: "toolu_1", name: "Read", inputJSON: #"{"file_path":"/a"}"#),
            ]
        )
        #expect(message.stopReason == .endTurn)
        #expect(message.usage == Usage(inputTokens: 7, outputTokens: 3))
        #expect(message.isComplete)
    }

    static let invalidStreams: [(String, [StreamEvent])] = [
        ("event before message_start", [.contentBlockStart(index: 0, .text)]),
        ("second message_start", [start, start]),
        ("delta for a block never started", [start, .contentBlockDelta(index: 0, .text("x"))]),
        ("block index skipped", [start, .contentBlockStart(index: 1, .text)]),
        (
            "second block while the first is open",
            [start, .contentBlockStart(index: 0, .text), .contentBlockStart(index: 1, .text)]
        ),
        (
            "text delta into a thinking block",
            [start, .contentBlockStart(index: 0, .thinking), .contentBlockDelta(index: 0, .text(""))]
        ),
        (
            "thinking delta into a text block",
            [start, .contentBlockStart(index: 0, .text), .contentBlockDelta(index: 0, .thinking("x"))]
        ),
        (
            "JSON delta into a text block",
            [start, .contentBlockStart(index: 0, .text), .contentBlockDelta(index: 0, .inputJSON("{}"))]
        ),
        (
            "signature delta into a tool block",
            [
                start, .contentBlockStart(index: 0, .toolUse(id: "t", name: "n")),
                .contentBlockDelta(index: 0, .signature("s")),
            ]
        ),
        (
            "delta after the block stopped",
            [
                start, .contentBlockStart(index: 0, .text), .contentBlockStop(index: 0),
                .contentBlockDelta(index: 0, .text("x")),
            ]
        ),
        ("stop for a block that is not open", [start, .contentBlockStop(index: 0)]),
        ("message_delta with a block open", [start, .contentBlockStart(index: 0, .text)] + end),
        ("message_stop without message_delta", [start, .messageStop]),
        ("event after message_stop", [start] + end + [.ping]),
        ("event after error", [start, .error(APIError(.api, "x")), .messageStop]),
    ]

    @Test(arguments: invalidStreams)
    func invalidOrderIsRejected(label: String, events: [StreamEvent]) {
        #expect(throws: MessageAccumulator.OrderError.self, "\(label)") { try Self.fold(events) }
    }

    @Test func errorIsRecordedAndEndsTheMessage() throws {
        let message = try Self.fold([
            Self.start, .contentBlockStart(index: 0, .text), .error(APIError(.overloaded, "busy")),
        ])
        #expect(message.error == APIError(.overloaded, "busy"))
        #expect(!message.isComplete)
    }

    @Test func jsonBodyOfAFoldedMessage() throws {
        let message = try Self.fold(
            [
                Self.start,
                .contentBlockStart(index: 0, .text), .contentBlockDelta(index: 0, .text("Hi \"you\"")),
                .contentBlockStop(index: 0),
                .contentBlockStart(index: 1, .toolUse(id: "toolu_1", name: "Read")),
                .contentBlockDelta(index: 1, .inputJSON(#"{"b":1,"a":2}"#)), .contentBlockStop(index: 1),
                .contentBlockStart(index: 2, .toolUse(id: "toolu_2", name: "Cut")),
                .contentBlockDelta(index: 2, .inputJSON(#"{"x":"#)), .contentBlockStop(index: 2),
                .contentBlockStart(index: 3, .toolUse(id: "toolu_3", name: "Empty")), .contentBlockStop(index: 3),
                .messageDelta(
                    stopReason: .maxTokens,
                    stopSequence: nil,
                    usage: Usage(inputTokens: 5, outputTokens: 9, cacheReadInputTokens: 3)
                ),
                .messageStop,
            ])
        let body = try JSONParser.parse(message.jsonBody)
        #expect(body["type"] == "message")
        #expect(body["role"] == "assistant")
        #expect(body["id"] == "msg_1")
        #expect(body["stop_reason"] == "max_tokens")
        #expect(body["stop_sequence"] == .null)
        #expect(
            body["usage"] == [
                "input_tokens": 5, "cache_creation_input_tokens": 0, "cache_read_input_tokens": 3, "output_tokens": 9,
            ]
        )
        let content = try #require(body["content"]?.arrayValue)
        #expect(content[0] == ["type": "text", "text": "Hi \"you\""])
        #expect(content[1] == ["type": "tool_use", "id": "toolu_1", "name": "Read", "input": ["b": 1, "a": 2]])
        #expect(content[1]["input"]?.objectValue?.keys == ["b", "a"])
        // Arguments cut off by max_tokens are kept, not lost.
        #expect(content[2]["input"] == ["_raw_arguments": #"{"x":"#])
        #expect(content[3]["input"] == .object(JSONObject()))
    }
}
