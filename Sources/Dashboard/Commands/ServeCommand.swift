import ArgumentParser
import Foundation
import Logging
import Proxy
import ServiceLifecycle

/// `switchboard serve`: the proxy without the dashboard.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the proxy headless; logs go to stderr, one line per request.",
        discussion: exitStatusHelp
    )

    @OptionGroup var configOptions: ConfigOptions
    @OptionGroup var serverOptions: ServerOptions

    func run() async throws {
        let options = serverOptions
        let config = options.apply(to: try configOptions.load())
        try await ListenPreflight.check(config)
        try await Self.serve(config: config, adjust: { options.apply(to: $0) })
    }

    /// Runs the proxy headless with `config` until SIGINT/SIGTERM.
    static func serve(
        config: SwitchboardConfig,
        adjust: @escaping @Sendable (SwitchboardConfig) -> SwitchboardConfig = { $0 }
    ) async throws {
        let logger = ProxyLogging.bootstrap(config: config, role: "serve")
        for warning in config.warnings { logger.warning("config: \(warning)") }
        logger.info("config: \(config.source)")
        logger.debug(
            "Swift Concurrency runs on \(Executors.nioIsGlobalExecutor ? "NIO's event loops" : "its own thread pool")"
        )
        let store = ConfigStore(config)
        let home = ProcessInfo.processInfo.environment["HOME"] ?? NSHomeDirectory()
        let stateFile = RouteStateFile(config: config, homeDirectory: home)
        for (route, model) in stateFile.apply(to: store.routes, config: config, warn: { logger.warning("\($0)") }) {
            logger.info("route \(route) switched to \(model) (saved by the dashboard in \(stateFile.path))")
        }
        do {
            try await ProxyRunner(config: config, logger: logger, store: store).run(adjust: adjust) { address in
                Console.out("Switchboard listening on \(address)")
            }
        } catch let failure as ListenFailure {
            Console.error("switchboard: \(failure.message)")
            throw ExitCode(ListenPreflight.exitCode)
        }
    }
}
