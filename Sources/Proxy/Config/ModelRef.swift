/// A model at a provider, written `provider,model` as in claude-code-router.
public struct ModelRef: Hashable, Sendable, CustomStringConvertible, Comparable {
    /// The provider's configured name.
    public var provider: String
    /// The model id at that provider (may itself contain commas or slashes).
    public var model: String

    /// The model `model` at the provider named `provider`; nothing is checked against the config.
    public init(provider: String, model: String) {
        self.provider = provider
        self.model = model
    }

    /// Parses `provider,model`; the model is everything after the first comma.
    public init?(parsing text: String) {
        guard let comma = text.firstIndex(of: ",") else { return nil }
        let provider = text[..<comma].trimmingWhitespace()
        let model = text[text.index(after: comma)...].trimmingWhitespace()
        guard !provider.isEmpty, !model.isEmpty else { return nil }
        self.init(provider: provider, model: model)
    }

    /// `provider,model`, the form the config and clients write.
    public var description: String { "\(provider),\(model)" }

    /// Orders by the `provider,model` text.
    public static func < (lhs: ModelRef, rhs: ModelRef) -> Bool { lhs.description < rhs.description }
}

extension StringProtocol {
    /// The text without leading and trailing whitespace.
    func trimmingWhitespace() -> String {
        let start = firstIndex { !$0.isWhitespace } ?? endIndex
        let end = lastIndex { !$0.isWhitespace }.map { index(after: $0) } ?? start
        return String(self[start..<Swift.max(start, end)])
    }
}
