import Foundation
import NIOCore
import Testing

@testable import Proxy

/// Each preset, from real Claude Code requests and answer chunks written from the providers'
/// documented shapes (no network).
struct ProviderPresetTests {
    /// A model of each preset's family.
    static func model(for preset: ProviderPreset) -> String {
        switch preset {
        case .nvidia: return "z-ai/glm4.7"
        case .deepseek: return "deepseek-chat"
        case .openrouter: return "deepseek/deepseek-r1"
        case .ollama: return "qwen3:8b"
        case .gemini: return "gemini-2.5-pro"
        case .groq: return "openai/gpt-oss-120b"
        case .minimax: return "MiniMax-M2"
        case .moonshot: return "kimi-k2-0905-preview"
        case .zhipu: return "glm-4.6"
        case .siliconflow: return "Qwen/Qwen3-32B"
        case .openai: return "gpt-4.1"
        }
    }

    static let standard: Set<String> = [
        "model", "messages", "max_tokens", "stream", "stream_options", "temperature", "top_p", "stop", "tools",
        "tool_choice",
    ]

    /// The top-level parameters each provider documents (written here from the providers'
    /// API references, not copied from the preset). Presets without an allowlist are checked
    /// against what Switchboard may legitimately send them.
    static func documented(_ preset: ProviderPreset) -> Set<String> {
        switch preset {
        case .nvidia:
            return standard.union(["frequency_penalty", "presence_penalty", "seed", "chat_template_kwargs"])
        case .deepseek:
            return standard.union(["frequency_penalty", "presence_penalty", "thinking", "response_format", "logprobs"])
        case .gemini: return standard.union(["reasoning_effort", "seed", "response_format", "n"])
        case .groq: return standard.union(["parallel_tool_calls", "seed", "reasoning_effort", "reasoning_format"])
        case .minimax: return standard.subtracting(["max_tokens"]).union(["max_completion_tokens", "reasoning_split"])
        case .moonshot: return standard.union(["frequency_penalty", "presence_penalty", "thinking", "n"])
        case .zhipu: return standard.union(["thinking", "do_sample", "tool_stream"])
        case .siliconflow: return standard.union(["top_k", "enable_thinking", "thinking_budget", "frequency_penalty"])
        case .openrouter: return standard.union(["top_k", "parallel_tool_calls", "reasoning"])
        case .ollama, .openai: return standard.union(["parallel_tool_calls"])
        }
    }

    /// Claude Code's main turn with every optional knob set: sampling, stop sequences, `any`
    /// tool choice without parallel calls, thinking enabled.
    static func maximalRequest() throws -> MessagesRequest {
        try ClaudeCodeRequests.request(ClaudeCodeRequests.mainTurn) { body in
            body["temperature"] = 0.7
            body["top_p"] = 0.9
            body["top_k"] = 40
            body["stop_sequences"] = ["END"]
            body["tool_choice"] = ["type": "any", "disable_parallel_tool_use": true]
            body["thinking"] = ["type": "enabled", "budget_tokens": 8_000]
        }
    }

    // MARK: - Parameters

    @Test(arguments: ProviderPreset.allCases)
    func parametersStayInsideWhatTheProviderAccepts(preset: ProviderPreset) throws {
        let requests = try ClaudeCodeRequests.all.map { try ClaudeCodeRequests.request($0) } + [Self.maximalRequest()]
        for request in requests {
            let body = ClaudeCodeRequests.chatBody(request, preset: preset, model: Self.model(for: preset))
            let extra = Set(body.keys).subtracting(Self.documented(preset))
            #expect(extra.isEmpty, "\(preset) would be sent \(extra.sorted())")
            for key in ["model", "messages", "stream"] { #expect(body[key] != nil, "\(preset): \(key) missing") }
            #expect(body["max_tokens"] != nil || body["max_completion_tokens"] != nil, "\(preset): no output cap")
        }
        let maximal = ClaudeCodeRequests.chatBody(
            try Self.maximalRequest(),
            preset: preset,
            model: Self.model(for: preset)
        )
        #expect(maximal["tools"]?.arrayValue?.count == 12, "\(preset): tools dropped")
        #expect(maximal["tool_choice"] == "required", "\(preset): tool_choice dropped")
        #expect(maximal["temperature"] == 0.7)
    }

    @Test func miniMaxGetsMaxCompletionTokensNotMaxTokens() throws {
        let body = ClaudeCodeRequests.chatBody(
            try ClaudeCodeRequests.request(ClaudeCodeRequests.mainTurn),
            preset: .minimax,
            model: "MiniMax-M2"
        )
        #expect(body["max_tokens"] == nil)
        #expect(body["max_completion_tokens"] == 128_000)
    }

    @Test(arguments: [
        (ProviderPreset.nvidia, "z-ai/glm4.7", 128_000, 16_384),
        (.nvidia, "minimaxai/minimax-m2.1", 32_000, 16_384),
        (.nvidia, "z-ai/glm4.7", 4_000, 4_000),
        (.deepseek, "deepseek-chat", 32_000, 8_192),
        (.deepseek, "deepseek-chat", 1_000, 1_000),
        (.deepseek, "deepseek-reasoner", 128_000, 65_536),
        (.deepseek, "deepseek-reasoner", 32_000, 32_000),
        (.openai, "gpt-4.1", 128_000, 128_000),
    ])
    func maxTokensIsCappedAtWhatTheModelTakes(preset: ProviderPreset, model: String, requested: Int, sent: Int) throws {
        let request = try ClaudeCodeRequests.request(ClaudeCodeRequests.mainTurn) { $0["max_tokens"] = .int(requested) }
        #expect(ClaudeCodeRequests.chatBody(request, preset: preset, model: model)["max_tokens"] == .int(sent))
    }

    // MARK: - Thinking switch

    @Test func glmOnNIMThinksWhenClaudeCodeLeavesItAdaptive() throws {
        let request = try ClaudeCodeRequests.request(ClaudeCodeRequests.mainTurn)
        #expect(request.thinkingIntent == .adaptive)
        let body = ClaudeCodeRequests.chatBody(request, preset: .nvidia, model: "z-ai/glm4.7")
        #expect(body["chat_template_kwargs"] == ["enable_thinking": true, "clear_thinking": false])
    }

    @Test func glmOnNIMThinksWhenThinkingIsEnabled() throws {
        let request = try ClaudeCodeRequests.request(ClaudeCodeRequests.mainTurn) {
            $0["thinking"] = ["type": "enabled", "budget_tokens": 4_096]
        }
        let body = ClaudeCodeRequests.chatBody(request, preset: .nvidia, model: "z-ai/glm4.7")
        #expect(body["chat_template_kwargs"] == ["enable_thinking": true, "clear_thinking": false])
    }

    @Test func glmOnNIMDoesNotThinkWhenThinkingIsDisabled() throws {
        let request = try ClaudeCodeRequests.request(ClaudeCodeRequests.titleSideCall)
        #expect(request.thinkingIntent == .off)
        let body = ClaudeCodeRequests.chatBody(request, preset: .nvidia, model: "z-ai/glm4.7")
        #expect(body["chat_template_kwargs"] == ["enable_thinking": false])
    }

    @Test func otherNIMModelsGetNoChatTemplateKwargs() throws {
        let request = try ClaudeCodeRequests.request(ClaudeCodeRequests.mainTurn)
        let body = ClaudeCodeRequests.chatBody(request, preset: .nvidia, model: "minimaxai/minimax-m2.1")
        #expect(body["chat_template_kwargs"] == nil)
    }

    // MARK: - Reasoning echoed in history

    /// The assistant messages of the follow-up request as sent to `preset`.
    static func assistantTurns(_ preset: ProviderPreset, model: String) throws -> [JSONValue] {
        let body = ClaudeCodeRequests.chatBody(
            try ClaudeCodeRequests.request(ClaudeCodeRequests.followUp),
            preset: preset,
            model: model
        )
        return (body["messages"]?.arrayValue ?? []).filter { $0["role"] == "assistant" }
    }

    @Test(arguments: [
        (ProviderPreset.deepseek, "deepseek-chat"), (.deepseek, "deepseek-reasoner"), (.moonshot, "kimi-k2-thinking"),
    ])
    func reasoningIsEchoedAsReasoningContentOnToolCallTurns(preset: ProviderPreset, model: String) throws {
        let turns = try Self.assistantTurns(preset, model: model)
        #expect(turns.count == 1)
        #expect(turns.first?["tool_calls"]?.arrayValue?.count == 1)
        #expect(turns.first?["reasoning_content"] == "Let me think about this.")
        #expect(turns.first?["content"] == "I'll create the file.", "reasoning must not leak into the content")
    }

    @Test func deepSeekDoesNotGetReasoningContentOnTurnsWithoutToolCalls() throws {
        let request = try MessagesRequest(
            json: JSONParser.parse(
                #"""
                {"model":"m","max_tokens":100,"messages":[
                  {"role":"user","content":"hi"},
                  {"role":"assistant","content":[{"type":"thinking","thinking":"greet back","signature":"s"},{"type":"text","text":"Hello!"}]},
                  {"role":"user","content":"bye"}]}
                """#
            )
        )
        let body = ClaudeCodeRequests.chatBody(request, preset: .deepseek, model: "deepseek-chat")
        let assistant = try #require(body["messages"]?.arrayValue?.first { $0["role"] == "assistant" })
        #expect(assistant["reasoning_content"] == nil)
        #expect(assistant["content"] == "Hello!")
    }

    @Test(arguments: [ProviderPreset.openai, .gemini, .openrouter])
    func presetsWithoutEchoSendNoReasoningBack(preset: ProviderPreset) throws {
        let turns = try Self.assistantTurns(preset, model: Self.model(for: preset))
        #expect(turns.first?["reasoning_content"] == nil)
        #expect(turns.first?["content"] == "I'll create the file.")
    }

    @Test(arguments: [(ProviderPreset.minimax, "MiniMax-M2"), (.nvidia, "minimaxai/minimax-m2.1")])
    func miniMaxGetsItsReasoningBackAsThinkTagsAtTheStartOfTheContent(preset: ProviderPreset, model: String) throws {
        let turns = try Self.assistantTurns(preset, model: model)
        let content = try #require(turns.first?["content"]?.stringValue)
        #expect(content.hasPrefix("<think>\nLet me think about this.\n</think>"))
        #expect(content.hasSuffix("I'll create the file."))
        #expect(turns.first?["reasoning_content"] == nil)
    }

    // MARK: - Answers: reasoning becomes thinking

    static func configuration(_ preset: ProviderPreset, model: String) -> StreamTranslator.Configuration {
        .test(thinkTags: preset.thinkTags(model: model))
    }

    static let thinkingSignature = StreamTranslator.thinkingSignature

    @Test(arguments: ProviderPreset.allCases)
    func reasoningContentBecomesAThinkingBlock(preset: ProviderPreset) throws {
        let run = try TranslationRun.run(
            [
                #"{"choices":[{"index":0,"delta":{"role":"assistant","reasoning_content":"Plan: "}}]}"#,
                #"{"choices":[{"index":0,"delta":{"reasoning_content":"list the files."}}]}"#,
                #"{"choices":[{"index":0,"delta":{"content":"Here "}}]}"#,
                #"{"choices":[{"index":0,"delta":{"content":"they are."},"finish_reason":"stop"}]}"#,
            ],
            configuration: Self.configuration(preset, model: Self.model(for: preset))
        )
        #expect(
            run.blocks == [
                .thinking("Plan: list the files.", signature: Self.thinkingSignature), .text("Here they are."),
            ],
            "\(preset)"
        )
        #expect(run.messageDelta?.stopReason == .endTurn)
    }

    @Test(arguments: ProviderPreset.allCases)
    func reasoningFieldBecomesAThinkingBlock(preset: ProviderPreset) throws {
        let run = try TranslationRun.run(
            [
                #"{"choices":[{"index":0,"delta":{"reasoning":"Think first."}}]}"#,
                #"{"choices":[{"index":0,"delta":{"content":"Answer."},"finish_reason":"stop"}]}"#,
            ],
            configuration: Self.configuration(preset, model: Self.model(for: preset))
        )
        #expect(
            run.blocks == [.thinking("Think first.", signature: Self.thinkingSignature), .text("Answer.")],
            "\(preset)"
        )
    }

    @Test(arguments: [(ProviderPreset.minimax, "MiniMax-M2"), (.nvidia, "minimaxai/minimax-m2.1")])
    func miniMaxThinkTagsSplitEvenWithoutTheOpeningTag(preset: ProviderPreset, model: String) throws {
        let run = try TranslationRun.run(
            [
                contentChunkJSON("The user wants"), contentChunkJSON(" a file.</th"), contentChunkJSON("ink>\n\nDone."),
                #"{"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}"#,
            ],
            configuration: Self.configuration(preset, model: model)
        )
        #expect(run.blocks == [.thinking("The user wants a file.", signature: Self.thinkingSignature), .text("Done.")])
    }

    @Test func miniMaxThinkTagsSplitWithTheOpeningTag() throws {
        let run = try TranslationRun.run(
            [
                contentChunkJSON("<thi"), contentChunkJSON("nk>plan</think>"), contentChunkJSON("Done."),
                #"{"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}"#,
            ],
            configuration: Self.configuration(.minimax, model: "MiniMax-M2")
        )
        #expect(run.blocks == [.thinking("plan", signature: Self.thinkingSignature), .text("Done.")])
    }

    @Test func glmContentThatMentionsAClosingTagStaysText() throws {
        // Only MiniMax starts inside reasoning; other models' content is text unless it opens with <think>.
        let run = try TranslationRun.run(
            [
                contentChunkJSON("Use </think> to close a block."),
                #"{"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}"#,
            ],
            configuration: Self.configuration(.nvidia, model: "z-ai/glm4.7")
        )
        #expect(run.blocks == [.text("Use </think> to close a block.")])
    }

    // MARK: - Detection

    @Test(arguments: [
        ("https://integrate.api.nvidia.com/v1/chat/completions", ProviderPreset.nvidia),
        ("https://api.deepseek.com/chat/completions", .deepseek),
        ("https://api.deepseek.com/v1", .deepseek),
        ("HTTPS://API.DEEPSEEK.COM/v1", .deepseek),
        ("https://openrouter.ai/api/v1/chat/completions", .openrouter),
        ("http://localhost:11434/v1/chat/completions", .ollama),
        ("http://127.0.0.1:11434/v1", .ollama),
        ("https://generativelanguage.googleapis.com/v1beta/openai/chat/completions", .gemini),
        ("https://api.groq.com/openai/v1/chat/completions", .groq),
        ("https://api.minimax.io/v1/chat/completions", .minimax),
        ("https://api.minimaxi.com/v1", .minimax),
        ("https://api.moonshot.ai/v1/chat/completions", .moonshot),
        ("https://api.moonshot.cn/v1", .moonshot),
        ("https://open.bigmodel.cn/api/paas/v4/chat/completions", .zhipu),
        ("https://api.z.ai/api/paas/v4/chat/completions", .zhipu),
        ("https://api.z.ai/api/coding/paas/v4", .zhipu),
        ("https://api.siliconflow.cn/v1/chat/completions", .siliconflow),
        ("https://api.siliconflow.com/v1", .siliconflow),
        ("https://api.openai.com/v1/chat/completions", .openai),
        ("https://api.x.ai/v1", .openai),
        ("https://api.mistral.ai/v1", .openai),
        ("http://127.0.0.1:8000/v1/chat/completions", .openai),
        // Only the host counts: a gateway path naming a provider is not that provider.
        ("https://gateway.example.com/integrate.api.nvidia.com/v1", .openai),
        ("https://gateway.example.com/api.deepseek.com/v1", .openai),
    ])
    func presetIsDetectedFromTheBaseURL(url: String, preset: ProviderPreset) {
        #expect(ProviderPreset.detect(endpoint: ProviderConfig.endpoint(fromBaseURL: url)) == preset, "\(url)")
    }

    static func provider(url: String, preset: String?) throws -> ProviderConfig {
        let presetLine = preset.map { #""preset": "\#($0)","# } ?? ""
        let text = """
            {"Providers": [{"name": "p", "api_base_url": "\(url)", "api_key": "k", \(presetLine)
              "models": ["z-ai/glm4.7"]}],
             "Router": {"default": "p,z-ai/glm4.7"}}
            """
        let config = try ConfigLoader(environment: [:], homeDirectory: "/nonexistent").parse(
            Data(text.utf8),
            source: .file("t.json")
        )
        return try #require(config.providers.first)
    }

    @Test func anExplicitPresetWinsOverTheURL() throws {
        let mirror = try Self.provider(url: "http://10.0.0.5:8000/v1", preset: "nvidia")
        #expect(mirror.preset == .nvidia)
        #expect(mirror.explicitPreset == .nvidia)
        let gateway = try Self.provider(url: "https://api.deepseek.com", preset: "OpenAI")
        #expect(gateway.preset == .openai)
        #expect(try Self.provider(url: "http://10.0.0.5:8000/v1", preset: nil).preset == .openai)
        // The explicit preset's behaviour follows: GLM thinking switch and NIM's cap behind a local mirror.
        let profile = ProviderProfile.resolve(provider: mirror, model: "z-ai/glm4.7")
        let body = ClaudeCodeRequests.chatBody(
            try ClaudeCodeRequests.request(ClaudeCodeRequests.mainTurn),
            profile: profile,
            model: "z-ai/glm4.7"
        )
        #expect(body["chat_template_kwargs"] == ["enable_thinking": true, "clear_thinking": false])
        #expect(body["max_tokens"] == 16_384)
    }

    // MARK: - Error bodies

    @Test func nimProblemJSON429GivesItsTitle() {
        let body = ByteBuffer(string: #"{"status":429,"title":"Too Many Requests"}"#)
        #expect(UpstreamErrorMessage.extract(from: [body], status: 429) == "Too Many Requests")
        let detailed = ByteBuffer(
            string: #"{"type":"about:blank","status":429,"title":"Too Many Requests","detail":"Rate limit exceeded"}"#
        )
        #expect(UpstreamErrorMessage.extract(from: [detailed], status: 429) == "Too Many Requests: Rate limit exceeded")
        #expect(APIError.forUpstreamStatus(429, message: "Too Many Requests").kind == .rateLimit)
    }

    @Test func nimUnsupportedParameterErrorKeepsItsMessage() {
        let body = ByteBuffer(
            string: #"{"error":{"message":"Unsupported parameter(s): `tool_stream`","type":"invalid_request_error"}}"#
        )
        #expect(UpstreamErrorMessage.extract(from: [body], status: 400) == "Unsupported parameter(s): `tool_stream`")
    }

    @Test func ollamaNeedsNoKeyAndTheOthersDo() {
        for preset in ProviderPreset.allCases {
            #expect(preset.needsKey == (preset != .ollama), "\(preset)")
        }
    }
}
