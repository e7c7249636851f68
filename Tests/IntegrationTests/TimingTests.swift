import Foundation
import Testing

@testable import Proxy

/// `API_TIMEOUT_MS` (first byte and silence between chunks), `PING_INTERVAL_MS`, and a client
/// that hangs up cancelling its upstream request.
@Suite(.stack)
struct TimingTests {
    static let timeoutConfig: JSONObject = ["API_TIMEOUT_MS": 700, "PING_INTERVAL_MS": 200]

    @Test func upstreamThatNeverAnswersTimesOutBeforeTheFirstByte() async throws {
        let stack = try Stack.current()
        let model = TestModel.unique("hang")
        try await stack.upstream.script(model, [["hang": true]], repeatLast: true)
        let proxy = try await stack.proxy(extra: Self.timeoutConfig)
        try await withProxy(proxy) { proxy in
            let start = ContinuousClock.now
            let result = try await proxy.client.stream(body: MessagesBody.make(model: "up,\(model)", stream: true))
            let elapsed = ContinuousClock.now - start
            #expect(result.status == 504, "\(result.text)")
            #expect(!result.isEventStream)
            #expect(result.errorType == "timeout_error")
            #expect(result.errorMessage?.contains("API_TIMEOUT_MS") == true, "\(result.text)")
            #expect(elapsed >= .milliseconds(650) && elapsed < .seconds(15), "\(elapsed)")
        }
    }

    @Test func upstreamSilentMidStreamEndsWithATimeoutErrorEvent() async throws {
        let stack = try Stack.current()
        let model = TestModel.unique("silent")
        try await stack.upstream.script(
            model,
            [
                [
                    "sse": [
                        UpstreamErrorTests.chunk(model, ["role": "assistant", "content": "Started"]),
                        ["sleep_ms": 20_000],
                        UpstreamErrorTests.chunk(model, ["content": " too late"], finish: "stop"),
                    ]
                ]
            ]
        )
        let proxy = try await stack.proxy(extra: Self.timeoutConfig)
        try await withProxy(proxy) { proxy in
            let result = try await proxy.client.stream(body: MessagesBody.make(model: "up,\(model)", stream: true))
            let error = try UpstreamErrorTests.expectErrorEnding(result, partialText: "Started")
            #expect(error.kind == .timeout, "\(error)")
            // The upstream stays silent for 20 s: well under that is the proxy's 700 ms time-out
            // (loose, for a loaded machine), and " too late" never arrives.
            #expect(result.duration < .seconds(12), "the proxy waited for the upstream: \(result.duration)")
            #expect(!result.text.contains("too late"))
        }
    }

    @Test func pingsWhileTheUpstreamPausesAndStillCompletes() async throws {
        let stack = try Stack.current()
        let model = TestModel.unique("ping")
        try await stack.upstream.script(
            model,
            [
                [
                    "sse": [
                        UpstreamErrorTests.chunk(model, ["role": "assistant", "content": "Before "]),
                        ["sleep_ms": 1000],
                        UpstreamErrorTests.chunk(model, ["content": "after"]),
                        UpstreamErrorTests.chunk(model, [:], finish: "stop"),
                    ]
                ]
            ]
        )
        // Pings every 200 ms; the 1 s pause is within the (longer) time-out.
        let proxy = try await stack.proxy(extra: ["API_TIMEOUT_MS": 3000, "PING_INTERVAL_MS": 200])
        try await withProxy(proxy) { proxy in
            let result = try await proxy.client.stream(body: MessagesBody.make(model: "up,\(model)", stream: true))
            let transcript = result.transcript
            #expect(transcript.isCompleteAndValid, "\(transcript.summary)")
            #expect(transcript.message.blocks.map(\.text) == ["Before after"])
            #expect(transcript.names.contains("ping"), "\(transcript.summary)")
            // The pings fall inside the pause, between the two halves of the text.
            let firstText = transcript.events.firstIndex { if case .contentBlockDelta = $0 { true } else { false } }
            let firstPing = transcript.names.firstIndex(of: "ping")
            if let firstText, let firstPing { #expect(firstPing > firstText) }
        }
    }

    @Test func clientDisconnectCancelsTheUpstreamRequest() async throws {
        let stack = try Stack.current()
        let model = TestModel.unique("disconnect")
        try await stack.upstream.script(
            model,
            [
                [
                    "sse": [
                        UpstreamErrorTests.chunk(model, ["role": "assistant", "content": "Hello"]), ["sleep_ms": 5000],
                        UpstreamErrorTests.chunk(model, [:], finish: "stop"),
                    ]
                ]
            ]
        )
        let port = try #require(Int(stack.proxy.url.split(separator: ":").last ?? ""))
        let connection = try await RawConnection.connect(port: port)
        let body = MessagesBody.make(model: "up,\(model)", stream: true).jsonString
        try await connection.send(
            "POST /v1/messages HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                + "Content-Length: \(body.utf8.count)\r\n\r\n\(body)"
        )
        let received = try await connection.read(timeout: .seconds(10)) { bytes in
            let text = String(decoding: bytes, as: UTF8.self)
            guard let start = text.range(of: "event: message_start") else { return false }
            return text[start.upperBound...].contains("\n\n")
        }
        let text = String(decoding: received, as: UTF8.self)
        try #require(text.hasPrefix("HTTP/1.1 200"), "\(text)")
        try #require(text.contains("event: message_start"), "\(text)")
        #expect(try await stack.upstream.connectionStates(model) == ["open"])
        connection.shutdownBoth()
        let closedAt = ContinuousClock.now
        let cancelled = try await eventually(timeout: .milliseconds(1500)) {
            try await stack.upstream.connectionStates(model) == ["client_closed"]
        }
        let states = try await stack.upstream.connectionStates(model)
        #expect(cancelled, "upstream states \(states) \(ContinuousClock.now - closedAt) after the client closed")
    }
}
