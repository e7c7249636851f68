/// One claude-code-router transformer as written in a provider's `transformer.use`:
/// a name, or `[name, {options}]`.
public struct Transformer: Sendable, Equatable {
    /// The transformer's name as written (`deepseek`, `maxtoken`, `enhancetool`, ...).
    public var name: String
    /// The options object of the `[name, {options}]` form; empty for a bare name.
    public var options: JSONObject

    /// A transformer with `name` and its options (none by default).
    public init(name: String, options: JSONObject = JSONObject()) {
        self.name = name
        self.options = options
    }

    /// What Switchboard does with a transformer.
    public enum Effect: Sendable, Equatable, CustomStringConvertible {
        /// It changes the request or the answer, as in claude-code-router.
        case applied
        /// The provider's preset already does it.
        case notNeeded(String)
        /// Switchboard does not implement it; it is ignored.
        case ignored(String)

        /// `applied`, `not needed (why)` or `ignored (why)`, as `check` prints it.
        public var description: String {
            switch self {
            case .applied: return "applied"
            case .notNeeded(let why): return "not needed (\(why))"
            case .ignored(let why): return "ignored (\(why))"
            }
        }
    }

    /// Parses a `transformer` section: the provider-wide chain and the per-model chains.
    static func parse(_ value: JSONValue?) -> (provider: [Transformer], models: [String: [Transformer]]) {
        guard case .object(let object)? = value else { return ([], [:]) }
        var models: [String: [Transformer]] = [:]
        for member in object.members where member.key != "use" {
            models[member.key] = chain(member.value["use"])
        }
        return (chain(object["use"]), models)
    }

    static func chain(_ value: JSONValue?) -> [Transformer] {
        guard case .array(let entries)? = value else { return [] }
        return entries.compactMap { entry in
            switch entry {
            case .string(let name): return Transformer(name: name)
            case .array(let parts):
                guard let name = parts.first?.stringValue else { return nil }
                return Transformer(name: name, options: parts.dropFirst().first?.objectValue ?? JSONObject())
            default: return nil
            }
        }
    }

    /// Applies this transformer to `profile` and says what it did.
    @discardableResult
    public func apply(to profile: inout ProviderProfile) -> Effect {
        let preset = profile.preset
        switch name.lowercased() {
        case "maxtoken":
            guard let cap = options["max_tokens"]?.intValue, cap > 0 else {
                return .ignored("needs {\"max_tokens\": N}")
            }
            profile.request.maxOutputTokens = cap
            return .applied
        case "maxcompletiontokens":
            profile.request.maxTokensParameter = "max_completion_tokens"
            profile.request.allowedParameters?.insert("max_completion_tokens")
            return .applied
        case "sampling":
            for key in ["temperature", "top_p", "top_k", "repetition_penalty"] {
                if let value = options[key] {
                    profile.request.overrides[key] = value
                    profile.request.allowedParameters?.insert(key)
                }
            }
            return .applied
        case "customparams":
            profile.request.extraBody = ChatRequestBuilder.merge(options, into: profile.request.extraBody)
            return .applied
        case "reasoning":
            profile.request.forceThinking = options["enable"]?.boolValue ?? true
            if profile.request.thinking == .none {
                // NIM refuses unknown top-level keys but its chat templates read enable_thinking.
                if preset == .nvidia {
                    profile.request.thinking = .chatTemplateKwargs
                } else {
                    profile.request.thinking = .enableThinking
                    profile.request.allowedParameters?.insert("enable_thinking")
                }
            }
            return .applied
        case "deepseek":
            if preset == .deepseek { return .notNeeded("the deepseek preset covers it") }
            profile.request.echoReasoning = true
            profile.request.maxOutputTokens = min(profile.request.maxOutputTokens ?? 8_192, 8_192)
            return .applied
        case "openrouter":
            if !options.isEmpty {
                profile.request.extraBody = ChatRequestBuilder.merge(options, into: profile.request.extraBody)
                return .applied
            }
            return preset == .openrouter
                ? .notNeeded("the openrouter preset covers it")
                : .notNeeded("the reasoning field is always read as thinking")
        case "gemini", "vertex-gemini":
            if preset == .gemini { return .notNeeded("the gemini preset covers it") }
            profile.request.schemaCleaning = .gemini
            return .applied
        case "groq":
            if preset == .groq { return .notNeeded("the groq preset covers it") }
            profile.request.schemaCleaning = .stripSchemaKeyword
            return .applied
        case "cleancache":
            return .notNeeded("cache_control is never forwarded")
        case "streamoptions":
            return .notNeeded("stream_options.include_usage is always sent when streaming")
        case "extrathinktag":
            return .notNeeded("<think> tags are always split into thinking")
        case "tooluse":
            profile.request.exitTool = true
            return .applied
        case "enhancetool":
            profile.bufferToolArguments = true
            return .applied
        case "anthropic":
            return .applied
        case "forcereasoning", "cerebras", "vercel", "vertex-claude", "vertex-openai", "openai-responses", "gemini-cli",
            "qwen-cli", "rovo-cli", "chutes-glm":
            return .ignored("not supported by Switchboard")
        default:
            return .ignored("unknown transformer")
        }
    }
}
