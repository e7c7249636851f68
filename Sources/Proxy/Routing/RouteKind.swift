/// What kind of request this is, which decides the model it goes to.
public enum RouteKind: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// Every request no other route takes.
    case `default`
    /// Requests for a `haiku` model (Claude Code's background work).
    case background
    /// Requests with thinking enabled or a high effort.
    case think
    /// Requests whose estimated input tokens exceed `longContextThreshold`.
    case longContext
    /// Requests that offer a `web_search` tool.
    case webSearch
    /// Requests whose last user turn carries an image.
    case image
    /// The client named `provider,model` itself.
    case explicit
    /// A subagent named its model with a `<CCR-SUBAGENT-MODEL>` tag.
    case subagent

    /// The routes a config's `Router` section can set.
    public static let configurable: [RouteKind] = [.default, .background, .think, .longContext, .webSearch, .image]

    /// The raw value (`default`, `longContext`, `explicit`, ...), as logs and the ledger's `route` show it.
    public var description: String { rawValue }
}
