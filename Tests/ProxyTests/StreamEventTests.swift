import Testing

@testable import Proxy

struct StreamEventTests {
    /// The `data:` JSON of `event`'s frame, after checking the frame's `event:` line.
    static func data(_ event: StreamEvent) throws -> JSONValue {
        let frame = event.sseFrame
        let lines = frame.split(separator: "\n", omittingEmptySubsequences: false)
        try #require(lines.count == 4, "\(frame)")
        #expect(lines[0] == "event: \(event.name)")
        #expect(lines[2].isEmpty && lines[3].isEmpty)
        try #require(lines[1].hasPrefix("data: "))
        let json = try JSONParser.parse(String(lines[1].dropFirst("data: ".count)))
        #expect(json["type"]?.stringValue == event.name)
        return json
    }

    @Test func messageStartHasTheFieldsStrictClientsRead() throws {
        let json = try Self.data(.messageStart(id: "msg_1", model: "claude-sonnet-4-5", inputTokens: 377))
        let message = try #require(json["message"])
        #expect(message["id"] == "msg_1")
        #expect(message["type"] == "message")
        #expect(message["role"] == "assistant")
        #expect(message["model"] == "claude-sonnet-4-5")
        #expect(message["content"] == [])
        #expect(message["stop_reason"] == .null)
        #expect(message["stop_sequence"] == .null)
        #expect(
            message["usage"] == [
                "input_tokens": 377, "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0, "output_tokens": 0,
            ]
        )
    }

    @Test func blockStarts() throws {
        #expect(try Self.data(.contentBlockStart(index: 0, .text))["content_block"] == ["type": "text", "text": ""])
        #expect(
            try Self.data(.contentBlockStart(index: 1, .thinking))["content_block"]
                == ["type": "thinking", "thinking": "", "signature": ""]
        )
        let tool = try Self.data(.contentBlockStart(index: 2, .toolUse(id: "toolu_1", name: "get_weather")))
        #expect(tool["index"] == 2)
        #expect(tool["content_block"] == ["type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": [:]])
    }

    @Test(arguments: [
        (StreamEvent.Delta.text("a\n\"b\""), JSONValue.object(["type": "text_delta", "text": "a\n\"b\""])),
        (.thinking("t"), JSONValue.object(["type": "thinking_delta", "thinking": "t"])),
        (.signature("sig"), JSONValue.object(["type": "signature_delta", "signature": "sig"])),
        (.inputJSON(#"{"a":"#), JSONValue.object(["type": "input_json_delta", "partial_json": #"{"a":"#])),
    ])
    func deltas(delta: StreamEvent.Delta, expected: JSONValue) throws {
        let json = try Self.data(.contentBlockDelta(index: 3, delta))
        #expect(json["index"] == 3)
        #expect(json["delta"] == expected)
    }

    @Test func messageDeltaCarriesStopAndCumulativeUsage() throws {
        let json = try Self.data(
            .messageDelta(
                stopReason: .stopSequence,
                stopSequence: "END",
                usage: Usage(inputTokens: 118, outputTokens: 61, cacheReadInputTokens: 256)
            )
        )
        #expect(json["delta"] == ["stop_reason": "stop_sequence", "stop_sequence": "END"])
        #expect(
            json["usage"] == [
                "input_tokens": 118, "cache_creation_input_tokens": 0, "cache_read_input_tokens": 256,
                "output_tokens": 61,
            ]
        )
        let plain = try Self.data(
            .messageDelta(stopReason: .toolUse, stopSequence: nil, usage: Usage(inputTokens: 1, outputTokens: 2))
        )
        #expect(plain["delta"] == ["stop_reason": "tool_use", "stop_sequence": nil])
    }

    @Test func endPingAndError() throws {
        #expect(try Self.data(.messageStop) == ["type": "message_stop"])
        #expect(try Self.data(.contentBlockStop(index: 4)) == ["type": "content_block_stop", "index": 4])
        #expect(try Self.data(.ping) == ["type": "ping"])
        let error = try Self.data(.error(APIError(.overloaded, "Overloaded \"now\"")))
        #expect(error["error"] == ["type": "overloaded_error", "message": "Overloaded \"now\""])
    }
}

struct ProgressReporterTests {
    final class Sink: ProxyEventSink, @unchecked Sendable {
        // @unchecked: the test calls `receive` from one task only.
        var events: [ProxyEvent] = []
        func receive(_ event: ProxyEvent) { events.append(event) }
    }

    @Test func mergesPiecesAndStopsCollectingPastTheLimit() {
        let bus = EventBus()
        let sink = Sink()
        bus.attach(sink)
        var reporter = ProgressReporter(
            id: RequestID(1),
            bus: bus,
            target: ModelRef(provider: "p", model: "m"),
            requestStart: .now
        )
        reporter.observe(.contentBlockDelta(index: 0, .thinking("a")), outputTokens: 1)
        reporter.observe(.contentBlockDelta(index: 0, .thinking("b")), outputTokens: 2)
        reporter.observe(.contentBlockStart(index: 1, .toolUse(id: "t", name: "Write")), outputTokens: 2)
        reporter.observe(.contentBlockDelta(index: 1, .inputJSON("{\"x\":")), outputTokens: 3)
        reporter.observe(.contentBlockDelta(index: 1, .inputJSON("1}")), outputTokens: 4)
        reporter.flush()
        let pieces = sink.events.compactMap { event -> [ProxyEvent.OutputPiece]? in
            if case .progress(let progress) = event { return progress.pieces }
            return nil
        }
        #expect(pieces == [[.thinking("ab"), .toolCall(name: "Write"), .toolArguments("{\"x\":1}")]])
        #expect(sink.events.contains { if case .firstToken = $0 { true } else { false } })

        let big = String(repeating: "x", count: ProgressReporter.limit)
        reporter.observe(.contentBlockDelta(index: 2, .text(big)), outputTokens: 5)
        reporter.observe(.contentBlockDelta(index: 2, .text("more")), outputTokens: 6)
        reporter.flush()
        guard case .progress(let last)? = sink.events.last else {
            Issue.record("no progress event")
            return
        }
        #expect(last.pieces == [.text(big)], "nothing collected past the limit")
        #expect(last.outputTokens == 6, "tokens are still counted")
    }
}
