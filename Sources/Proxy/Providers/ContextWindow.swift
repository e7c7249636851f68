/// How many tokens a model takes in one request (prompt and answer together), so Claude Code
/// can be told to compact before a smaller-than-Claude model refuses a long conversation.
///
/// Figures are the context lengths the model makers publish; a provider may serve less (a
/// config's `"context_window"` overrides them).
public enum ContextWindow {
    /// A published figure and where it comes from.
    struct Known: Sendable {
        /// Matched against the model id, lowercased, without its `vendor/` prefix.
        let prefix: String
        let tokens: Int
        let source: String
    }

    /// Most specific first: the first prefix that matches wins.
    static let known: [Known] = [
        Known(prefix: "glm4.7", tokens: 200_000, source: "Z.ai GLM-4.7 model card (200K)"),
        Known(prefix: "glm-4.7", tokens: 200_000, source: "Z.ai GLM-4.7 model card (200K)"),
        Known(prefix: "glm-4.6", tokens: 200_000, source: "Z.ai GLM-4.6 model card (200K)"),
        Known(prefix: "glm4.6", tokens: 200_000, source: "Z.ai GLM-4.6 model card (200K)"),
        Known(prefix: "glm-4.5", tokens: 131_072, source: "Z.ai GLM-4.5 model card (128K)"),
        Known(prefix: "minimax-m2", tokens: 204_800, source: "MiniMax M2 documentation (204,800)"),
        Known(prefix: "deepseek-chat", tokens: 131_072, source: "DeepSeek API documentation (128K)"),
        Known(prefix: "deepseek-reasoner", tokens: 131_072, source: "DeepSeek API documentation (128K)"),
        Known(prefix: "deepseek-v3", tokens: 131_072, source: "DeepSeek V3 model card (128K)"),
        Known(prefix: "deepseek-r1", tokens: 131_072, source: "DeepSeek R1 model card (128K)"),
        Known(prefix: "kimi-k2-instruct-0905", tokens: 262_144, source: "Moonshot Kimi K2 0905 documentation (256K)"),
        Known(prefix: "kimi-k2-instruct", tokens: 131_072, source: "Moonshot Kimi K2 0711 documentation (128K)"),
        Known(prefix: "kimi-k2-0711", tokens: 131_072, source: "Moonshot Kimi K2 documentation (128K)"),
        Known(prefix: "kimi-k2", tokens: 262_144, source: "Moonshot Kimi K2 0905/thinking documentation (256K)"),
        Known(prefix: "gemini-", tokens: 1_048_576, source: "Google Gemini 2.5/3 documentation (1M)"),
        Known(prefix: "gpt-oss", tokens: 131_072, source: "OpenAI gpt-oss model card (128K)"),
        Known(prefix: "qwen3-coder", tokens: 262_144, source: "Qwen3-Coder model card (256K)"),
        Known(prefix: "llama-3.3", tokens: 131_072, source: "Meta Llama 3.3 model card (128K)"),
        Known(prefix: "llama-3.1", tokens: 131_072, source: "Meta Llama 3.1 model card (128K)"),
    ]

    /// The published window of `model`, or `nil` when Switchboard does not know it.
    public static func published(model: String) -> Int? {
        let id = model.lowercased().split(separator: "/").last.map(String.init) ?? model.lowercased()
        return known.first { id.hasPrefix($0.prefix) }?.tokens
    }
}

extension ProviderConfig {
    /// The window of one of this provider's models: the config's `"context_window"` first, then
    /// the published figure; `nil` when unknown.
    public func contextWindow(model: String) -> Int? {
        contextWindows[model] ?? contextWindows[""] ?? ContextWindow.published(model: model)
    }
}

extension SwitchboardConfig {
    /// The smallest known window among the models requests are routed to (routes and their
    /// fallbacks), with the model it belongs to; `nil` when none is known.
    public var smallestRoutedWindow: (model: ModelRef, tokens: Int)? {
        let routed = Array(routes.values) + fallbacks.values.flatMap { $0 }
        var smallest: (model: ModelRef, tokens: Int)?
        for model in routed {
            guard let tokens = provider(named: model.provider)?.contextWindow(model: model.model) else { continue }
            if smallest == nil || tokens < smallest!.tokens
                || (tokens == smallest!.tokens && model.description < smallest!.model.description)
            {
                smallest = (model, tokens)
            }
        }
        return smallest
    }
}
