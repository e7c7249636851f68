import Foundation
import Logging
import NIOCore
import Proxy
import ServiceLifecycle
import UnixSignals

/// Runs the proxy (and any companion services) until SIGINT/SIGTERM, then drains in-flight
/// requests for at most ``drainLimit`` and returns.
struct ProxyRunner {
    /// How long requests in flight may take to finish after a shutdown signal.
    static let drainLimit = Duration.seconds(10)

    let config: SwitchboardConfig
    let logger: Logger
    var events = EventBus()
    var store: ConfigStore

    init(config: SwitchboardConfig, logger: Logger, events: EventBus = EventBus(), store: ConfigStore? = nil) {
        self.config = config
        self.logger = logger
        self.events = events
        self.store = store ?? ConfigStore(config)
    }

    /// Runs until shut down. `onListening` receives the URL clients should use.
    func run(extraServices: [any Service] = [], onListening: @escaping @Sendable (String) -> Void) async throws {
        let host = config.host
        let server = ProxyServer(
            store: store, events: events, host: host, port: config.port, logger: logger,
            onListening: { address in onListening(Self.url(host: host, address: address)) })
        var configuration = ServiceGroupConfiguration(
            services: [.init(service: server)] + extraServices.map { .init(service: $0) },
            gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        configuration.maximumGracefulShutdownDuration = Self.drainLimit
        configuration.maximumCancellationDuration = .seconds(2)
        let group = ServiceGroup(configuration: configuration)
        do {
            try await group.run()
        } catch {
            logger.error("switchboard stopped: \(error)")
            throw error
        }
    }

    /// The base URL for a bound address.
    static func url(host: String, address: SocketAddress?) -> String {
        let port = address?.port ?? 0
        let shown = host == "0.0.0.0" || host == "::" || host.isEmpty ? "127.0.0.1" : host
        return "http://\(shown.contains(":") ? "[\(shown)]" : shown):\(port)"
    }
}
