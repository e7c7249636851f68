/// What kind of request this is, which decides the model it goes to.
public enum RouteKind: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    case `default`
    case background
    case think
    case longContext
    case webSearch
    case image
    /// The client named `provider,model` itself.
    case explicit
    /// A subagent named its model with a `<CCR-SUBAGENT-MODEL>` tag.
    case subagent

    /// The routes a config's `Router` section can set.
    public static let configurable: [RouteKind] = [.default, .background, .think, .longContext, .webSearch, .image]

    public var description: String { rawValue }
}
