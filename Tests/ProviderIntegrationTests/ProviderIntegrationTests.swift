import Foundation
import Proxy
import Testing

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
    static func requestLine(_ switchboard: Switchboard, status: Int) async throws -> Substring {
        try await switchboard.waitForLog("POST /v1/messages \(status) ")
    }

    // MARK: - Key pool

    @Test func a429RestsTheKeyAndTheNextKeyServesAtOnce() async throws {
        try await withSandbox { sandbox in
            let upstream = try await ScriptedUpstream.start(in: sandbox)
            try await upstream.script(
                "m1",
                [
                    [
                        "status": 429, "headers": ["Retry-After": "30"],
                        "json": ["status": 429, "title": "Too Many Requests"],
                    ],
                    ScriptedUpstream.text("first answer"), ScriptedUpstream.text("second answer"),
                    ScriptedUpstream.text("third answer"),
                ]
            )
            let keys: JSONValue = ["nvapi-key-one-0001", "nvapi-key-two-0002"]
            let switchboard = try await Switchboard.serve(
                in: sandbox,
                config: Self.config(
                    [Self.provider("nim", upstream.baseURL, models: ["m1"], key: keys)],
                    router: ["default": "nim,m1"]
                )
            )

            let started = ContinuousClock.now
            let first = try await switchboard.messages(Switchboard.request())
            #expect(ContinuousClock.now - started < .seconds(10), "retried at once with the other key, not after 30 s")
            #expect(first.status == 200)
            #expect(first.messageText == "first answer")
            for expected in ["second answer", "third answer"] {
                #expect(try await switchboard.messages(Switchboard.request()).messageText == expected)
            }
            let used = try await upstream.requests(model: "m1").map { $0["headers"]?["authorization"]?.stringValue }
            #expect(
                used == [
                    "Bearer nvapi-key-one-0001", "Bearer nvapi-key-two-0002", "Bearer nvapi-key-two-0002",
                    "Bearer nvapi-key-two-0002",
                ]
            )
            let rest = try await switchboard.waitForLog("rests 30 s")
            #expect(rest.contains("key 1/2"))
            #expect(!switchboard.log.contains("nvapi-key-one-0001"), "a key reached the log")
        }
    }

    // MARK: - RPM budget

    @Test func requestsOverTheRPMBudgetWaitInTheQueue() async throws {
        try await withSandbox { sandbox in
            let upstream = try await ScriptedUpstream.start(in: sandbox)
            try await upstream.script("m1", [ScriptedUpstream.text("ok")], repeatLast: true)
            let switchboard = try await Switchboard.serve(
                in: sandbox,
                config: Self.config(
                    [Self.provider("nim", upstream.baseURL, models: ["m1"], extra: ["rpm": 2])],
                    router: ["default": "nim,m1"]
                )
            )
            for _ in 0..<2 { #expect(try await switchboard.messages(Switchboard.request()).status == 200) }

            let third = Task { try await switchboard.messages(Switchboard.request()) }
            defer { third.cancel() }
            let line = try await switchboard.waitForLog("requests per minute")
            #expect(line.contains("nim's budget of 2 requests per minute"))
            let wait = line.split(separator: "waiting ").last?.split(separator: " ").first.flatMap { Double($0) }
            #expect(
                wait.map { (50...60.5).contains($0) } == true,
                "waits about until the first request leaves the minute: \(line)"
            )
            try await Task.sleep(for: .seconds(1))
            #expect(try await upstream.requests(model: "m1").count == 2, "the third request went out over the budget")
        }
    }

    // MARK: - Fallback

    @Test func aRefusedConnectionFallsBackToTheNextModel() async throws {
        try await withSandbox { sandbox in
            let upstream = try await ScriptedUpstream.start(in: sandbox)
            try await upstream.script("m2", [ScriptedUpstream.text("from the fallback")])
            let deadPort = try await sandbox.closedPort()
            let switchboard = try await Switchboard.serve(
                in: sandbox,
                config: Self.config(
                    [
                        Self.provider("dead", "http://127.0.0.1:\(deadPort)/v1", models: ["m0"]),
                        Self.provider("live", upstream.baseURL, models: ["m2"]),
                    ],
                    router: ["default": "dead,m0"],
                    fallback: ["default": ["live,m2"]]
                )
            )
            let answer = try await switchboard.messages(Switchboard.request())
            #expect(answer.status == 200)
            #expect(answer.messageText == "from the fallback")
            let line = try await Self.requestLine(switchboard, status: 200)
            #expect(line.contains("provider=live model=m2"), "\(line)")
            #expect(!switchboard.logLines(containing: "dead (m0): cannot connect to").isEmpty)
        }
    }

    @Test func aTimeOutBeforeTheFirstByteFallsBackToTheNextModel() async throws {
        try await withSandbox { sandbox in
            let upstream = try await ScriptedUpstream.start(in: sandbox)
            try await upstream.script("stuck", [["hang": true]])
            try await upstream.script("m2", [ScriptedUpstream.text("from the fallback")])
            let switchboard = try await Switchboard.serve(
                in: sandbox,
                config: Self.config(
                    [
                        Self.provider("slow", upstream.baseURL, models: ["stuck"]),
                        Self.provider("live", upstream.baseURL, models: ["m2"]),
                    ],
                    router: ["default": "slow,stuck"],
                    fallback: ["default": ["live,m2"]],
                    extra: ["API_TIMEOUT_MS": 500]
                )
            )
            let started = ContinuousClock.now
            let answer = try await switchboard.messages(Switchboard.request(stream: true))
            #expect(ContinuousClock.now - started < .seconds(15))
            #expect(answer.status == 200)
            #expect(answer.text.contains("event: message_stop"))
            #expect(!answer.text.contains("event: error"))
            let line = try await Self.requestLine(switchboard, status: 200)
            #expect(line.contains("provider=live model=m2"), "\(line)")
            #expect(!switchboard.logLines(containing: "slow (stuck) did not answer for 500 ms").isEmpty)
            #expect(
                try await upstream.requests(model: "stuck").count == 1,
                "a time-out is not retried on the same model"
            )
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

    /// Starts the Anthropic fake answering `body`, and Switchboard with it as an
    /// Anthropic-compatible provider.
    static func passthroughSetup(_ sandbox: Sandbox, answer body: String) async throws -> (Switchboard, port: Int) {
        let fake = try sandbox.spawn(
            "anthropic-upstream",
            ["/usr/bin/env", "python3", Paths.anthropicUpstream, "--port", "0"]
        )
        let port = try await listeningPort(of: fake)
        let scripted = try await HTTP.post(
            "http://127.0.0.1:\(port)/_script",
            json: ["responses": [["body": .string(body)]]]
        )
        #expect(scripted.status == 200)
        let switchboard = try await Switchboard.serve(
            in: sandbox,
            config: Self.config(
                [
                    Self.provider(
                        "glm",
                        "http://127.0.0.1:\(port)/anthropic",
                        models: ["glm-4.6"],
                        key: .string(Self.secret),
                        extra: ["anthropic": true]
                    )
                ],
                router: ["default": "glm,glm-4.6"]
            )
        )
        return (switchboard, port)
    }

    /// Claude Code's follow-up request, streaming, with an earlier turn whose reasoning a
    /// translating provider produced (made-up signature).
    static func claudeCodeRequest() throws -> JSONValue {
        let path = Paths.root + "/Tests/ProxyTests/Fixtures/claude-code/02-followup-tool-result-with-thinking.body.json"
        guard case .object(var body) = try JSONParser.parse(Array(try Data(contentsOf: URL(fileURLWithPath: path)))),
            case .array(var messages)? = body["messages"]
        else { throw HarnessFailure(description: "fixture \(path) is not a request") }
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
        try await withSandbox { sandbox in
            let canned = Self.cannedStream + Self.cannedEnd
            let (switchboard, port) = try await Self.passthroughSetup(sandbox, answer: canned)
            let request = try Self.claudeCodeRequest()
            let beta = "interleaved-thinking-2025-05-14,context-management-2025-06-27"
            let answer = try await switchboard.messages(
                request,
                headers: [("anthropic-beta", beta), ("x-api-key", "client-key")]
            )
            #expect(answer.status == 200)
            #expect(answer.text == canned, "the client must get the provider's bytes unchanged")

            let received = try await HTTP.get("http://127.0.0.1:\(port)/_requests").arrayValue ?? []
            #expect(received.count == 1)
            let first = try #require(received.first)
            #expect(first["path"] == "/anthropic/v1/messages")
            #expect(first["headers"]?["x-api-key"] == .string(Self.secret))
            #expect(first["headers"]?["anthropic-version"] == "2023-06-01")
            #expect(first["headers"]?["anthropic-beta"] == .string(beta))
            let raw = try #require(first["body"]?.stringValue)
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
            #expect(!switchboard.log.contains(Self.secret))
        }
    }

    @Test func aPassedThroughStreamWithoutMessageStopGetsAnErrorEvent() async throws {
        try await withSandbox { sandbox in
            let (switchboard, _) = try await Self.passthroughSetup(sandbox, answer: Self.cannedStream)
            let answer = try await switchboard.messages(Switchboard.request(stream: true))
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
        try await withSandbox { sandbox in
            let upstream = try await ScriptedUpstream.start(in: sandbox)
            for model in ["m1", "m2", "m3"] {
                try await upstream.script(model, [ScriptedUpstream.text("from \(model)")], repeatLast: true)
            }
            let provider = Self.provider("up", upstream.baseURL, models: ["m1", "m2", "m3"])
            // A route switch saved by the dashboard, beside the config.
            try sandbox.write(
                text: #"{"version":1,"routes":{"background":"up,m2"}}"#,
                to: "switchboard-state.json"
            )
            let switchboard = try await Switchboard.serve(
                in: sandbox,
                config: Self.config([provider], router: ["default": "up,m1", "background": "up,m1"])
            )
            let haiku = Switchboard.request(model: "claude-haiku-4-5")
            #expect(try await switchboard.messages(Switchboard.request()).messageText == "from m1")
            #expect(try await switchboard.messages(haiku).messageText == "from m2", "the saved switch is in force")

            try sandbox.write(Self.config([provider], router: ["default": "up,m3", "background": "up,m1"]))
            try await switchboard.waitForLog("config: reloaded")
            #expect(try await switchboard.messages(Switchboard.request()).messageText == "from m3")
            #expect(try await switchboard.messages(haiku).messageText == "from m2", "the switch survived the reload")

            try sandbox.write(text: "{\n  \"Providers\": [\n    {\"name\": \"up\" \"models\": []}\n")
            let refused = try await switchboard.waitForLog("edit refused")
            #expect(refused.contains("line 3"), "\(refused)")
            #expect(try await switchboard.messages(Switchboard.request()).messageText == "from m3")

            try sandbox.write(Self.config([provider], router: ["default": "elsewhere,m1"]))
            try await eventually("the second refusal") {
                switchboard.logLines(containing: "edit refused").count == 2 ? true : nil
            }
            #expect(switchboard.logLines(containing: "edit refused").last?.contains("Router.default") == true)
            #expect(try await switchboard.messages(Switchboard.request()).messageText == "from m3")
            #expect(switchboard.process.isRunning)
        }
    }

    // MARK: - check --probe

    static func probe(_ sandbox: Sandbox, config: JSONValue) async throws -> (
        status: Int32, output: String, errors: String
    ) {
        let path = try sandbox.write(config, to: "probe-config.json")
        let check = try sandbox.spawn("check", [try Paths.switchboard(), "check", "--probe", "--config", path])
        let status = try await check.waitForExit(timeout: .seconds(45))
        return (status, check.stdout, check.stderr)
    }

    static func row(_ output: String, _ model: String) throws -> String {
        guard let line = output.split(separator: "\n").first(where: { $0.hasPrefix("  \(model) ") }) else {
            throw HarnessFailure(description: "no probe row for \(model) in:\n\(output)")
        }
        return String(line)
    }

    @Test func probeShowsEachModelsStatusAndFailsWhenOneFails() async throws {
        try await withSandbox { sandbox in
            let upstream = try await ScriptedUpstream.start(in: sandbox)
            try await upstream.script("ok-model", [ScriptedUpstream.text("ok")])
            try await upstream.script(
                "bad-model",
                [["status": 500, "json": ["error": ["message": "model crashed (key sk-probe-secret-777)"]]]]
            )
            let deadPort = try await sandbox.closedPort()
            let config = Self.config(
                [
                    Self.provider(
                        "up",
                        upstream.baseURL,
                        models: ["ok-model", "bad-model"],
                        key: "sk-probe-secret-777"
                    ),
                    Self.provider("nokey", upstream.baseURL, models: ["m"], key: "$SB_PROBE_UNSET_KEY"),
                    Self.provider("down", "http://127.0.0.1:\(deadPort)/v1", models: ["m"], key: "sk-down-secret-888"),
                ],
                router: ["default": "up,ok-model"]
            )
            let (status, output, errors) = try await Self.probe(sandbox, config: config)
            #expect(status == 1)
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
        try await withSandbox { sandbox in
            let upstream = try await ScriptedUpstream.start(in: sandbox)
            try await upstream.script("ok-model", [ScriptedUpstream.text("ok")], repeatLast: true)
            try await upstream.script("other-model", [ScriptedUpstream.text("fine")], repeatLast: true)
            let transformers: JSONValue = [
                "use": ["cleancache", ["maxtoken", ["max_tokens": 100]], "forcereasoning"]
            ]
            let config = Self.config(
                [
                    Self.provider(
                        "up",
                        upstream.baseURL,
                        models: ["ok-model", "other-model"],
                        extra: ["transformer": transformers]
                    )
                ],
                router: ["default": "up,ok-model"]
            )
            let (status, output, _) = try await Self.probe(sandbox, config: config)
            #expect(status == 0, "\(output)")
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
