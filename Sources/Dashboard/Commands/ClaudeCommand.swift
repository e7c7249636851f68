import ArgumentParser
import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import Proxy

/// `switchboard claude [claude args…]`: Claude Code pointed at Switchboard. When no Switchboard
/// answers at the configured address, the proxy runs headless in this process for the life of
/// that Claude Code (its log goes to a file: the terminal is Claude Code's) and stops after.
/// The exit status is Claude Code's.
struct ClaudeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "claude",
        abstract: "Run Claude Code pointed at Switchboard, starting the proxy for its life when none is running.",
        discussion: """
            Every argument after the options is passed to Claude Code (`switchboard claude -p "hi"`,
            `switchboard claude --resume ID`). Claude Code is `claude` on PATH, or $SWITCHBOARD_CLAUDE.
            The exit status is Claude Code's; 127 when it cannot be found.
            """
    )

    @OptionGroup var configOptions: ConfigOptions
    @OptionGroup var serverOptions: ServerOptions

    @Argument(parsing: .captureForPassthrough, help: "Arguments for Claude Code.")
    var claudeArguments: [String] = []

    func run() async throws {
        let config = serverOptions.apply(to: try configOptions.load())
        let environment = ProcessInfo.processInfo.environment
        guard let claude = Self.findClaude(environment: environment) else {
            Console.error(
                "switchboard: Claude Code is not on PATH (install it, or set SWITCHBOARD_CLAUDE to its path)"
            )
            throw ExitCode(127)
        }
        let address = EnvScript.clientURL(config)
        if await Self.isSwitchboard(at: address) {
            throw ExitCode(try await Self.runClaude(claude, arguments: claudeArguments, config: config))
        }
        try await ListenPreflight.check(config)
        // The proxy's own: the terminal belongs to Claude Code, so the log goes to a file.
        let home = environment["HOME"] ?? NSHomeDirectory()
        let logPath =
            (LogFile.defaultPath(environment: environment, home: home) as NSString).deletingLastPathComponent
            + "/switchboard-claude.log"
        try? FileManager.default.createDirectory(
            atPath: (logPath as NSString).deletingLastPathComponent,
            withIntermediateDirectories: true
        )
        if !FileManager.default.fileExists(atPath: logPath) {
            _ = FileManager.default.createFile(atPath: logPath, contents: nil, attributes: [.posixPermissions: 0o600])
        }
        guard let log = FileHandle(forWritingAtPath: logPath) else {
            Console.error("switchboard: cannot write the proxy's log at \(logPath)")
            throw ExitCode(1)
        }
        log.seekToEndOfFile()
        let logger = ProxyLogging.bootstrap(config: config, role: "claude", output: log)
        let shutdown = ShutdownTrigger()
        let listening = AsyncStream<String>.makeStream()
        let runner = ProxyRunner(config: config, logger: logger)
        let options = serverOptions
        // No signal ends the proxy here: Ctrl-C goes to Claude Code too, which decides what it
        // means (it interrupts a turn); the proxy stops when Claude Code exits.
        let proxy = Task {
            try await runner.run(shutdown: shutdown, signals: [], adjust: { options.apply(to: $0) }) { url in
                listening.continuation.yield(url)
                listening.continuation.finish()
            }
        }
        var url: String?
        for await bound in listening.stream { url = bound }
        guard let url else {
            listening.continuation.finish()
            if case .failure(let error) = await proxy.result {
                Console.error("switchboard: the proxy did not start: \(error) (log: \(logPath))")
            }
            throw ExitCode(1)
        }
        logger.info("started for Claude Code on \(url)")
        var started = config
        if let port = Int(url.split(separator: ":").last ?? "") { started.port = port }
        let status = try await Self.runClaude(claude, arguments: claudeArguments, config: started)
        shutdown.trigger()
        _ = await proxy.result
        throw ExitCode(status)
    }

    /// `claude` on PATH, or `$SWITCHBOARD_CLAUDE`.
    static func findClaude(environment: [String: String]) -> String? {
        if let explicit = environment["SWITCHBOARD_CLAUDE"], !explicit.isEmpty {
            return FileManager.default.isExecutableFile(atPath: explicit) ? explicit : nil
        }
        for directory in (environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":") {
            let candidate = "\(directory)/claude"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// Whether a Switchboard (not any server) answers at `address`.
    static func isSwitchboard(at address: String) async -> Bool {
        var request = HTTPClientRequest(url: address + "/health")
        request.method = .GET
        // Nothing listening on loopback is known at once; the HTTP client would retry the
        // connection for the whole second before `switchboard claude` starts its own proxy.
        guard StatuslineCommand.accepts(address) else { return false }
        guard let response = try? await HTTPClient.shared.execute(request, timeout: .seconds(1)),
            response.status == .ok, let body = try? await response.body.collect(upTo: 1024)
        else { return false }
        return String(buffer: body).contains(#""status":"ok""#)
    }

    /// Runs Claude Code with the terminal and the environment `switchboard env` would set.
    static func runClaude(_ path: String, arguments: [String], config: SwitchboardConfig) async throws -> Int32 {
        var environment = ProcessInfo.processInfo.environment
        for (name, value) in EnvScript.variables(config) { environment[name] = value }
        do {
            return try await ChildRun.run(path, arguments: arguments, environment: environment, capture: false).status
                ?? 1
        } catch {
            Console.error("switchboard: cannot run \(path): \(error.localizedDescription)")
            return 127
        }
    }
}
