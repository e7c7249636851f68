import Foundation
import Testing

@testable import Proxy

/// The built `switchboard` against fake providers over real sockets: key pools, the RPM
/// queue, fallback, Anthropic passthrough, hot reload and `check --probe`.
@Suite(.serialized, .timeLimit(.minutes(1)))
struct ProviderIntegrationTests {
    static func provider(
        _ name: String,
        _ baseURL: String,
        models: [String],
        key: JSONValue = "sk-test-key-0000",
        extra: JSONObject = [:]
    ) -> JSONValue {
        var object: JSONObject = [
            "name": .string(name), "api_base_url": .string(baseURL), "api_key": key,
            "models": .array(models.map(JSONValue.string)),
        ]
        for member in extra.members { object[member.key] = member.value }
        return .object(object)
    }

    static func config(
        _ providers: [JSONValue],
        router: JSONObject,
        fallback: JSONObject? = nil,
        extra: JSONObject = [:]
    ) -> JSONValue {
        var object: JSONObject = ["Providers": .array(providers), "Router": .object(router), "LOG_LEVEL": "info"]
        if let fallback { object["fallback"] = .object(fallback) }
        for member in extra.members { object[member.key] = member.value }
        return .object(object)
    }

    /// The log line reporting a finished `/v1/messages` request with `status`.
    static func requestLine(_ switchboard: SwitchboardProcess, status: Int) async throws -> Substring {
        try await switchboard.waitForLog("POST /v1/messages \(status) ")
    }

    /// A response streaming `text` (split in a few pieces).
    static func text(_ text: String) -> JSONValue {
        ["text_stream": ["text": .string(text), "pieces": 3]]
    }

    /// A small Claude Code-like request.
    static func request(model: String = "claude-sonnet-4-5", text: String = "hi", stream: Bool = false) -> JSONValue {
        [
            "model": .string(model), "max_tokens": 1_000, "stream": .bool(stream),
            "messages": [["role": "user", "content": .string(text)]],
        ]
    }

    /// `switchboard serve` with `config`, written to `config.json` in `directory` (a fresh one if
    /// `nil`), `HOME` in that directory too.
    static func serve(_ config: JSONValue, in directory: TemporaryDirectory? = nil) async throws -> SwitchboardProcess {
        let directory = try directory ?? TemporaryDirectory("provider")
        let path = try directory.write("config.json", config.jsonString, atomically: true)
        return try await SwitchboardProcess.start(
            arguments: ["serve", "--config", path, "--port", "0"],
            environment: ["HOME": directory.url.path],
            directory: directory
        )
    }

    /// Posts `body` to the proxy's `/v1/messages` with `anthropic-version` and `headers`.
    static func messages(
        _ switchboard: SwitchboardProcess,
        _ body: JSONValue,
        headers: [(String, String)] = []
    ) async throws -> HTTPResult {
        try await switchboard.client.post(body: body, headers: [("anthropic-version", "2023-06-01")] + headers)
    }

    // MARK: - Key pool

    @Test func a429RestsTheKeyAndTheNextKeyServesAtOnce() async throws {
        try await withUpstream { upstream in
            try await upstream.script(
                "m1",
                [
                    [
                        "status": 429, "headers": ["Retry-After": "30"],
                        "json": ["status": 429, "title": "Too Many Requests"],
                    ],
                    Self.text("first answer"), Self.text("second answer"),
                    Self.text("third answer"),
                ]
            )
            let keys: JSONValue = ["nvapi-key-one-0001", "nvapi-key-two-0002"]
            try await withProxy(
                try await Self.serve(
                    Self.config(
                        [Self.provider("nim", upstream.apiBaseURL, models: ["m1"], key: keys)],
                        router: ["default": "nim,m1"]
                    )
                )
            ) { switchboard in

                let started = ContinuousClock.now
                let first = try await Self.messages(switchboard, Self.request())
                #expect(
                    ContinuousClock.now - started < .seconds(10),
                    "retried at once with the other key, not after 30 s"
                )
                #expect(first.status == 200)
                #expect(first.messageText == "first answer")
                for expected in ["second answer", "third answer"] {
                    #expect(try await Self.messages(switchboard, Self.request()).messageText == expected)
                }
                let used = try await upstream.requests("m1").map { $0.headers["authorization"] }
                #expect(
                    used == [
                        "Bearer nvapi-key-one-0001", "Bearer nvapi-key-two-0002", "Bearer nvapi-key-two-0002",
                        "Bearer nvapi-key-two-0002",
                    ]
                )
                let rest = try await switchboard.waitForLog("rests 30 s")
                #expect(rest.contains("key 1/2"))
                #expect(!switchboard.stderr.contains("nvapi-key-one-0001"), "a key reached the log")
            }
        }
    }

    // MARK: - RPM budget

    @Test func requestsOverTheRPMBudgetWaitInTheQueue() async throws {
        try await withUpstream { upstream in
            try await upstream.script("m1", [Self.text("ok")], repeatLast: true)
            try await withProxy(
                try await Self.serve(
                    Self.config(
                        [Self.provider("nim", upstream.apiBaseURL, models: ["m1"], extra: ["rpm": 2])],
                        router: ["default": "nim,m1"]
                    )
                )
            ) { switchboard in
                for _ in 0..<2 { #expect(try await Self.messages(switchboard, Self.request()).status == 200) }

                let third = Task { try await Self.messages(switchboard, Self.request()) }
                defer { third.cancel() }
                let line = try await switchboard.waitForLog("requests per minute")
                #expect(line.contains("nim's budget of 2 requests per minute"))
                let wait = line.split(separator: "waiting ").last?.split(separator: " ").first.flatMap { Double($0) }
                #expect(
                    wait.map { (50...60.5).contains($0) } == true,
                    "waits about until the first request leaves the minute: \(line)"
                )
                try await Task.sleep(for: .seconds(1))
                #expect(try await upstream.requests("m1").count == 2, "the third request went out over the budget")
            }
        }
    }

    // MARK: - Fallback

    @Test func aRefusedConnectionFallsBackToTheNextModel() async throws {
        try await withUpstream { upstream in
            try await upstream.script("m2", [Self.text("from the fallback")])
            let deadPort = try RawConnection.closedPort()
            try await withProxy(
                try await Self.serve(
                    Self.config(
                        [
                            Self.provider("dead", "http://127.0.0.1:\(deadPort)/v1", models: ["m0"]),
                            Self.provider("live", upstream.apiBaseURL, models: ["m2"]),
                        ],
                        router: ["default": "dead,m0"],
                        fallback: ["default": ["live,m2"]]
                    )
                )
            ) { switchboard in
                let answer = try await Self.messages(switchboard, Self.request())
                #expect(answer.status == 200)
                #expect(answer.messageText == "from the fallback")
                let line = try await Self.requestLine(switchboard, status: 200)
                #expect(line.contains("provider=live model=m2"), "\(line)")
                #expect(!switchboard.logLines(containing: "dead (m0): cannot connect to").isEmpty)
            }
        }
    }

    @Test func aTimeOutBeforeTheFirstByteFallsBackToTheNextModel() async throws {
        try await withUpstream { upstream in
            try await upstream.script("stuck", [["hang": true]])
            try await upstream.script("m2", [Self.text("from the fallback")])
            try await withProxy(
                try await Self.serve(
                    Self.config(
                        [
                            Self.provider("slow", upstream.apiBaseURL, models: ["stuck"]),
                            Self.provider("live", upstream.apiBaseURL, models: ["m2"]),
                        ],
                        router: ["default": "slow,stuck"],
                        fallback: ["default": ["live,m2"]],
                        extra: ["API_TIMEOUT_MS": 500]
                    )
                )
            ) { switchboard in
                let started = ContinuousClock.now
                let answer = try await Self.messages(switchboard, Self.request(stream: true))
                #expect(ContinuousClock.now - started < .seconds(15))
                #expect(answer.status == 200)
                #expect(answer.text.contains("event: message_stop"))
                #expect(!answer.text.contains("event: error"))
                let line = try await Self.requestLine(switchboard, status: 200)
                #expect(line.contains("provider=live model=m2"), "\(line)")
                #expect(!switchboard.logLines(containing: "slow (stuck) did not answer for 500 ms").isEmpty)
                #expect(
                    try await upstream.requests("stuck").count == 1,
                    "a time-out is not retried on the same model"
                )
            }
        }
    }

    // MARK: - Anthropic passthrough

    static let realSignature = "c2lnLWZyb20tZmFrZS1zZXJ2ZXI="
    static let secret = "sk-glm-secret-9999"

    static let cannedStream = """
        event: message_start
        data: {"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","model":"glm-4.6","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":12,"output_tokens":1}}}

        event: content_block_start
        data: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}

        event: ping
        data: {"type": "ping"}

        event: content_block_delta
        data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hello from GLM"}}

        event: content_block_stop
        data: {"type":"content_block_stop","index":0}


        """
    static let cannedEnd = """
        event: message_delta
        data: {"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":4}}

        event: message_stop
        data: {"type":"message_stop"}


        """

    /// Scripts the upstream's Anthropic endpoint to answer `body`, and serves Switchboard with it
    /// as an Anthropic-compatible provider (`…/anthropic`); `body(switchboard)` runs with both.
    static func withPassthrough(
        answer body: String,
        _ test: (SwitchboardProcess, ScriptedUpstream) async throws -> Void
    ) async throws {
        try await withUpstream { upstream in
            try await upstream.script(
                "glm-4.6",
                [["text": .string(body), "headers": ["Content-Type": "text/event-stream"]]]
            )
            let config = Self.config(
                [
                    Self.provider(
                        "glm",
                        upstream.baseURL + "/anthropic",
                        models: ["glm-4.6"],
                        key: .string(Self.secret),
                        extra: ["anthropic": true]
                    )
                ],
                router: ["default": "glm,glm-4.6"]
            )
            try await withProxy(try await Self.serve(config)) { switchboard in try await test(switchboard, upstream) }
        }
    }

    /// Claude Code's follow-up request, streaming, with an earlier turn whose reasoning a
    /// translating provider produced (made-up signature).
    static func claudeCodeRequest() throws -> JSONValue {
        let path =
            ScriptedUpstream.repositoryRoot.path
            + "/Tests/ProxyTests/Fixtures/claude-code/02-followup-tool-result-with-thinking.body.json"
        guard case .object(var body) = try JSONParser.parse(Array(try Data(contentsOf: URL(fileURLWithPath: path)))),
            case .array(var messages)? = body["messages"]
        else { throw ChildProcess.SpawnError(description: "fixture \(path) is not a request") }
        let translated: JSONValue = [
            "role": "assistant",
            "content": [
                ["type": "thinking", "thinking": "from NIM", "signature": "switchboard-translated"],
                ["type": "text", "text": "Earlier answer."],
            ],
        ]
        messages.insert(contentsOf: [translated, ["role": "user", "content": "go on"]], at: 1)
        body["messages"] = .array(messages)
        body["stream"] = true
        return .object(body)
    }

    @Test func anAnthropicProviderGetsTheRequestUntranslatedAndTheClientItsBytes() async throws {
        let canned = Self.cannedStream + Self.cannedEnd
        try await Self.withPassthrough(answer: canned) { switchboard, upstream in
            let request = try Self.claudeCodeRequest()
            let beta = "interleaved-thinking-2025-05-14,context-management-2025-06-27"
            let answer = try await Self.messages(
                switchboard,
                request,
                headers: [("anthropic-beta", beta), ("x-api-key", "client-key")]
            )
            #expect(answer.status == 200)
            #expect(answer.text == canned, "the client must get the provider's bytes unchanged")

            let received = try await upstream.requests()
            #expect(received.count == 1)
            let first = try #require(received.first)
            #expect(first.path == "/anthropic/v1/messages")
            #expect(first.headers["x-api-key"] == Self.secret)
            #expect(first.headers["anthropic-version"] == "2023-06-01")
            #expect(first.headers["anthropic-beta"] == beta)
            let raw = try #require(first.bodyText)
            #expect(!raw.contains("switchboard-translated"), "a made-up signature was sent")
            #expect(raw.contains(Self.realSignature), "a real signature was dropped")
            let sent = try JSONParser.parse(raw)
            #expect(sent["model"] == "glm-4.6")
            for key in ["tools", "metadata", "thinking", "context_management", "output_config", "max_tokens", "stream"]
            {
                #expect(sent[key] == request[key], "\(key) was changed")
            }
            #expect(sent["messages"]?.arrayValue?[1]["content"] == [["type": "text", "text": "Earlier answer."]])
            let line = try await Self.requestLine(switchboard, status: 200)
            #expect(line.contains("provider=glm model=glm-4.6"))
            #expect(!switchboard.stderr.contains(Self.secret))
        }
    }

    @Test func aPassedThroughStreamWithoutMessageStopGetsAnErrorEvent() async throws {
        try await Self.withPassthrough(answer: Self.cannedStream) { switchboard, _ in
            let answer = try await Self.messages(switchboard, Self.request(stream: true))
            #expect(answer.status == 200)
            #expect(answer.text.hasPrefix(Self.cannedStream))
            let appended = answer.text.dropFirst(Self.cannedStream.count)
            #expect(appended.hasPrefix("event: error\ndata: "), "\(appended)")
            #expect(appended.contains("message_stop"))
            #expect(appended.components(separatedBy: "event: ").count == 2, "exactly one event appended: \(appended)")
        }
    }

    // MARK: - Hot reload

    @Test func editsOfTheConfigApplyToTheNextRequestAndBrokenOnesAreRefused() async throws {
        try await withUpstream { upstream in
            for model in ["m1", "m2", "m3"] {
                try await upstream.script(model, [Self.text("from \(model)")], repeatLast: true)
            }
            let provider = Self.provider("up", upstream.apiBaseURL, models: ["m1", "m2", "m3"])
            // A route switch saved by the dashboard, beside the config.
            let directory = try TemporaryDirectory("reload")
            try directory.write("switchboard-state.json", #"{"version":1,"routes":{"background":"up,m2"}}"#)
            let config = Self.config([provider], router: ["default": "up,m1", "background": "up,m1"])
            try await withProxy(try await Self.serve(config, in: directory)) { switchboard in
                let haiku = Self.request(model: "claude-haiku-4-5")
                #expect(try await Self.messages(switchboard, Self.request()).messageText == "from m1")
                #expect(
                    try await Self.messages(switchboard, haiku).messageText == "from m2",
                    "the saved switch is in force"
                )

                let edited = Self.config([provider], router: ["default": "up,m3", "background": "up,m1"])
                try directory.write("config.json", edited.jsonString, atomically: true)
                try await switchboard.waitForLog("config: reloaded")
                #expect(try await Self.messages(switchboard, Self.request()).messageText == "from m3")
                #expect(
                    try await Self.messages(switchboard, haiku).messageText == "from m2",
                    "the switch survived the reload"
                )

                try directory.write(
                    "config.json",
                    "{\n  \"Providers\": [\n    {\"name\": \"up\" \"models\": []}\n",
                    atomically: true
                )
                let refused = try await switchboard.waitForLog("edit refused")
                #expect(refused.contains("line 3"), "\(refused)")
                #expect(try await Self.messages(switchboard, Self.request()).messageText == "from m3")

                let unknown = Self.config([provider], router: ["default": "elsewhere,m1"])
                try directory.write("config.json", unknown.jsonString, atomically: true)
                let refusedTwice = await eventually(timeout: .seconds(10)) {
                    switchboard.logLines(containing: "edit refused").count == 2
                }
                try #require(refusedTwice, "the second refusal")
                #expect(switchboard.logLines(containing: "edit refused").last?.contains("Router.default") == true)
                #expect(try await Self.messages(switchboard, Self.request()).messageText == "from m3")
                #expect(switchboard.process.isRunning)
            }
        }
    }

    // MARK: - check --probe

    static func probe(config: JSONValue) async throws -> (
        status: ChildProcess.Termination?, output: String, errors: String
    ) {
        let directory = try TemporaryDirectory("probe")
        let path = try directory.write("probe-config.json", config.jsonString, atomically: true)
        let check = try await SwitchboardProcess.run(
            ["check", "--probe", "--config", path],
            environment: ["HOME": directory.url.path, "SB_PROBE_UNSET_KEY": nil],
            timeout: .seconds(45)
        )
        return (check.status, check.stdout, check.stderr)
    }

    static func row(_ output: String, _ model: String) throws -> String {
        guard let line = output.split(separator: "\n").first(where: { $0.hasPrefix("  \(model) ") }) else {
            throw ChildProcess.SpawnError(description: "no probe row for \(model) in:\n\(output)")
        }
        return String(line)
    }

    @Test func probeShowsEachModelsStatusAndFailsWhenOneFails() async throws {
        try await withUpstream { upstream in
            try await upstream.script("ok-model", [Self.text("ok")])
            try await upstream.script(
                "bad-model",
                [["status": 500, "json": ["error": ["message": "model crashed (key sk-probe-secret-777)"]]]]
            )
            let deadPort = try RawConnection.closedPort()
            let config = Self.config(
                [
                    Self.provider(
                        "up",
                        upstream.apiBaseURL,
                        models: ["ok-model", "bad-model"],
                        key: "sk-probe-secret-777"
                    ),
                    Self.provider("nokey", upstream.apiBaseURL, models: ["m"], key: "$SB_PROBE_UNSET_KEY"),
                    Self.provider("down", "http://127.0.0.1:\(deadPort)/v1", models: ["m"], key: "sk-down-secret-888"),
                ],
                router: ["default": "up,ok-model"]
            )
            let (status, output, errors) = try await Self.probe(config: config)
            #expect(status == .exited(1))
            let ok = try Self.row(output, "up,ok-model")
            #expect(ok.contains("  200  "))
            #expect(ok.hasSuffix("ok"))
            #expect(ok.range(of: #"\d+(\.\d+)?m?s "#, options: .regularExpression) != nil, "no TTFT: \(ok)")
            let bad = try Self.row(output, "up,bad-model")
            #expect(bad.contains("  500  "))
            #expect(bad.contains("model crashed"))
            let missing = try Self.row(output, "nokey,m")
            #expect(missing.contains("  424  "))
            #expect(missing.contains("SB_PROBE_UNSET_KEY"))
            let down = try Self.row(output, "down,m")
            #expect(down.contains("connection"), "\(down)")
            for secret in ["sk-probe-secret-777", "sk-down-secret-888"] {
                #expect(!output.contains(secret) && !errors.contains(secret), "\(secret) was printed")
            }
        }
    }

    @Test func probeSucceedsWhenEveryModelAnswers() async throws {
        try await withUpstream { upstream in
            try await upstream.script("ok-model", [Self.text("ok")], repeatLast: true)
            try await upstream.script("other-model", [Self.text("fine")], repeatLast: true)
            let transformers: JSONValue = [
                "use": ["cleancache", ["maxtoken", ["max_tokens": 100]], "forcereasoning"]
            ]
            let config = Self.config(
                [
                    Self.provider(
                        "up",
                        upstream.apiBaseURL,
                        models: ["ok-model", "other-model"],
                        extra: ["transformer": transformers]
                    )
                ],
                router: ["default": "up,ok-model"]
            )
            let (status, output, _) = try await Self.probe(config: config)
            #expect(status == .exited(0), "\(output)")
            #expect(try Self.row(output, "up,ok-model").hasSuffix("ok"))
            #expect(try Self.row(output, "up,other-model").hasSuffix("ok"))
            #expect(try await upstream.requests().count == 2)
            // The config report says what each claude-code-router transformer does here.
            let report = try #require(output.split(separator: "\n").first { $0.contains("transformers:") })
            #expect(report.contains("cleancache not needed ("), "\(report)")
            #expect(report.contains("maxtoken applied"), "\(report)")
            #expect(report.contains("forcereasoning ignored ("), "\(report)")
        }
    }
}

extension HTTPResult {
    /// The text of a non-streaming Anthropic message.
    fileprivate var messageText: String {
        (json?["content"]?.arrayValue ?? []).compactMap { $0["type"] == "text" ? $0["text"]?.stringValue : nil }
            .joined()
    }
}
