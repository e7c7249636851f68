import Foundation
import Testing

@testable import Proxy

/// Retries before the first byte, end to end through the built binary: a few proofs that the
/// driver performs what DispatchStateMachine decides (each rule is tested there, in microseconds).
@Suite(.stack)
struct RetryTests {
    static let success: JSONValue = ["text_stream": ["text": "finally"]]

    @Test func honoursRetryAfterThenSucceeds() async throws {
        let stack = try Stack.current()
        let model = TestModel.unique("retry-429")
        try await stack.upstream.script(
            model,
            [
                ["status": 429, "headers": ["Retry-After": "1"], "json": ["error": ["message": "rate limited"]]],
                Self.success,
            ]
        )
        let start = ContinuousClock.now
        let result = try await stack.client.stream(body: MessagesBody.make(model: "up,\(model)", stream: true))
        let elapsed = ContinuousClock.now - start
        #expect(result.status == 200)
        #expect(result.transcript.isCompleteAndValid, "\(result.transcript.summary)")
        #expect(result.transcript.message.blocks.map(\.text) == ["finally"])
        let requests = try await stack.upstream.requests(model)
        #expect(requests.count == 2)
        if requests.count == 2 {
            #expect(requests[1].time - requests[0].time >= 0.9, "the retry came too early")
        }
        // The upper bound is loose on purpose (a loaded machine is slow): it only has to tell a
        // retry after Retry-After from one held until a time-out.
        #expect(elapsed >= .milliseconds(900) && elapsed < .seconds(15), "\(elapsed)")
    }

    @Test func retriesAResetConnection() async throws {
        let stack = try Stack.current()
        let model = TestModel.unique("retry-reset")
        try await stack.upstream.script(model, [["reset": true], Self.success])
        let result = try await stack.client.stream(body: MessagesBody.make(model: "up,\(model)", stream: true))
        #expect(result.status == 200, "\(result.text)")
        #expect(result.transcript.message.blocks.map(\.text) == ["finally"])
        #expect(try await stack.upstream.requests(model).count == 2)
    }

    @Test func refusedConnectionsAreRetriedQuicklyThenReported() async throws {
        let stack = try Stack.current()
        let closedPort = try RawConnection.closedPort()
        let proxy = try await stack.proxy(
            providers: [
                ["name": "dead", "api_base_url": .string("http://127.0.0.1:\(closedPort)/v1"), "models": ["gone"]]
            ],
            extra: ["API_TIMEOUT_MS": 30_000]
        )
        try await withProxy(proxy) { proxy in
            let start = ContinuousClock.now
            let result = try await proxy.client.post(body: MessagesBody.make(model: "dead,gone", stream: true))
            let elapsed = ContinuousClock.now - start
            #expect(result.status == 424, "\(result.text)")
            #expect(result.errorType == "api_error")
            #expect(result.errorMessage?.contains("dead") == true, "\(result.text)")
            #expect(
                elapsed >= .milliseconds(1000) && elapsed < .seconds(15),
                "\(elapsed): retried with backoff, not held until API_TIMEOUT_MS (30 s)"
            )
            let attempts = await eventually(timeout: .seconds(2)) {
                proxy.stderr.components(separatedBy: "upstream attempt failed").count - 1 == 3
            }
            #expect(attempts, "\(proxy.stderr)")
        }
    }

    @Test func fallsBackAfterRepeatedOverload() async throws {
        let stack = try Stack.current()
        let primary = TestModel.unique("primary")
        let backup = TestModel.unique("backup")
        try await stack.upstream.script(
            primary,
            [["status": 503, "json": ["error": ["message": "overloaded"]]]],
            repeatLast: true
        )
        try await stack.upstream.script(backup, [["text_stream": ["text": "from the backup"]]])
        let proxy = try await stack.proxy(
            providers: [
                [
                    "name": "pool", "api_base_url": .string(stack.upstream.apiBaseURL), "api_key": "pool-key-0000",
                    "models": [.string(primary), .string(backup)],
                ]
            ],
            router: ["default": .string("pool,\(primary)")],
            extra: ["fallback": ["default": [.string("pool,\(backup)")]]]
        )
        try await withProxy(proxy) { proxy in
            let result = try await proxy.client.stream(
                body: MessagesBody.make(model: "claude-sonnet-4-5", stream: true)
            )
            #expect(result.status == 200, "\(result.text)")
            #expect(result.transcript.isCompleteAndValid, "\(result.transcript.summary)")
            #expect(result.transcript.message.blocks.map(\.text) == ["from the backup"])
            #expect(try await stack.upstream.requests(primary).count == 3)
            #expect(try await stack.upstream.requests(backup).count == 1)
            let line = try #require(await Self.requestLine(proxy), "stderr:\n\(proxy.stderr)")
            #expect(line.contains("model=\(backup)"), "\(line)")
            #expect(line.contains(" 200 "), "\(line)")
        }
    }

    @Test func fallsBackWhenTheProviderRefusesConnections() async throws {
        let stack = try Stack.current()
        let backup = TestModel.unique("backup-refused")
        try await stack.upstream.script(backup, [["text_stream": ["text": "the other one answered"]]])
        let closedPort = try RawConnection.closedPort()
        let proxy = try await stack.proxy(
            providers: [
                ["name": "dead", "api_base_url": .string("http://127.0.0.1:\(closedPort)/v1"), "models": ["gone"]],
                ["name": "alive", "api_base_url": .string(stack.upstream.apiBaseURL), "models": [.string(backup)]],
            ],
            router: ["default": "dead,gone"],
            extra: ["fallback": ["default": [.string("alive,\(backup)")]], "API_TIMEOUT_MS": 30_000]
        )
        try await withProxy(proxy) { proxy in
            let start = ContinuousClock.now
            let result = try await proxy.client.post(body: MessagesBody.make(model: "claude-sonnet-4-5", stream: false))
            // Three refused attempts cost only the retry backoff (about 1.5 s), not a 30 s time-out each.
            #expect(ContinuousClock.now - start < .seconds(15), "\(ContinuousClock.now - start)")
            #expect(result.status == 200, "\(result.text)")
            #expect(result.json?["content"] == [["type": "text", "text": "the other one answered"]])
            let line = try #require(await Self.requestLine(proxy), "stderr:\n\(proxy.stderr)")
            #expect(line.contains("provider=alive"), "\(line)")
            #expect(line.contains("model=\(backup)"), "\(line)")
        }
    }

    @Test func reportsTheLastErrorWhenEveryCandidateFails() async throws {
        let stack = try Stack.current()
        let primary = TestModel.unique("all-fail-1")
        let backup = TestModel.unique("all-fail-2")
        try await stack.upstream.script(primary, [["status": 401, "json": ["error": ["message": "bad key one"]]]])
        try await stack.upstream.script(backup, [["status": 403, "json": ["error": ["message": "forbidden two"]]]])
        let proxy = try await stack.proxy(
            providers: [
                [
                    "name": "pool", "api_base_url": .string(stack.upstream.apiBaseURL),
                    "models": [.string(primary), .string(backup)],
                ]
            ],
            router: ["default": .string("pool,\(primary)")],
            extra: ["fallback": ["default": [.string("pool,\(backup)")]]]
        )
        try await withProxy(proxy) { proxy in
            let result = try await proxy.client.post(body: MessagesBody.make(model: "claude-sonnet-4-5", stream: true))
            #expect(result.status == 424, "\(result.text)")
            #expect(result.errorType == "permission_error")
            #expect(result.errorMessage?.contains("forbidden two") == true)
            #expect(try await stack.upstream.requests(primary).count == 1)
        }
    }

    /// The one request line in `proxy`'s log, once it is written.
    static func requestLine(_ proxy: SwitchboardProcess) async -> String? {
        _ = await eventually(timeout: .seconds(3)) { !proxy.requestLines.isEmpty }
        return proxy.requestLines.first.map(String.init)
    }
}
