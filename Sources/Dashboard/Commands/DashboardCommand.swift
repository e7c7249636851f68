import ArgumentParser
import Foundation
import Logging
import Proxy
import ServiceLifecycle
import Synchronization

/// `switchboard` / `switchboard dashboard`: the proxy with its live terminal dashboard.
struct DashboardCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dashboard",
        abstract: "Run the proxy with the live dashboard (the default). Without a usable terminal, runs headless.",
        discussion: exitStatusHelp
    )

    @OptionGroup var configOptions: ConfigOptions
    @OptionGroup var serverOptions: ServerOptions

    @Option(name: .long, help: "Log file (default: $XDG_STATE_HOME/switchboard/switchboard.log).")
    var logFile: String?

    func run() async throws {
        let config = serverOptions.apply(to: try configOptions.load())
        try await ListenPreflight.check(config)
        let environment = ProcessInfo.processInfo.environment
        let home = environment["HOME"] ?? NSHomeDirectory()
        let terminal: Terminal
        do {
            terminal = try Terminal(environment: environment)
        } catch {
            Console.error(
                "switchboard: cannot open the dashboard (\(error)); running headless like `switchboard serve`"
            )
            let options = serverOptions
            try await ServeCommand.serve(config: config, adjust: { options.apply(to: $0) })
            return
        }
        let wantedLogPath = logFile ?? LogFile.defaultPath(environment: environment, home: home)
        let redirected = LogFile.redirectStandardError(to: wantedLogPath)
        let savedStandardError = redirected?.saved
        let logPath = redirected?.path ?? wantedLogPath
        let logger = ProxyLogging.bootstrap(config: config, role: "dashboard")
        for warning in config.warnings { logger.warning("config: \(warning)") }
        logger.info("dashboard started; config: \(config.source)")

        let store = ConfigStore(config)
        let stateFile = RouteStateFile(config: config, homeDirectory: home)
        for (route, model) in stateFile.apply(to: store.routes, config: config, warn: { logger.warning("\($0)") }) {
            logger.info("route \(route) switched to \(model) (saved in \(stateFile.path))")
        }
        let events = EventBus()
        let buffer = EventBuffer()
        events.attach(buffer)
        let shutdown = ShutdownTrigger()
        let shared = DashboardShared(
            store: store,
            buffer: buffer,
            stateFile: stateFile,
            configDescription: config.source.description,
            logPath: logPath,
            startedAt: Date(),
            onQuit: { shutdown.trigger() }
        )
        let dashboard = DashboardService(shared: shared, terminal: TerminalHandOff(terminal))
        let runner = ProxyRunner(config: config, logger: logger, events: events, store: store)
        var leading: [any Service] = [dashboard]
        if let ledger = runner.ledger {
            leading.append(
                LedgerFeed(path: ledger.path, ledger: ledger, inbox: shared.ledgerInbox, startedAt: shared.startedAt)
            )
        }
        var failure: (any Error)?
        do {
            let options = serverOptions
            try await runner.run(
                leadingServices: leading,
                shutdown: shutdown,
                adjust: { options.apply(to: $0) },
                onListening: { url in
                    shared.listenAddress.withLock { $0 = url }
                    logger.info("listening on \(url)")
                }
            )
        } catch {
            failure = error
        }
        terminal.close()
        if let savedStandardError { LogFile.restoreStandardError(savedStandardError) }
        if let failure = failure as? ListenFailure {
            Console.error("switchboard: \(failure.message)")
            throw ExitCode(ListenPreflight.exitCode)
        }
        if let failure {
            Console.error("switchboard: \(failure) (log: \(logPath))")
            throw ExitCode(1)
        }
        if shared.setupRequested.load(ordering: .relaxed) {
            SetupOffer.runSetupThenComeBack()
        }
        Console.out("Switchboard stopped. Log: \(logPath)")
    }
}
