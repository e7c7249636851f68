import ArgumentParser
import Foundation
import Logging
import Proxy
import ServiceLifecycle

/// `switchboard serve`: the proxy without the dashboard.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the proxy headless; logs go to stderr, one line per request.")

    @OptionGroup var configOptions: ConfigOptions
    @OptionGroup var serverOptions: ServerOptions

    func run() async throws {
        let config = serverOptions.apply(to: try configOptions.load())
        let logger = ProxyLogging.bootstrap(config: config, destination: .standardError)
        for warning in config.warnings { logger.warning("config: \(warning)") }
        logger.info("config: \(config.source)")
        try await ProxyRunner(config: config, logger: logger).run { address in
            Console.out("Switchboard listening on \(address)")
        }
    }
}
