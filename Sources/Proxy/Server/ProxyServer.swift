import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// The proxy as a service: the HTTP server and the upstream client, run and shut down together.
///
/// On graceful shutdown it stops accepting connections and lets requests in flight finish;
/// the owning `ServiceGroup` bounds how long that may take.
public struct ProxyServer: Service {
    /// The engine behind the HTTP endpoints (config, events, ledger, sessions).
    public let engine: ProxyEngine
    private let application: Application<ProxyResponder>
    private let client: UpstreamClient

    /// A server for `store`'s config, listening on `host`:`port`.
    /// - Parameter onListening: called with the bound address once the server accepts connections.
    public init(
        store: ConfigStore,
        events: EventBus = EventBus(),
        host: String,
        port: Int,
        logger: Logger,
        usage: UsageLedger? = nil,
        metrics: UsageMetrics? = nil,
        onListening: @escaping @Sendable (SocketAddress?) async -> Void = { _ in }
    ) {
        let client = UpstreamClient(proxyURL: store.config.proxyURL)
        let engine = ProxyEngine(
            store: store,
            events: events,
            client: client,
            logger: logger,
            usage: usage,
            metrics: metrics
        )
        self.client = client
        self.engine = engine
        var serverLogger = logger
        serverLogger[metadataKey: "component"] = "http"
        // Hummingbird's own per-request logging is noise next to the proxy's one line per request.
        serverLogger.logLevel = max(logger.logLevel, .notice)
        application = Application(
            responder: ProxyResponder(engine: engine),
            server: .http1(
                configuration: .init(additionalChannelHandlers: [ClientHangUpHandler()], idleTimeout: .seconds(600))
            ),
            configuration: ApplicationConfiguration(
                address: .hostname(host, port: port),
                serverName: nil,
                reuseAddress: true
            ),
            onServerRunning: { channel in await onListening(channel.localAddress) },
            logger: serverLogger
        )
    }

    /// Serves until graceful shutdown, then shuts the upstream client down (also when serving fails).
    public func run() async throws {
        do {
            try await application.run()
        } catch {
            await client.shutdown()
            throw error
        }
        await client.shutdown()
    }
}

extension ProxyServer: CustomStringConvertible {
    /// The service's name (the service lifecycle logs each service's description).
    public var description: String { "ProxyServer" }
}
