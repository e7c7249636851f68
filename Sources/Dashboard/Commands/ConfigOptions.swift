import ArgumentParser
import Foundation
import Proxy

/// The options every command that reads the config shares.
struct ConfigOptions: ParsableArguments {
    @Option(
        name: .long,
        help:
            "Config file (default: $SWITCHBOARD_CONFIG, ~/.config/switchboard/config.json, ~/.claude-code-router/config.json)."
    )
    var config: String?

    /// Loads the config, or prints why it cannot and exits non-zero.
    func load() throws -> SwitchboardConfig {
        do {
            return try ConfigLoader().load(explicitPath: config)
        } catch {
            Console.error("switchboard: config error: \(error)")
            throw ExitCode(2)
        }
    }
}

/// The options of commands that run the proxy.
struct ServerOptions: ParsableArguments {
    @Option(name: .long, help: "Address to listen on (default: the config's HOST, else 127.0.0.1).")
    var host: String?

    @Option(name: .long, help: "Port to listen on (default: the config's PORT, else 3456; 0 picks a free one).")
    var port: Int?

    @Option(
        name: .long,
        help: "Log level: trace, debug, info, warn, error (default: the config's LOG_LEVEL, else info)."
    )
    var logLevel: String?

    func validate() throws {
        if let port, !(0...65_535).contains(port) { throw ValidationError("--port must be between 0 and 65535") }
        if let logLevel, LogLevelName.parse(logLevel) == nil {
            throw ValidationError("--log-level must be one of trace, debug, info, warn, error")
        }
    }

    /// `config` with the command-line overrides applied.
    func apply(to config: SwitchboardConfig) -> SwitchboardConfig {
        var config = config
        if let host { config.host = host }
        if let port { config.port = port }
        if let logLevel { config.logLevel = logLevel }
        return config
    }
}

/// Writes to the terminal's standard streams.
enum Console {
    static func error(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }

    static func out(_ text: String) {
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
    }
}
