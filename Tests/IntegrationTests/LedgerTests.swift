import Foundation
import Testing

@testable import Proxy

/// The usage ledger against the built binary: one row per request with the right numbers,
/// kept across restarts, a corrupt file set aside, budgets enforced, `stats` in every grouping.
@Suite(.stack)
struct LedgerTests {
    /// A state directory of the test's own, and the ledger file the proxy writes in it.
    struct State {
        let directory: TemporaryDirectory
        var home: String { directory.url.path }
        var ledger: String { home + "/switchboard/usage.sqlite" }

        init() throws { directory = try TemporaryDirectory("ledger-state") }

        /// The rows once there are `count` (the writer batches every 250 ms).
        func rows(_ count: Int, sourceLocation: SourceLocation = #_sourceLocation) async throws -> [UsageRow] {
            var rows: [UsageRow] = []
            _ = await eventually(timeout: .seconds(10), every: .milliseconds(100)) {
                rows = (try? UsageStore(path: ledger, readOnly: true).allRows()) ?? []
                return rows.count >= count
            }
            #expect(rows.count == count, sourceLocation: sourceLocation)
            return rows
        }
    }

    static let usage: JSONValue = [
        "prompt_tokens": 1_000, "completion_tokens": 200, "prompt_tokens_details": ["cached_tokens": 400],
    ]
    static let price: JSONValue = ["input": 2, "output": 10, "cache_read": 0.5]

    /// A provider on the scripted upstream with these models and a price.
    static func provider(_ models: [String], extra: JSONObject = [:]) -> JSONValue {
        var object: JSONObject = [
            "name": "led", "api_base_url": .string(""), "api_key": "led-key-1",
            "models": .array(models.map { .string($0) }), "price": price,
        ]
        for member in extra.members { object[member.key] = member.value }
        return .object(object)
    }

    func proxy(
        _ stack: Stack,
        state: State,
        models: [String],
        router: JSONObject? = nil,
        providerExtra: JSONObject = [:],
        extra: JSONObject = [:]
    ) async throws -> SwitchboardProcess {
        var provider = Self.provider(models, extra: providerExtra)
        if case .object(var object) = provider {
            object["api_base_url"] = .string(stack.upstream.apiBaseURL)
            provider = .object(object)
        }
        return try await stack.proxy(
            providers: [provider],
            router: router ?? ["default": .string("led,\(models[0])")],
            extra: extra,
            environment: ["XDG_STATE_HOME": state.home]
        )
    }

    static let claudeCodeHeaders: [(String, String)] =
        AnthropicClient.defaultHeaders + [("user-agent", "claude-cli/2.1.332 (external, cli)")]

    static func claudeCodeBody(stream: Bool) -> JSONValue {
        MessagesBody.make(
            model: "claude-sonnet-4-5-20250929",
            stream: stream,
            extra: [
                "system": [
                    ["type": "text", "text": "x-anthropic-billing-header: cc_version=2.1.332.469; cc_entrypoint=cli;"],
                    ["type": "text", "text": "You are Claude Code.\n - Primary working directory: /home/dev/shop\n"],
                ],
                "metadata": ["user_id": #"{"device_id":"d","account_uuid":"","session_id":"sess-42"}"#],
            ]
        )
    }

    @Test func successRowHasTheProvidersNumbersOriginAndCost() async throws {
        let stack = try Stack.current()
        let state = try State()
        let model = TestModel.unique("ledger-ok")
        try await stack.upstream.script(model, [["text_stream": ["text": "hello there", "usage": Self.usage]]])
        let proxy = try await proxy(stack, state: state, models: [model])
        try await withProxy(proxy) { proxy in
            let body = Self.claudeCodeBody(stream: true)
            let result = try await proxy.client.stream(body: body, headers: Self.claudeCodeHeaders)
            #expect(result.status == 200)
            let rows = try await state.rows(1)
            let row = try #require(rows.first)
            #expect(row.status == 200 && row.errorType == nil && row.stopReason == "end_turn")
            #expect(row.client == "claude-code")
            #expect(row.sessionID == "sess-42")
            #expect(row.project == "/home/dev/shop")
            #expect(row.requestedModel == "claude-sonnet-4-5-20250929")
            #expect(row.route == "default" && row.routeReason?.isEmpty == false)
            #expect(row.provider == "led" && row.model == model)
            #expect(row.attempts == 1 && row.retries == 0 && row.fallbacks == 0 && row.keyIndex == 0)
            // OpenAI's prompt tokens include the cached ones; Anthropic's input does not.
            #expect(row.inputTokens == 600 && row.cacheReadTokens == 400 && row.outputTokens == 200)
            #expect(!row.estimated)
            #expect(row.ttftMilliseconds != nil && row.durationMilliseconds >= (row.ttftMilliseconds ?? 0))
            #expect(row.requestBytes == body.jsonBytes.count)
            #expect(row.answerBytes == result.raw.count)
            #expect(row.messageID?.hasPrefix("msg_") == true)
            // 600 × 2 + 200 × 10 + 400 × 0.5 per million.
            #expect(abs((row.costUSD ?? -1) - 0.0034) < 1e-9)
            // Sonnet's list price: 600 × 3 + 200 × 15 + 400 × 0.3 per million.
            #expect(abs((row.anthropicUSD ?? -1) - 0.00492) < 1e-9)
            #expect(!row.instance.isEmpty)
        }
    }

    @Test func providerErrorRow() async throws {
        let stack = try Stack.current()
        let state = try State()
        let model = TestModel.unique("ledger-error")
        try await stack.upstream.script(model, [["status": 400, "json": ["error": ["message": "bad request"]]]])
        let proxy = try await proxy(stack, state: state, models: [model])
        try await withProxy(proxy) { proxy in
            let result = try await proxy.client.post(body: MessagesBody.make(model: "led,\(model)", stream: false))
            #expect(result.status == 400)
            let row = try #require(try await state.rows(1).first)
            #expect(row.status == 400 && row.errorType == "invalid_request_error")
            #expect(row.route == "explicit" && row.provider == "led" && row.model == model)
            #expect(row.attempts == 1 && row.retries == 0)
            #expect(row.inputTokens == 0 && row.outputTokens == 0 && row.costUSD == 0)
            #expect(row.stopReason == nil)
        }
    }

    @Test func retryRowCountsTheAttempts() async throws {
        let stack = try Stack.current()
        let state = try State()
        let model = TestModel.unique("ledger-retry")
        try await stack.upstream.script(
            model,
            [
                ["status": 500, "json": ["error": ["message": "internal"]]],
                ["text_stream": ["text": "second time", "usage": Self.usage]],
            ]
        )
        let proxy = try await proxy(stack, state: state, models: [model])
        try await withProxy(proxy) { proxy in
            let result = try await proxy.client.post(body: MessagesBody.make(model: "led,\(model)", stream: false))
            #expect(result.status == 200)
            let row = try #require(try await state.rows(1).first)
            #expect(row.status == 200 && row.attempts == 2 && row.retries == 1 && row.fallbacks == 0)
            #expect(row.outputTokens == 200 && row.answerBytes == result.body.count)
        }
    }

    @Test func fallbackRowNamesTheModelThatAnswered() async throws {
        let stack = try Stack.current()
        let state = try State()
        let first = TestModel.unique("ledger-first")
        let second = TestModel.unique("ledger-second")
        try await stack.upstream.script(first, [["status": 404, "json": ["error": ["message": "no such model"]]]])
        try await stack.upstream.script(second, [["text_stream": ["text": "from the fallback", "usage": Self.usage]]])
        let proxy = try await proxy(
            stack,
            state: state,
            models: [first, second],
            extra: ["fallback": ["default": [.string("led,\(second)")]]]
        )
        try await withProxy(proxy) { proxy in
            let result = try await proxy.client.stream(body: MessagesBody.make(model: "claude-haiku-4-5", stream: true))
            #expect(result.status == 200)
            let row = try #require(try await state.rows(1).first)
            #expect(row.status == 200 && row.provider == "led" && row.model == second)
            #expect(row.attempts == 2 && row.fallbacks == 1 && row.retries == 0)
            #expect(row.outputTokens == 200)
        }
    }

    @Test func cancelledRow() async throws {
        let stack = try Stack.current()
        let state = try State()
        let model = TestModel.unique("ledger-cancel")
        try await stack.upstream.script(
            model,
            [["text_stream": ["text": "a long answer that never finishes", "pieces": 30], "chunk_delay_ms": 300]]
        )
        let proxy = try await proxy(stack, state: state, models: [model])
        try await withProxy(proxy) { proxy in
            let port = try #require(Int(proxy.url.split(separator: ":").last ?? ""))
            let connection = try await RawConnection.connect(port: port)
            let body = MessagesBody.make(model: "led,\(model)", stream: true).jsonString
            try await connection.send(
                "POST /v1/messages HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                    + "Content-Length: \(body.utf8.count)\r\n\r\n\(body)"
            )
            _ = try await connection.read(timeout: .seconds(10)) { bytes in
                String(decoding: bytes, as: UTF8.self).contains("content_block_delta")
            }
            connection.shutdownBoth()
            let row = try #require(try await state.rows(1).first)
            #expect(row.status == 499 && row.errorType == "cancelled")
            #expect(row.attempts == 1 && row.estimated)
            #expect(row.ttftMilliseconds != nil && row.answerBytes > 0)
        }
    }

    @Test func restartKeepsTheRows() async throws {
        let stack = try Stack.current()
        let state = try State()
        let model = TestModel.unique("ledger-restart")
        try await stack.upstream.script(
            model,
            [["text_stream": ["text": "hi", "usage": Self.usage]]],
            repeatLast: true
        )
        for round in 1...2 {
            let proxy = try await proxy(stack, state: state, models: [model])
            try await withProxy(proxy) { proxy in
                let result = try await proxy.client.post(body: MessagesBody.make(model: "led,\(model)", stream: false))
                #expect(result.status == 200)
                _ = try await state.rows(round)
            }
        }
        let rows = try await state.rows(2)
        #expect(rows.map(\.status) == [200, 200])
    }

    @Test func corruptFileIsSetAsideAndTheProxyServes() async throws {
        let stack = try Stack.current()
        let state = try State()
        let model = TestModel.unique("ledger-corrupt")
        try await stack.upstream.script(model, [["text_stream": ["text": "hi", "usage": Self.usage]]])
        let garbage = "this is not a database " + String(repeating: "x", count: 5000)
        try state.directory.write("switchboard/usage.sqlite", garbage)
        let proxy = try await proxy(stack, state: state, models: [model])
        try await withProxy(proxy) { proxy in
            let result = try await proxy.client.post(body: MessagesBody.make(model: "led,\(model)", stream: false))
            #expect(result.status == 200)
            #expect(try await state.rows(1).first?.status == 200)
            let files = try FileManager.default.contentsOfDirectory(atPath: state.home + "/switchboard")
            let aside = try #require(files.first { $0.hasPrefix("usage.sqlite.corrupt-") })
            let kept = try String(contentsOfFile: state.home + "/switchboard/" + aside, encoding: .utf8)
            #expect(kept == garbage)
            #expect(proxy.stderr.contains("moved it to"))
        }
    }

    @Test func enforcedBudgetRefusesNewRequests() async throws {
        let stack = try Stack.current()
        let state = try State()
        let model = TestModel.unique("ledger-budget")
        try await stack.upstream.script(
            model,
            [["text_stream": ["text": "hi", "usage": Self.usage]]],
            repeatLast: true
        )
        // One request costs $0.0034; the daily budget is $0.004.
        let proxy = try await proxy(
            stack,
            state: state,
            models: [model],
            providerExtra: ["budget": ["daily_usd": 0.004, "enforce": true]]
        )
        try await withProxy(proxy) { proxy in
            #expect(
                try await proxy.client.post(body: MessagesBody.make(model: "led,\(model)", stream: false)).status == 200
            )
            let warned = await eventually(timeout: .seconds(5)) { proxy.stderr.contains("at 80% of its daily limit") }
            #expect(warned, "\(proxy.stderr)")
            #expect(
                try await proxy.client.post(body: MessagesBody.make(model: "led,\(model)", stream: false)).status == 200
            )
            let refused = try await proxy.client.post(body: MessagesBody.make(model: "led,\(model)", stream: true))
            #expect(refused.status == 429)
            #expect(refused.header("x-should-retry") == "false")
            #expect(refused.errorMessage?.contains("led.budget.daily_usd") == true)
            #expect(proxy.stderr.contains("reached its daily limit"))
            #expect(try await stack.upstream.requests(model).count == 2)
            let rows = try await state.rows(3)
            #expect(rows.last?.status == 429 && rows.last?.attempts == 0)
        }
    }

    @Test func ledgerOffWritesNothing() async throws {
        let stack = try Stack.current()
        let state = try State()
        let model = TestModel.unique("ledger-off")
        try await stack.upstream.script(model, [["text_stream": ["text": "hi"]]])
        let proxy = try await proxy(stack, state: state, models: [model], extra: ["USAGE_DB": false])
        try await withProxy(proxy) { proxy in
            #expect(
                try await proxy.client.post(body: MessagesBody.make(model: "led,\(model)", stream: false)).status == 200
            )
            try await Task.sleep(for: .milliseconds(600))
            #expect(!FileManager.default.fileExists(atPath: state.ledger))
        }
    }
}
