import Foundation
import Synchronization

/// The config in force and the live route table; a reload swaps the config for the next
/// request while requests in flight finish on the one they started with.
public final class ConfigStore: Sendable {
    private let state: Mutex<(config: SwitchboardConfig, redactor: SecretRedactor)>
    /// The route table, switched by the dashboard.
    public let routes: RouteTable

    /// A store serving `config`, with the route table set to its routes.
    public init(_ config: SwitchboardConfig) {
        state = Mutex((config, SecretRedactor(secrets: config.secrets)))
        routes = RouteTable(configured: config.routes)
    }

    /// The config for a new request.
    public var config: SwitchboardConfig { state.withLock { $0.config } }

    /// Redacts every configured key.
    public var redactor: SecretRedactor { state.withLock { $0.redactor } }

    /// The outcome of the last reload: when, and the error if the edit was refused.
    public struct ReloadStatus: Sendable, Equatable {
        /// When the reload was tried.
        public var time: Date
        /// Why the edited file was refused (the last good config kept serving); `nil` when it was applied.
        public var error: String?
    }

    private let reloadStatus = Mutex<ReloadStatus?>(nil)

    /// The last reload's outcome (`nil` before any).
    public var lastReload: ReloadStatus? { reloadStatus.withLock { $0 } }

    func noteReload(error: String?) {
        reloadStatus.withLock { $0 = ReloadStatus(time: Date(), error: error) }
    }

    /// Applies a new config; route switches survive when their provider still exists.
    public func replace(with config: SwitchboardConfig) {
        state.withLock { $0 = (config, SecretRedactor(secrets: config.secrets)) }
        routes.reconfigure(config.routes, keepingSwitchesValidFor: Set(config.providers.map(\.name)))
    }
}
