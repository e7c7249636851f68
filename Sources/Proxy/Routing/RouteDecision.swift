/// Where one request goes and why.
public struct RouteDecision: Sendable, Equatable {
    /// The route taken.
    public var kind: RouteKind
    /// The model it goes to first.
    public var target: ModelRef
    /// Models to try next if that one fails before answering.
    public var fallbacks: [ModelRef]
    /// Why this route won, for logs and the dashboard.
    public var reason: String

    /// A decision for `kind` going to `target` first, then `fallbacks` in order.
    public init(kind: RouteKind, target: ModelRef, fallbacks: [ModelRef] = [], reason: String) {
        self.kind = kind
        self.target = target
        self.fallbacks = fallbacks
        self.reason = reason
    }

    /// The target followed by the fallbacks, without repeats.
    public var candidates: [ModelRef] {
        var seen: Set<ModelRef> = []
        return ([target] + fallbacks).filter { seen.insert($0).inserted }
    }
}
