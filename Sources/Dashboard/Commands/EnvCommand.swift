import ArgumentParser
import Foundation
import Proxy

/// `switchboard env`: `export` lines that point Claude Code at the proxy.
struct EnvCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "env",
        abstract: "Print export lines for: eval \"$(switchboard env)\""
    )

    @OptionGroup var configOptions: ConfigOptions

    func run() async throws {
        let config = try configOptions.load()
        Console.out(EnvScript(config: config, stdoutIsTerminal: isatty(1) == 1).text)
    }
}

/// The script `env` prints. The client token is written as a reference to its variable when
/// the config reads it from one; a literal `APIKEY` is only written when the output goes to a
/// pipe (`eval "$(…)"`), never onto a terminal screen.
struct EnvScript {
    let config: SwitchboardConfig
    let stdoutIsTerminal: Bool

    var text: String {
        let host = ["0.0.0.0", "::", ""].contains(config.host) ? "127.0.0.1" : config.host
        let url = "http://\(host.contains(":") ? "[\(host)]" : host):\(config.port)"
        let token: String
        if config.apiKey == nil {
            token = "\"switchboard\""
        } else if let variable = config.apiKeyVariable {
            token = "\"${\(variable)}\""
        } else if stdoutIsTerminal {
            token = "\"<APIKEY from \(config.source.path ?? "the config") — run: eval \\\"$(switchboard env)\\\">\""
        } else {
            token = Self.shellQuote(config.apiKey!)
        }
        return """
            export ANTHROPIC_BASE_URL=\(Self.shellQuote(url))
            export ANTHROPIC_AUTH_TOKEN=\(token)
            export API_TIMEOUT_MS=\(config.apiTimeoutMilliseconds)
            export CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1
            """
    }

    static func shellQuote(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
