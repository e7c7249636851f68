import Testing

@testable import Proxy

/// Upstream failures before the first byte become HTTP errors in Anthropic's shape; failures
/// after it end the stream with an `error` event.
@Suite(.stack)
struct UpstreamErrorTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let upstream: Int
        let status: Int
        let type: String
        var testDescription: String { "upstream \(upstream) → \(status) \(type)" }
    }

    static let cases: [Case] = [
        Case(upstream: 400, status: 400, type: "invalid_request_error"),
        Case(upstream: 401, status: 424, type: "authentication_error"),
        Case(upstream: 403, status: 424, type: "permission_error"),
        Case(upstream: 404, status: 424, type: "not_found_error"),
        Case(upstream: 413, status: 413, type: "request_too_large"),
        Case(upstream: 429, status: 429, type: "rate_limit_error"),
        Case(upstream: 500, status: 500, type: "api_error"),
        Case(upstream: 503, status: 529, type: "overloaded_error"),
        Case(upstream: 529, status: 529, type: "overloaded_error"),
        Case(upstream: 504, status: 504, type: "timeout_error"),
    ]

    /// Every attempt (retries included) gets the same error, so the mapping is what the client sees.
    @Test(arguments: cases, [true, false])
    func mapsUpstreamStatus(_ mapping: Case, stream: Bool) async throws {
        let stack = try Stack.current()
        let model = TestModel.unique("status-\(mapping.upstream)")
        let message = "scripted failure \(mapping.upstream) for \(model)"
        try await stack.upstream.script(
            model,
            [["status": .int(mapping.upstream), "json": ["error": ["message": .string(message), "type": "x"]]]],
            repeatLast: true
        )
        let result = try await stack.client.post(body: MessagesBody.make(model: "up,\(model)", stream: stream))
        #expect(result.status == mapping.status, "\(result.text)")
        #expect(result.header("content-type")?.hasPrefix("application/json") == true)
        let json = try #require(result.json, "\(result.text)")
        #expect(json["type"] == "error")
        #expect(result.errorType == mapping.type)
        #expect(result.errorMessage?.contains(message) == true, "\(result.text)")
        #expect(!result.text.contains("Traceback"))
        #expect(!result.text.contains(SwitchboardProcess.providerKey))
        // Switchboard already retried (and fell back): Claude Code must not retry it again.
        #expect(result.header("x-should-retry") == "false", "\(result.headers)")
    }

    @Test func passesRetryAfterOnWith429() async throws {
        let stack = try Stack.current()
        let model = TestModel.unique("retry-after")
        // 30 s is longer than the proxy will wait, so it answers at once with the upstream's advice.
        try await stack.upstream.script(
            model,
            [["status": 429, "headers": ["Retry-After": "30"], "json": ["error": ["message": "slow down please"]]]],
            repeatLast: true
        )
        let start = ContinuousClock.now
        let result = try await stack.client.stream(body: MessagesBody.make(model: "up,\(model)", stream: true))
        #expect(ContinuousClock.now - start < .seconds(10))
        #expect(result.status == 429)
        #expect(result.errorType == "rate_limit_error")
        #expect(result.errorMessage?.contains("slow down please") == true)
        #expect(result.header("retry-after") == "30")
    }

    @Test func extractsTheMessageOfNIMProblemJSON() async throws {
        let stack = try Stack.current()
        let model = TestModel.unique("nim-429")
        try await stack.upstream.script(
            model,
            [
                [
                    "status": 429, "headers": ["Retry-After": "60", "Content-Type": "application/problem+json"],
                    "json": ["status": 429, "title": "Too Many Requests"],
                ]
            ],
            repeatLast: true
        )
        let result = try await stack.client.post(body: MessagesBody.make(model: "up,\(model)", stream: true))
        #expect(result.status == 429)
        #expect(result.errorType == "rate_limit_error")
        #expect(result.errorMessage?.contains("Too Many Requests") == true, "\(result.text)")
        #expect(result.errorMessage?.contains("{") == false, "the raw JSON should not be the message: \(result.text)")
    }

    @Test func turnsAnHTMLErrorPageIntoAShortMessage() async throws {
        let stack = try Stack.current()
        let model = TestModel.unique("html-502")
        let page =
            "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>"
        try await stack.upstream.script(
            model,
            [["status": 502, "headers": ["Content-Type": "text/html"], "text": .string(page)]],
            repeatLast: true
        )
        let result = try await stack.client.post(body: MessagesBody.make(model: "up,\(model)", stream: false))
        #expect(result.status == 500)
        #expect(result.json?["type"] == "error")
        #expect(result.errorType == "api_error")
        let message = try #require(result.errorMessage, "\(result.text)")
        #expect(message.contains("502"))
        #expect(!message.contains("<html"), "\(message)")
    }

    @Test func includesThePlainTextOfATextErrorBody() async throws {
        let stack = try Stack.current()
        let model = TestModel.unique("text-400")
        try await stack.upstream.script(
            model,
            [["status": 400, "text": "Unsupported parameter: foo_bar is not allowed"]],
            repeatLast: true
        )
        let result = try await stack.client.post(body: MessagesBody.make(model: "up,\(model)", stream: true))
        #expect(result.status == 400)
        #expect(result.errorType == "invalid_request_error")
        #expect(
            result.errorMessage?.contains("Unsupported parameter: foo_bar is not allowed") == true,
            "\(result.text)"
        )
    }

    // MARK: - After the first byte

    @Test func upstreamConnectionDroppedMidStreamEndsWithAnErrorEvent() async throws {
        let stack = try Stack.current()
        let model = TestModel.unique("mid-close")
        try await stack.upstream.script(
            model,
            [
                [
                    "sse": [
                        Self.chunk(model, ["role": "assistant", "content": "Partial "]),
                        Self.chunk(model, ["content": "answer"]), ["close": true],
                    ]
                ]
            ]
        )
        let result = try await stack.client.stream(body: MessagesBody.make(model: "up,\(model)", stream: true))
        try Self.expectErrorEnding(result, partialText: "Partial answer")
    }

    @Test func upstreamStreamWithoutFinishReasonEndsWithAnErrorEvent() async throws {
        let stack = try Stack.current()
        let model = TestModel.unique("no-finish")
        // A clean end of body ([DONE] included) but no finish_reason: the answer is incomplete.
        try await stack.upstream.script(
            model,
            [
                [
                    "sse": [
                        Self.chunk(model, ["role": "assistant", "content": "Cut "]),
                        Self.chunk(model, ["content": "off"]),
                    ]
                ]
            ]
        )
        let result = try await stack.client.stream(body: MessagesBody.make(model: "up,\(model)", stream: true))
        try Self.expectErrorEnding(result, partialText: "Cut off")
    }

    @Test func upstreamErrorChunkMidStreamEndsWithAnErrorEvent() async throws {
        let stack = try Stack.current()
        let model = TestModel.unique("error-chunk")
        try await stack.upstream.script(
            model,
            [
                [
                    "sse": [
                        Self.chunk(model, ["role": "assistant", "content": "Some text"]),
                        ["error": ["message": "upstream exploded mid-way", "type": "server_error", "code": 500]],
                    ]
                ]
            ]
        )
        let result = try await stack.client.stream(body: MessagesBody.make(model: "up,\(model)", stream: true))
        let error = try Self.expectErrorEnding(result, partialText: "Some text")
        #expect(error.message.contains("upstream exploded mid-way"), "\(error)")
    }

    @Test func upstreamErrorBeforeAnyContentInA200Stream() async throws {
        let stack = try Stack.current()
        let model = TestModel.unique("error-first")
        try await stack.upstream.script(
            model,
            [["sse": [["error": ["message": "model is overloaded right now", "code": 503]]]]]
        )
        let result = try await stack.client.stream(body: MessagesBody.make(model: "up,\(model)", stream: true))
        // Either an HTTP error or a stream ending in an error event is acceptable; never a clean end.
        if result.isEventStream {
            let transcript = result.transcript
            #expect(transcript.error != nil, "\(transcript.summary)")
            #expect(!transcript.names.contains("message_stop"))
            #expect(transcript.error?.message.contains("model is overloaded right now") == true)
        } else {
            #expect(result.status >= 400)
            #expect(result.errorMessage?.contains("model is overloaded right now") == true, "\(result.text)")
        }
    }

    /// The stream is well formed up to an `error` event, which is the last event; no `message_stop`.
    @discardableResult
    static func expectErrorEnding(
        _ result: StreamResult,
        partialText: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> APIError {
        #expect(result.status == 200, sourceLocation: sourceLocation)
        let transcript = result.transcript
        #expect(transcript.problems.isEmpty, "\(transcript.summary)", sourceLocation: sourceLocation)
        #expect(transcript.orderError == nil, "\(transcript.summary)", sourceLocation: sourceLocation)
        #expect(transcript.names.last == "error", "\(transcript.summary)", sourceLocation: sourceLocation)
        #expect(!transcript.names.contains("message_stop"), "\(transcript.summary)", sourceLocation: sourceLocation)
        #expect(!transcript.names.contains("message_delta"), "\(transcript.summary)", sourceLocation: sourceLocation)
        #expect(
            transcript.message.blocks.compactMap(\.text).joined() == partialText,
            "\(transcript.summary)",
            sourceLocation: sourceLocation
        )
        return try #require(transcript.error, sourceLocation: sourceLocation)
    }

    static func chunk(_ model: String, _ delta: JSONValue, finish: String? = nil) -> JSONValue {
        [
            "id": "chatcmpl-x", "object": "chat.completion.chunk", "created": 1, "model": .string(model),
            "choices": [["index": 0, "delta": delta, "finish_reason": finish.map(JSONValue.string) ?? .null]],
        ]
    }
}
