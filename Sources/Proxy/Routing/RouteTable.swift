import Synchronization

/// The model in force for each route: the config's choice, unless switched at run time.
///
/// Live, shared state: the dashboard switches a route and the very next request sees it.
/// Switches survive config reloads as long as they still name a configured provider.
public final class RouteTable: Sendable {
    /// One route's models.
    public struct Entry: Sendable, Equatable {
        /// From the config, if it sets this route.
        public var configured: ModelRef?
        /// Set at run time, if switched.
        public var override: ModelRef?

        /// The model requests on this route go to.
        public var effective: ModelRef? { override ?? configured }
        /// Whether a run-time switch is in force.
        public var isSwitched: Bool { override != nil && override != configured }
    }

    private let state: Mutex<[RouteKind: Entry]>

    /// A table holding `routes` as configured.
    public init(configured routes: [RouteKind: ModelRef]) {
        var entries: [RouteKind: Entry] = [:]
        for kind in RouteKind.configurable { entries[kind] = Entry(configured: routes[kind], override: nil) }
        state = Mutex(entries)
    }

    /// The model for `kind`, or `nil` when the route is not set.
    public func target(for kind: RouteKind) -> ModelRef? {
        state.withLock { $0[kind]?.effective }
    }

    /// Every configurable route's entry.
    public func entries() -> [RouteKind: Entry] {
        state.withLock { $0 }
    }

    /// Switches `kind` to `model`; `nil` puts it back to the configured model.
    public func switchRoute(_ kind: RouteKind, to model: ModelRef?) {
        state.withLock { entries in
            var entry = entries[kind] ?? Entry(configured: nil, override: nil)
            entry.override = model == entry.configured ? nil : model
            entries[kind] = entry
        }
    }

    /// Applies a reloaded config's routes, keeping switches whose provider still exists.
    public func reconfigure(_ routes: [RouteKind: ModelRef], keepingSwitchesValidFor providers: Set<String>) {
        state.withLock { entries in
            for kind in RouteKind.configurable {
                var entry = entries[kind] ?? Entry(configured: nil, override: nil)
                entry.configured = routes[kind]
                if let override = entry.override, !providers.contains(override.provider) { entry.override = nil }
                if entry.override == entry.configured { entry.override = nil }
                entries[kind] = entry
            }
        }
    }
}
