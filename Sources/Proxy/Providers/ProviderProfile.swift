/// What Switchboard adjusts for one provider and model: the preset's knowledge, then the
/// provider's and the model's claude-code-router transformers on top.
public struct ProviderProfile: Sendable {
    /// The preset in force.
    public var preset: ProviderPreset
    /// Request-side choices.
    public var request: ChatRequestBuilder.Options
    /// How inline `<think>` tags are read.
    public var thinkTags: ThinkTagSplitter.Mode
    /// Emit each tool call once, complete and repaired, instead of streaming its arguments
    /// (claude-code-router's `enhancetool`).
    public var bufferToolArguments = false
    /// Pass requests through untranslated (Anthropic-compatible endpoint).
    public var passthrough = false
    /// What each configured transformer did.
    public var transformerEffects: [(name: String, effect: Transformer.Effect)] = []

    /// A profile with the given preset choices, no tool buffering, no passthrough and no transformer effects.
    public init(
        preset: ProviderPreset = .openai,
        request: ChatRequestBuilder.Options = .init(),
        thinkTags: ThinkTagSplitter.Mode = .leading
    ) {
        self.preset = preset
        self.request = request
        self.thinkTags = thinkTags
    }

    /// The profile for `model` at `provider`.
    public static func resolve(provider: ProviderConfig, model: String) -> ProviderProfile {
        let preset = provider.preset
        var profile = ProviderProfile(
            preset: preset,
            request: preset.requestOptions(model: model),
            thinkTags: preset.thinkTags(model: model)
        )
        profile.passthrough = provider.anthropic
        for transformer in provider.transformers + (provider.modelTransformers[model] ?? []) {
            let effect = transformer.apply(to: &profile)
            profile.transformerEffects.append((transformer.name, effect))
        }
        return profile
    }
}
