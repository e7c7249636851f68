/// What Switchboard adjusts for one provider and model: request options and how the answer
/// streams back. The generic OpenAI-compatible profile changes nothing.
public struct ProviderProfile: Sendable {
    /// Request-side choices.
    public var request: ChatRequestBuilder.Options
    /// How inline `<think>` tags are read.
    public var thinkTags: ThinkTagSplitter.Mode

    public init(request: ChatRequestBuilder.Options = .init(), thinkTags: ThinkTagSplitter.Mode = .leading) {
        self.request = request
        self.thinkTags = thinkTags
    }

    /// The profile for `model` at `provider`.
    public static func resolve(provider: ProviderConfig, model: String) -> ProviderProfile {
        ProviderProfile()
    }
}
