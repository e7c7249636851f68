import Foundation
import Logging
import NIOCore
import Proxy
import ServiceLifecycle
import Synchronization
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
    /// The usage ledger (`nil` with `"USAGE_DB": false`), made here so the dashboard can read its status.
    let ledger: UsageLedger?

    init(config: SwitchboardConfig, logger: Logger, events: EventBus = EventBus(), store: ConfigStore? = nil) {
        self.config = config
        self.logger = logger
        self.events = events
        let store = store ?? ConfigStore(config)
        self.store = store
        ledger = Self.makeLedger(config: config, store: store, events: events, logger: logger)
    }

    /// Runs until shut down. `onListening` receives the URL clients should use.
    /// - Parameter leadingServices: services started before the proxy and stopped after it.
    /// - Parameter adjust: applied to the config again on every reload (command-line overrides).
    func run(
        leadingServices: [any Service] = [],
        shutdown: ShutdownTrigger = ShutdownTrigger(),
        signals: [UnixSignal] = [.sigterm, .sigint],
        adjust: @escaping @Sendable (SwitchboardConfig) -> SwitchboardConfig = { $0 },
        onListening: @escaping @Sendable (String) -> Void
    ) async throws {
        let host = config.host
        let metrics = UsageMetrics(store: store)
        events.attach(metrics)
        let server = ProxyServer(
            store: store,
            events: events,
            host: host,
            port: config.port,
            logger: logger,
            usage: ledger,
            metrics: metrics,
            onListening: { address in onListening(Self.url(host: host, address: address)) }
        )
        // The ledger stops after the server, so the last requests' rows are written.
        var ledgerServices: [any Service] = []
        if let ledger {
            if let url = config.usage.postgresURL {
                var shipperLogger = logger
                shipperLogger[metadataKey: "component"] = "ledger"
                ledgerServices.append(PostgresShipper(ledger: ledger, url: url, logger: shipperLogger))
            }
            ledgerServices.append(UsageLedgerService(ledger: ledger))
        }
        // Stopped in reverse: the server drains, the ledger writes the last rows, the shipper sends them.
        var services: [any Service] = leadingServices + ledgerServices + [server]
        if let path = config.source.path {
            services.append(
                ConfigWatcher(path: path, store: store, loader: ConfigLoader(), logger: logger, adjust: adjust)
            )
        }
        var configuration = ServiceGroupConfiguration(
            services: services.map { .init(service: $0) },
            gracefulShutdownSignals: signals,
            logger: logger
        )
        configuration.maximumGracefulShutdownDuration = Self.drainLimit
        configuration.maximumCancellationDuration = .seconds(2)
        let group = ServiceGroup(configuration: configuration)
        shutdown.attach(group)
        do {
            try await group.run()
        } catch {
            if let failure = Self.listenFailure(error, host: host, port: config.port) { throw failure }
            logger.error("switchboard stopped: \(error)")
            throw error
        }
    }

    /// The usage ledger for `config` (`nil` with `"USAGE_DB": false`), attached to `events`.
    static func makeLedger(config: SwitchboardConfig, store: ConfigStore, events: EventBus, logger: Logger)
        -> UsageLedger?
    {
        guard let path = config.usage.localPath() else { return nil }
        var ledgerLogger = logger
        ledgerLogger[metadataKey: "component"] = "ledger"
        let ledger = UsageLedger(path: path, store: store, logger: ledgerLogger)
        events.attach(ledger)
        return ledger
    }

    /// A failure to bind, as the one line the command prints (nothing is logged for it: the
    /// log may belong to another instance).
    static func listenFailure(_ error: any Error, host: String, port: Int) -> ListenFailure? {
        // The service group rethrows the failing service's own error.
        guard error is IOError || error is SocketAddressError || error is SocketAddressError.UnknownHost else {
            return nil
        }
        return ListenFailure(message: ListenPreflight.describe(error, host: host, port: port))
    }

    /// The base URL of the bound address: what was really bound (`0.0.0.0` when told to
    /// listen everywhere), never a friendlier address than the truth.
    static func url(host: String, address: SocketAddress?) -> String {
        let port = address?.port ?? 0
        let shown = address?.ipAddress ?? host
        return "http://\(shown.contains(":") ? "[\(shown)]" : shown):\(port)"
    }
}

/// Lets code outside the service group (the dashboard's `q`) start a graceful shutdown.
final class ShutdownTrigger: Sendable {
    private let group = Mutex<ServiceGroup?>(nil)

    func attach(_ group: ServiceGroup) {
        self.group.withLock { $0 = group }
    }

    /// Starts a graceful shutdown: the proxy stops accepting and drains, then the rest stops.
    func trigger() {
        guard let group = group.withLock({ $0 }) else { return }
        Task { await group.triggerGracefulShutdown() }
    }
}
