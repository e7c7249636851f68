import Foundation

/// One upstream provider from the config's `Providers` list.
public struct ProviderConfig: Sendable, Equatable {
    /// The name routes refer to.
    public var name: String
    /// The full Chat Completions URL (`…/chat/completions`).
    public var endpoint: String {
        didSet { detectedPreset = ProviderPreset.detect(endpoint: endpoint) }
    }
    /// API keys; empty when the provider needs none (Ollama) or the key is missing.
    public var apiKeys: [String]
    /// The environment variable a missing key should come from, so errors can say what to set.
    public var missingKeyVariable: String?
    /// Models this provider serves (what routes, fallbacks and the dashboard's switcher offer).
    public var models: [String]
    /// claude-code-router's `transformer` section, kept as written.
    public var transformer: JSONValue? {
        didSet { (transformers, modelTransformers) = Transformer.parse(transformer) }
    }
    /// The provider-wide transformer chain.
    public private(set) var transformers: [Transformer] = []
    /// Per-model transformer chains (applied after the provider's).
    public private(set) var modelTransformers: [String: [Transformer]] = [:]
    /// The preset named by `"preset"`, which wins over the one detected from the URL.
    public var explicitPreset: ProviderPreset?
    /// Whether the provider speaks the Anthropic Messages API itself (`"anthropic": true`, or
    /// claude-code-router's `"use": ["Anthropic"]`): requests pass through untranslated.
    public var anthropic = false
    /// Requests per minute this provider allows (`"rpm"`); extra requests wait their turn.
    public var requestsPerMinute: Int?
    /// Upstream calls in flight at once (`"max_concurrent"`); extra ones wait for one to end.
    public var maxConcurrentCalls: Int?
    /// `api_base_url` as written, and why the endpoint differs from it beyond an appended
    /// `/chat/completions` (a bare host, Gemini's native base), for `check` to say.
    public var baseURL: String?
    /// Why the endpoint differs from `baseURL` beyond an appended `/chat/completions`; `nil` when
    /// it does not, and always for Anthropic-compatible providers.
    public var endpointNote: String?
    /// `"context_window"`: tokens per model id, or for every model under the key `""` (the
    /// config's plain number).
    public var contextWindows: [String: Int] = [:]
    /// `"price"`: USD per million tokens for every model of the provider.
    public var price: Price?
    /// `"prices"`: USD per million tokens per model id.
    public var prices: [String: Price] = [:]
    /// `"budget"`: this provider's spending limit.
    public var budget: Budget?

    /// A provider as parsed, with its transformer chains read from `transformer`; the other settings are set after.
    public init(
        name: String,
        endpoint: String,
        apiKeys: [String] = [],
        missingKeyVariable: String? = nil,
        models: [String],
        transformer: JSONValue? = nil
    ) {
        self.name = name
        self.endpoint = endpoint
        detectedPreset = ProviderPreset.detect(endpoint: endpoint)
        self.apiKeys = apiKeys
        self.missingKeyVariable = missingKeyVariable
        self.models = models
        self.transformer = transformer
        (transformers, modelTransformers) = Transformer.parse(transformer)
    }

    /// The preset in force: the explicit one, else the one the URL suggests.
    public var preset: ProviderPreset { explicitPreset ?? detectedPreset }

    /// The preset the URL suggests (worked out once: it is read on every request).
    public private(set) var detectedPreset: ProviderPreset = .openai

    /// Where Anthropic-compatible requests go: the base URL plus `/v1/messages`.
    public var messagesEndpoint: String {
        var url = endpoint
        if url.hasSuffix("/chat/completions") { url.removeLast("/chat/completions".count) }
        if url.hasSuffix("/v1/messages") { return url }
        if url.hasSuffix("/messages") { return url }
        if url.hasSuffix("/v1") { return url + "/messages" }
        return url + "/v1/messages"
    }

    /// A description of the key fit to print: never the key itself.
    public var keyDescription: String {
        if let missingKeyVariable { return "missing (set $\(missingKeyVariable))" }
        if apiKeys.isEmpty, !preset.needsKey { return "none (not needed)" }
        switch apiKeys.count {
        case 0: return "none"
        case 1: return "set"
        default: return "\(apiKeys.count) keys"
        }
    }

    /// Normalises `api_base_url`: a full `…/chat/completions` URL is kept; a base such as
    /// `https://host/v1` gets `/chat/completions` appended; a bare host, as pasted from a
    /// provider's console, gets `/v1/chat/completions`; Gemini's native API base
    /// (`…/v1beta/models/`, what claude-code-router's `gemini` transformer takes) becomes
    /// Gemini's OpenAI-compatible endpoint.
    public static func endpoint(fromBaseURL base: String) -> String {
        resolveEndpoint(fromBaseURL: base).endpoint
    }

    /// The endpoint for `api_base_url`, and a note when it is not simply the base plus
    /// `/chat/completions` (shown by `check`).
    /// - Parameter nativeGemini: the provider uses claude-code-router's `gemini` transformer,
    ///   which takes Gemini's native API base whatever the host (a gateway, a mirror).
    public static func resolveEndpoint(fromBaseURL base: String, nativeGemini: Bool = false) -> (
        endpoint: String, note: String?
    ) {
        var url = base.trimmingWhitespace()
        if let query = url.firstIndex(of: "?") { url = String(url[..<query]) }
        while url.hasSuffix("/") { url.removeLast() }
        if url.hasSuffix("/chat/completions") { return (url, nil) }
        let components = URLComponents(string: url)
        let path = components?.path ?? ""
        let geminiHost = components?.host?.hasSuffix("generativelanguage.googleapis.com") == true
        let nativeModelsPath = path.hasSuffix("/v1beta/models") || path.hasSuffix("/v1/models")
        if (geminiHost && !path.contains("/openai")) || (nativeGemini && nativeModelsPath) {
            // Gemini's native API (`/v1beta/models/{model}:streamGenerateContent`) does not speak
            // Chat Completions; its OpenAI-compatible endpoint lives under `/v1beta/openai`.
            let prefix = nativeModelsPath ? path.dropLast(path.hasSuffix("/v1beta/models") ? 14 : 9) : ""
            return (
                url.dropLast(path.count) + prefix + "/v1beta/openai/chat/completions",
                "Gemini's native API base; Switchboard speaks to its OpenAI-compatible endpoint instead"
            )
        }
        // DeepSeek documents its bare host as the base URL (it serves both paths).
        if components?.host != nil, path.isEmpty, ProviderPreset.detect(endpoint: url) != .deepseek {
            return (url + "/v1/chat/completions", "a bare host; the OpenAI-compatible API is under /v1")
        }
        return (url + "/chat/completions", nil)
    }
}
