/// What Switchboard knows about each provider family, so it works out of the box: which
/// request parameters the provider accepts, output caps of known models, how reasoning
/// streams back, how thinking is switched on, whether reasoning must be echoed in history,
/// and whether tool schemas need cleaning.
///
/// Recognised from the base URL, or named by a provider's `"preset"` key (which wins, so a
/// preset also applies behind a gateway or a local mirror).
public enum ProviderPreset: String, Sendable, CaseIterable, CustomStringConvertible {
    /// Provider families recognised by their base URL or named by `"preset"`.
    case nvidia, deepseek, openrouter, ollama, gemini, groq, minimax, moonshot, zhipu, siliconflow
    /// The generic OpenAI-compatible default.
    case openai

    /// The preset's name, as a provider's `"preset"` key names it (lowercase).
    public var description: String { rawValue }

    /// The preset for an endpoint URL (the generic one when nothing matches).
    public static func detect(endpoint: String) -> ProviderPreset {
        let url = endpoint.lowercased()
        // "https://host/…" splits into "https:", "", "host": keep the empty piece so the
        // third one is the host, not the first path segment.
        let parts = url.split(separator: "/", omittingEmptySubsequences: false)
        let host = parts.dropFirst(2).first.map(String.init) ?? url
        func hostHas(_ part: String) -> Bool { host.contains(part) }
        if hostHas("nvidia.com") { return .nvidia }
        if hostHas("deepseek.com") { return .deepseek }
        if hostHas("openrouter.ai") { return .openrouter }
        if hostHas("generativelanguage.googleapis.com") || url.contains("/v1beta/openai") { return .gemini }
        if hostHas("groq.com") { return .groq }
        if hostHas("minimax.io") || hostHas("minimaxi.com") || hostHas("minimax.chat") { return .minimax }
        if hostHas("moonshot.ai") || hostHas("moonshot.cn") { return .moonshot }
        if hostHas("bigmodel.cn") || hostHas("z.ai") { return .zhipu }
        if hostHas("siliconflow") { return .siliconflow }
        if hostHas(":11434") || hostHas("ollama") { return .ollama }
        return .openai
    }

    /// What the preset changes and why (for `check` and the README).
    public var summary: String {
        switch self {
        case .nvidia:
            return "parameter allowlist (NIM answers 400 to unknown ones); max_tokens capped at 16384; "
                + "GLM thinking via chat_template_kwargs; MiniMax <think> tags split out"
        case .deepseek:
            return "reasoning_content as thinking and echoed back on tool-call turns (else 400); "
                + "max_tokens capped (chat 8192, reasoner 65536)"
        case .openrouter:
            return "reasoning field as thinking; thinking via reasoning.effort; top_k and parallel_tool_calls passed"
        case .ollama: return "no key needed; <think> tags and the reasoning field as thinking"
        case .gemini:
            return "strict allowlist; tool schemas cleaned ($schema, additionalProperties, formats); "
                + "thinking via reasoning_effort; thought signatures round-tripped"
        case .groq: return "$schema removed from tool schemas; <think> tags and the reasoning field as thinking"
        case .minimax:
            return "<think> tags split out (also when only the closing tag appears) and echoed back in history; "
                + "max_completion_tokens"
        case .moonshot: return "reasoning_content as thinking and echoed back on tool-call turns"
        case .zhipu: return "reasoning_content as thinking; thinking switched with thinking.type"
        case .siliconflow:
            return "reasoning_content as thinking; enable_thinking when thinking is asked for; top_k passed"
        case .openai: return "standard Chat Completions, nothing changed"
        }
    }

    /// Parameters every Chat Completions endpoint takes.
    static let standardParameters: Set<String> = [
        "model", "messages", "max_tokens", "stream", "stream_options", "temperature", "top_p", "stop", "tools",
        "tool_choice",
    ]

    /// Top-level request parameters the provider accepts; anything else Switchboard would
    /// send is dropped. `nil`: the provider ignores unknown parameters.
    var allowedParameters: Set<String>? {
        switch self {
        case .nvidia:
            return Self.standardParameters.union([
                "frequency_penalty", "presence_penalty", "seed", "chat_template_kwargs",
            ])
        case .deepseek:
            return Self.standardParameters.union([
                "frequency_penalty", "presence_penalty", "thinking", "response_format",
            ])
        case .gemini:
            return Self.standardParameters.union(["reasoning_effort", "seed", "response_format", "n"])
        case .groq:
            return Self.standardParameters.union([
                "parallel_tool_calls", "seed", "reasoning_effort", "reasoning_format",
            ])
        case .minimax:
            return [
                "model", "messages", "max_completion_tokens", "stream", "stream_options", "temperature", "top_p",
                "stop",
                "tools", "tool_choice",
            ]
        case .moonshot, .zhipu:
            return Self.standardParameters.union(["thinking", "frequency_penalty", "presence_penalty"])
        case .siliconflow:
            return Self.standardParameters.union(["top_k", "enable_thinking", "thinking_budget", "frequency_penalty"])
        case .openrouter, .ollama, .openai:
            return nil
        }
    }

    /// The most output tokens known models take (Claude Code asks for 32000–128000).
    func maxOutputTokens(model: String) -> Int? {
        let id = model.lowercased()
        switch self {
        case .nvidia: return 16_384
        case .deepseek:
            if id.contains("reasoner") { return 65_536 }
            return 8_192
        case .groq:
            if id.contains("kimi") { return 16_384 }
            if id.contains("gpt-oss") { return 65_536 }
            return 32_768
        case .gemini: return 65_536
        case .moonshot: return 32_768
        default: return nil
        }
    }

    /// How thinking is asked for.
    func thinkingControl(model: String) -> ChatRequestBuilder.ThinkingControl {
        let id = model.lowercased()
        switch self {
        case .nvidia: return id.contains("glm") ? .chatTemplateKwargs : .none
        case .deepseek: return id.contains("reasoner") ? .none : .deepseekThinking
        case .zhipu: return .thinkingType
        case .siliconflow: return .enableThinking
        case .gemini: return .reasoningEffort
        case .openrouter: return .openRouterReasoning
        default: return .none
        }
    }

    /// How inline `<think>` tags are read.
    func thinkTags(model: String) -> ThinkTagSplitter.Mode {
        let id = model.lowercased()
        if self == .minimax || id.contains("minimax-m2") { return .implicitOpen }
        return .leading
    }

    /// The request options for `model` at this provider.
    func requestOptions(model: String) -> ChatRequestBuilder.Options {
        var options = ChatRequestBuilder.Options()
        options.allowedParameters = allowedParameters
        options.maxOutputTokens = maxOutputTokens(model: model)
        options.thinking = thinkingControl(model: model)
        // deepseek-chat in thinking mode takes the reasoner's output limit.
        if self == .deepseek, options.thinking == .deepseekThinking { options.thinkingMaxOutputTokens = 65_536 }
        switch self {
        // Zhipu's own API keeps GLM's reasoning across turns when it is sent back; NIM's
        // vLLM front end is left alone (an unknown message field there would refuse every turn).
        case .deepseek, .moonshot, .zhipu: options.echoReasoning = true
        case .minimax: options.echoReasoningAsThinkTags = true
        default: break
        }
        if self == .nvidia, model.lowercased().contains("minimax-m2") { options.echoReasoningAsThinkTags = true }
        if self == .minimax { options.maxTokensParameter = "max_completion_tokens" }
        options.allowsTopK = self == .openrouter || self == .siliconflow
        switch self {
        case .gemini: options.schemaCleaning = .gemini
        case .groq: options.schemaCleaning = .stripSchemaKeyword
        default: break
        }
        options.thoughtSignatures = self == .gemini
        return options
    }

    /// Whether the provider needs a key at all.
    var needsKey: Bool { self != .ollama }
}
