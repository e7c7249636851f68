import Testing

@testable import Proxy

/// claude-code-router's transformer names: what each does per preset, and its effect on the
/// request and the answer.
struct TransformerTests {
    /// A provider with `preset` whose `transformer` section is `section`.
    static func provider(_ preset: ProviderPreset, _ section: JSONValue, models: [String] = ["m"]) -> ProviderConfig {
        var provider = ProviderConfig(
            name: "p",
            endpoint: "http://127.0.0.1:9/v1/chat/completions",
            apiKeys: ["k"],
            models: models,
            transformer: section
        )
        provider.explicitPreset = preset
        return provider
    }

    /// The profile for `model` with `use` as the provider's chain.
    static func profile(_ preset: ProviderPreset, use: JSONValue, model: String = "m") -> ProviderProfile {
        ProviderProfile.resolve(provider: provider(preset, ["use": use], models: [model]), model: model)
    }

    static func body(_ fixture: String, _ profile: ProviderProfile, model: String = "m") throws -> JSONObject {
        ClaudeCodeRequests.chatBody(try ClaudeCodeRequests.request(fixture), profile: profile, model: model)
    }

    /// What applying `name` alone does at `preset`.
    static func effect(_ name: String, _ options: JSONObject = [:], at preset: ProviderPreset) -> String {
        var profile = ProviderProfile(
            preset: preset,
            request: preset.requestOptions(model: "m"),
            thinkTags: preset.thinkTags(model: "m")
        )
        switch Transformer(name: name, options: options).apply(to: &profile) {
        case .applied: return "applied"
        case .notNeeded: return "not needed"
        case .ignored: return "ignored"
        }
    }

    /// The translator configuration the proxy uses for `profile`.
    static func configuration(_ profile: ProviderProfile) -> StreamTranslator.Configuration {
        var configuration = StreamTranslator.Configuration.test(thinkTags: profile.thinkTags)
        configuration.bufferToolArguments = profile.bufferToolArguments
        configuration.exitToolName = profile.request.exitTool ? ChatRequestBuilder.exitToolName : nil
        return configuration
    }

    // MARK: - Effects

    @Test(arguments: ProviderPreset.allCases)
    func eachNameIsAppliedNotNeededOrIgnored(preset: ProviderPreset) {
        let covered = { (own: ProviderPreset) in preset == own ? "not needed" : "applied" }
        let expected: [(String, JSONObject, String)] = [
            ("maxtoken", ["max_tokens": 4_096], "applied"),
            ("maxtoken", [:], "ignored"),
            ("maxcompletiontokens", [:], "applied"),
            ("sampling", ["temperature": 0.2], "applied"),
            ("customparams", ["foo": 1], "applied"),
            ("reasoning", [:], "applied"),
            ("tooluse", [:], "applied"),
            ("enhancetool", [:], "applied"),
            ("Anthropic", [:], "applied"),
            ("deepseek", [:], covered(.deepseek)),
            ("DeepSeek", [:], covered(.deepseek)),
            ("gemini", [:], covered(.gemini)),
            ("vertex-gemini", [:], covered(.gemini)),
            ("groq", [:], covered(.groq)),
            ("openrouter", ["provider": ["only": ["deepinfra"]]], "applied"),
            ("cleancache", [:], "not needed"),
            ("streamoptions", [:], "not needed"),
            ("extrathinktag", [:], "not needed"),
            ("forcereasoning", [:], "ignored"),
            ("cerebras", [:], "ignored"),
            ("vercel", [:], "ignored"),
            ("openai-responses", [:], "ignored"),
            ("gemini-cli", [:], "ignored"),
            ("no-such-transformer", [:], "ignored"),
        ]
        for (name, options, effect) in expected {
            #expect(Self.effect(name, options, at: preset) == effect, "\(name) at \(preset)")
        }
        if preset == .openrouter { #expect(Self.effect("openrouter", at: preset) == "not needed") }
    }

    @Test func theProfileRecordsEachTransformersEffectInOrder() {
        let profile = Self.profile(.deepseek, use: ["deepseek", ["maxtoken", ["max_tokens": 1_000]], "cerebras"])
        #expect(profile.transformerEffects.map(\.name) == ["deepseek", "maxtoken", "cerebras"])
        #expect(profile.transformerEffects[1].effect == .applied)
        guard case .notNeeded = profile.transformerEffects[0].effect else {
            Issue.record("deepseek at the deepseek preset: \(profile.transformerEffects[0].effect)")
            return
        }
        guard case .ignored = profile.transformerEffects[2].effect else {
            Issue.record("cerebras: \(profile.transformerEffects[2].effect)")
            return
        }
    }

    // MARK: - Request side

    @Test func maxtokenReplacesThePresetsCap() throws {
        let lower = Self.profile(.nvidia, use: [["maxtoken", ["max_tokens": 4_096]]], model: "z-ai/glm4.7")
        #expect(try Self.body(ClaudeCodeRequests.mainTurn, lower, model: "z-ai/glm4.7")["max_tokens"] == 4_096)
        let generic = Self.profile(.openai, use: [["maxtoken", ["max_tokens": 8_000]]])
        #expect(try Self.body(ClaudeCodeRequests.mainTurn, generic)["max_tokens"] == 8_000)
        let small = try ClaudeCodeRequests.request(ClaudeCodeRequests.mainTurn) { $0["max_tokens"] = 500 }
        #expect(ClaudeCodeRequests.chatBody(small, profile: generic, model: "m")["max_tokens"] == 500)
    }

    @Test func maxcompletiontokensRenamesTheCapEvenOnNIM() throws {
        let profile = Self.profile(.nvidia, use: ["maxcompletiontokens"], model: "z-ai/glm4.7")
        let body = try Self.body(ClaudeCodeRequests.mainTurn, profile, model: "z-ai/glm4.7")
        #expect(body["max_tokens"] == nil)
        #expect(body["max_completion_tokens"] == 16_384)
    }

    @Test func aModelsChainAppliesAfterTheProvidersChain() throws {
        var provider = Self.provider(
            .openai,
            ["use": [["maxtoken", ["max_tokens": 8_000]]], "small": ["use": [["maxtoken", ["max_tokens": 2_000]]]]],
            models: ["big", "small"]
        )
        provider.explicitPreset = .openai
        let big = ProviderProfile.resolve(provider: provider, model: "big")
        let small = ProviderProfile.resolve(provider: provider, model: "small")
        #expect(try Self.body(ClaudeCodeRequests.mainTurn, big, model: "big")["max_tokens"] == 8_000)
        #expect(try Self.body(ClaudeCodeRequests.mainTurn, small, model: "small")["max_tokens"] == 2_000)
    }

    @Test func samplingOverridesTheRequestEvenPastNIMsAllowlist() throws {
        let profile = Self.profile(
            .nvidia,
            use: [["sampling", ["temperature": 0.2, "top_k": 40, "repetition_penalty": 1.05]]],
            model: "z-ai/glm4.7"
        )
        let request = try ClaudeCodeRequests.request(ClaudeCodeRequests.titleSideCall)
        #expect(request.temperature == 1)
        let body = ClaudeCodeRequests.chatBody(request, profile: profile, model: "z-ai/glm4.7")
        #expect(body["temperature"] == 0.2)
        #expect(body["top_k"] == 40)
        #expect(body["repetition_penalty"] == 1.05)
        #expect(body["top_p"] == nil, "only the keys given are set")
    }

    @Test func customparamsDeepMergesAndTheRequestsValuesWin() throws {
        let profile = Self.profile(
            .nvidia,
            use: [
                [
                    "customparams",
                    [
                        "chat_template_kwargs": ["enable_thinking": false, "reasoning_budget": 2_048],
                        "temperature": 0.1, "nvext": ["priority": 1],
                    ],
                ]
            ],
            model: "z-ai/glm4.7"
        )
        let request = try ClaudeCodeRequests.request(ClaudeCodeRequests.mainTurn) { $0["temperature"] = 0.6 }
        let body = ClaudeCodeRequests.chatBody(request, profile: profile, model: "z-ai/glm4.7")
        #expect(
            body["chat_template_kwargs"] == [
                "enable_thinking": true, "clear_thinking": false, "reasoning_budget": 2_048,
            ]
        )
        #expect(body["temperature"] == 0.6)
        #expect(body["nvext"] == ["priority": 1], "a custom key passes even a strict allowlist")
    }

    @Test func reasoningForcesThinkingOnWhateverTheRequestSays() throws {
        let glm = Self.profile(.nvidia, use: ["reasoning"], model: "z-ai/glm4.7")
        let disabled = try Self.body(ClaudeCodeRequests.titleSideCall, glm, model: "z-ai/glm4.7")
        #expect(disabled["chat_template_kwargs"] == ["enable_thinking": true, "clear_thinking": false])
        let generic = Self.profile(.openai, use: ["reasoning"])
        #expect(try Self.body(ClaudeCodeRequests.titleSideCall, generic)["enable_thinking"] == true)
        let zhipu = Self.profile(.zhipu, use: ["reasoning"])
        #expect(try Self.body(ClaudeCodeRequests.titleSideCall, zhipu)["thinking"] == ["type": "enabled"])
    }

    @Test func reasoningWithEnableFalseForcesThinkingOff() throws {
        let glm = Self.profile(.nvidia, use: [["reasoning", ["enable": false]]], model: "z-ai/glm4.7")
        let body = try Self.body(ClaudeCodeRequests.mainTurn, glm, model: "z-ai/glm4.7")
        #expect(body["chat_template_kwargs"] == ["enable_thinking": false])
    }

    @Test func deepseekTransformerEchoesReasoningAndCapsElsewhere() throws {
        let profile = Self.profile(.openai, use: ["deepseek"])
        let body = try Self.body(ClaudeCodeRequests.followUp, profile)
        #expect(body["max_tokens"] == 8_192)
        let assistant = body["messages"]?.arrayValue?.first { $0["role"] == "assistant" }
        #expect(assistant?["reasoning_content"] == "Let me think about this.")
    }

    @Test func geminiAndGroqTransformersCleanSchemasElsewhere() throws {
        let gemini = try Self.body(ClaudeCodeRequests.mainTurn, Self.profile(.openai, use: ["gemini"]))
        let groq = try Self.body(ClaudeCodeRequests.mainTurn, Self.profile(.openai, use: ["groq"]))
        let plain = try Self.body(ClaudeCodeRequests.mainTurn, Self.profile(.openai, use: []))
        func first(_ body: JSONObject) -> JSONValue? { body["tools"]?.arrayValue?.first?["function"]?["parameters"] }
        #expect(first(plain)?["$schema"] != nil && first(plain)?["additionalProperties"] != nil)
        #expect(first(gemini)?["$schema"] == nil && first(gemini)?["additionalProperties"] == nil)
        #expect(first(groq)?["$schema"] == nil && first(groq)?["additionalProperties"] != nil)
    }

    @Test func openrouterOptionsAreMergedIntoTheBody() throws {
        let profile = Self.profile(.openrouter, use: [["openrouter", ["provider": ["only": ["deepinfra"]]]]])
        #expect(try Self.body(ClaudeCodeRequests.mainTurn, profile)["provider"] == ["only": ["deepinfra"]])
    }

    // MARK: - tooluse

    @Test func tooluseOffersExitToolAndRequiresACall() throws {
        let profile = Self.profile(.nvidia, use: ["tooluse"], model: "z-ai/glm4.7")
        let body = try Self.body(ClaudeCodeRequests.mainTurn, profile, model: "z-ai/glm4.7")
        let names = body["tools"]?.arrayValue?.compactMap { $0["function"]?["name"]?.stringValue }
        #expect(names?.count == 13)
        #expect(names?.last == "ExitTool")
        #expect(body["tool_choice"] == "required")
    }

    @Test func anExitToolCallBecomesPlainTextAndEndsTheTurn() throws {
        let profile = Self.profile(.nvidia, use: ["tooluse"], model: "z-ai/glm4.7")
        let run = try TranslationRun.run(
            [
                #"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_x","type":"function","function":{"name":"ExitTool","arguments":"{\"respon"}}]}}]}"#,
                #"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"se\":\"All done: hello.txt exists.\"}"}}]},"finish_reason":"tool_calls"}]}"#,
            ],
            configuration: Self.configuration(profile)
        )
        #expect(run.blocks == [.text("All done: hello.txt exists.")])
        #expect(run.messageDelta?.stopReason == .endTurn)
    }

    @Test func anExitToolCallBesideARealCallBecomesTextAndTheRealCallStays() throws {
        let profile = Self.profile(.openai, use: ["tooluse"])
        let run = try TranslationRun.run(
            [
                #"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_a","function":{"name":"Bash","arguments":"{\"command\":\"ls\"}"}}]}}]}"#,
                #"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":1,"id":"call_b","function":{"name":"ExitTool","arguments":"{\"response\":\"done\"}"}}]},"finish_reason":"tool_calls"}]}"#,
            ],
            configuration: Self.configuration(profile)
        )
        // As in claude-code-router: the ExitTool call turns into text, the other call is kept.
        #expect(try run.toolUses().map(\.name) == ["Bash"])
        #expect(run.blocks.dropFirst() == [.text("done")])
        #expect(run.messageDelta?.stopReason == .toolUse)
    }

    @Test func withoutTooluseExitToolIsAnOrdinaryCall() throws {
        let run = try TranslationRun.run(
            [
                #"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_x","function":{"name":"ExitTool","arguments":"{\"response\":\"hi\"}"}}]},"finish_reason":"tool_calls"}]}"#
            ],
            configuration: Self.configuration(Self.profile(.openai, use: []))
        )
        #expect(try run.toolUses().map(\.name) == ["ExitTool"])
    }

    // MARK: - enhancetool

    /// The `input_json_delta` events sent for each block.
    static func argumentDeltas(_ run: TranslationRun) -> [Int: [String]] {
        var deltas: [Int: [String]] = [:]
        for event in run.events {
            if case .contentBlockDelta(let index, .inputJSON(let json)) = event {
                deltas[index, default: []].append(json)
            }
        }
        return deltas
    }

    @Test func enhancetoolEmitsEachCallsArgumentsOnceAndClosesTruncatedJSON() throws {
        let profile = Self.profile(.nvidia, use: ["enhancetool"], model: "z-ai/glm4.7")
        let chunks = [
            #"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_1","function":{"name":"Bash","arguments":"{\"command\":"}}]}}]}"#,
            #"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"\"ls -la\","}}]}}]}"#,
            #"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"\"description\":\"list"}}]},"finish_reason":"tool_calls"}]}"#,
        ]
        let run = try TranslationRun.run(chunks, configuration: Self.configuration(profile))
        #expect(Self.argumentDeltas(run).values.map(\.count) == [1])
        let call = try #require(try run.toolUses().first)
        #expect(call.input == ["command": "ls -la", "description": "list"])
        #expect(run.messageDelta?.stopReason == .toolUse)
        // Without it the same stream's arguments arrive in pieces.
        let streamed = try TranslationRun.run(chunks, configuration: Self.configuration(Self.profile(.nvidia, use: [])))
        #expect(Self.argumentDeltas(streamed).values.map(\.count) != [1])
    }

    @Test func enhancetoolRemovesCodeFences() throws {
        let profile = Self.profile(.openai, use: ["enhancetool"])
        let run = try TranslationRun.run(
            [
                #"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_1","function":{"name":"Read","arguments":"```json\n{\"file_path\":"}}]}}]}"#,
                #"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"\"/tmp/a.txt\"}\n```"}}]},"finish_reason":"tool_calls"}]}"#,
            ],
            configuration: Self.configuration(profile)
        )
        #expect(try run.toolUses().map(\.input) == [["file_path": "/tmp/a.txt"]])
    }

    @Test func enhancetoolKeepsParallelCallsApartAndInOrder() throws {
        let profile = Self.profile(.openai, use: ["enhancetool"])
        let run = try TranslationRun.run(
            [
                #"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_a","function":{"name":"Read","arguments":"{\"file_path\":"}},{"index":1,"id":"call_b","function":{"name":"Bash","arguments":"{\"command\":"}}]}}]}"#,
                #"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":1,"function":{"arguments":"\"pwd\"}"}},{"index":0,"function":{"arguments":"\"/a\"}"}}]},"finish_reason":"tool_calls"}]}"#,
            ],
            configuration: Self.configuration(profile)
        )
        let calls = try run.toolUses()
        #expect(calls.map(\.name) == ["Read", "Bash"])
        #expect(calls.map(\.input) == [["file_path": "/a"], ["command": "pwd"]])
        #expect(Self.argumentDeltas(run).values.allSatisfy { $0.count == 1 })
    }

    @Test(arguments: [
        (#"{"a":1,"b":[1,2"#, #"{"a":1,"b":[1,2]}"#),
        (#"{"path":"/tmp/x"#, #"{"path":"/tmp/x"}"#),
        (#"{"a":1,"#, #"{"a":1}"#),
        (#"{"a":"#, #"{"a":null}"#),
        ("```json\n{\"a\":true}\n```", #"{"a":true}"#),
        ("", "{}"),
    ])
    func jsonRepairMendsWhatModelsCutShort(broken: String, repaired: String) throws {
        let fixed = try #require(JSONRepair.repair(broken))
        #expect(try JSONParser.parse(fixed) == JSONParser.parse(repaired))
    }
}
