import Foundation
import Testing

@testable import Proxy

/// Hostile input through the built binary: no request can stall the others.
@Suite(.stack)
struct HardeningTests {
    /// A 6 MB body of one object with 400,000 keys, as anyone who can reach the port may send.
    static func wideBody(keys: Int) -> [UInt8] {
        var text = #"{"model":"claude-sonnet-4-5","max_tokens":5,"messages":[{"role":"user","content":"hi"}]"#
        text.reserveCapacity(keys * 16)
        for index in 0..<keys { text += ",\"key_\(index)\":\(index)" }
        text += "}"
        return Array(text.utf8)
    }

    @Test func aHugeWideBodyDoesNotStallASmallRequest() async throws {
        let stack = try Stack.current()
        let body = Self.wideBody(keys: 400_000)
        #expect(body.count > 6_000_000)
        // A proxy of its own: the shared one serves other suites' traffic at the same time.
        let proxy = try await stack.proxy()
        try await withProxy(proxy) { proxy in try await Self.wideBodyAgainst(proxy.client, body: body) }
    }

    /// Small requests on new connections while the wide body is parsed: they must all be
    /// answered before it (a parse on their event loop would hold them until it ends). The
    /// under-100 ms bound is checked in `Tests/E2E/test_hardening.py`, which runs alone: here
    /// every suite runs at once on two cores, and only the order is a fair test.
    static func wideBodyAgainst(_ client: AnthropicClient, body: [UInt8]) async throws {
        let clock = ContinuousClock()
        let big = Task {
            let result = try await client.post("/v1/messages/count_tokens", bytes: body, timeout: .seconds(120))
            return (result, clock.now)
        }
        // Let the upload land and the parse begin.
        try await Task.sleep(for: .milliseconds(300))
        let small = MessagesBody.make(model: "claude-sonnet-4-5", stream: false)
        var lastSmall = clock.now
        // Each on a new connection: the server deals them out over its event loops in turn,
        // so some share the loop the big body arrived on.
        for _ in 0..<6 {
            let answer = try await client.post(
                "/v1/messages/count_tokens",
                body: small,
                headers: AnthropicClient.defaultHeaders + [("connection", "close")]
            )
            lastSmall = clock.now
            #expect(answer.status == 200, "\(answer.text)")
        }
        let (result, bigEnd) = try await big.value
        #expect(result.status == 200, "\(result.text)")
        #expect(lastSmall < bigEnd, "a small request waited for the big body's parse to end")
    }

    /// A request whose text makes its body about `kilobytes` KB.
    static func body(model: String, kilobytes: Int) -> JSONValue {
        MessagesBody.make(model: model, stream: false, text: String(repeating: "x", count: kilobytes * 1024))
    }

    @Test func requestBytesHeldAtOnceAreCappedWith529() async throws {
        let stack = try Stack.current()
        let model = TestModel.unique("byte-cap")
        try await stack.upstream.script(
            model,
            // The first answer waits long enough that the second request surely arrives while it
            // holds its bytes on a loaded machine (1.5 s was not: the full suite beside two
            // fuzzers let it finish first).
            [["text_stream": ["text": "slow"], "delay_ms": 3000], ["text_stream": ["text": "fast"]]]
        )
        let proxy = try await stack.proxy(extra: ["MAX_REQUEST_BYTES": 1_048_576])
        try await withProxy(proxy) { proxy in
            let client = proxy.client
            let first = Task { try await client.post(body: Self.body(model: "up,\(model)", kilobytes: 700)) }
            #expect(await eventually(timeout: .seconds(5)) { (try? await stack.upstream.requests(model).count) == 1 })
            let refused = try await client.post(body: Self.body(model: "up,\(model)", kilobytes: 700))
            #expect(refused.status == 529, "\(refused.text)")
            #expect(refused.errorType == "overloaded_error")
            #expect(refused.header("x-should-retry") == "true", "a local overload passes: a retry helps")
            #expect(refused.header("retry-after") == "1")
            #expect(refused.errorMessage?.contains("MAX_REQUEST_BYTES") == true, "\(refused.text)")
            // Small requests still fit beside the one in flight.
            let small = try await client.post(
                "/v1/messages/count_tokens",
                body: MessagesBody.make(model: "x", stream: false)
            )
            #expect(small.status == 200)
            let firstAnswer = try await first.value
            #expect(firstAnswer.status == 200, "\(firstAnswer.text)")
            // Its bytes are given back when it ends.
            let after = try await client.post(body: Self.body(model: "up,\(model)", kilobytes: 700))
            #expect(after.status == 200, "\(after.text)")
        }
    }

    @Test func callsBeyondAProvidersMaxConcurrentWaitForOneToEnd() async throws {
        let stack = try Stack.current()
        let model = TestModel.unique("one-at-a-time")
        try await stack.upstream.script(
            model,
            [["text_stream": ["text": "one slow answer", "pieces": 5], "chunk_delay_ms": 200]],
            repeatLast: true
        )
        let proxy = try await stack.proxy(
            providers: [
                [
                    "name": "single", "api_base_url": .string(stack.upstream.apiBaseURL), "api_key": "k",
                    "models": [.string(model)], "max_concurrent": 1,
                ]
            ]
        )
        try await withProxy(proxy) { proxy in
            let client = proxy.client
            let answers = try await withThrowingTaskGroup(of: StreamResult.self) { group in
                for _ in 0..<3 {
                    group.addTask {
                        try await client.stream(body: MessagesBody.make(model: "single,\(model)", stream: true))
                    }
                }
                var results: [StreamResult] = []
                for try await result in group { results.append(result) }
                return results
            }
            #expect(answers.allSatisfy { $0.status == 200 && $0.transcript.isCompleteAndValid })
            #expect(proxy.stderr.contains("concurrent calls (max_concurrent)"), "\(proxy.stderr)")
            // The upstream never saw two of them at once: each started after the previous ended.
            let starts = try await stack.upstream.requests(model).count
            #expect(starts == 3)
            let waited = proxy.stderr.components(separatedBy: "got a call to single after").count - 1
            #expect(waited == 2, "\(proxy.stderr)")
        }
    }
}
